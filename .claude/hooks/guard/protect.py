"""The guard's own files: ``.claude/settings*.json`` and ``.claude/hooks/``, changed only by a human.

A shell command may read them (``cat``, ``git diff``, ``python3 -m json.tool``, running
the hook itself in a test), but not write, move, delete or re-mode them, nor a directory
holding them (``rm -rf .claude``, ``find .claude -delete``).
"""

from __future__ import annotations

import os
import re

from guard import Block
from guard.interpreters import PY_RE
from guard.lexer import DYN, Word, basename, show

PROTECTED_RE = re.compile(r"/\.claude/(hooks(/|$)|settings[^/]*\.json$)")
READERS = {
    *("cat", "less", "more", "head", "tail", "grep", "egrep", "fgrep", "rg", "ag", "ls"),
    *("tree", "stat", "file", "wc", "md5sum", "sha1sum", "sha256sum", "cksum", "diff", "cmp"),
    *("jq", "bat", "realpath", "readlink", "basename", "dirname", "echo", "printf", "test"),
    *("[", "cd", "pushd", "du", "pytest", "py.test", "mypy", "pyright", "hugopipe", "hugo"),
    *("true", "nl", "od", "xxd", "hexdump", "strings", "column", "sort", "uniq", "cut", "awk"),
}
SAFE_GIT = {
    *("status", "diff", "log", "show", "blame", "grep", "ls-files", "add", "commit"),
    *("rev-parse", "branch", "fetch", "remote", "describe", "shortlog", "tag", "cat-file"),
    *("ls-tree", "reflog", "push", "whatchanged", "check-ignore"),
}
ANCESTOR_WRITERS = {
    *("rm", "rmdir", "mv", "chmod", "chown", "chgrp", "chattr", "setfacl", "rsync", "shred"),
    *("unlink", "truncate", "ln", "cp", "install", "tar", "unzip", "patch"),
}
FIND_WRITES = ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprintf", "-fls")
PY_READ_MODULES = ("json.tool", "py_compile", "pytest")
#: Readers that write a file when given one of these options (``sort -o FILE``).
OUTPUT_OPTS = {
    "sort": ("-o", "--output"),
    "tree": ("-o",),
    "hugo": ("-d", "--destination", "--cacheDir", "--cleanDestinationDir"),
}
AWK_NAMES = ("awk", "gawk", "mawk", "nawk")
AWK_WRITES_RE = re.compile(r">|\|\s*\S|system\s*\(")


def is_protected(abspath: str) -> bool:
    p = abspath.replace("\\", "/")
    return bool(PROTECTED_RE.search(p)) or p.endswith("managed-settings.json")


def protected_file(path: str, cwd: str | None) -> bool:
    """Is ``path`` (relative to ``cwd``) one of the guard's files, or a link to one?"""
    if cwd is None and not os.path.isabs(path):
        return False
    full = os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(path)))
    return any(is_protected(c) for c in (full, os.path.realpath(full)))


def protect_path(path: str, cwd: str, action: str) -> None:
    if protected_file(path, cwd):
        raise Block(
            f"{action} {path} would change the production guard or its settings; "
            "only a human edits .claude/settings*.json and .claude/hooks/"
        )


class Protected:
    """Where the guard's files are for one tool call (under the project and the cwd)."""

    def __init__(self, project: str, cwd: str) -> None:
        self.roots = []
        for base in {project, cwd}:
            b = os.path.abspath(base)
            self.roots += [
                os.path.join(b, ".claude", "hooks"),
                os.path.join(b, ".claude", "settings.json"),
                os.path.join(b, ".claude", "settings.local.json"),
            ]

    def path_state(self, word: Word, cwd: str | None) -> str | None:
        """'inside' if the word names a protected path, 'ancestor' if it contains one."""
        text = word.text
        if DYN in text:
            if re.search(r"settings[^/]*\.json|hooks|guard_production|\.claude", text):
                return "inside"
            return None
        if text.startswith("-") and "=" in text:
            text = text.split("=", 1)[1]
        elif text.startswith("-"):
            return None
        globbed = word.glob
        if globbed:
            text = re.split(r"[*?\[]", text, maxsplit=1)[0]
        if cwd is None and not os.path.isabs(text):
            if re.search(
                r"(^|/)(settings[^/]*\.json|hooks|guard_production\.py|\.claude)(/|$)", text
            ):
                return "inside"
            return None
        full = os.path.normpath(os.path.join(cwd or "/", os.path.expanduser(text or ".")))
        cands = (full, os.path.realpath(full))
        if any(is_protected(c) for c in cands):
            return "inside"
        for root in self.roots:
            for cand in cands:
                if root == cand or root.startswith(cand.rstrip("/") + "/"):
                    return "ancestor"
                if globbed and root.startswith(cand):
                    return "ancestor"
        return None

    def check_redirect(self, word: Word, cwd: str | None) -> None:
        if self.path_state(word, cwd) == "inside":
            raise Block(f"redirection writes to {word.text}, part of the production guard")

    def check_command(self, argv: list[Word], prim: int, cwd: str | None) -> None:
        """Block a command whose arguments name the guard's files, unless it only reads them."""
        prog = basename(argv[prim].text)
        args = argv[prim + 1 :]
        if prog in AWK_NAMES and any(
            ".claude" in w.text and AWK_WRITES_RE.search(w.text) for w in args
        ):
            raise Block(f"`{show(argv)}` is an awk program that can write to the production guard")
        states = [(w, self.path_state(w, cwd)) for w in args]
        inside = [w for w, s in states if s == "inside"]
        ancestor = [w for w, s in states if s == "ancestor"]
        if not inside and not ancestor:
            return
        reader = _reads_only(prog, args, inside)
        if prog == "find" and not reader:
            raise Block(
                f"`find` with -delete/-exec over {(inside or ancestor)[0].text} can change the production guard"
            )
        if inside and not reader:
            raise Block(
                f"`{show(argv)}` touches {inside[0].text}, part of the production guard; only a human changes it"
            )
        if ancestor and (
            prog in ANCESTOR_WRITERS or (prog == "git" and not reader) or prog == "find"
        ):
            raise Block(
                f"`{show(argv)}` would also change {ancestor[0].text}, which holds the production guard"
            )


def _reads_only(prog: str, args: list[Word], inside: list[Word]) -> bool:
    if prog == "git":
        return next((w.text for w in args if not w.text.startswith("-")), "") in SAFE_GIT
    if prog == "find":
        return not any(w.text in FIND_WRITES for w in args)
    if prog == "sed":
        return not any(w.text.startswith(("-i", "--in-place")) for w in args)
    if prog == "ruff":
        return not any(w.text in ("format", "--fix") for w in args) or any(
            w.text in ("--check", "--diff") for w in args
        )
    if prog in OUTPUT_OPTS and any(w.text.startswith(OUTPUT_OPTS[prog]) for w in args):
        return False
    if prog == "uniq":  # uniq IN OUT writes OUT
        return len([w for w in args if not w.text.startswith("-")]) <= 1
    if PY_RE.match(prog):
        # running the hook itself (tests) or pretty-printing settings is fine
        first = args[0].text if args else ""
        return bool(
            (first.endswith(".py") and args[0] in inside)
            or (first == "-m" and len(args) > 1 and args[1].text in PY_READ_MODULES)
        )
    return prog in READERS
