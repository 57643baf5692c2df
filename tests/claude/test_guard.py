"""The production guard, run as Claude Code runs it: PreToolUse JSON in, exit code + stderr out."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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
#: bypass attempts the guard no longer chases (deep encodings, values computed at run time,
#: scripts): each names the boundary that stops it, and docs/agent-boundary.md lists them
CREDENTIALS = load_corpus("credentials.json")
BOUNDARIES = {"s3-credentials", "approval", "claude-code"}


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
    assert len(CREDENTIALS) >= 20
    assert not {c["why"] for c in CREDENTIALS} & {c["why"] for c in BYPASS}
    assert {c["closed_by"] for c in CREDENTIALS} == BOUNDARIES


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


def test_cases_left_to_the_credentials_return_cleanly(project: Path) -> None:
    """Each is let through on purpose, and the guard says nothing: no block, no crash (a
    crash would block with "internal error"). If a rule starts to catch one, move it to
    bypass.json."""
    noisy = []
    for case, r in _run_all(project, CREDENTIALS):
        if (r.returncode, r.stdout, r.stderr) != (0, "", ""):
            noisy.append((case["why"], r.returncode, r.stderr[:200]))
    assert not noisy, "\n".join(map(str, noisy))


def test_the_docs_name_each_case_and_its_boundary() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "agent-boundary.md").read_text()
    section = doc.split("## Closed by credentials, not by the guard", 1)[1]
    missing = [
        c["why"] for c in CREDENTIALS if f"| {c['why']} | `{c['closed_by']}` |" not in section
    ]
    assert not missing, missing
    for boundary in BOUNDARIES:
        assert f"- `{boundary}`:" in section, boundary


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


def test_split_config_dirs_are_read(tmp_path: Path) -> None:
    root = tmp_path
    site = root / "web"
    (site / "config" / "_default").mkdir(parents=True)
    (site / "hugopipe.toml").write_text(
        '[environments.prod]\ntarget = "prod-eu"\nproduction = true\n'
    )
    (site / "config" / "_default" / "hugo.toml").write_text('title = "Acme"\n')
    (site / "config" / "_default" / "deployment.toml").write_text(
        "# Hugo per-key config file\n"
        '[[targets]]\nname = "test"\nurl = "s3://acme-split-test?region=eu-west-1"\n'
        '[[targets]]\nname = "prod-eu"\nurl = "s3://acme-split-prod?region=eu-west-1"\n'
        'cloudFrontDistributionID = "ESPLITPROD1"\n'
    )
    assert guard(root, "Bash", {"command": "aws s3 cp x s3://acme-split-prod/x"}).returncode == 2
    assert (
        guard(
            root,
            "Bash",
            {
                "command": "aws cloudfront create-invalidation --distribution-id ESPLITPROD1 --paths /x"
            },
        ).returncode
        == 2
    )
    assert guard(root, "Bash", {"command": "aws s3 cp x s3://acme-split-test/x"}).returncode == 0
    assert guard(root, "Bash", {"command": "hugo deploy --target prod-eu"}).returncode == 2


def test_yaml_deploy_config_gives_names_but_not_buckets(tmp_path: Path) -> None:
    """hugopipe.sitetargets reads TOML and JSON only (the flows ask Hugo itself): in a YAML
    site the production target is known by name from hugopipe.toml, its bucket is not, and
    a write to it is left to the credentials (docs/agent-boundary.md)."""
    site = tmp_path / "web"
    (site / "config" / "_default").mkdir(parents=True)
    (site / "hugopipe.toml").write_text(
        '[environments.prod]\ntarget = "prod-eu"\nproduction = true\n'
    )
    (site / "config" / "_default" / "deployment.yaml").write_text(
        "targets:\n  - name: prod-eu\n    url: s3://acme-yaml-prod?region=eu-west-1\n"
    )
    assert guard(tmp_path, "Bash", {"command": "hugo deploy --target prod-eu"}).returncode == 2
    r = guard(tmp_path, "Bash", {"command": "aws s3 cp x s3://acme-yaml-prod/x"})
    assert (r.returncode, r.stderr) == (0, "")


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


def test_the_working_tree_config_is_what_counts(tmp_path: Path) -> None:
    """The guard reads the configuration as it is (no git ``HEAD``): un-marking production
    in the working tree is a deliberate edit, which the credentials answer; a staging
    target re-pointed at the production bucket is still production, by its bucket."""
    root = make_project(tmp_path)
    (root / "site" / "hugopipe.toml").write_text(HUGOPIPE_TOML.replace("production = true\n", ""))
    r = guard(root, "Bash", {"command": f"aws s3 sync public s3://{PROD_BUCKET}"})
    assert (r.returncode, r.stderr) == (0, "")
    (root / "site" / "hugopipe.toml").write_text(HUGOPIPE_TOML)
    (root / "site" / "hugo.toml").write_text(HUGO_TOML.replace("acme-staging-www", PROD_BUCKET))
    assert guard(root, "Bash", {"command": "hugo deploy --target staging"}).returncode == 2
    r = guard(root, "Bash", {"command": "uv run hugopipe run publish --env staging --param x=1"})
    assert r.returncode == 2 and "staging" in r.stderr


def test_scripts_are_not_opened(project: Path, tmp_path: Path) -> None:
    """What a script does at run time meets the agent's credentials, not the guard: running
    one is routine, whatever it holds (docs/agent-boundary.md)."""
    ship = tmp_path / "ship.sh"
    ship.write_text(f"#!/bin/sh\naws s3 sync public s3://{PROD_BUCKET} --delete\n")
    ship.chmod(0o755)
    for cmd in (f"bash {ship}", f". {ship}", str(ship), f"uv run python {tmp_path}/missing.py"):
        r = guard(project, "Bash", {"command": cmd})
        assert (r.returncode, r.stderr) == (0, ""), cmd


def test_approve_is_left_to_the_cli(project: Path) -> None:
    """``hugopipe approve RUN`` asks the Prefect API itself and refuses a production run
    (exit 3; tests/cli/test_cli_contract.py): the guard looks nothing up, so approving a
    staging run works whether or not the guard could reach the API. Naming production on
    the command line is still blocked."""
    run = "11111111-1111-4111-8111-111111111111"
    r = guard(project, "Bash", {"command": f"uv run hugopipe approve {run} --note ok"})
    assert r.returncode == 0, r.stderr
    r = guard(project, "Bash", {"command": f"uv run hugopipe approve {run} --input env=live"})
    assert r.returncode == 2 and "approves a production run" in r.stderr


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


def test_a_guard_that_cannot_read_the_project_rule_blocks_and_says_why(project: Path) -> None:
    """The copy of the hooks in the fixture has no ``src/`` beside it, and ``-S`` keeps the
    test environment's packages away: every call is blocked, with the reason (the guard
    fails closed on its own errors)."""
    copy = project / ".claude" / "hooks" / "guard_production.py"
    payload = {"tool_name": "Bash", "tool_input": {"command": "git status"}, "cwd": str(project)}
    r = subprocess.run(
        [sys.executable, "-S", str(copy)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        env=hook_env(project),
        cwd=project,
    )
    assert r.returncode == 2 and "cannot import hugopipe.projectfile" in r.stderr, r.stderr


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
        "uv run pytest tests/claude -q",
        "uv run hugopipe deploy --site examples/site --target staging --dry-run",
        "git add -A && git commit -m 'guard: smaller' && git push origin HEAD",
        "grep -rn 'DEPLOY TO PRODUCTION' src flows tests | head",
        "scripts/demo.sh stop",
    ],
)
def test_routine_calls_in_this_repository(command: str) -> None:
    """The README's test command, a read of a production object, the hook itself: never blocked."""
    root = Path(__file__).resolve().parents[2]
    r = guard(root, "Bash", {"command": command})
    assert r.returncode == 0, r.stderr
