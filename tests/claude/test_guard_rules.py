"""The guard's hugopipe CLI rules: approve, deploy, rollback, run publish for production."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import guard_module, make_project

rules = guard_module("rules")
prefect = guard_module("prefect")
config = guard_module("config")
lexer = guard_module("lexer")
Block = guard_module("main").Block
RUN = "3f1c2a9e-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def know() -> Iterator:
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-rules-") as tmp:
        root = make_project(Path(tmp))
        yield config.Project(str(root), str(root)).know


def run(know, command: str) -> None:
    (cmd,) = lexer.lex(command)
    rules.check(cmd.argv[1:], command, know)


@pytest.mark.parametrize(
    "command",
    [
        "hugopipe validate --site site --json",
        "hugopipe run publish --env staging --wait --json",
        "hugopipe run publish --env live --wait",
        # a production rollback run waits for the same approval as a publish (issue 16)
        "hugopipe run rollback --env live --wait",
        "hugopipe run rollback --env live --param to_release=r0123456789abcde --wait",
        "hugopipe deploy --site site --env staging --dry-run",
        f"hugopipe reject {RUN} --reason 'wrong copy'",
        f"hugopipe status {RUN} --json",
        "hugopipe plan --env live --json",
        "hugopipe approve",
        "hugopipe --help",
    ],
)
def test_routine_commands_pass(know, command: str) -> None:
    run(know, command)


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (f"hugopipe approve {RUN} --input env=live", "approves a production run"),
        ("hugopipe approve $(hugopipe runs --json)", "computed at run time"),
        ("hugopipe deploy --site site --env live", "outside the approval flow"),
        ("hugopipe deploy --site site --target LIVE", "outside the approval flow"),
        ("hugopipe deploy --site site --env $E", "outside the approval flow"),
        ("hugopipe rollback --env production", "outside the approval flow"),
        ("hugopipe run maintenance --env live", "only the publish and rollback flows"),
        ("hugopipe run rollback --env live --deployment x", "no --deployment, no other --param"),
        ("hugopipe run rollback --env live --param skip=1", "no --deployment, no other --param"),
        ("hugopipe run rollback --env live --param", "no --deployment, no other --param"),
        ("hugopipe run publish --env live --param skip_approval=true", "no --deployment/--param"),
        ("hugopipe run publish --env live --deployment x", "no --deployment/--param"),
        ("hugopipe run maintenance $ARGS", "computed at run time"),
        ("hugopipe $CMD", "computed at run time"),
    ],
)
def test_production_outside_the_approval_flow_is_blocked(know, command: str, why: str) -> None:
    with pytest.raises(Block, match=why):
        run(know, command)


def test_approve_asks_about_each_run(know, monkeypatch) -> None:
    seen: list[str] = []

    def fake_get(path: str) -> bytes:
        seen.append(path)
        return b'{"parameters": {"env": "dev"}}'

    monkeypatch.setattr(prefect, "api_get", fake_get)
    run(know, f"hugopipe approve {RUN} --note 'looks good'")
    assert seen == [f"/flow_runs/{RUN}"]


def test_run_ids_skip_option_values() -> None:
    (cmd,) = lexer.lex("approve a --note n --input k=v b --json")
    assert [w.text for w in rules.run_ids(cmd.argv[1:])] == ["a", "b"]
