"""The hugopipe production guard, as a package of small modules (standard library only).

Claude Code runs ``.claude/hooks/guard_production.py`` before every tool call; that file
only puts this package on ``sys.path`` and calls :func:`guard.main.main`. The modules:

- ``lexer``: the shell lexer (words, operators, redirections, heredocs, substitutions);
- ``config``: what the project says production is (environments and targets from
  ``hugopipe.toml`` through ``hugopipe.projectfile``; buckets and distributions from the
  Hugo configs; the same again at git ``HEAD``);
- ``aws``, ``hugo``, ``prefect``, ``rules``: what each program's command line means
  (S3/CloudFront, ``hugo deploy``, Prefect resume/``prefect api``, the ``hugopipe`` CLI);
- ``text``: the substring safety net for text the lexer cannot take apart (code, scripts);
- ``protect``: the guard's own files, which only a human changes;
- ``interpreters`` and ``walk``: how shells, interpreters and scripts are followed;
- ``main``: the hook contract (JSON on stdin, exit 2 + reason to block, fail closed).
"""

from __future__ import annotations

HOW_TO = (
    "Production is published only by `uv run hugopipe run publish --env production`, "
    "then a human types DEPLOY TO PRODUCTION in the Prefect UI (/v2/runs/flow-run/<id>). "
    "If this is not a production action, ask the user to run it themselves."
)


class Block(Exception):
    """Raised with the reason shown to Claude; the hook then exits 2."""
