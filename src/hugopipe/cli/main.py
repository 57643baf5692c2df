"""Argument parsing and dispatch for ``hugopipe``.

The commands are the rows of ``commands.py``; each module ``cmd_<name>.py`` exposes
``register(subparsers)`` and imports heavy dependencies inside its command
functions, so ``hugopipe status`` starts fast. Whatever a command raises that the
exit table knows (``exits.py``) becomes a one-line message on stderr with a hint
and a documented exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

from hugopipe.cli import exits, fastexit
from hugopipe.cli.commands import BY_NAME, modules
from hugopipe.cli.exits import EXIT_CODES_HELP, Exit


class _Subcommands(argparse._SubParsersAction):
    """Subparsers that take each command's one-line help from the command table."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        command = BY_NAME.get(name)
        if command is None:
            raise AssertionError(f"command {name!r} is not in hugopipe/cli/commands.py")
        kwargs["help"] = command.help
        sub = super().add_parser(name, **kwargs)
        sub.set_defaults(command_parser=sub)  # its own usage line for a misspelt flag (main)
        return sub


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
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", action=_Subcommands)
    return parser, subparsers


def _register(subparsers: argparse._SubParsersAction, module_name: str) -> None:
    try:
        module = importlib.import_module(f"hugopipe.cli.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"hugopipe.cli.{module_name}":
            return  # command group not installed in this build
        raise
    module.register(subparsers)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or (fast path) only the module that owns ``command``."""
    row = BY_NAME.get(command or "")
    if row:
        parser, subparsers = _new_parser()
        _register(subparsers, row.module)
        if command in subparsers.choices:
            return parser
    parser, subparsers = _new_parser()
    for name in modules():
        _register(subparsers, name)
    return parser


def _command(argv: list[str]) -> str | None:
    """The first positional argument (the command), if any."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def entry() -> None:
    """The console script: ``main`` between the fast-exit preparations and ending."""
    command = BY_NAME.get(_command(sys.argv[1:]) or "")
    fastexit.prepare(command)
    code = main()
    fastexit.finish(command, code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code. Never exits: tests call it in-process."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args, extras = parser.parse_known_args(argv)
    if extras:  # said with the command's usage line (`run … --wiat`), not the top level's
        (getattr(args, "command_parser", None) or parser).error(
            "unrecognized arguments: " + " ".join(extras)
        )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return Exit.USAGE
    try:
        return int(args.func(args))
    except (Exception, KeyboardInterrupt) as exc:
        return exits.report(exc)  # raises again what the exit table does not know (a bug)


if __name__ == "__main__":  # pragma: no cover
    entry()
