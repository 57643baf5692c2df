"""Every exit code ``hugopipe`` returns, and the one table that maps what happened to one.

gh's rule: the exit code says what happened, so a caller branches without parsing
text. Commands raise (a ``HugopipeError`` subclass) or return an ``Exit``; a run's
state becomes a code through ``for_run_state``; an exception becomes a code through
``for_error``, and ``report`` is the one place that renders it on stderr. No command
maps exceptions to codes itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from hugopipe.errors import (
    ConfigError,
    CredentialsError,
    HugopipeError,
    ProductionRefused,
    RunBusy,
    TransientError,
    Unreachable,
)


class Exit(IntEnum):
    OK = 0
    FAILED = 1  # the operation ran and failed
    USAGE = 2  # bad flag, bad input file, unknown environment or site
    REFUSED = 3  # production outside the approval UI
    UNAVAILABLE = 4  # Prefect API / S3 endpoint unreachable, credentials missing
    PAUSED = 5  # the run waits for a human approval
    TIMEOUT = 6  # gave up waiting
    BUSY = 7  # a task waits in pending/ behind an earlier run of the same site and environment
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODES_HELP = """exit codes:
  0  success
  1  the operation ran and failed (build failed, errors found, run failed)
  2  usage or input error (bad flag, malformed task file, unknown environment, site or run id)
  3  refused: production is approved only in the Prefect UI
  4  a required service is unreachable or credentials are missing
  5  the run is paused, waiting for approval (the UI link is printed)
  6  timed out waiting
  7  a task waits in pending/ behind an earlier run of the same site and environment
"""


class UsageError(HugopipeError):
    """A flag or input the command cannot use (exit 2)."""


class CommandFailed(HugopipeError):
    """The operation ran and failed: the server refused a resume, a run is already over (exit 1)."""


class TimedOut(HugopipeError):
    """Gave up waiting for a run (exit 6)."""


def _task_file(exc: BaseException) -> Exit:
    # a task file that tries to carry a production approval is refused, not just malformed
    problems = getattr(exc, "problems", [])
    return Exit.REFUSED if any(p.field == "approval_confirmed" for p in problems) else Exit.USAGE


#: Exception → exit code (or a function of the exception), most specific first: the
#: first class that matches wins. Classes named ``"module:Class"`` are looked up only
#: if their module is loaded: importing the REST client or the task-file reader here
#: would cost every command (validate, deploy) their imports, and an exception of such
#: a class exists only once its module was imported anyway.
_BY_ERROR: tuple[tuple[type[BaseException] | str, Exit | Callable[[BaseException], Exit]], ...] = (
    (KeyboardInterrupt, Exit.INTERRUPTED),
    # the reader of stdout stopped reading (`… | head`): the command's work is done
    (BrokenPipeError, Exit.OK),
    ("hugopipe.taskfile.model:TaskFileError", _task_file),
    ("hugopipe.approval.log:ApprovalLogInvalid", Exit.FAILED),  # an edited or deleted entry
    (ProductionRefused, Exit.REFUSED),
    (RunBusy, Exit.BUSY),
    (CredentialsError, Exit.UNAVAILABLE),
    (Unreachable, Exit.UNAVAILABLE),
    ("hugopipe.prefect_rest:ApiUnavailable", Exit.UNAVAILABLE),
    (TransientError, Exit.UNAVAILABLE),  # an endpoint still failing after the retries
    # --site names no site of hugopipe-workspace.toml (the error lists the known ones)
    ("hugopipe.sites:UnknownSite", Exit.USAGE),
    ("hugopipe.prefect_rest:UnknownRun", Exit.USAGE),  # a run id that names no run
    (ConfigError, Exit.USAGE),
    (UsageError, Exit.USAGE),
    (TimedOut, Exit.TIMEOUT),
    (HugopipeError, Exit.FAILED),
)

#: A run's state type → exit code, for ``run --wait``, ``status`` and ``submit``.
_BY_RUN_STATE: dict[str, Exit] = {
    "COMPLETED": Exit.OK,
    "PAUSED": Exit.PAUSED,
    "FAILED": Exit.FAILED,
    "CRASHED": Exit.FAILED,
    "CANCELLED": Exit.FAILED,
    "CANCELLING": Exit.FAILED,
}


def _resolve(cls: type[BaseException] | str) -> type[BaseException] | None:
    if not isinstance(cls, str):
        return cls
    module, _, name = cls.partition(":")
    loaded = sys.modules.get(module)
    return getattr(loaded, name, None) if loaded is not None else None


def for_error(exc: BaseException) -> Exit | None:
    """The exit code for ``exc``; None for an exception that is a bug (let it raise)."""
    for cls, code in _BY_ERROR:
        resolved = _resolve(cls)
        if resolved is not None and isinstance(exc, resolved):
            return code if isinstance(code, Exit) else code(exc)
    return None


def for_run_state(state_type: str) -> Exit:
    """A run that is still scheduled, pending or running counts as OK (it was started)."""
    return _BY_RUN_STATE.get(state_type, Exit.OK)


def report(exc: BaseException) -> Exit:
    """Render ``exc`` on stderr (``error: file:line: message`` and its hint); return its code.

    Raises ``exc`` again when it is not one the table knows: a bug keeps its traceback.
    """
    from hugopipe.cli.output import error

    code = for_error(exc)
    if code is None:
        raise exc
    if isinstance(exc, KeyboardInterrupt):
        error("interrupted")
    elif isinstance(exc, BrokenPipeError):
        # nothing more reaches the reader; stdout goes nowhere, so flushing at exit is quiet
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    elif hasattr(exc, "problems"):  # a task file: every problem with its line, then a count
        path: str = getattr(exc, "path", "")
        problems: list[Any] = getattr(exc, "problems", [])
        for p in problems:
            sys.stderr.write("error: " + p.render(path) + "\n")
        sys.stderr.write(f"{len(problems)} problem(s) in {path}; nothing was started.\n")
        sys.stderr.flush()
    elif isinstance(exc, HugopipeError):
        where = exc.location()
        error(f"{where}: {exc.message}" if where else exc.message, hint=exc.hint)
    return code
