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


REPAIR_HINT = (
    "run the deploy again with --full-check: it rebuilds the state from a listing of the "
    "bucket and writes a good {name} (or delete s3://{bucket}/{key})"
)


class DamagedState(ConfigError):
    """One of hugopipe's own objects in the bucket cannot be read: name it and the repair."""

    def __init__(self, target: DeployTarget, key: str, problem: str) -> None:
        name = key.rsplit("/", 1)[-1]
        super().__init__(
            f"s3://{target.bucket}/{key} is damaged: {problem}",
            hint=REPAIR_HINT.format(name=name, bucket=target.bucket, key=key),
        )


def _problem(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def read_manifest(
    store: Store, target: DeployTarget, key: str | None = None, *, tolerant: bool = False
) -> tuple[ReleaseManifest | None, str | None]:
    """The bucket's state file (or a release manifest) and its ETag; ``(None, None)`` when absent.

    A damaged one raises ``DamagedState``; with ``tolerant`` (``--full-check``, which
    rebuilds the state from a listing) it reads as ``(None, its ETag)`` instead.
    """
    key = key or target.state_prefix + MANIFEST_NAME
    got = _get(store, target, key)
    if got is None:
        return None, None
    body, etag = got
    try:
        manifest = ReleaseManifest.model_validate_json(gzip.decompress(body))
    except (
        Exception
    ) as exc:  # anything a damaged or foreign object can raise: not gzip, not JSON, wrong shape
        if tolerant:
            return None, etag or ""
        raise DamagedState(target, key, f"not a hugopipe manifest ({_problem(exc)})") from exc
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


def read_pending(store: Store, target: DeployTarget, *, tolerant: bool = False) -> list[str]:
    """Keys a failed or interrupted apply may have left in an unknown state.

    A damaged list raises ``DamagedState``; ``tolerant`` (``--full-check``: every key is
    compared with the bucket itself, so the list is not needed) reads it as empty.
    """
    key = target.state_prefix + PENDING_NAME
    got = _get(store, target, key)
    if got is None:
        return []
    try:
        data = json.loads(got[0].decode("utf-8"))
        keys = data["keys"] if isinstance(data, dict) else None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ValueError('expected {"keys": ["key", ...]}')
    except (ValueError, KeyError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        if tolerant:
            return []
        raise DamagedState(target, key, _problem(exc)) from exc
    return list(keys)


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
