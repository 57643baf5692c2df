"""Argument parsing and dispatch for ``hugopipe``.

Each command group lives in ``cmd_<name>.py`` exposing ``register(subparsers)``;
modules import heavy dependencies inside their ``run`` so ``hugopipe status``
starts fast. Any ``HugopipeError`` becomes a one-line message on stderr with a
hint and a documented exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hugopipe.cli.output import EXIT_CODES_HELP, Exit, error
from hugopipe.errors import CredentialsError, HugopipeError, ProductionRefused

COMMAND_MODULES = (
    "cmd_run",
    "cmd_validate",
    "cmd_deploy",
    "cmd_rollback",
    "cmd_control",
    "cmd_submit",
    "cmd_plan",
    "cmd_doctor",
)

#: Which module registers a command, so ``hugopipe status`` imports one module, not all of
#: them (an agent polls read commands in a loop). Commands not listed here still work:
#: the parser falls back to importing every module in ``COMMAND_MODULES``.
COMMANDS: dict[str, str] = {
    "run": "cmd_run",
    "status": "cmd_run",
    "runs": "cmd_control",
    "logs": "cmd_control",
    "retries": "cmd_control",
    "result": "cmd_control",
    "approve": "cmd_control",
    "reject": "cmd_control",
    "cancel": "cmd_control",
    "submit": "cmd_submit",
    "plan": "cmd_plan",
    "doctor": "cmd_doctor",
    "validate": "cmd_validate",
    "deploy": "cmd_deploy",
    "rollback": "cmd_rollback",
}


def _new_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(
        prog="hugopipe",
        description="Publish Hugo sites through Prefect; Claude Code's control plane CLI. "
        "stdout carries data only (use --json for machine output); messages go to stderr.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from hugopipe import __version__

    parser.add_argument("--version", action="version", version=f"hugopipe {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser, subparsers


def _register(subparsers: argparse._SubParsersAction, name: str) -> None:
    try:
        module = importlib.import_module(f"hugopipe.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"hugopipe.cli.{name}":
            return  # command group not installed in this build
        raise
    module.register(subparsers)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (fast path) only the module that owns ``command``."""
    module = COMMANDS.get(command or "")
    if module:
        parser, subparsers = _new_parser()
        _register(subparsers, module)
        if command in subparsers.choices:
            return parser
    parser, subparsers = _new_parser()
    for name in COMMAND_MODULES:
        _register(subparsers, name)
    return parser


def _command(argv: list[str]) -> str | None:
    """The first positional argument (the command), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


# Commands that end with os._exit (see ``entry``). Never add one that holds a Prefect
# client, buffered logs or anything else an atexit handler must flush.
QUICK_EXIT = frozenset({"deploy", "rollback", "validate"})


def entry() -> None:
    """The console script: ``main``, then a quick exit for the ``QUICK_EXIT`` commands.

    After a deploy, tearing down the interpreter (botocore's service models, boto3's
    modules) costs 0.1-0.2 s, a tenth of a no-change deploy. Those commands hold no
    Prefect client and no buffered logs, and every write they start has finished when
    they return (at most a read-only hashing thread is left after an early error), so
    once stdout and stderr are flushed the process ends with ``os._exit``. After Ctrl-C
    (130) it exits normally, so uploads already in flight finish. ``main`` itself never
    exits: tests call it in-process.
    """
    command = _command(sys.argv[1:])
    quick = command in QUICK_EXIT
    if quick:
        from hugopipe.cli import output

        output.QUICK_EXIT_AHEAD = True
    if command == "validate":
        import gc

        # Nothing validation allocates needs the cyclic collector before the exit, and it
        # would walk the 23,000 page records once for nothing (0.1 s). Not for deploy:
        # botocore makes reference cycles per request, and a big upload would pile them up.
        gc.disable()
    code = main()
    if code != 130 and quick:
        import os

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return Exit.USAGE
    try:
        return int(args.func(args))
    except ProductionRefused as exc:
        error(exc.message, hint=exc.hint)
        return Exit.REFUSED
    except CredentialsError as exc:
        error(str(exc.message), hint=exc.hint)
        return Exit.UNAVAILABLE
    except HugopipeError as exc:
        from hugopipe.cli.api import ApiUnavailable

        where = exc.location()
        error(f"{where}: {exc.message}" if where else exc.message, hint=exc.hint)
        if isinstance(exc, ApiUnavailable):
            return Exit.UNAVAILABLE
        from hugopipe.errors import ConfigError

        return Exit.USAGE if isinstance(exc, ConfigError) else Exit.FAILED
    except KeyboardInterrupt:
        error("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    entry()
