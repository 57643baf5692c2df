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
from pathlib import Path

from pydantic import BaseModel

from hugopipe.deploy.headers import Headers, first_matcher, headers_for
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError


class LocalFile(BaseModel):
    path: str  # slash path relative to public/
    key: str  # remote key (prefix + path, stripIndexHTML applied)
    md5: str  # hex MD5 of the file's bytes (before any gzip)
    size: int
    headers: Headers
    gzip: bool = False
    force: bool = False


class LocalTree(BaseModel):
    files: dict[str, LocalFile]  # by key
    skipped: list[str] = []  # slash paths not uploaded, with the reason


def _hash(path: str) -> tuple[str, int]:
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "md5")
        size = fh.tell()
    return digest.hexdigest(), size


def walk_local(public_dir: Path, target: DeployTarget, *, workers: int = 8) -> LocalTree:
    """Walk ``public_dir`` like ``hugo deploy`` (hidden dirs except ``.well-known`` and ``.DS_Store`` skipped)."""
    root = Path(public_dir)
    if not root.is_dir():
        raise ConfigError(
            f"nothing to deploy: {root} is not a directory",
            file=str(root),
            hint="build the site first (hugopipe validate / hugo), or pass --public DIR",
        )
    real_root = os.path.realpath(root)
    found: list[tuple[str, str]] = []  # (slash path, filesystem path to read)
    skipped: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                skipped.append(f"{rel_dir}{d}/ (directory symlink, not followed)")
            elif d.startswith(".") and d != ".well-known":
                skipped.append(f"{rel_dir}{d}/ (hidden directory)")
            else:
                keep.append(d)
        dirnames[:] = keep
        for name in filenames:
            rel = rel_dir + name
            full = os.path.join(dirpath, name)
            if name == ".DS_Store":
                continue
            if os.path.islink(full):
                real = os.path.realpath(full)
                if os.path.commonpath([real_root, real]) != real_root:
                    skipped.append(f"{rel} (symlink pointing outside {root.name}/, not followed)")
                    continue
                if not os.path.isfile(real):
                    skipped.append(f"{rel} (symlink to a non-file)")
                    continue
                full = real
            elif not os.path.isfile(full):
                skipped.append(f"{rel} (not a regular file)")
                continue
            # S3 keys and URLs use NFC; macOS file systems hand out NFD.
            rel = unicodedata.normalize("NFC", rel)
            if not target.selected(rel):
                continue
            found.append((rel, full))
    found.sort()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        hashes = list(pool.map(lambda item: _hash(item[1]), found))
    files: dict[str, LocalFile] = {}
    for (rel, _full), (md5, size) in zip(found, hashes, strict=True):
        matcher = first_matcher(target.matchers, rel)
        key = target.key_for(rel)
        files[key] = LocalFile.model_construct(
            path=rel,
            key=key,
            md5=md5,
            size=size,
            headers=headers_for(rel, matcher),
            gzip=bool(matcher and matcher.gzip),
            force=bool(matcher and matcher.force),
        )
    return LocalTree(files=files, skipped=skipped)
