"""Walk and hash ``public/`` with the standard library only.

Kept apart from ``local`` (which needs the target's matchers, hence pydantic) so
the CLI can start it on a thread before boto3 and pydantic are imported: the
directory reads and SHA-256 release the GIL, so on two cores most of the walk
hides behind the imports.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hugopipe.errors import ConfigError
from hugopipe.outputwalk import sha256_file
from hugopipe.workspace import within

CHUNK = 512  # files per hashing task: few enough tasks that pool overhead stays small


@dataclass(slots=True)
class ScannedFile:
    path: str  # slash path relative to public/, NFC
    fs_path: str  # where to read it (the resolved target for an in-tree symlink)
    sha256: str  # hex SHA-256 of the bytes
    size: int


@dataclass(slots=True)
class Scan:
    files: list[ScannedFile]  # sorted by path
    skipped: list[str] = field(default_factory=list)  # slash paths not uploaded, with the reason


def _bad_name(name: str) -> bool:
    """A name that cannot be a key: not UTF-8 (Python decoded it with surrogate escapes),
    or with control characters. The common all-ASCII case costs two C calls."""
    if name.isascii():
        return not name.isprintable()
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name)


def _hash_file(path: str) -> tuple[str, int]:
    digest, size = sha256_file(path)
    return digest.hex(), size


def _hash_many(paths: list[str]) -> list[tuple[str, int]]:
    return [_hash_file(p) for p in paths]


def _scan(
    root: str, real_root: str, rel_dir: str, found: list[tuple[str, str]], skipped: list[str]
) -> None:
    """Recursive scandir: file types come from the directory entries, not one stat per file."""
    with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        rel = rel_dir + e.name
        if _bad_name(e.name):
            raise ConfigError(
                f"the file name {os.fsencode(rel)!r} in public/ is not valid UTF-8 (or has control "
                "characters); S3 keys and URLs are UTF-8, so it cannot be deployed",
                file=os.path.join(root, os.fsencode(rel).decode("utf-8", "replace")),
                hint="rename the file (or the source that produces it) and build again; nothing was changed",
            )
        if e.is_symlink():
            real = os.path.realpath(e.path)
            if not within(real, real_root):
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


def scan_public(
    public_dir: Path | str,
    *,
    select: Callable[[str], bool] | None = None,
    workers: int = 4,
) -> Scan:
    """Walk like ``hugo deploy`` (hidden dirs except ``.well-known``, and ``.DS_Store``, skipped) and hash.

    ``select`` (the target's include/exclude) filters before hashing; without it every
    file is hashed and the target filters later (the CLI does not know the target yet).
    """
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
    found = sorted(
        (unicodedata.normalize("NFC", rel), full)
        for rel, full in found
        if select is None or select(unicodedata.normalize("NFC", rel))
    )
    chunks = [[full for _rel, full in found[i : i + CHUNK]] for i in range(0, len(found), CHUNK)]
    if len(chunks) <= 1 or workers <= 1:  # a one-thread pool would only add a hand-off
        hashes = [h for chunk in chunks for h in _hash_many(chunk)]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            hashes = [h for chunk in pool.map(_hash_many, chunks) for h in chunk]
    files = [
        ScannedFile(path=rel, fs_path=full, sha256=digest, size=size)
        for (rel, full), (digest, size) in zip(found, hashes, strict=True)
    ]
    return Scan(files=files, skipped=skipped)
