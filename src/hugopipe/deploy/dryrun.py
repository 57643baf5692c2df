"""The dry-run store: reads go to the real bucket, writes are recorded and never sent.

bep/s3deploy's ``noUpdateStore``. ``apply_plan(..., dry_run=True)`` and
``apply_rollback(..., dry_run=True)`` walk their whole path over it, so a dry
run checks what a real run checks (a stale plan, a file changed since the plan,
a missing version) and reports what would have been written.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping, Sequence

from hugopipe.deploy.errors import StoreError
from hugopipe.deploy.store import Cdn, Store, Stored


class DryRunCdn:
    """Records invalidations instead of sending them."""

    def __init__(self) -> None:
        self.invalidations: list[tuple[str, list[str]]] = []

    def prepare(self) -> None:
        pass

    def invalidate(self, distribution_id: str, paths: list[str]) -> str | None:
        self.invalidations.append((distribution_id, list(paths)))
        return None  # nothing was sent, so there is no invalidation id

    def wait(self, distribution_id: str, invalidation_id: str) -> str:
        return "not sent"


class DryRunStore:
    """Wraps a store: ``list``/``head``/``get`` read through, every write is only recorded."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        #: (operation, key) for every write a real run would have made, in order.
        self.writes: list[tuple[str, str]] = []
        self._lock = threading.Lock()  # apply uploads from a thread pool
        self._cdn = DryRunCdn() if inner.cdn is not None else None

    @property
    def cdn(self) -> Cdn | None:
        return self._cdn

    def _record(self, operation: str, key: str) -> None:
        with self._lock:
            self.writes.append((operation, key))

    def list(self, prefix: str) -> dict[str, Stored]:
        return self.inner.list(prefix)

    def head(self, key: str, version_id: str | None = None) -> Stored | None:
        return self.inner.head(key, version_id)

    def get(self, key: str) -> tuple[bytes, Stored] | None:
        return self.inner.get(key)

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> Stored:
        self._record("put", key)
        md5 = {k.lower(): v for k, v in headers.items()}.get("content-md5")
        etag = base64.b64decode(md5).hex() if md5 else None
        return Stored(size=len(body), etag=etag)

    def delete(self, keys: Sequence[str]) -> dict[str, StoreError]:
        for k in keys:
            self._record("delete", k)
        return {}

    def restore(self, key: str, version_id: str) -> Stored:
        """Check the version exists (a real rollback would fail on it), restore nothing."""
        found = self.inner.head(key, version_id)
        if found is None:
            raise StoreError("NoSuchVersion", f"{key} has no version {version_id}")
        self._record("restore", key)
        return found
