"""Apply a ``DeployPlan`` to a ``Store``: the only code in the deploy stage that writes.

Order and safety, in this order:
1. a blocked plan (max-deletes) or a bucket that changed since planning stops here;
2. the keys about to change are written to ``.hugopipe/pending.json`` so that an
   interrupted apply is re-uploaded by the next plan instead of trusted;
3. upload groups one after another (assets → HTML → sitemaps/feeds, inside
   Hugo's ``order`` groups); a group with a failure stops later groups;
4. deletes only when every upload succeeded;
5. the new manifest (the release), then the CDN invalidation.
Every per-object error is collected and reported, not just the first. A dry run
is the same walk over a ``DryRunStore``: it reads, checks and records, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

from hugopipe.deploy.errors import (
    LocalChanged,
    StoreError,
    is_credentials,
    object_error,
    raise_failed,
)
from hugopipe.deploy.headers import object_headers
from hugopipe.deploy.models import (
    ApplyReport,
    ApplyStatus,
    DeployPlan,
    ObjectState,
    ReleaseManifest,
    UploadItem,
)
from hugopipe.deploy.state import clear_pending, manifest_head, write_manifest, write_pending
from hugopipe.deploy.store import Cdn, Store
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError
from hugopipe.sitetargets import endpoint_key

__all__ = ["LocalChanged", "apply_plan", "delete_keys", "invalidate", "upload", "upload_body"]

Progress = Callable[[int, int], None]
DELETE_BATCH = 1000  # S3's DeleteObjects limit


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upload_body(item: UploadItem, public_dir: Path) -> bytes:
    """The bytes to store for ``item``, checked against the planned hash."""
    if item.redirect is not None:
        return b""  # a website redirect: S3 answers with its Location, never the body
    data = (public_dir / item.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise LocalChanged(f"{item.path} changed since the plan was made")
    if item.gzip:
        # mtime=0: the same input gives the same bytes, so ETags stay stable across builds.
        data = gzip.compress(data, compresslevel=9, mtime=0)
    return data


def upload(store: Store, target: DeployTarget, item: UploadItem, public_dir: Path) -> ObjectState:
    """Upload one planned file; its state as the next manifest records it."""
    body = upload_body(item, public_dir)
    headers = object_headers(
        item.headers,
        item.sha256,
        hashlib.md5(body).digest(),
        sse_type=target.sse_type,
        kms_key_id=target.kms_key_id,
        redirect=item.redirect,
    )
    written = store.put(item.key, body, headers)
    return ObjectState(
        sha256=item.sha256,
        size=len(body),
        etag=written.etag,
        version_id=written.version_id,
        headers=item.headers,
    )


def delete_keys(
    store: Store, keys: list[str], report: ApplyReport, progress: Callable[[], None] | None = None
) -> bool:
    """Delete ``keys`` in batches, recording each in ``report``; False when any failed."""
    ok = True
    for i in range(0, len(keys), DELETE_BATCH):
        batch = keys[i : i + DELETE_BATCH]
        try:
            failed = store.delete(batch)
        except StoreError as exc:
            report.errors += [object_error(k, "delete", exc) for k in batch]
            ok = False
            continue
        for k in batch:
            if k in failed:
                report.errors.append(object_error(k, "delete", failed[k]))
                ok = False
            else:
                report.deleted.append(k)
            if progress:
                progress()
    return ok


def _finish(report: ApplyReport, status: ApplyStatus, started: float) -> ApplyReport:
    report.status = status
    report.duration_s = time.monotonic() - started
    return report


def _raise(report: ApplyReport, started: float, cause: BaseException | None = None) -> NoReturn:
    _finish(report, ApplyStatus.FAILED, started)
    raise_failed(
        report,
        f"deploy to {report.target}",
        retry_hint="nothing was deleted and no invalidation was sent; run again to converge",
        fix_hint="nothing was deleted and no invalidation was sent; fix the errors and run again",
        cause=cause,
    )


def apply_plan(
    plan: DeployPlan,
    public_dir: Path,
    target: DeployTarget,
    store: Store,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    wait_invalidation: bool = False,
    approval: dict[str, Any] | None = None,
) -> ApplyReport:
    """Apply exactly ``plan`` to ``store`` (``connect(target)`` for S3).

    Raises on failure with every error in ``exc.errors`` and ``exc.report``. With
    ``dry_run`` nothing is written: the report lists what would have been.
    """
    started = time.monotonic()
    public_dir = Path(public_dir)
    report = ApplyReport(
        target=plan.target,
        bucket=plan.bucket,
        status=ApplyStatus.SUCCEEDED,
        release_id=plan.release_id,
    )
    done_status = ApplyStatus.SUCCEEDED
    if plan.blocked:
        raise ConfigError(plan.blocked, file=target.config_file, hint="nothing was changed")
    if (plan.target, plan.bucket, plan.prefix) != (target.name, target.bucket, target.prefix) or (
        endpoint_key(plan.endpoint) != endpoint_key(target.endpoint)
    ):
        raise ConfigError(
            f"this plan was made for {plan.target} (s3://{plan.bucket}/{plan.prefix}"
            f"{' at ' + plan.endpoint if plan.endpoint else ''}), not {target.name} "
            f"(s3://{target.bucket}/{target.prefix}{' at ' + target.endpoint if target.endpoint else ''})",
            hint="nothing was written; plan again against the target as configured now",
        )
    if dry_run:
        from hugopipe.deploy.dryrun import DryRunStore

        store = DryRunStore(store)
        done_status = ApplyStatus.DRY_RUN
    # Nothing to write, so nothing to check either; except after --full-check, which rebuilt
    # the state from a listing and writes it back (repairing a damaged manifest or pending list).
    if plan.empty and plan.remote_source != "full-check":
        if not dry_run:  # no release is written: the live one stays, and is the one to report
            report.release_id = plan.base_release_id
        return _finish(report, done_status if dry_run else ApplyStatus.NOTHING_TO_DO, started)
    cdn = store.cdn
    if cdn is not None and plan.invalidation_paths and plan.cloudfront_distribution_id:
        cdn.prepare()
    etag, release_id = manifest_head(store, target)
    if etag != plan.base_manifest_etag:
        if release_id == plan.release_id:
            return _finish(report, ApplyStatus.ALREADY_APPLIED, started)
        raise ConfigError(
            f"the bucket's release changed since this plan was made "
            f"(planned on {plan.base_release_id or 'an empty state'}, now {release_id or 'unknown'})",
            hint="plan again (and approve the new plan); another deploy or a rollback ran in between",
        )
    total = len(plan.uploads) + len(plan.deletes)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    try:
        write_pending(store, target, [u.key for u in plan.uploads] + [d.key for d in plan.deletes])
    except StoreError as exc:
        report.errors.append(object_error(target.state_prefix, "manifest", exc))
        _raise(report, started, exc)

    uploaded: dict[str, ObjectState] = {}
    groups: dict[int, list[UploadItem]] = {}
    for u in plan.uploads:
        groups.setdefault(u.group, []).append(u)
    failed = False

    def one(item: UploadItem) -> tuple[UploadItem, ObjectState | None, BaseException | None]:
        try:
            return item, upload(store, target, item, public_dir), None
        except (StoreError, LocalChanged, OSError) as err:
            return item, None, err

    with ThreadPoolExecutor(max_workers=max(1, target.workers)) as pool:
        for g in sorted(groups):
            items = groups[g]
            if failed:
                report.skipped_uploads += [u.key for u in items]
                continue
            for item, state, err in pool.map(one, items):
                if err is not None:
                    report.errors.append(object_error(item.key, "upload", err))
                    failed = True
                else:
                    assert state is not None
                    uploaded[item.key] = state
                    report.uploaded.append(item.key)
                    report.upload_bytes += state.size
                step()

    if failed:
        report.skipped_deletes = len(plan.deletes)
        _raise(report, started)
    if not delete_keys(store, [d.key for d in plan.deletes], report, step):
        _raise(report, started)

    files = dict(plan.kept)
    files.update(uploaded)
    manifest = ReleaseManifest(
        release_id=plan.release_id,
        previous_release_id=plan.base_release_id,
        target=target.name,
        bucket=target.bucket,
        prefix=target.prefix,
        created=_now(),
        git_commit=plan.git_commit,
        build_hash=plan.build_hash,
        source_hash=plan.source_hash,
        approval=approval,
        files=dict(sorted(files.items())),
    )
    try:
        write_manifest(store, target, manifest)
        clear_pending(store, target)
    except StoreError as exc:
        report.errors.append(object_error(target.state_prefix, "manifest", exc))
        _raise(report, started, exc)

    invalidate(
        plan.invalidation_paths,
        plan.cloudfront_distribution_id,
        cdn,
        report,
        wait=wait_invalidation,
    )
    if report.errors:
        _raise(report, started)
    return _finish(report, done_status, started)


def invalidate(
    paths: list[str],
    distribution_id: str | None,
    cdn: Cdn | None,
    report: ApplyReport,
    *,
    wait: bool,
) -> None:
    """Send the invalidation (after a fully successful apply only) and record it in ``report``."""
    if not paths or not distribution_id or cdn is None:
        return
    report.invalidation_paths = list(paths)
    try:
        inv_id = cdn.invalidate(distribution_id, paths)
        if inv_id is None:  # a dry run: recorded, not sent
            return
        report.invalidation_id = inv_id
        report.invalidation_status = "InProgress"
        if wait:
            report.invalidation_status = cdn.wait(distribution_id, inv_id)
    except StoreError as exc:
        report.errors.append(object_error(distribution_id, "invalidate", exc))


def credentials_problem(exc: BaseException) -> bool:  # re-exported helper for the CLI
    return is_credentials(exc)
