"""A versioned bucket in a dict: the store unit tests deploy to, and anything else that wants one.

bep/s3deploy's test store. It keeps every version of every key (so rollback works
as on a versioned S3 bucket), records each call, and fails on request: set
``fail[("put", key)]`` (or ``("delete", key)``, ``("get", key)``, …; ``"*"`` for any
key) to the ``StoreError`` the next such call should raise.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from hugopipe.deploy.errors import StoreError
from hugopipe.deploy.store import Stored

_HEADERS = {
    "content-type": "content_type",
    "cache-control": "cache_control",
    "content-encoding": "content_encoding",
    "x-amz-website-redirect-location": "website_redirect",
}


@dataclass
class MemoryCdn:
    """Records invalidations; each gets an id and completes at once."""

    invalidations: list[tuple[str, list[str]]] = field(default_factory=list)
    fail: StoreError | None = None

    def prepare(self) -> None:
        pass

    def invalidate(self, distribution_id: str, paths: list[str]) -> str | None:
        if self.fail is not None:
            raise self.fail
        self.invalidations.append((distribution_id, list(paths)))
        return f"I{len(self.invalidations)}"

    def wait(self, distribution_id: str, invalidation_id: str) -> str:
        return "Completed"


@dataclass
class _Version:
    body: bytes
    stored: Stored


class MemoryStore:
    """One in-memory bucket with versioning on; see the module docstring for failures."""

    def __init__(self, *, cdn: MemoryCdn | None = None) -> None:
        self._cdn = cdn
        self.versions: dict[str, list[_Version]] = {}  # every version, oldest first
        self.current: dict[str, _Version] = {}  # what a GET returns now
        self.fail: dict[tuple[str, str], StoreError] = {}
        self.calls: list[tuple[str, str]] = []  # (operation, key), in order
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def cdn(self) -> MemoryCdn | None:
        return self._cdn

    def _call(self, operation: str, key: str) -> None:
        with self._lock:
            self.calls.append((operation, key))
            err = self.fail.get((operation, key)) or self.fail.get((operation, "*"))
        if err is not None:
            raise err

    def body(self, key: str) -> bytes:
        """The current body of ``key`` (a test helper; KeyError when absent)."""
        return self.current[key].body

    def list(self, prefix: str) -> dict[str, Stored]:
        self._call("list", prefix)
        return {
            k: Stored(size=v.stored.size, etag=v.stored.etag, last_modified=v.stored.last_modified)
            for k, v in sorted(self.current.items())
            if k.startswith(prefix)
        }

    def head(self, key: str, version_id: str | None = None) -> Stored | None:
        self._call("head", key)
        if version_id is None:
            found = self.current.get(key)
        else:
            found = next(
                (v for v in self.versions.get(key, []) if v.stored.version_id == version_id), None
            )
        return replace(found.stored, metadata=dict(found.stored.metadata)) if found else None

    def get(self, key: str) -> tuple[bytes, Stored] | None:
        self._call("get", key)
        found = self.current.get(key)
        return (found.body, replace(found.stored)) if found else None

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> Stored:
        self._call("put", key)
        low = {k.lower(): v for k, v in headers.items()}
        md5 = hashlib.md5(body).digest()
        if "content-md5" in low and base64.b64decode(low["content-md5"]) != md5:
            raise StoreError.for_code("BadDigest", f"{key}: Content-MD5 does not match the body")
        stored = Stored(
            size=len(body),
            etag=md5.hex(),
            metadata={
                k[len("x-amz-meta-") :]: v for k, v in low.items() if k.startswith("x-amz-meta-")
            },
            last_modified=dt.datetime.now(dt.UTC).isoformat(),
            **{attr: low[h] for h, attr in _HEADERS.items() if h in low},
        )
        with self._lock:
            stored.version_id = f"v{next(self._ids)}"
            version = _Version(body, stored)
            self.versions.setdefault(key, []).append(version)
            self.current[key] = version
        return replace(stored)

    def delete(self, keys: Sequence[str]) -> dict[str, StoreError]:
        failed: dict[str, StoreError] = {}
        for key in keys:
            try:
                self._call("delete", key)
            except StoreError as exc:
                failed[key] = exc
                continue
            with self._lock:
                self.current.pop(key, None)  # a delete marker: older versions stay
        return failed

    def restore(self, key: str, version_id: str) -> Stored:
        self._call("restore", key)
        found = next(
            (v for v in self.versions.get(key, []) if v.stored.version_id == version_id), None
        )
        if found is None:
            raise StoreError.for_code("NoSuchVersion", f"{key} has no version {version_id}")
        with self._lock:
            stored = replace(found.stored, version_id=f"v{next(self._ids)}")
            version = _Version(found.body, stored)
            self.versions[key].append(version)
            self.current[key] = version
        return replace(stored)
