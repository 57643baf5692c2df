"""The committed .claude/ configuration: parses, names only paths that exist, valid front matter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLAUDE = ROOT / ".claude"
SETTINGS = json.loads((CLAUDE / "settings.json").read_text())
RULE = re.compile(r"^(Bash|Read|Edit|WebFetch|Skill|Agent|mcp__[\w-]+)(\((.+)\))?$")


def _commands() -> list[str]:
    return [
        h["command"]
        for groups in SETTINGS["hooks"].values()
        for group in groups
        for h in group["hooks"]
    ]


def test_settings_shape() -> None:
    perms = SETTINGS["permissions"]
    assert set(perms) >= {"allow", "ask", "deny"}
    for kind in ("allow", "ask", "deny"):
        for rule in perms[kind]:
            assert RULE.match(rule), f"not a permission rule: {rule!r}"
            assert not rule.startswith(("Write(", "MultiEdit(")), (
                "Claude Code never consults Write/MultiEdit permission rules; use Edit(...)"
            )
    assert perms.get("disableBypassPermissionsMode") == "disable"
    pre = SETTINGS["hooks"]["PreToolUse"]
    matchers = {g["matcher"] for g in pre}
    assert any(
        {"Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "Monitor"} <= set(m.split("|"))
        for m in matchers
    )
    for group in pre:
        for h in group["hooks"]:
            assert "if" not in h, "an `if` filter would let `bash -c` wrappers skip the guard"
            assert h["timeout"] <= 30
            assert h["command"].rstrip().endswith("|| exit 2"), "a crashed guard must still block"
    assert SETTINGS["hooks"]["SessionStart"]


def test_routine_commands_are_allowed_and_production_writes_are_not() -> None:
    allow = SETTINGS["permissions"]["allow"]
    deny = SETTINGS["permissions"]["deny"]
    for needed in (
        "validate",
        "run publish --env staging",
        "status",
        "runs",
        "logs",
        "retries",
        "result",
        "plan",
        "doctor",
        "submit",
    ):
        assert any(f"uv run hugopipe {needed}" in r for r in allow), needed
    assert not any("production" in r or "approve" in r for r in allow)
    ask = SETTINGS["permissions"]["ask"]
    assert any("hugo deploy" in r for r in ask) and any("prefect api" in r for r in deny)
    assert "Edit(/.claude/hooks/**)" in deny and "Edit(/.claude/settings.json)" in deny


def test_every_path_the_settings_name_exists() -> None:
    for command in _commands():
        for rel in re.findall(r'\$CLAUDE_PROJECT_DIR"?(/[^\s"|;]+)', command):
            assert (ROOT / rel.lstrip("/")).is_file(), rel
    for kind in ("allow", "ask", "deny"):
        for rule in SETTINGS["permissions"][kind]:
            m = re.match(r"^(Read|Edit)\((.+)\)$", rule)
            if m:
                pattern = m.group(2)
                if re.search(r"[*?\[]", pattern):  # a glob: the directory it starts in must exist
                    pattern = re.split(r"[*?\[]", pattern, maxsplit=1)[0].rsplit("/", 1)[0]
                assert (ROOT / pattern.lstrip("/")).exists(), rule


def _front_matter(path: Path) -> dict:
    text = path.read_text()
    assert text.startswith("---\n"), f"{path} has no front matter"
    front, _body = text[4:].split("\n---\n", 1)
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("name", ["publish", "status", "retries", "new-page"])
def test_command_front_matter(name: str) -> None:
    data = _front_matter(CLAUDE / "commands" / f"{name}.md")
    assert data["description"] and data["argument-hint"]
    tools = data["allowed-tools"]
    for rule in [t.strip() for t in re.split(r",\s*(?=Bash\()", tools)]:
        assert RULE.match(rule), rule
        assert (
            "production" not in rule
            and "approve" not in rule
            and "deploy" not in rule.split("hugopipe")[0]
        )


def test_skill_front_matter_and_contracts() -> None:
    path = CLAUDE / "skills" / "hugo-pipeline" / "SKILL.md"
    data = _front_matter(path)
    assert data["name"] == "hugo-pipeline" and len(data["description"]) <= 1024
    text = path.read_text()
    for needed in (
        "task_type",
        "expected_outputs",
        "requires_approval",
        "results/YYYY-MM-DD",
        "failure_class",
        "/v2/runs/flow-run/",
    ):
        assert needed in text, needed
    assert "/runs/flow-run/" not in text.replace("/v2/runs/flow-run/", "")


def test_claude_md_is_short_and_imports_exist() -> None:
    text = (ROOT / "CLAUDE.md").read_text()
    assert len(text.splitlines()) <= 60
    imports = re.findall(r"^@(\S+)", text, flags=re.M)
    assert imports
    for rel in imports:
        assert (ROOT / rel).is_file(), rel
    for needed in (
        "DEPLOY TO PRODUCTION",
        "/v2/runs/flow-run/",
        "run publish --env staging",
        "credentials",
        "template",
    ):
        assert needed in text


def test_no_deny_rule_blocks_a_routine_command() -> None:
    """Permission rules match a command's text, not what it does: a rule like
    ``Bash(*s3://<production bucket>*)`` blocks reading a production object, one like
    ``Bash(*DEPLOY TO PRODUCTION*)`` a grep of the README. The guard hook judges those; the
    deny list keeps only rules that start with the writing command itself."""
    import fnmatch
    import json as _json

    routine = _json.loads((ROOT / "tests/claude/corpus/routine.json").read_text())
    commands = [c["command"] for c in routine if "command" in c]
    commands += [
        "aws s3 cp s3://hugopipe-example-production/index.html -",
        'grep -n "DEPLOY TO PRODUCTION" README.md',
        'grep -rn "hugo deploy" docs',
        "prefect api GET /flow_runs/abc",
    ]
    rules = [r[5:-1] for r in SETTINGS["permissions"]["deny"] if r.startswith("Bash(")]
    for command in commands:
        for rule in rules:
            assert not fnmatch.fnmatchcase(command, rule), (rule, command)
