"""The hook contract: one PreToolUse call as JSON on stdin, a verdict as the exit code.

Exit 0 with empty stdout is no decision (Claude Code's permission rules apply); exit 2
with the reason on stderr blocks the tool call. Claude Code treats any other exit code
as a non-blocking error, so a guard that crashed would let the call through: every error
of the guard's own (bad input, an unknown input shape, a bug) exits 2 too.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from guard import HOW_TO, Block

SHELL_TOOLS = ("Bash", "Monitor", "PowerShell")
FILE_TOOLS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
EXEC_EXTS = {
    *(".sh", ".bash", ".zsh", ".ksh", ".fish", ".py", ".pyw", ".js", ".mjs", ".cjs", ".ts"),
    *(".rb", ".pl", ".php", ".ps1", ".bat", ".cmd", ".mk", ".toml", ".yml", ".yaml", ".json"),
    *(".cfg", ".ini", ".env", ".envrc", ".command", ".tf", ".hcl", ".lua", ".r", ".ipynb", ".nu"),
}
EXEC_NAMES = {"makefile", "gnumakefile", "justfile", "dockerfile", "procfile", "taskfile", ".envrc"}


def check(payload: dict[str, Any]) -> None:
    """Raise :class:`Block` if the tool call in ``payload`` may reach production."""
    from guard import text
    from guard.config import Project
    from guard.protect import Protected, protect_path
    from guard.walk import Walker

    tool = payload.get("tool_name")
    ti = payload.get("tool_input")
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
        Walker(project, Protected(project.root, cwd)).shell(cmd, 0, cwd)
    elif tool in FILE_TOOLS:
        path = ti.get("notebook_path") if tool == "NotebookEdit" else ti.get("file_path")
        if not isinstance(path, str) or not path:
            raise Block(f"{tool} call without a file path")
        protect_path(path, cwd, f"{tool} of")
        for t in _new_texts(tool, ti):
            if "disableAllHooks" in t:
                raise Block("content sets disableAllHooks, which would switch the guard off")
            if _runs(path, t):
                text.check(project, t, "content", f"the file being written ({path})")
    else:
        # MCP and anything else routed here: by what the input asks for (guard.mcp), then
        # the substring net over the arguments (a production write, the phrase).
        from guard import mcp

        mcp.check(tool, ti)
        if not mcp.reads(tool):  # a read's arguments may mention anything (a search, a key)
            text.check(project, json.dumps(ti), "content")


def _new_texts(tool: str, ti: dict[str, Any]) -> list[str]:
    """The text a file tool writes; anything that is not text is refused."""
    if tool == "Write":
        texts = [ti.get("content")]
    elif tool == "Edit":
        texts = [ti.get("new_string")]
    elif tool == "MultiEdit":
        edits = ti.get("edits")
        if not isinstance(edits, list):
            raise Block("MultiEdit call without an edits list")
        texts = [e.get("new_string") if isinstance(e, dict) else None for e in edits]
    else:
        texts = [ti.get("new_source", "")]
    out = []
    for t in texts:
        if not isinstance(t, str):
            raise Block(f"{tool} call with a non-text content field")
        out.append(t)
    return out


def _runs(path: str, content: str) -> bool:
    """Could this file be run (a script, a config a tool executes, a CI workflow, a hook)?"""
    base = os.path.basename(path).lower()
    ext = os.path.splitext(base)[1]
    parts = path.replace("\\", "/").split("/")
    return (
        ext in EXEC_EXTS
        or base in EXEC_NAMES
        or ext == ""
        or ".github" in parts
        or "hooks" in parts
        or content.startswith("#!")
    )


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
