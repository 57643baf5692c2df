"""The guard's walker and its helpers: wrappers, nested shells, the text rules, protected
files, MCP calls, and the hook contract (fails closed on its own errors, and says so)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import PROD_BUCKET, PROD_DIST, guard_module, make_project

config = guard_module("config")
lexer = guard_module("lexer")
main = guard_module("main")
mcp = guard_module("mcp")
protect = guard_module("protect")
shell = guard_module("shell")
text = guard_module("text")
Block = main.Block


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-shell-") as tmp:
        yield make_project(Path(tmp))


@pytest.fixture(scope="module")
def project(root: Path):
    return config.Project(str(root), str(root))


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
        ("uvx --from awscli aws s3 ls", "aws"),
        ("A=1 B=2 hugopipe validate", "hugopipe"),
        ("xargs -I{} aws s3 sync public s3://{}", "aws"),
        ("uv run python3 -m hugopipe deploy", "hugopipe"),
        ("python -m pytest -q", "pytest"),
    ],
)
def test_unwrap_finds_the_program(command: str, program: str) -> None:
    argv = words(command)
    assert argv[shell.unwrap(argv)].text == program


@pytest.mark.parametrize(
    "command",
    [
        f"sh -c 'aws s3 sync public s3://{PROD_BUCKET}'",
        "bash -o pipefail -lc 'cd site && hugo deploy --target live'",
        f"eval aws s3 rb s3://{PROD_BUCKET}",
        f"echo $(aws s3 rm s3://{PROD_BUCKET}/index.html)",
        f"bash <<'EOF'\naws s3 sync public s3://{PROD_BUCKET}\nEOF",
        "export HUGO_DEPLOYMENT_TARGET=live; cd site && hugo deploy",
        f"B={PROD_BUCKET}; curl -X PUT --upload-file f http://127.0.0.1:4566/$B/f",
        "cd .claude && rm -f hooks/guard_production.py",
    ],
)
def test_the_walker_follows_plain_nesting(root: Path, project, command: str) -> None:
    with pytest.raises(Block):
        shell.Walker(project).shell(command, 0, str(root))


@pytest.mark.parametrize(
    "command",
    [
        "scripts/test.sh tests/claude -q",
        "python3 .claude/hooks/guard_production.py < payload.json",
        f"aws s3 cp s3://{PROD_BUCKET}/index.html - | head",
        f"sh -c 'aws s3 cp s3://{PROD_BUCKET}/index.html -'",  # a read, wrapped
        "git status && uv run pytest -q",
        f"git commit -m 'aws s3 sync public s3://{PROD_BUCKET} is refused by S3'",
        "grep -rn 'flow_runs/.*/resume' src",
    ],
)
def test_routine_commands_walk_clean(root: Path, project, command: str) -> None:
    shell.Walker(project).shell(command, 0, str(root))


def test_nesting_has_a_limit(root: Path, project) -> None:
    deep = "echo hi"
    for _ in range(10):
        deep = f"sh -c {json.dumps(deep)}"
    with pytest.raises(Block, match="too deeply"):
        shell.Walker(project).shell(deep, 0, str(root))


@pytest.mark.parametrize(
    "body",
    [
        "curl -X POST http://127.0.0.1:4200/api/flow_runs/x/resume",
        "curl -X POST http://127.0.0.1:4200/api/flow_runs/x/%72esume",
        "curl -X POST '$API/flow_runs/$ID/res''ume'",
        "httpx.post(f'{api}/flow_runs/{rid}/input', json={'key': 'k'})",
        "resume_flow_run(rid, run_input={})",
        """requests.post(u, json={"confirmation": "DEPLOY TO PRODUCTION"})""",
        f"s3cmd put index.html s3://{PROD_BUCKET}/",
        f"cf.create_invalidation(DistributionId='{PROD_DIST}')",
    ],
)
def test_text_rules_block(project, body: str) -> None:
    with pytest.raises(Block):
        text.check(body, project.know, "where")


@pytest.mark.parametrize(
    "body",
    [
        "curl http://127.0.0.1:4200/api/flow_runs/x/input/some-key",  # reading an input
        """curl -X POST $API/flow_runs/x/set_state -d '{"state": {"type": "CANCELLED"}}'""",
        "echo type DEPLOY TO PRODUCTION in the UI",  # shown to a person, not sent
        f"curl https://{PROD_BUCKET}.s3.amazonaws.com/index.html",  # a read
        f"s3cmd put index.html s3://{PROD_BUCKET}-staging/",  # another bucket
    ],
)
def test_text_rules_pass(project, body: str) -> None:
    text.check(body, project.know, "where")


def test_protected_files(root: Path) -> None:
    def check(command: str) -> None:
        (cmd,) = lexer.lex(command)
        protect.check_command(cmd.argv, cmd.redirs, str(root))

    for ok in (
        "cat .claude/settings.json",
        "python3 .claude/hooks/guard_production.py",
        "cp .claude/settings.json /tmp/s.json",
        "git add .claude/settings.json",
        "grep -rn write_text .claude/hooks",
        "cp notes.txt .",
    ):
        check(ok)
    for bad in (
        "cp x .claude/hooks/guard/lexer.py",
        "rm -rf .claude",
        "echo {} > .claude/settings.local.json",
        "git restore .claude/hooks",
        "find .claude -delete",
        "sed -i s/a/b/ .claude/settings.json",
        "sort -o .claude/settings.json x",
    ):
        with pytest.raises(Block, match="production guard"):
            check(bad)
    assert protect.protected_file(str(root / ".claude/hooks/x.py"), None)
    assert not protect.protected_file("site/hugo.toml", str(root))


@pytest.mark.parametrize(
    ("tool", "tool_input", "blocked"),
    [
        ("mcp__prefect__resume_flow_run", {"flow_run_id": "x"}, True),
        ("mcp__aws__put_object", {"bucket": PROD_BUCKET, "key": "k"}, True),
        ("mcp__aws__put_object", {"bucket": "acme-staging-www", "key": "k"}, False),
        ("mcp__aws__get_object", {"bucket": PROD_BUCKET, "key": "k"}, False),
        ("mcp__fs__write_file", {"path": ".claude/settings.json", "content": "{}"}, True),
        ("mcp__fs__read_file", {"path": ".claude/settings.json"}, False),
        ("mcp__http__request", {"method": "POST", "url": "http://h/api/flow_runs/x"}, True),
        ("mcp__http__request", {"method": "GET", "url": "http://h/api/flow_runs/x"}, False),
        ("mcp__x__update", {"state": {"type": "SCHEDULED"}}, True),
        ("mcp__github__search_code", {"query": "resume_flow_run DEPLOY TO PRODUCTION"}, False),
    ],
)
def test_mcp_calls_by_what_they_do(
    root: Path, project, tool: str, tool_input: dict, blocked: bool
) -> None:
    if blocked:
        with pytest.raises(Block):
            mcp.check(tool, tool_input, project, str(root))
    else:
        mcp.check(tool, tool_input, project, str(root))


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
    assert code == 2 and "internal error RuntimeError: a bug (failing closed)" in err


def test_verdict_blocks_even_a_system_exit(monkeypatch) -> None:
    """Code the guard imports (hugopipe.projectfile) cannot make the hook exit 0."""

    def leave(payload: dict) -> None:
        raise SystemExit(0)

    monkeypatch.setattr(main, "check", leave)
    assert main.verdict("{}")[0] == 2
