"""Gathering a plan's inputs: the local tree, the remote state, the pending keys. Reads only.

Remote state comes from the bucket's manifest (one GET) when there is one, else
from a listing plus a HEAD per shared key (headers and our hash metadata are not
in a listing). ``full_check`` always lists and HEADs, and reports where the
bucket has drifted from the manifest — someone editing the bucket by hand.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hugopipe.deploy.errors import StoreError, classify
from hugopipe.deploy.headers import Headers, header_changes
from hugopipe.deploy.local import LocalTree, walk_local
from hugopipe.deploy.models import DriftItem, ObjectState
from hugopipe.deploy.siteredirects import add_website_redirects
from hugopipe.deploy.state import read_manifest, read_pending
from hugopipe.deploy.store import Store, Stored
from hugopipe.deploy.targets import DeployTarget


@dataclass(slots=True)
class RemoteState:
    """What the bucket holds, as far as a plan needs to know."""

    files: dict[str, ObjectState]  # by key
    source: str  # manifest | listing | full-check
    release_id: str | None = None  # the current release (from the manifest)
    manifest_etag: str | None = None  # lets apply refuse if the bucket changed since planning
    pending: set[str] = field(default_factory=set)  # keys an interrupted apply left unknown
    drift: list[DriftItem] = field(default_factory=list)


def list_objects(store: Store, target: DeployTarget) -> dict[str, Stored]:
    """Every key under the target prefix (our state dir excluded) with size and ETag."""
    try:
        listing = store.list(target.prefix)
    except StoreError as exc:
        raise classify(exc, f"listing s3://{target.bucket}/{target.prefix}", target=target) from exc
    state = target.state_prefix
    return {k: v for k, v in listing.items() if not k.startswith(state)}


def head_many(
    store: Store, target: DeployTarget, keys: list[str], workers: int = 16
) -> dict[str, ObjectState]:
    """HEAD each key in parallel (headers and our hash metadata are not in a listing)."""

    def one(key: str) -> tuple[str, Stored | None]:
        try:
            return key, store.head(key)
        except StoreError as exc:
            raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {k: s.state() for k, s in pool.map(one, keys) if s is not None}


def _state_without_manifest(
    store: Store, target: DeployTarget, local: LocalTree
) -> tuple[dict[str, Stored], dict[str, ObjectState]]:
    listing = list_objects(store, target)
    shared = sorted(k for k in listing if k in local.files)
    heads = head_many(store, target, shared, workers=max(4, target.workers))
    remote: dict[str, ObjectState] = {}
    for k, meta in listing.items():
        remote[k] = heads.get(k) or ObjectState(
            sha256=None, size=meta.size, etag=meta.etag, headers=Headers(content_type="")
        )
    return listing, remote


def drift(
    manifest_files: dict[str, ObjectState],
    listing: dict[str, Stored],
    remote: dict[str, ObjectState],
) -> list[DriftItem]:
    """Where the bucket differs from the manifest (pure)."""
    out = []
    for k in sorted(set(manifest_files) | set(listing)):
        m = manifest_files.get(k)
        if m is None:
            out.append(DriftItem(key=k, problem="in the bucket but not in the manifest"))
        elif k not in listing:
            out.append(DriftItem(key=k, problem="in the manifest but missing from the bucket"))
        elif m.etag and listing[k].etag != m.etag:
            out.append(DriftItem(key=k, problem="content changed in the bucket (ETag differs)"))
        elif remote[k].headers.content_type and remote[k].headers != m.headers:
            out.append(
                DriftItem(
                    key=k,
                    problem="headers changed in the bucket: "
                    + "; ".join(header_changes(m.headers, remote[k].headers)),
                )
            )
    return out


def gather(
    public_dir: Path,
    target: DeployTarget,
    store: Store,
    *,
    full_check: bool = False,
) -> tuple[LocalTree, RemoteState]:
    """Walk ``public_dir`` and read the bucket's state: everything ``decide`` needs."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The state file and the pending list are fetched while public/ is hashed.
        # --full-check rebuilds the state from a listing: a damaged state file is not needed
        f_manifest = pool.submit(read_manifest, store, target, tolerant=full_check)
        f_pending = pool.submit(read_pending, store, target, tolerant=full_check)
        local = walk_local(public_dir, target)
        add_website_redirects(local, target)
        manifest, etag = f_manifest.result()
        pending = set(f_pending.result())

    found: list[DriftItem] = []
    if manifest is not None and not full_check:
        remote, source = manifest.files, "manifest"
    else:
        listing, remote = _state_without_manifest(store, target, local)
        source = "full-check" if full_check else "listing"
        if manifest is not None:
            found = drift(manifest.files, listing, remote)
    return local, RemoteState(
        files=remote,
        source=source,
        release_id=manifest.release_id if manifest else None,
        manifest_etag=etag,
        pending=pending,
        drift=found,
    )
