"""One check for a path a request names: it must stay inside the folder it is relative to.

Task files name files (a content task's ``page``) that the pipeline then writes; a
``../`` or an absolute path, or a symlink pointing out, must never let a task file
write outside the site's ``content/`` folder. The lexical check (``escape_reason``)
runs when the task file is read, so a bad path is a malformed file (exit 2, with
its line); ``inside`` repeats it on the resolved path just before the write.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from hugopipe.errors import ContentError


def escape_reason(rel: str) -> str | None:
    """Why ``rel`` cannot be a path inside a folder, or None when it can."""
    if not rel or not rel.strip():
        return "is empty"
    if "\\" in rel or "\x00" in rel:
        return "contains a backslash or NUL; use / between folders"
    p = PurePosixPath(rel)
    if p.is_absolute() or rel.startswith("~"):
        return "is absolute; give it relative to the content folder, e.g. blog/new-post.md"
    if ".." in p.parts:
        return "goes up with '..'; it must stay inside the content folder"
    return None


def inside(base: Path, rel: str) -> Path:
    """``base / rel``, resolved, refused (``ContentError``) when it leaves ``base``."""
    why = escape_reason(rel)
    root = base.resolve()
    target = (root / rel).resolve()
    if why is None and not target.is_relative_to(root):
        why = "resolves outside it (a symlink?)"
    if why is not None:
        raise ContentError(
            f"{rel!r} {why}",
            file=str(base),
            hint="name a page under the site's content/ folder, like blog/my-post.md",
        )
    return target
