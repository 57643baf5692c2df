#!/usr/bin/env python3
"""PreToolUse guard: Claude Code never deploys to production or approves a production run.

Production is published only by ``hugopipe run publish --env production`` followed by a
human typing DEPLOY TO PRODUCTION in the Prefect UI. This hook is a seatbelt, not the
boundary: it stops the plain ways to production (an S3 write to a production bucket,
``hugo deploy`` to a production target, a Prefect resume, ``hugopipe deploy`` for
production, edits that would switch the guard off) with a message saying what to do, and
lets reads and routine work through. The boundary is that the agent's shell holds no
production credentials and the approval's second factor (docs/agent-boundary.md).

``.claude/settings.json`` runs this file with the system ``python3`` (standard library
only, no project environment). It only puts the ``guard`` package beside it on
``sys.path`` and runs it; the package's modules are listed in ``guard/__init__.py``.
Whatever goes wrong here, even an import error, exits 2 (blocked): Claude Code treats
any other failure as a non-blocking error, which would let the tool call through.
"""

import os
import sys

if __name__ == "__main__":
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from guard.main import main
    except BaseException as exc:  # fail closed, whatever it was
        sys.stderr.write(
            "BLOCKED by the hugopipe production guard: it could not start "
            f"({exc.__class__.__name__}: {exc}); failing closed.\n"
        )
        sys.exit(2)
    main()
