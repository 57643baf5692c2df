"""Every ``hugopipe`` command, in one table: adding a command is one row here plus its module.

``main`` reads this table to import only the module that owns the command being run
(an agent polls ``status`` in a loop; importing every command would cost it), to list
the commands in ``--help`` (in this order, with this help line) and to decide which
commands end with the fast exit (``fastexit.py``). A module's ``register(subparsers)``
adds its commands' arguments; the one-line help comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    #: the module under ``hugopipe.cli`` whose ``register(subparsers)`` adds it
    module: str
    #: the line ``hugopipe --help`` shows
    help: str
    #: ends with ``os._exit`` once its output is flushed (see ``fastexit.py`` for which
    #: commands may: none that holds a Prefect client or buffered logs)
    fast_exit: bool = False
    #: runs with the cyclic garbage collector off (``fastexit.py``)
    gc_off: bool = False


COMMANDS: tuple[Command, ...] = (
    Command(
        "run",
        "cmd_run",
        "trigger a served deployment (publish, maintenance, scheduled-publish, rollback…)",
    ),
    Command("status", "cmd_run", "show a flow run's state and UI link"),
    Command(
        "validate",
        "cmd_validate",
        "build the site and check links, SEO, sitemap, robots, drafts and front matter",
        fast_exit=True,
        gc_off=True,
    ),
    Command(
        "deploy",
        "cmd_deploy",
        "deploy an already built public/ to a non-production target (no Prefect server needed)",
        fast_exit=True,
    ),
    Command(
        "rollback",
        "cmd_rollback",
        "restore the previous release of a non-production environment",
        fast_exit=True,
    ),
    Command("runs", "cmd_inspect", "list recent flow runs"),
    Command("logs", "cmd_inspect", "a run's log lines (optionally one task's)"),
    Command(
        "retries",
        "cmd_inspect",
        "every attempt of every task: state, timing, error, retry delay, failure class, next step",
    ),
    Command(
        "result",
        "cmd_inspect",
        "print (and write, if the flow did not) the run's result file; --latest: the newest",
    ),
    Command(
        "approve",
        "cmd_approval",
        "resume a dev/staging run paused for approval (refuses production: exit 3)",
    ),
    Command(
        "decide",
        "cmd_approval",
        "answer a dev/staging run's decision card with one of its options (refuses production: exit 3)",
    ),
    Command(
        "reject",
        "cmd_approval",
        "reject a paused run (any environment): cancel it with a reason",
    ),
    Command("cancel", "cmd_approval", "cancel a scheduled, running or paused run"),
    Command(
        "submit",
        "cmd_submit",
        "validate a task file and start its run; check expected_outputs when it ends",
    ),
    Command(
        "intake",
        "cmd_intake",
        "pick up tasks/pending/ and finish tasks/in-progress/ (serve.py runs this loop itself)",
    ),
    Command(
        "plan",
        "cmd_plan",
        "dry run: build and show what a deploy would upload/delete (writes nothing)",
    ),
    Command(
        "approval-key",
        "cmd_approvals",
        "init: create the second factor's TOTP secret for the serving process; print its QR code",
    ),
    Command(
        "approvals",
        "cmd_approvals",
        "verify: check the hash-chained approvals log (an edited or deleted entry fails, exit 1)",
    ),
    Command(
        "doctor",
        "cmd_doctor",
        "check Hugo, the Prefect server, deployments, credentials and S3 targets (with fixes)",
    ),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}


def modules() -> list[str]:
    """Each command module once, in the table's order (so ``--help`` lists the table's order)."""
    return list(dict.fromkeys(c.module for c in COMMANDS))
