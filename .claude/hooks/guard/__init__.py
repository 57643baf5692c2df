"""The hugopipe production guard, as a package of small modules (standard library only).

Claude Code runs ``.claude/hooks/guard_production.py`` before every tool call; that file
only puts this package on ``sys.path`` and calls :func:`guard.main.main`. The guard is a
seatbelt, not the boundary: it stops the plain ways an agent would touch production by
accident, with a message saying what to do instead; the agent's missing production
credentials and the approval's second factor stop the rest (docs/agent-boundary.md).

- ``main``: the hook contract (JSON on stdin, exit 2 + reason to block, fail closed on
  the guard's own errors) and which tool is which;
- ``lexer``: a small shell lexer; ``shell``: the walker over its simple commands;
- ``config``: what production is, asked of ``hugopipe.projectfile``/``sitetargets``;
- ``aws``, ``programs``: ``aws``, ``hugo deploy``, ``prefect`` and ``hugopipe`` command lines;
- ``text``: rules over text (a resume call, the phrase, a storage write to a production bucket);
- ``mcp``: MCP tool calls, by what their input asks for;
- ``protect``: the guard's own files, which only a human changes.
"""

from __future__ import annotations

HOW_TO = (
    "Production is published only by `uv run hugopipe run publish --env production`, "
    "then a human types DEPLOY TO PRODUCTION in the Prefect UI (/v2/runs/flow-run/<id>). "
    "If this is not a production action, ask the user to run it themselves."
)


class Block(Exception):
    """Raised with the reason shown to Claude; the hook then exits 2."""
