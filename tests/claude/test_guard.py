"""The production guard, run as Claude Code runs it: PreToolUse JSON in, exit code + stderr out."""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.claude.support import (
    GUARD,
    HUGO_TOML,
    HUGOPIPE_TOML,
    PROD_BUCKET,
    case_call,
    guard,
    hook_env,
    load_corpus,
    make_project,
    run_hook,
)

BYPASS = load_corpus("bypass.json")
ROUTINE = load_corpus("routine.json")


@pytest.fixture(scope="module")
def project() -> Iterator[Path]:
    # A private directory, not tmp_path_factory: concurrent pytest sessions on the same machine
    # prune each other's old /tmp/pytest-of-<user>/pytest-N trees while a module is still running.
    with tempfile.TemporaryDirectory(prefix="hugopipe-claude-") as tmp:
        yield make_project(Path(tmp))


def _run_all(project: Path, cases: list[dict]) -> list[tuple[dict, subprocess.CompletedProcess]]:
    def one(case: dict):
        tool, tool_input = case_call(case, project)
        return case, guard(project, tool, tool_input, PREFECT_API_URL="http://127.0.0.1:9/api")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, cases))


def test_corpus_sizes() -> None:
    assert len(BYPASS) >= 40
    assert len({json.dumps(c, sort_keys=True) for c in BYPASS}) == len(BYPASS), "duplicates"
    assert len(ROUTINE) >= 20


def test_every_bypass_attempt_is_blocked(project: Path) -> None:
    let_through = []
    for case, r in _run_all(project, BYPASS):
        if r.returncode != 2 or "BLOCKED by the hugopipe production guard" not in r.stderr:
            let_through.append((case["why"], r.returncode, r.stderr[:200]))
        assert r.stdout == "", "a blocking hook prints nothing on stdout (no accidental JSON allow)"
    assert not let_through, "\n".join(map(str, let_through))


def test_every_routine_command_is_let_through(project: Path) -> None:
    blocked = []
    for case, r in _run_all(project, ROUTINE):
        if r.returncode != 0:
            blocked.append((case.get("command") or case["input"], r.stderr[:300]))
        assert r.stdout == "", "the guard never prints an allow decision"
    assert not blocked, "\n".join(map(str, blocked))


def test_message_names_the_learned_bucket_and_the_way_to_production(project: Path) -> None:
    r = guard(project, "Bash", {"command": f"aws s3 sync public s3://{PROD_BUCKET}"})
    assert r.returncode == 2
    assert PROD_BUCKET in r.stderr
    assert "hugopipe run publish --env production" in r.stderr
    assert "DEPLOY TO PRODUCTION" in r.stderr


def test_production_is_learned_from_config_not_from_names(tmp_path: Path) -> None:
    """Swap which environment is production: the same commands flip between allowed and blocked."""
    swapped = make_project(
        tmp_path,
        hugopipe_toml=HUGOPIPE_TOML.replace("production = true\n", "").replace(
            '[environments.staging]\ntarget = "staging"\n',
            '[environments.staging]\ntarget = "staging"\nproduction = true\n',
        ),
    )
    assert (
        guard(swapped, "Bash", {"command": "aws s3 sync public s3://acme-staging-www"}).returncode
        == 2
    )
    assert guard(swapped, "Bash", {"command": "hugo deploy --target staging"}).returncode == 2
    assert (
        guard(swapped, "Bash", {"command": "aws s3 sync public s3://acme-prod-www"}).returncode == 0
    )
    assert guard(swapped, "Bash", {"command": "hugo deploy --target live"}).returncode == 0


def test_hugo_deploy_without_target_follows_the_default(tmp_path: Path) -> None:
    prod_first = HUGO_TOML.replace("[deployment]\n", '[deployment]\ntarget = "live"\n')
    a = make_project(tmp_path / "a", hugo_toml=prod_first)
    b = make_project(tmp_path / "b")
    assert guard(a, "Bash", {"command": "hugo deploy --source site"}).returncode == 2
    assert guard(b, "Bash", {"command": "hugo deploy --source site"}).returncode == 0


def test_yaml_and_split_config_dirs_are_read(tmp_path: Path) -> None:
    root = tmp_path
    site = root / "web"
    (site / "config" / "_default").mkdir(parents=True)
    (site / "hugopipe.toml").write_text(
        '[environments.prod]\ntarget = "prod-eu"\nproduction = true\n'
    )
    (site / "config" / "_default" / "hugo.yaml").write_text("title: Acme\n")
    (site / "config" / "_default" / "deployment.yaml").write_text(
        "# Hugo per-key config file\n"
        "targets:\n"
        "  - name: test\n"
        "    url: s3://acme-yaml-test?region=eu-west-1\n"
        "  - name: prod-eu\n"
        '    url: "s3://acme-yaml-prod?region=eu-west-1"\n'
        "    cloudFrontDistributionID: EYAMLPROD1\n"
    )
    assert guard(root, "Bash", {"command": "aws s3 cp x s3://acme-yaml-prod/x"}).returncode == 2
    assert (
        guard(
            root,
            "Bash",
            {
                "command": "aws cloudfront create-invalidation --distribution-id EYAMLPROD1 --paths /x"
            },
        ).returncode
        == 2
    )
    assert guard(root, "Bash", {"command": "aws s3 cp x s3://acme-yaml-test/x"}).returncode == 0
    assert guard(root, "Bash", {"command": "hugo deploy --target prod-eu"}).returncode == 2


def test_unreadable_config_blocks_storage_writes_but_not_routine_work(tmp_path: Path) -> None:
    root = make_project(tmp_path, hugo_toml=HUGO_TOML + "\n[[deployment.targets]\nbroken = \n")
    r = guard(root, "Bash", {"command": "aws s3 sync public s3://some-other-bucket"})
    assert r.returncode == 2 and "hugo.toml" in r.stderr
    assert guard(root, "Bash", {"command": "hugo deploy --target staging"}).returncode == 2
    assert guard(root, "Bash", {"command": "git status"}).returncode == 0
    assert (
        guard(root, "Bash", {"command": "uv run hugopipe validate --site site --json"}).returncode
        == 0
    )


def test_committed_config_still_counts_after_a_local_edit(tmp_path: Path) -> None:
    """Un-marking production in the working tree does not un-mark it for the guard."""
    root = make_project(tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], check=True)
    (root / "site" / "hugopipe.toml").write_text(HUGOPIPE_TOML.replace("production = true\n", ""))
    (root / "site" / "hugo.toml").write_text(HUGO_TOML.replace('name = "live"', 'name = "blue"'))
    r = guard(root, "Bash", {"command": f"aws s3 sync public s3://{PROD_BUCKET}"})
    assert r.returncode == 2, r.stderr
    assert guard(root, "Bash", {"command": "hugo deploy --target blue"}).returncode == 2


def test_scripts_are_read_before_they_run(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "ship.sh"
    bad.write_text("#!/bin/sh\nset -e\nhugo\naws s3 sync public s3://acme-prod-www --delete\n")
    good = tmp_path / "build.sh"
    good.write_text("#!/bin/sh\nhugo --minify\n")
    bad_py = tmp_path / "ship.py"
    bad_py.write_text("import boto3\nboto3.client('s3').upload_file('a', 'acme-prod-www', 'a')\n")
    for cmd in (
        f"bash {bad}",
        f"sh -e {bad}",
        f". {bad}",
        f"source {bad}",
        f"python3 {bad_py}",
        f"uv run {bad_py}",
    ):
        r = guard(project, "Bash", {"command": cmd})
        assert r.returncode == 2, (cmd, r.stderr)
    bad.chmod(0o755)
    assert guard(project, "Bash", {"command": str(bad)}).returncode == 2
    assert guard(project, "Bash", {"command": f"bash {good}"}).returncode == 0


class _FakePrefect(BaseHTTPRequestHandler):
    runs: ClassVar[dict[str, dict]] = {}

    def do_GET(self) -> None:
        run_id = self.path.rsplit("/", 1)[-1]
        run = self.runs.get(run_id)
        body = json.dumps(run).encode() if run else b'{"detail": "not found"}'
        self.send_response(200 if run else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def fake_prefect():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePrefect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api", _FakePrefect.runs
    server.shutdown()
    server.server_close()


def test_approve_asks_prefect_which_environment_the_run_is(project: Path, fake_prefect) -> None:
    api, runs = fake_prefect
    prod, stag, bare = (
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "33333333-3333-4333-8333-333333333333",
    )
    runs[prod] = {"id": prod, "parameters": {"env": "live"}, "tags": []}
    runs[stag] = {"id": stag, "parameters": {"env": "staging"}, "tags": []}
    runs[bare] = {"id": bare, "parameters": {}, "tags": []}

    r = guard(project, "Bash", {"command": f"uv run hugopipe approve {prod}"}, PREFECT_API_URL=api)
    assert r.returncode == 2 and "production run" in r.stderr
    r = guard(
        project,
        "Bash",
        {"command": f"uv run hugopipe approve {stag} --note ok"},
        PREFECT_API_URL=api,
    )
    assert r.returncode == 0, r.stderr
    assert (
        guard(
            project, "Bash", {"command": f"uv run hugopipe approve {bare}"}, PREFECT_API_URL=api
        ).returncode
        == 2
    )
    # unknown run, and the server down: cannot verify -> blocked
    other = "44444444-4444-4444-8444-444444444444"
    assert (
        guard(
            project, "Bash", {"command": f"uv run hugopipe approve {other}"}, PREFECT_API_URL=api
        ).returncode
        == 2
    )
    r = guard(
        project,
        "Bash",
        {"command": f"uv run hugopipe approve {stag}"},
        PREFECT_API_URL="http://127.0.0.1:9/api",
    )
    assert r.returncode == 2 and "cannot confirm" in r.stderr


@pytest.mark.parametrize(
    "stdin",
    [
        "",
        "not json",
        "[1, 2]",
        '{"tool_name": "Bash"}',
        '{"tool_name": "Bash", "tool_input": {"cmd": "ls"}}',
        '{"tool_name": "Bash", "tool_input": {"command": ["ls"]}}',
        '{"tool_name": "Write", "tool_input": {"content": "x"}}',
        '{"tool_name": "Edit", "tool_input": {"file_path": "/tmp/x.py", "new_string": 5}}',
        '{"tool_name": "MultiEdit", "tool_input": {"file_path": "/tmp/x.py", "edits": "nope"}}',
    ],
)
def test_fails_closed_on_garbage_input(stdin: str, tmp_path: Path) -> None:
    r = run_hook(GUARD, stdin, hook_env(tmp_path), cwd=tmp_path)
    assert r.returncode == 2
    assert "BLOCKED" in r.stderr and r.stdout == ""


def test_settings_command_blocks_when_the_interpreter_fails(tmp_path: Path) -> None:
    """The registered command ends in `|| exit 2`: a crash or a missing python3 blocks too."""
    settings = json.loads(
        (Path(__file__).resolve().parents[2] / ".claude/settings.json").read_text()
    )
    command = settings["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    broken = command.replace("python3", "python3-does-not-exist")
    r = subprocess.run(
        ["bash", "-c", broken],
        input="{}",
        capture_output=True,
        text=True,
        env={"CLAUDE_PROJECT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=10,
    )
    assert r.returncode == 2


def test_guard_is_fast(project: Path) -> None:
    import time

    start = time.monotonic()
    r = guard(
        project, "Bash", {"command": "uv run hugopipe run publish --env staging --wait --json"}
    )
    assert r.returncode == 0
    assert time.monotonic() - start < 3.0, "the hook has a 10 s timeout and a timeout fails open"


def test_the_repository_config_is_learned() -> None:
    """The shipped example site: its production bucket comes from examples/site config."""
    root = Path(__file__).resolve().parents[2]
    r = guard(root, "Bash", {"command": "aws s3 sync public s3://hugopipe-example-production"})
    assert r.returncode == 2 and "hugopipe-example-production" in r.stderr
    assert (
        guard(
            root, "Bash", {"command": "hugo deploy --source examples/site --target production"}
        ).returncode
        == 2
    )
    ok = guard(root, "Bash", {"command": "uv run hugopipe run publish --env staging --wait --json"})
    assert ok.returncode == 0, ok.stderr


@pytest.mark.parametrize(
    "command",
    [
        "scripts/test.sh",
        "scripts/test.sh tests/claude -q -x",
        "bash scripts/test.sh -m 'not browser'",
        "aws s3 cp s3://hugopipe-example-production/index.html -",
        "aws s3api get-object --bucket hugopipe-example-production --key index.html /tmp/i.html",
        "python3 .claude/hooks/guard_production.py < tests/claude/corpus/routine.json",
        "uv run pytest",
    ],
)
def test_routine_calls_in_this_repository(command: str) -> None:
    """The README's test command, a read of a production object, the hook itself: never blocked."""
    root = Path(__file__).resolve().parents[2]
    r = guard(root, "Bash", {"command": command})
    assert r.returncode == 0, r.stderr
