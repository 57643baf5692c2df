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
)


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"hugopipe.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hugopipe.cli.{name}":
                continue  # command group not installed in this build
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
    sys.exit(main())
