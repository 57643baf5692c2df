#!/usr/bin/env python3
"""PreToolUse guard: Claude Code never deploys to production or approves a production run.

Production is published only by ``hugopipe run publish --env production`` followed by a
human typing DEPLOY TO PRODUCTION in the Prefect UI. This hook is friction, not
authorisation: it blocks the direct routes (S3 writes to the production bucket,
``hugo deploy`` to the production target, CloudFront invalidations of the production
distribution, Prefect resume/set_state calls, ``hugopipe approve`` on a production run,
edits that would switch the guard off), including wrapped forms (``sh -c``, ``eval``,
``env``/``sudo``/``xargs`` prefixes, ``$(...)``, pipes into a shell, script files), and
lets routine work through (reads, tests, staging). The real boundary is that the machine
Claude runs on holds no production credentials (docs/security.md).

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
