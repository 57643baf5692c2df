"""The CLI's seams: one command table, one exit-code table, core run links, one flow registry."""

from __future__ import annotations

import argparse
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from hugopipe.cli import commands, exits
from hugopipe.cli.exits import Exit
from hugopipe.errors import (
    ConfigError,
    ContentError,
    CredentialsError,
    HugopipeError,
    ProductionRefused,
    TransientError,
)
from tests.support import ROOT

# -- the command table ------------------------------------------------------------------------


def test_every_module_registers_exactly_its_rows() -> None:
    for module_name in commands.modules():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"hugopipe.cli.{module_name}").register(sub)
        rows = [c.name for c in commands.COMMANDS if c.module == module_name]
        assert list(sub.choices) == rows, module_name


def test_help_lists_the_table_in_order() -> None:
    from hugopipe.cli.main import build_parser

    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    listed = [(a.dest, a.help) for a in action._choices_actions]
    assert listed == [(c.name, c.help) for c in commands.COMMANDS]


def test_fast_exit_commands_hold_no_prefect_client() -> None:
    fast = {c.name for c in commands.COMMANDS if c.fast_exit}
    assert fast == {"deploy", "rollback", "validate"}
    assert {c.name for c in commands.COMMANDS if c.gc_off} == {"validate"}


def test_status_imports_only_its_own_module() -> None:
    code = (
        "import sys; from hugopipe.cli.main import build_parser; build_parser('status'); "
        "print(sorted(m for m in sys.modules if m.startswith('hugopipe.cli.cmd_')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['hugopipe.cli.cmd_run']"


# -- the exit-code table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ProductionRefused("x"), Exit.REFUSED),
        (CredentialsError("x"), Exit.UNAVAILABLE),
        (ConfigError("x"), Exit.USAGE),
        (exits.UsageError("x"), Exit.USAGE),
        (exits.TimedOut("x"), Exit.TIMEOUT),
        (exits.CommandFailed("x"), Exit.FAILED),
        (ContentError("x"), Exit.FAILED),
        (TransientError("x"), Exit.UNAVAILABLE),  # an endpoint still failing after the retries
        (HugopipeError("x"), Exit.FAILED),
        (KeyboardInterrupt(), Exit.INTERRUPTED),
        (ValueError("a bug"), None),
    ],
)
def test_errors_map_to_documented_codes(exc: BaseException, code: Exit | None) -> None:
    assert exits.for_error(exc) == code


def test_service_and_task_file_errors() -> None:
    from hugopipe.prefect_rest import ApiUnavailable, NotFound, UnknownRun
    from hugopipe.taskfile import Problem, TaskFileError

    assert exits.for_error(ApiUnavailable("down")) == Exit.UNAVAILABLE
    assert exits.for_error(NotFound("no deployment")) == Exit.FAILED
    assert exits.for_error(UnknownRun("no flow run 'x'")) == Exit.USAGE
    bad = Problem(field="priority", line=4, message="m", fix="f")
    approval = Problem(field="approval_confirmed", line=5, message="m", fix="f")
    assert exits.for_error(TaskFileError("t.md", [bad])) == Exit.USAGE
    assert exits.for_error(TaskFileError("t.md", [bad, approval])) == Exit.REFUSED


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("COMPLETED", Exit.OK),
        ("PAUSED", Exit.PAUSED),
        ("FAILED", Exit.FAILED),
        ("CRASHED", Exit.FAILED),
        ("CANCELLED", Exit.FAILED),
        ("CANCELLING", Exit.FAILED),
        ("RUNNING", Exit.OK),
        ("SCHEDULED", Exit.OK),
    ],
)
def test_run_states_map_to_codes(state: str, code: Exit) -> None:
    assert exits.for_run_state(state) == code


def test_report_renders_file_line_and_hint(capsys: pytest.CaptureFixture[str]) -> None:
    code = exits.report(ConfigError("unknown key", file="hugopipe.toml", line=3, hint="remove it"))
    assert code == Exit.USAGE
    assert capsys.readouterr().err == "error: hugopipe.toml:3: unknown key\n  hint: remove it\n"
    with pytest.raises(ValueError):
        exits.report(ValueError("a bug keeps its traceback"))


def test_commands_do_not_choose_codes_for_errors() -> None:
    """No command module catches an error only to return a code: that is the table's job."""
    owned = ["cmd_run", "cmd_inspect", "cmd_approval", "cmd_submit", "cmd_doctor"]
    for name in owned:
        tree = ast.parse((ROOT / "src/hugopipe/cli" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler):
                returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
                assert not any(
                    isinstance(r.value, ast.Attribute)
                    and isinstance(r.value.value, ast.Name)
                    and r.value.value.id == "Exit"
                    for r in returns
                ), f"{name}.py:{node.lineno} maps an exception to an exit code"


# -- core, not CLI: run links and the REST client -------------------------------------------------


def test_run_links_are_v2_links_built_in_core(monkeypatch: pytest.MonkeyPatch) -> None:
    from hugopipe.prefect_rest import ui_url

    monkeypatch.setenv("PREFECT_UI_URL", "http://ui.example:4200/")
    assert ui_url("abc") == "http://ui.example:4200/v2/runs/flow-run/abc"
    monkeypatch.setenv("PREFECT_UI_URL", "http://ui.example:4200/v2")
    assert ui_url("abc") == "http://ui.example:4200/v2/runs/flow-run/abc"
    monkeypatch.delenv("PREFECT_UI_URL")
    monkeypatch.setenv("PREFECT_API_URL", "http://api.example:4200/api")
    monkeypatch.setenv("PREFECT_HOME", "/nonexistent")
    assert ui_url("abc") == "http://api.example:4200/v2/runs/flow-run/abc"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_flows_and_tasks_never_import_the_cli() -> None:
    for path in [*(ROOT / "flows").glob("*.py"), *(ROOT / "tasks").glob("*.py")]:
        assert not any(m.startswith("hugopipe.cli") for m in _imports(path)), path


def test_core_run_modules_never_import_prefect_or_the_cli() -> None:
    core = ["prefect_rest", "run_control", "run_results", "flows_registry", "local_task"]
    for name in core:
        mods = _imports(ROOT / "src/hugopipe" / f"{name}.py")
        assert not any(m == "prefect" or m.startswith("prefect.") for m in mods), name
        assert not any(m.startswith("hugopipe.cli") for m in mods), name
