"""Paths from task files and parameters stay inside the workspace; files stay inside public/.

A task file whose ``site_path`` is ``../elsewhere`` or ``/somewhere`` must not make a
build write ``.hugopipe/`` and a lock file into a folder nobody named, and a symlink
in ``public/`` to ``~/.aws/credentials`` must never reach a public bucket. Both are
the same check, written once here: resolve (``..`` and symlinks included) and test
that the result is under an allowed root.

The workspace is the current directory, or the folders listed in
``$HUGOPIPE_WORKSPACE`` (separated like ``$PATH``). Standard library only: the
deploy's early ``public/`` scan imports it before anything heavy.

A content task's ``page`` is the same check against a narrower root (the site's
``content/``): ``escape_reason`` refuses it lexically when the task file is read (a
malformed file, exit 2, with its line), and ``under`` repeats it on the resolved
path just before the write.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from hugopipe.errors import ConfigError, ContentError

ENV = "HUGOPIPE_WORKSPACE"


def within(path: str, root: str) -> bool:
    """Is the resolved ``path`` ``root`` itself or below it? (Both already resolved.)"""
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:  # different drives, or one relative and one absolute
        return False


def roots() -> list[Path]:
    """The workspace folders, resolved, and every site the workspace file lists (naming a
    site there is naming it a folder the pipeline may work in)."""
    from hugopipe.sitesfile import site_folders

    listed = [p for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    base = [Path(p).expanduser().resolve() for p in listed] or [Path.cwd().resolve()]
    return base + [p for p in site_folders() if p not in base]


def inside(
    path: str | os.PathLike[str],
    *,
    what: str,
    file: str | None = None,
    line: int | None = None,
    also: tuple[Path, ...] = (),
) -> Path:
    """``path`` resolved against the workspace (and the folders ``also``); ``ConfigError``
    when it leads out of them."""
    allowed = roots() + [Path(a).expanduser().resolve() for a in also]
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = allowed[0] / p
    real = p.resolve()
    if not any(within(str(real), str(r)) for r in allowed):
        shown = " or ".join(str(r) for r in allowed)
        raise ConfigError(
            f"{what} {str(path)!r} resolves to {real}, outside the workspace ({shown})",
            file=file,
            line=line,
            hint=f"use a path inside the workspace; to allow another folder, add it to ${ENV}",
        )
    return real


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


def under(base: Path, rel: str) -> Path:
    """``base / rel``, resolved, refused (``ContentError``) when it leaves ``base``."""
    why = escape_reason(rel)
    root = base.resolve()
    target = (root / rel).resolve()
    if why is None and not within(str(target), str(root)):
        why = "resolves outside it (a symlink?)"
    if why is not None:
        raise ContentError(
            f"{rel!r} {why}",
            file=str(base),
            hint="name a page under the site's content/ folder, like blog/my-post.md",
        )
    return target
