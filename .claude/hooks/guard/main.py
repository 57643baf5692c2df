"""The hook contract: one PreToolUse call as JSON on stdin, a verdict as the exit code.

Exit 0 with empty stdout is no decision (Claude Code's permission rules apply); exit 2
with the reason on stderr blocks the tool call. Claude Code treats any other exit code
as a non-blocking error, so a guard that crashed would let the call through: every error
of the guard's own (bad input, an unknown input shape, a bug) exits 2 too, and says so.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from guard import HOW_TO, Block

SHELL_TOOLS = ("Bash", "Monitor", "PowerShell")
TEXT_FIELDS = {"Write": "content", "Edit": "new_string", "NotebookEdit": "new_source"}


def check(payload: dict[str, Any]) -> None:
    """Raise :class:`Block` if the tool call in ``payload`` may reach production."""
    from guard import mcp, protect
    from guard.config import Project
    from guard.shell import Walker

    tool, ti = payload.get("tool_name"), payload.get("tool_input")
    if not isinstance(tool, str) or not isinstance(ti, dict):
        raise Block("hook input has no tool_name/tool_input")
    cwd = payload.get("cwd")
    cwd = cwd if isinstance(cwd, str) and cwd else os.getcwd()
    project = Project(os.environ.get("CLAUDE_PROJECT_DIR") or cwd, cwd)
    if tool in SHELL_TOOLS:
        cmd = ti.get("command")
        if tool == "Monitor" and cmd is None and "ws" in ti:
            return
        if not isinstance(cmd, str):
            raise Block(f"{tool} call without a command string")
        Walker(project).shell(cmd, 0, cwd)
    elif tool in (*TEXT_FIELDS, "MultiEdit"):
        path = ti.get("notebook_path") if tool == "NotebookEdit" else ti.get("file_path")
        if not isinstance(path, str) or not path:
            raise Block(f"{tool} call without a file path")
        protect.check_file(path, cwd, f"{tool} of")
        edits = ti.get("edits") if tool == "MultiEdit" else [ti]
        if not isinstance(edits, list):
            raise Block("MultiEdit call without an edits list")
        field = TEXT_FIELDS.get(tool, "new_string")
        if not all(isinstance(e, dict) and isinstance(e.get(field, ""), str) for e in edits):
            raise Block(f"{tool} call with a non-text content field")
        if tool == "Write" and not isinstance(ti.get("content"), str):
            raise Block("Write call without content")
    else:
        mcp.check(tool, ti, project, cwd)


def verdict(raw: str) -> tuple[int, str]:
    """(exit code, stderr) for one hook input; never raises."""
    try:
        try:
            payload = json.loads(raw)
        except ValueError:
            raise Block("hook input is not JSON") from None
        if not isinstance(payload, dict):
            raise Block("hook input is not a JSON object")
        check(payload)
    except Block as b:
        return 2, f"BLOCKED by the hugopipe production guard: {str(b).rstrip('.')}.\n{HOW_TO}\n"
    except BaseException as exc:  # fail closed on anything unexpected, even a SystemExit
        return 2, (
            "BLOCKED by the hugopipe production guard: internal error "
            f"{exc.__class__.__name__}: {exc} (failing closed).\n{HOW_TO}\n"
        )
    return 0, ""


def main() -> None:
    code, err = verdict(sys.stdin.read())
    sys.stderr.write(err)
    sys.exit(code)
