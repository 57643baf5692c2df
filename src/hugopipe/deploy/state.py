"""hugopipe's own objects in the bucket: the manifest (the current release) and the pending list.

``.hugopipe/manifest.json.gz`` is the bucket's state, so a small deploy costs one GET
instead of a listing; ``.hugopipe/releases/<id>.json.gz`` keeps every release for
rollback; ``.hugopipe/pending.json`` lists the keys an apply is about to change,
so an interrupted apply is re-uploaded by the next plan instead of trusted.
"""

from __future__ import annotations

import gzip
import json

from hugopipe.deploy.errors import StoreError, classify
from hugopipe.deploy.models import ReleaseManifest
from hugopipe.deploy.store import MANIFEST_NAME, PENDING_NAME, RELEASES_DIR, Store
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError

_GZIP = {"Content-Type": "application/gzip"}


def release_key(target: DeployTarget, release_id: str) -> str:
    return f"{target.state_prefix}{RELEASES_DIR}{release_id}.json.gz"


def _get(store: Store, target: DeployTarget, key: str) -> tuple[bytes, str | None] | None:
    try:
        got = store.get(key)
    except StoreError as exc:
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    return None if got is None else (got[0], got[1].etag)


def read_manifest(
    store: Store, target: DeployTarget, key: str | None = None
) -> tuple[ReleaseManifest | None, str | None]:
    """The bucket's state file (or a release manifest) and its ETag; ``(None, None)`` when absent."""
    key = key or target.state_prefix + MANIFEST_NAME
    got = _get(store, target, key)
    if got is None:
        return None, None
    body, etag = got
    try:
        manifest = ReleaseManifest.model_validate_json(gzip.decompress(body))
    except Exception as exc:  # a corrupt or foreign state file: fall back to a listing, loudly
        raise ConfigError(
            f"s3://{target.bucket}/{key} is not a hugopipe manifest ({exc})",
            hint="delete it or run with --full-check to rebuild the state from a listing",
        ) from exc
    return manifest, etag or ""


def manifest_head(store: Store, target: DeployTarget) -> tuple[str | None, str | None]:
    """(ETag, release id) of the bucket's state file, ``(None, None)`` when there is none."""
    key = target.state_prefix + MANIFEST_NAME
    try:
        head = store.head(key)
    except StoreError as exc:
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    if head is None:
        return None, None
    return head.etag or "", head.metadata.get("release-id")


def write_manifest(store: Store, target: DeployTarget, manifest: ReleaseManifest) -> str:
    """Write the release manifest and make it the bucket's current state; the state file's ETag.

    Raises ``StoreError``: the caller reports it against the release it was writing.
    """
    body = gzip.compress(
        manifest.model_dump_json(exclude_none=True).encode(), compresslevel=6, mtime=0
    )
    store.put(release_key(target, manifest.release_id), body, _GZIP)
    written = store.put(
        target.state_prefix + MANIFEST_NAME,
        body,
        {**_GZIP, "x-amz-meta-release-id": manifest.release_id},
    )
    return written.etag or ""


def read_pending(store: Store, target: DeployTarget) -> list[str]:
    """Keys a failed or interrupted apply may have left in an unknown state."""
    got = _get(store, target, target.state_prefix + PENDING_NAME)
    return [] if got is None else list(json.loads(got[0]).get("keys", []))


def write_pending(store: Store, target: DeployTarget, keys: list[str]) -> None:
    store.put(
        target.state_prefix + PENDING_NAME,
        json.dumps({"keys": sorted(keys)}).encode(),
        {"Content-Type": "application/json"},
    )


def clear_pending(store: Store, target: DeployTarget) -> None:
    key = target.state_prefix + PENDING_NAME
    failed = store.delete([key])
    if key in failed:
        raise failed[key]
