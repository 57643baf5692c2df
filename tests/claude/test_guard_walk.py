"""The guard's shell walker and its helpers: wrappers, interpreters, protected files, the net."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import PROD_BUCKET, guard_module, make_project

config = guard_module("config")
interpreters = guard_module("interpreters")
lexer = guard_module("lexer")
main = guard_module("main")
protect = guard_module("protect")
text = guard_module("text")
walk = guard_module("walk")
wrappers = guard_module("wrappers")
Block = main.Block


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-walk-") as tmp:
        yield make_project(Path(tmp))


def walker(root: Path):
    project = config.Project(str(root), str(root))
    return walk.Walker(project, protect.Protected(str(root), str(root)))


def words(command: str) -> list:
    (cmd,) = lexer.lex(command)
    return cmd.argv


@pytest.mark.parametrize(
    ("command", "program"),
    [
        ("sudo -u deploy env A=1 aws s3 ls", "aws"),
        ("nohup timeout 60 hugo deploy", "hugo"),
        ("flock /tmp/l aws s3 ls", "aws"),
        ("uv run --with boto3 python -c x", "python"),
        ("uv tool run --from awscli aws s3 ls", "aws"),
        ("A=1 B=2 hugopipe validate", "hugopipe"),
        ("xargs -I{} aws s3 sync public s3://{}", "aws"),
    ],
)
def test_unwrap_finds_the_program(command: str, program: str) -> None:
    argv = words(command)
    assert argv[wrappers.unwrap(argv)].text == program


def test_xargs_replacements_are_runtime_values() -> None:
    argv = wrappers.mark_xargs(words("xargs -I % aws cloudfront create-invalidation --id %"))
    assert [w.dyn for w in argv][-2:] == [False, True]


def test_interpreters_say_what_to_inspect_next() -> None:
    (f,) = interpreters.shell("bash", words("-lc 'aws s3 ls'"), True, False, [])
    assert (f.kind, f.text) == ("shell", "aws s3 ls")
    (f,) = interpreters.shell("sh", words("-e ship.sh"), True, False, [])
    assert (f.kind, f.text, f.script_kind) == ("script", "ship.sh", "shell")
    (f,) = interpreters.python(words("-m hugopipe approve x"), True, False, [], "python")
    assert (f.kind, f.text, [w.text for w in f.words]) == ("module", "hugopipe", ["approve", "x"])
    (f,) = interpreters.other("node", words("-e 'x()'"), True, False, [])
    assert (f.kind, f.text) == ("code", "x()")
    with pytest.raises(Block, match="piping into `bash`"):
        interpreters.shell("bash", [], True, True, [])
    with pytest.raises(Block, match="assembled at run time"):
        interpreters.python(words('-c "exec($CODE)"'), True, False, [], "python")
    assert [f.kind for f in interpreters.ssh(words("-p 22 host 'ls $X'"))] == ["shell"]


def test_protected_paths(root: Path) -> None:
    p = protect.Protected(str(root), str(root))
    assert p.path_state(words(".claude/hooks/guard/lexer.py")[0], str(root)) == "inside"
    assert p.path_state(words(".claude")[0], str(root)) == "ancestor"
    assert p.path_state(words("site/hugo.toml")[0], str(root)) is None
    p.check_command(words("cat .claude/settings.json"), 0, str(root))
    p.check_command(words("python3 .claude/hooks/guard_production.py"), 0, str(root))
    with pytest.raises(Block, match="part of the production guard"):
        p.check_command(words("cp x .claude/hooks/guard/lexer.py"), 0, str(root))
    with pytest.raises(Block, match="holds the production guard"):
        p.check_command(words("rm -rf .claude"), 0, str(root))


def test_the_net_stands_back_only_for_plain_aws(root: Path) -> None:
    project = config.Project(str(root), str(root))
    read = f"aws s3 cp s3://{PROD_BUCKET}/index.html -"
    with pytest.raises(Block):
        text.check(project, read, "shell")
    text.check(project, read, "shell", aws_reads=True)
    w = walker(root)
    assert w._aws_only(lexer.lex(read))
    assert not w._aws_only(lexer.lex(f"{read}; rclone sync public r:{PROD_BUCKET}"))
    assert not w._aws_only(lexer.lex(f"aws s3 cp s3://{PROD_BUCKET}/x $(cat f)"))


@pytest.mark.parametrize(
    "command",
    [
        "scripts/test.sh tests/claude -q",
        "bash scripts/test.sh",
        "python3 .claude/hooks/guard_production.py < payload.json",
        f"aws s3 cp s3://{PROD_BUCKET}/index.html - | head",
        "git status && uv run pytest -q",
    ],
)
def test_routine_commands_walk_clean(root: Path, command: str) -> None:
    walker(root).shell(command, 0, str(root))


def test_a_sourced_library_is_read(root: Path, tmp_path: Path) -> None:
    (tmp_path / "lib.sh").write_text(f"aws s3 sync public s3://{PROD_BUCKET}\n")
    (tmp_path / "run.sh").write_text('#!/bin/sh\n. "$(dirname "$0")/lib.sh"\n')
    with pytest.raises(Block, match=r"lib\.sh"):
        walker(root).shell(f"sh {tmp_path}/run.sh", 0, str(root))


def test_hugo_deployment_target_from_the_environment(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("HUGO_DEPLOYMENT_TARGET", "live")
    with pytest.raises(Block, match="production target 'live'"):
        walker(root).shell("hugo deploy --source site", 0, str(root))
    walker(root).shell("hugo deploy --source site --target staging", 0, str(root))


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"tool_name": "Bash", "tool_input": {"command": "git status"}}, 0),
        ({"tool_name": "Bash", "tool_input": {"command": f"aws s3 rb s3://{PROD_BUCKET}"}}, 2),
        ({"tool_name": "Write", "tool_input": {"file_path": "x.md", "content": "production!"}}, 0),
        (
            {
                "tool_name": "Write",
                "tool_input": {"file_path": ".claude/settings.json", "content": ""},
            },
            2,
        ),
        ({"tool_name": "mcp__x__resume_flow_run", "tool_input": {}}, 2),
        ({"tool_name": "Bash"}, 2),
    ],
)
def test_verdict(root: Path, monkeypatch, payload: dict, code: int) -> None:
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(root))
    got, err = main.verdict(json.dumps({"cwd": str(root), **payload}))
    assert got == code, err
    assert (err == "") == (code == 0)


def test_verdict_fails_closed_on_its_own_errors(monkeypatch) -> None:
    def boom(payload: dict) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(main, "check", boom)
    code, err = main.verdict("{}")
    assert code == 2 and "internal error RuntimeError: a bug" in err


def test_verdict_blocks_even_a_system_exit(monkeypatch) -> None:
    """Code the guard imports (hugopipe.projectfile) cannot make the hook exit 0."""

    def leave(payload: dict) -> None:
        raise SystemExit(0)

    monkeypatch.setattr(main, "check", leave)
    assert main.verdict("{}")[0] == 2
