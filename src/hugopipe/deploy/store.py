"""The bucket as the deploy stage sees it: the ``Store`` and ``Cdn`` seams.

Modelled on bep/s3deploy's ``remoteStore``: planning, apply and rollback ask a
store for these few operations and never call an SDK themselves, so the same
code runs against S3 (``botostore.BotoStore``, ``botostore.FastPutStore``), a
dry run (``dryrun.DryRunStore``) and a dict (``memstore.MemoryStore``, the unit
tests' bucket). A store works on full keys (target prefix included) in one
bucket; every failed request raises ``errors.StoreError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hugopipe.deploy.errors import StoreError
from hugopipe.deploy.headers import META_HUGO_MD5, META_SHA256, Headers
from hugopipe.deploy.models import ObjectState

__all__ = [
    "MANIFEST_NAME",
    "META_HUGO_MD5",
    "META_SHA256",
    "PENDING_NAME",
    "RELEASES_DIR",
    "Cdn",
    "Store",
    "StoreError",
    "Stored",
]

#: hugopipe's own objects, under the target's ``.hugopipe/`` (``DeployTarget.state_prefix``).
MANIFEST_NAME = "manifest.json.gz"
PENDING_NAME = "pending.json"
RELEASES_DIR = "releases/"


@dataclass(slots=True)
class Stored:
    """What the bucket holds for one key (its body aside); a listing fills only some fields."""

    size: int
    etag: str | None = None
    version_id: str | None = None
    content_type: str | None = None
    cache_control: str | None = None
    content_encoding: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)  # keys lowercased
    last_modified: str | None = None  # ISO-8601, from a listing
    website_redirect: str | None = None  # x-amz-website-redirect-location (from a HEAD)

    def state(self) -> ObjectState:
        """The object as a plan compares it: our source hash comes from the metadata."""
        return ObjectState(
            sha256=self.metadata.get(META_SHA256),
            size=self.size,
            etag=self.etag,
            version_id=self.version_id,
            headers=Headers(
                content_type=self.content_type or "binary/octet-stream",
                cache_control=self.cache_control or None,
                content_encoding=self.content_encoding or None,
            ),
        )


class Cdn(Protocol):
    """The cache in front of the bucket (CloudFront, or a recorder)."""

    def prepare(self) -> None:
        """Get ready to invalidate soon (build a client on a thread); may do nothing."""

    def invalidate(self, distribution_id: str, paths: list[str]) -> str | None:
        """Send one invalidation; its id, or None when nothing was sent (a dry run)."""

    def wait(self, distribution_id: str, invalidation_id: str) -> str:
        """Block until the invalidation completes (or times out); its last status."""


class Store(Protocol):
    """One bucket: the operations planning, apply and rollback need, and nothing else."""

    @property
    def cdn(self) -> Cdn | None:
        """The CDN in front of this bucket, None when the target has none."""

    def list(self, prefix: str) -> dict[str, Stored]:
        """Every key under ``prefix`` with its size, ETag and time (no headers, no metadata)."""

    def head(self, key: str, version_id: str | None = None) -> Stored | None:
        """Headers and metadata of ``key`` (or one of its versions); None when it is not there."""

    def get(self, key: str) -> tuple[bytes, Stored] | None:
        """A small object's body (the manifest, the pending list); None when it is not there."""

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> Stored:
        """Store ``body`` with these HTTP headers (``headers.object_headers``); its ETag and version."""

    def delete(self, keys: Sequence[str]) -> dict[str, StoreError]:
        """Delete up to 1,000 keys; the ones that failed, each with its ``StoreError``.

        Raises ``StoreError`` when the whole request failed.
        """

    def restore(self, key: str, version_id: str) -> Stored:
        """Make version ``version_id`` of ``key`` current again (byte for byte, headers too)."""
