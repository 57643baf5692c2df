"""The guard's own files: ``.claude/settings*.json`` and ``.claude/hooks/``, changed only by a human.

Reading them is routine (``cat``, ``git diff``, running the hook in a test). Blocked: a file
tool writing one, a redirection into one, and the plain shell writers (``rm``, ``mv``,
``cp`` onto, ``chmod``, ``tee``, ``sed -i``, ``find -delete``, ``git checkout``/``restore``,
an ``-o``/``--destination`` output) naming one or a directory holding one (``rm -rf .claude``).
"""

from __future__ import annotations

import itertools
import os
import re

from guard import Block
from guard.lexer import DYN, Word, basename, show

PROTECTED_RE = re.compile(r"/\.claude/(hooks(/|$)|settings[^/]*\.json$)|managed-settings\.json$")
WRITERS = {"rm", "rmdir", "mv", "chmod", "chown", "chgrp", "chattr", "ln", "truncate", "tee"}
WRITERS |= {"shred", "unlink", "touch", "dd"}
GIT_WRITERS = {"checkout", "restore", "rm", "mv", "reset", "apply", "config", "clean", "stash"}
OUTPUT_OPTS = ("-o", "--output", "-d", "--destination")
CODE_WRITE_RE = re.compile(r"write_text|write_bytes|open\([^)]*[\"'][wax]|unlink|rmtree|os\.remove")
INTERPRETER_RE = re.compile(r"python|pypy|node|ruby|perl")
CODE_PATH_RE = re.compile(r"\.claude/(?:settings[^/\s'\"]*\.json|hooks\b)")


def protected_file(path: str, cwd: str | None) -> bool:
    """Is ``path`` (relative to ``cwd``) one of the guard's files, or a link to one?"""
    path = path.replace(DYN, "")
    if cwd is None and not os.path.isabs(path):
        return bool(re.search(r"(^|/)\.claude/(hooks|settings)", path))
    full = os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(path)))
    return any(PROTECTED_RE.search(p.replace("\\", "/")) for p in (full, os.path.realpath(full)))


def holds_guard(path: str, cwd: str | None) -> bool:
    """Is ``path`` a directory that holds the guard's files (``.claude``, the project)?"""
    full = os.path.realpath(os.path.join(cwd or "/", os.path.expanduser(path or ".")))
    return os.path.isdir(os.path.join(full, ".claude", "hooks")) or (
        basename(full) == ".claude" and os.path.isdir(os.path.join(full, "hooks"))
    )


def check_file(path: str, cwd: str, action: str) -> None:
    if protected_file(path, cwd):
        raise Block(
            f"{action} {path} would change the production guard or its settings; "
            "only a human edits .claude/settings*.json and .claude/hooks/"
        )


def check_command(argv: list[Word], redirs: list[tuple[str, Word]], cwd: str | None) -> None:
    """Block a simple command (its program first) that writes to the guard's files."""
    for op, w in redirs:
        if op != "<" and protected_file(w.text, cwd):
            raise Block(f"redirection writes to {w.text}, part of the production guard")
    prog, args = basename(argv[0].text), argv[1:]
    texts = [w.text for w in args if DYN not in w.text]
    paths = [re.split(r"[*?\[]", t)[0] for t in texts if not t.startswith("-")]
    named = [p for p in paths if protected_file(p, cwd)]
    holders = [p for p in paths if holds_guard(p, cwd)]  # `rm -rf .claude`, `rm -rf .`
    dot_claude = named + [p for p in holders if basename(os.path.normpath(p)) == ".claude"]
    outputs = [b for a, b in itertools.pairwise(texts) if a in OUTPUT_OPTS]
    writes = (
        (prog in WRITERS and (named or holders))
        or (prog in ("cp", "install", "rsync") and paths and protected_file(paths[-1], cwd))
        or (
            prog in ("sed", "perl")
            and named
            and any(t.startswith(("-i", "--in-place")) for t in texts)
        )
        or (
            prog == "find"  # `find . -name '*.pyc' -delete` is routine
            and dot_claude
            and any(t in ("-delete", "-exec", "-execdir") for t in texts)
        )
        or (prog == "git" and dot_claude and next(iter(paths), "") in GIT_WRITERS)
        or any(protected_file(o, cwd) for o in outputs)
        or (
            INTERPRETER_RE.match(prog)
            and CODE_PATH_RE.search(" ".join(texts))
            and CODE_WRITE_RE.search(" ".join(texts))
        )
    )
    if writes:
        raise Block(
            f"`{show(argv)}` would change the production guard or its settings; only a human changes them"
        )
