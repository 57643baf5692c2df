"""The planner: local tree + remote state → a ``DeployPlan`` value.

:func:`decide` (and the :func:`diff` inside it) is pure: the same inputs give the
same plan, and it can be tested without a bucket. :func:`plan_deploy` only
gathers its inputs (``remote.gather``) and calls it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from hugopipe.deploy.cloudfront import invalidation_paths
from hugopipe.deploy.headers import UploadClass, header_changes, upload_class
from hugopipe.deploy.links import PageRefs, needles, read_refs
from hugopipe.deploy.local import LocalFile, LocalTree
from hugopipe.deploy.models import (
    SHOW_ITEMS,
    DeleteItem,
    DeployPlan,
    ObjectState,
    UploadItem,
    UploadReason,
)
from hugopipe.deploy.order import assign_groups, wanted_paths
from hugopipe.deploy.remote import RemoteState, gather
from hugopipe.deploy.safety import count_pages, delete_refusal, explain_all
from hugopipe.deploy.store import Store
from hugopipe.deploy.targets import DeployTarget

__all__ = ["SHOW_ITEMS", "DeployPlan", "decide", "diff", "plan_deploy", "release_id_for"]


def _group_key(target: DeployTarget, path: str, redirect: bool = False) -> tuple[int, int]:
    """Hugo's ``order`` regex groups first, then assets → HTML → sitemaps/feeds → website
    redirects (``_redirects``) inside each."""
    idx = len(target.order_res)
    for i, rx in enumerate(target.order_res):
        if rx.search(path):
            idx = i
            break
    return idx, (UploadClass.FEED + 1) if redirect else upload_class(path)


def diff(
    local: dict[str, LocalFile],
    remote: dict[str, ObjectState],
    target: DeployTarget,
    *,
    force: bool = False,
    pending: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[UploadItem], list[DeleteItem], dict[str, ObjectState]]:
    """Pure diff: (uploads, deletes, kept). Deterministic: sorted by upload group, then key."""
    uploads: list[tuple[tuple[int, int], UploadItem]] = []
    kept: dict[str, ObjectState] = {}
    for key, lf in local.items():
        r = remote.get(key)
        changes: list[str] = []
        if r is None:
            reason: UploadReason | None = UploadReason.NEW
        elif force or target.force or lf.force:
            reason = UploadReason.FORCE
        elif key in pending:
            reason = UploadReason.UNKNOWN
        elif r.sha256 is None:
            # a foreign object (no manifest, no metadata): a single-part ETag is the MD5 of the bytes
            same = not lf.gzip and r.etag is not None and "-" not in r.etag and r.etag == lf.md5()
            reason = UploadReason.UNKNOWN if not same else None
            if same and r.headers != lf.headers:
                reason, changes = UploadReason.HEADERS, header_changes(r.headers, lf.headers)
        elif r.sha256 != lf.sha256:
            reason = UploadReason.CONTENT
        elif r.headers != lf.headers:
            reason, changes = UploadReason.HEADERS, header_changes(r.headers, lf.headers)
        else:
            reason = None
        if reason is None and r is not None:  # unchanged (only an existing object can be)
            kept[key] = r
            continue
        assert reason is not None
        uploads.append(
            (
                _group_key(target, lf.path, lf.redirect is not None),
                UploadItem(
                    key=key,
                    path=lf.path,
                    reason=reason,
                    sha256=lf.sha256,
                    size=lf.size,
                    headers=lf.headers,
                    gzip=lf.gzip,
                    changes=changes,
                    redirect=lf.redirect,
                ),
            )
        )
    ranks = {g: i for i, g in enumerate(sorted({g for g, _ in uploads}))}
    items = []
    for g, item in sorted(uploads, key=lambda t: (t[0], t[1].key)):
        item.group = ranks[g]
        items.append(item)
    deletes = [
        DeleteItem(key=k, size=remote[k].size if k in remote else 0)
        for k in sorted(set(remote) | set(pending))
        if k not in local and target.selected(target.path_for(k))
    ]
    return items, deletes, kept


def release_id_for(base: str | None, local: dict[str, LocalFile]) -> str:
    """Deterministic: the same inputs give the same release id (and so the same plan)."""
    h = hashlib.sha256((base or "").encode())
    for key in sorted(local):
        lf = local[key]
        h.update(f"\0{key}\0{lf.sha256}\0{lf.headers.model_dump_json()}".encode())
    return "r" + h.hexdigest()[:15]


def decide(
    local: LocalTree,
    remote: RemoteState,
    target: DeployTarget,
    *,
    max_deletes: int | None = None,
    allow_deletes: int | None = None,
    force: bool = False,
    git_commit: str | None = None,
    build_hash: str | None = None,
    page_refs: Callable[[UploadItem], PageRefs] | None = None,
) -> DeployPlan:
    """The plan for deploying ``local`` over ``remote`` to ``target``.

    Pure but for ``page_refs`` (what an uploaded page links to), which by default reads
    the page from ``public/``; tests pass a table. Uploads are ordered so nothing links to
    what is not there yet (``order``), deletes that an uploaded page still links to are
    held back, and every delete guard of ``safety`` is applied.
    """
    uploads, deletes, kept = diff(
        local.files, remote.files, target, force=force, pending=remote.pending
    )
    unchanged = len(kept)
    drifted = {d.key for d in remote.drift}
    for u in uploads:
        if u.key in drifted and u.reason in {
            UploadReason.CONTENT,
            UploadReason.HEADERS,
            UploadReason.UNKNOWN,
        }:
            u.reason = UploadReason.DRIFT
    paths = {d.key: target.path_for(d.key) for d in deletes}
    wanted = wanted_paths(uploads, set(paths.values()))
    if page_refs is None:
        files = local.files
        find = needles(wanted)

        def page_refs(u: UploadItem) -> PageRefs:
            return read_refs(
                files[u.key].fs_path, u.path, target.base_url, wanted=wanted, find=find
            )

    uploads, refs = assign_groups(uploads, target, page_refs, wanted)
    linked = {r for rs in refs.values() for r in rs}
    held = [d for d in deletes if paths[d.key] in linked]
    if held:
        deletes = [d for d in deletes if paths[d.key] not in linked]
        kept = {**kept, **{d.key: remote.files[d.key] for d in held if d.key in remote.files}}
    explain_all(deletes, paths, remote.files, uploads)

    limit = target.max_deletes if max_deletes is None else max_deletes
    blocked = None
    if deletes:  # a plan without deletes never walks the local pages (the no-change path)
        built = [lf.path for lf in local.files.values() if lf.redirect is None]
        blocked = delete_refusal(
            len(deletes),
            len(remote.files),
            len(built),  # redirect objects are no sign of a complete build
            count_pages(built),
            max_deletes=limit,
            allow_deletes=allow_deletes,
        )

    inval: list[str] = []
    if target.cloudfront_distribution_id and target.invalidate_cdn:
        changed = [u.path for u in uploads] + [paths[d.key] for d in deletes]
        inval = invalidation_paths(
            changed,
            threshold=target.invalidation_threshold,
            strip_index_html=target.strip_index_html,
        )

    rid = release_id_for(remote.release_id, local.files)
    return DeployPlan(
        target=target.name,
        bucket=target.bucket,
        prefix=target.prefix,
        endpoint=target.endpoint,
        base_url=target.base_url,
        environment=target.environment,
        release_id=rid,
        base_release_id=remote.release_id,
        base_manifest_etag=remote.manifest_etag,
        remote_source=remote.source,
        uploads=uploads,
        deletes=deletes,
        held_deletes=held,
        unchanged=unchanged,
        kept=kept,
        invalidation_paths=inval,
        cloudfront_distribution_id=target.cloudfront_distribution_id
        if target.invalidate_cdn
        else None,
        max_deletes=limit,
        allow_deletes=allow_deletes,
        blocked=blocked,
        drift=remote.drift,
        pending_keys=sorted(remote.pending),
        skipped_local=local.skipped,
        git_commit=git_commit,
        build_hash=build_hash or rid,
        redirects=local.redirects,
    )


def plan_deploy(
    public_dir: Path,
    target: DeployTarget,
    store: Store,
    *,
    full_check: bool = False,
    max_deletes: int | None = None,
    allow_deletes: int | None = None,
    force: bool = False,
    git_commit: str | None = None,
    build_hash: str | None = None,
) -> DeployPlan:
    """Read local and remote state (``remote.gather``) and ``decide``. Writes nothing."""
    local, remote = gather(public_dir, target, store, full_check=full_check)
    return decide(
        local,
        remote,
        target,
        max_deletes=max_deletes,
        allow_deletes=allow_deletes,
        force=force,
        git_commit=git_commit,
        build_hash=build_hash,
    )
