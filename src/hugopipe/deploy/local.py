"""The local side of a deploy: every file in ``public/`` with its hash and headers.

Symlinks are never followed out of ``public/``: a link to ``/etc/passwd`` or
``~/.aws/credentials`` in a build output must not end up in a public bucket.
Links that stay inside ``public/`` are read like the file they point to;
directory links are not descended (a loop or a second copy of the site).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hugopipe.deploy.headers import Headers, default_content_type, first_matcher, headers_for
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError


@dataclass(slots=True)
class LocalFile:
    path: str  # slash path relative to public/
    key: str  # remote key (prefix + path, stripIndexHTML applied)
    sha256: (
        str  # hex SHA-256 of the file's bytes (before any gzip); 8x faster than MD5 here (SHA-NI)
    )
    size: int
    headers: Headers
    gzip: bool = False
    force: bool = False
    fs_path: str = ""
    _md5: str | None = None

    def md5(self) -> str:
        """MD5 of the source bytes, only to compare with a foreign object's ETag (rare: no manifest)."""
        if self._md5 is None:
            with open(self.fs_path, "rb") as fh:
                self._md5 = hashlib.file_digest(fh, "md5").hexdigest()
        return self._md5


@dataclass(slots=True)
class LocalTree:
    files: dict[str, LocalFile]  # by key
    skipped: list[str] = field(default_factory=list)  # slash paths not uploaded, with the reason


def _hash_many(paths: list[str]) -> list[tuple[str, int]]:
    out = []
    for path in paths:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256")
            out.append((digest.hexdigest(), fh.tell()))
    return out


def _scan(
    root: str, real_root: str, rel_dir: str, found: list[tuple[str, str]], skipped: list[str]
) -> None:
    """Recursive scandir: file types come from the directory entries, not one stat per file."""
    with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        rel = rel_dir + e.name
        if e.is_symlink():
            real = os.path.realpath(e.path)
            if os.path.commonpath([real_root, real]) != real_root:
                skipped.append(f"{rel} (symlink pointing outside public/, not followed)")
            elif os.path.isdir(real):
                skipped.append(f"{rel}/ (directory symlink, not followed)")
            elif os.path.isfile(real):
                found.append((rel, real))
            else:
                skipped.append(f"{rel} (symlink to a non-file)")
        elif e.is_dir(follow_symlinks=False):
            if e.name.startswith(".") and e.name != ".well-known":
                skipped.append(f"{rel}/ (hidden directory)")
            else:
                _scan(root, real_root, rel + "/", found, skipped)
        elif e.is_file(follow_symlinks=False):
            if e.name != ".DS_Store":
                found.append((rel, e.path))
        else:
            skipped.append(f"{rel} (not a regular file)")


def walk_local(public_dir: Path, target: DeployTarget, *, workers: int = 4) -> LocalTree:
    """Walk ``public_dir`` like ``hugo deploy`` (hidden dirs except ``.well-known`` and ``.DS_Store`` skipped)."""
    root = Path(public_dir)
    if not root.is_dir():
        raise ConfigError(
            f"nothing to deploy: {root} is not a directory",
            file=str(root),
            hint="build the site first (hugopipe validate / hugo), or pass --public DIR",
        )
    found: list[tuple[str, str]] = []
    skipped: list[str] = []
    _scan(str(root), os.path.realpath(root), "", found, skipped)
    # S3 keys and URLs use NFC; macOS file systems hand out NFD.
    found = [(unicodedata.normalize("NFC", rel), full) for rel, full in found]
    found = sorted(item for item in found if target.selected(item[0]))
    chunks = [[full for _rel, full in found[i : i + 512]] for i in range(0, len(found), 512)]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        hashes = [h for chunk in pool.map(_hash_many, chunks) for h in chunk]
    files: dict[str, LocalFile] = {}
    headers_cache: dict[tuple[int, str], tuple[Headers, bool, bool]] = {}
    for (rel, full), (digest, size) in zip(found, hashes, strict=True):
        matcher = first_matcher(target.matchers, rel)
        ident = (id(matcher), default_content_type(rel))
        cached = headers_cache.get(ident)
        if cached is None:
            cached = headers_cache[ident] = (
                headers_for(rel, matcher),
                bool(matcher and matcher.gzip),
                bool(matcher and matcher.force),
            )
        key = target.key_for(rel)
        files[key] = LocalFile(
            path=rel,
            key=key,
            sha256=digest,
            fs_path=full,
            size=size,
            headers=cached[0],
            gzip=cached[1],
            force=cached[2],
        )
    return LocalTree(files=files, skipped=skipped)
