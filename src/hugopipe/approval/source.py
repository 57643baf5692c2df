"""Where a build came from: the site's git commit and a hash of its sources.

The approval form names the commit (hash, author, message) and says whether staging
serves the same sources. The built output cannot answer that (staging's pages carry
staging's ``baseURL``), so both deploys record :func:`source_hash`, a hash of the files
Hugo builds from, in their release manifest. A site that is not a git repository (or a
machine without git) simply has no commit.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from pydantic import BaseModel

#: What Hugo builds from: these directories and the root config files. ``public/``,
#: ``resources/`` (Hugo's cache) and lock files are outputs, so they do not count.
SOURCE_DIRS = ("archetypes", "assets", "config", "content", "data", "i18n", "layouts", "static", "themes")  # fmt: skip
ROOT_PREFIXES = ("hugo.", "config.", "go.mod", "go.sum", "hugopipe.toml")


class Commit(BaseModel):
    hash: str
    author: str
    subject: str
    #: Files under the site that differ from the commit (the build is from the working tree).
    dirty: bool = False

    @property
    def short(self) -> str:
        return self.hash[:10]


def source_commit(site: Path | str) -> Commit | None:
    """The site's HEAD commit, or None when the site is not in a git repository."""
    site = str(site)

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", site, *args], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout if out.returncode == 0 else None

    head = git("log", "-1", "--format=%H%x00%an%x00%s")
    if not head or head.count("\0") < 2:
        return None
    sha, author, subject = head.strip("\n").split("\0", 2)
    status = git("status", "--porcelain", "--", ".")
    return Commit(hash=sha, author=author, subject=subject, dirty=bool(status and status.strip()))


def source_hash(site: Path | str) -> str:
    """SHA-256 over every source file's relative path and bytes, in path order."""
    root = Path(site)
    files: list[Path] = [
        p for p in root.iterdir() if p.is_file() and p.name.startswith(ROOT_PREFIXES)
    ]
    for d in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / d):
            dirnames[:] = [n for n in dirnames if not n.startswith(".")]
            files += [Path(dirpath, f) for f in filenames if not f.startswith(".")]
    h = hashlib.sha256()
    for p in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()
