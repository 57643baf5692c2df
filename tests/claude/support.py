"""Helpers for the Claude Code hook tests: a fixture project and the hooks run as Claude Code runs them.

The hooks are separate programs that read one JSON document on stdin; the tests
feed them the documented PreToolUse/SessionStart input and look only at what
Claude Code looks at: the exit code, stdout and stderr.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".claude" / "hooks"
GUARD = HOOKS / "guard_production.py"
SESSION = HOOKS / "session_status.py"
CORPUS = Path(__file__).parent / "corpus"

PROD_BUCKET = "acme-prod-www"
PROD_DIST = "E2ACMEPROD123"

HUGOPIPE_TOML = """\
[environments.dev]
target = "dev"

[environments.staging]
target = "staging"

[environments.live]
target = "live"
production = true
"""

HUGO_TOML = """\
baseURL = "https://www.acme.example/"
title = "Acme"

[deployment]
[[deployment.targets]]
name = "dev"
url = "s3://acme-dev-www?region=us-east-1"

[[deployment.targets]]
name = "staging"
url = "s3://acme-staging-www?region=us-east-1"

[[deployment.targets]]
name = "live"
url = "s3://acme-prod-www?region=us-east-1"
cloudFrontDistributionID = "E2ACMEPROD123"
"""


def make_project(
    root: Path, hugo_toml: str = HUGO_TOML, hugopipe_toml: str = HUGOPIPE_TOML
) -> Path:
    """A minimal project whose production names exist nowhere but in its own config.

    It also holds copies of the repository's test scripts and of the hook itself, so the
    routine corpus can run the README's test command and the hook as a developer would.
    """
    site = root / "site"
    (site / "content").mkdir(parents=True)
    (site / "hugopipe.toml").write_text(hugopipe_toml)
    (site / "hugo.toml").write_text(hugo_toml)
    (site / "content" / "_index.md").write_text("---\ntitle: Welcome home\n---\nWelcome\n")
    (root / "scripts").mkdir(exist_ok=True)
    for name in ("test.sh", "_bootstrap.sh"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    shutil.copytree(HOOKS, root / ".claude" / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def guard_module(name: str) -> ModuleType:
    """A module of the guard package (``.claude/hooks/guard/``), imported for unit tests."""
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    return importlib.import_module(f"guard.{name}")


def hook_env(project: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CLAUDE_"))}
    env["CLAUDE_PROJECT_DIR"] = str(project)
    env.update(extra)
    return env


def pretool_payload(project: Path, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """The documented PreToolUse stdin (hooks reference: common fields + tool fields)."""
    if tool == "Bash":
        tool_input = {
            "description": "test",
            "timeout": 120000,
            "run_in_background": False,
            **tool_input,
        }
    return {
        "session_id": "test-session",
        "transcript_path": str(project / "transcript.jsonl"),
        "cwd": str(project),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_test",
    }


def run_hook(
    script: Path, stdin: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=cwd,
    )


def guard(project: Path, tool: str, tool_input: dict[str, Any], **env: str):
    payload = pretool_payload(project, tool, tool_input)
    return run_hook(GUARD, json.dumps(payload), hook_env(project, **env), cwd=project)


def substitute(obj: Any, root: Path) -> Any:
    if isinstance(obj, str):
        return obj.replace("{root}", str(root))
    if isinstance(obj, dict):
        return {k: substitute(v, root) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute(v, root) for v in obj]
    return obj


def load_corpus(name: str) -> list[dict[str, Any]]:
    return json.loads((CORPUS / name).read_text())


def case_call(case: dict[str, Any], root: Path) -> tuple[str, dict[str, Any]]:
    tool = case.get("tool", "Bash")
    tool_input = case.get("input") or {"command": case["command"]}
    return tool, substitute(tool_input, root)
