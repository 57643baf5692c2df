"""The local side of a deploy: every file in ``public/`` with its hash and headers.

Symlinks are never followed out of ``public/``: a link to ``/etc/passwd`` or
``~/.aws/credentials`` in a build output must not end up in a public bucket.
Links that stay inside ``public/`` are read like the file they point to;
directory links are not descended (a loop or a second copy of the site).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from hugopipe.deploy.headers import Headers, default_content_type, first_matcher, headers_for
from hugopipe.deploy.models import RedirectItem
from hugopipe.deploy.scan import Scan, scan_public
from hugopipe.deploy.targets import DeployTarget


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
    #: A website redirect from ``_redirects`` (``siteredirects``): no file, this Location.
    redirect: str | None = None
    _md5: str | None = None

    def md5(self) -> str:
        """MD5 of the source bytes, only to compare with a foreign object's ETag (rare: no manifest)."""
        if self._md5 is None and self.redirect is not None:
            self._md5 = hashlib.md5(b"").hexdigest()  # a website redirect stores no bytes
        if self._md5 is None:
            with open(self.fs_path, "rb") as fh:
                self._md5 = hashlib.file_digest(fh, "md5").hexdigest()
        return self._md5


@dataclass(slots=True)
class LocalTree:
    files: dict[str, LocalFile]  # by key
    skipped: list[str] = field(default_factory=list)  # slash paths not uploaded, with the reason
    redirects: list[RedirectItem] = field(default_factory=list)  # the plain ``_redirects`` rules


def tree_from_scan(scan: Scan, target: DeployTarget) -> LocalTree:
    """The target's view of a scan: its include/exclude, keys and headers from its matchers."""
    files: dict[str, LocalFile] = {}
    headers_cache: dict[tuple[int, str], tuple[Headers, bool, bool]] = {}
    for sf in scan.files:
        rel = sf.path
        if not target.selected(rel):
            continue
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
            sha256=sf.sha256,
            fs_path=sf.fs_path,
            size=sf.size,
            headers=cached[0],
            gzip=cached[1],
            force=cached[2],
        )
    return LocalTree(files=files, skipped=list(scan.skipped))


def walk_local(public_dir: Path, target: DeployTarget, *, workers: int = 4) -> LocalTree:
    """Walk and hash ``public_dir`` (see ``scan.scan_public``) and apply the target's matchers."""
    return tree_from_scan(scan_public(public_dir, select=target.selected, workers=workers), target)
