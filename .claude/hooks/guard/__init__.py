"""The hugopipe production guard, as a package of small modules (standard library only).

Claude Code runs ``.claude/hooks/guard_production.py`` before every tool call; that file
only puts this package on ``sys.path`` and calls :func:`guard.main.main`. The modules:

- ``main``: the hook contract (JSON on stdin, exit 2 + reason to block, fail closed) and
  which tool is which (shell tools, file tools, MCP tools);
- ``lexer`` (with ``quoting``): the shell lexer (words, operators, redirections, heredocs,
  substitutions);
- ``config``: what the project says production is: environments and targets from
  ``hugopipe.toml`` through ``hugopipe.projectfile`` (the CLI's own rule, imported by path),
  buckets and distributions from the Hugo configs; ``sites`` finds those files in the
  working tree and at git ``HEAD``; ``yamlish`` reads Hugo's YAML without PyYAML;
- ``aws``, ``hugo``, ``prefect``, ``rules``: what a command line of each program means
  (S3/CloudFront, ``hugo deploy``, Prefect resume/``prefect api`` and the run lookup,
  the ``hugopipe`` CLI);
- ``walk``: the shell walker; ``wrappers`` (``env``, ``sudo``, ``xargs``, ``uv run`` …) and
  ``interpreters`` (shells, Python, ``eval``, ``source``, ``ssh``) say what runs next;
- ``text``: the substring net for text the lexer cannot take apart (code, other tools);
- ``mcp``: MCP tool calls, by what their input asks for (a state change, a run input);
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
