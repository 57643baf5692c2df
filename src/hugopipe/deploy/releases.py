"""Releases and rollback.

Every successful apply writes a release manifest (files, hashes, headers, S3
version ids, git commit, build hash, time) to ``.hugopipe/releases/``. Rolling
back copies each object's recorded *version* back into place (a server-side
copy: byte for byte, headers and metadata included), so the bucket must have
versioning enabled; a release deployed without it cannot be restored exactly,
and the rollback plan says so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from hugopipe.deploy.apply import delete_keys, invalidate
from hugopipe.deploy.cloudfront import invalidation_paths
from hugopipe.deploy.errors import StoreError, classify, object_error, raise_failed
from hugopipe.deploy.models import ApplyReport, ApplyStatus, ObjectState, ReleaseManifest
from hugopipe.deploy.state import manifest_head, read_manifest, release_key, write_manifest
from hugopipe.deploy.store import RELEASES_DIR, Store
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError


class ReleaseInfo(BaseModel):
    release_id: str
    last_modified: str


class RestoreItem(BaseModel):
    key: str
    version_id: str
    reason: str


class RollbackPlan(BaseModel):
    """What a rollback will restore and delete: a value, so an approval can cover exactly it
    (``hugopipe.deploy.binding.rollback_plan_hash``)."""

    target: str
    bucket: str
    prefix: str = ""
    #: the S3 endpoint written to (None: AWS); part of what an approval covers
    endpoint: str | None = None
    current_release_id: str
    current_manifest_etag: str
    to_release_id: str
    new_release_id: str
    restores: list[RestoreItem] = Field(default_factory=list)
    deletes: list[str] = Field(default_factory=list)
    unchanged: int = 0
    invalidation_paths: list[str] = Field(default_factory=list)
    cloudfront_distribution_id: str | None = None
    #: the bucket or distribution is one a production environment writes to (set by the
    #: flow's plan task from the site's configuration: production is a bucket, not a name)
    production_bucket: bool = False
    to_release: ReleaseManifest

    def to_markdown(self) -> str:
        r = self.to_release
        lines = [
            f"### Rollback of `{self.target}` (s3://{self.bucket}/{self.prefix})",
            "",
            f"- from release `{self.current_release_id}` to `{self.to_release_id}` "
            f"(deployed {r.created}, git {r.git_commit or '-'})",
            f"- restore: {len(self.restores)} objects; delete: {len(self.deletes)}; unchanged: {self.unchanged}",
        ]
        if self.cloudfront_distribution_id:
            lines.append(
                "- CloudFront invalidation: "
                + (", ".join(f"`{p}`" for p in self.invalidation_paths) or "none")
            )
        lines += [f"- restore `{i.key}` ({i.reason})" for i in self.restores[:25]]
        lines += [f"- delete `{k}`" for k in self.deletes[:25]]
        return "\n".join(lines) + "\n"


def list_releases(store: Store, target: DeployTarget) -> list[ReleaseInfo]:
    """Release manifests in the bucket, oldest first."""
    prefix = target.state_prefix + RELEASES_DIR
    try:
        listing = store.list(prefix)
    except StoreError as exc:
        raise classify(
            exc, f"listing releases in s3://{target.bucket}/{prefix}", target=target
        ) from exc
    out = [
        ReleaseInfo(
            release_id=key[len(prefix) :].removesuffix(".json.gz"),
            last_modified=obj.last_modified or "",
        )
        for key, obj in listing.items()
    ]
    return sorted(out, key=lambda r: (r.last_modified, r.release_id))


def plan_rollback(
    target: DeployTarget, store: Store, to_release_id: str | None = None
) -> RollbackPlan:
    """Decide how to bring the bucket back to ``to_release_id`` (default: the previous release)."""
    current, etag = read_manifest(store, target)
    if current is None or etag is None:
        raise ConfigError(
            f"nothing to roll back: s3://{target.bucket}/{target.prefix} has no hugopipe release",
            hint="deploy at least twice with hugopipe before rolling back",
        )
    to_id = to_release_id or current.previous_release_id
    if not to_id:
        raise ConfigError(
            f"release {current.release_id} has no previous release to roll back to",
            hint="pass --to RELEASE_ID (see the releases under .hugopipe/releases/ in the bucket)",
        )
    if to_id == current.release_id:
        raise ConfigError(f"release {to_id} is already the current release")
    to, _ = read_manifest(store, target, key=release_key(target, to_id))
    if to is None:
        raise ConfigError(
            f"release {to_id} not found in s3://{target.bucket}/{target.state_prefix}{RELEASES_DIR}"
        )
    restores: list[RestoreItem] = []
    missing: list[str] = []
    unchanged = 0
    for key, want in sorted(to.files.items()):
        have = current.files.get(key)
        if (
            have is not None
            and have.sha256 == want.sha256
            and have.headers == want.headers
            and have.etag == want.etag
        ):
            unchanged += 1
            continue
        if not want.version_id:
            missing.append(key)
            continue
        reason = "missing now" if have is None else "differs"
        restores.append(RestoreItem(key=key, version_id=want.version_id, reason=reason))
    if missing:
        raise ConfigError(
            f"release {to_id} cannot be restored byte for byte: {len(missing)} object(s) have no S3 version id "
            f"(bucket versioning was off when it was deployed): " + ", ".join(missing[:10]),
            hint="enable versioning on the bucket (aws s3api put-bucket-versioning) so future releases can be rolled back; "
            "to go back now, check out the old commit and deploy it",
        )
    deletes = sorted(k for k in current.files if k not in to.files)
    inval: list[str] = []
    if target.cloudfront_distribution_id and target.invalidate_cdn:
        inval = invalidation_paths(
            [target.path_for(i.key) for i in restores] + [target.path_for(k) for k in deletes],
            threshold=target.invalidation_threshold,
            strip_index_html=target.strip_index_html,
        )
    new_id = (
        "r" + hashlib.sha256(f"rollback\0{current.release_id}\0{to_id}".encode()).hexdigest()[:15]
    )
    return RollbackPlan(
        target=target.name,
        bucket=target.bucket,
        prefix=target.prefix,
        endpoint=target.endpoint,
        current_release_id=current.release_id,
        current_manifest_etag=etag,
        to_release_id=to_id,
        new_release_id=new_id,
        restores=restores,
        deletes=deletes,
        unchanged=unchanged,
        invalidation_paths=inval,
        cloudfront_distribution_id=target.cloudfront_distribution_id
        if target.invalidate_cdn
        else None,
        to_release=to,
    )


def apply_rollback(
    plan: RollbackPlan,
    target: DeployTarget,
    store: Store,
    *,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
    wait_invalidation: bool = False,
    approval: dict[str, Any] | None = None,
) -> ApplyReport:
    """Restore every object of ``plan.to_release`` from its recorded version; delete what it did not have.

    With ``dry_run`` nothing is written (a ``DryRunStore``): the versions are checked and
    the report lists what would have been restored and deleted. The new release record
    carries ``approval`` (the approvals log entry of *this* rollback; None when nobody was
    asked), never the approval of the release it restores.
    """
    started = time.monotonic()
    report = ApplyReport(
        target=plan.target,
        bucket=plan.bucket,
        status=ApplyStatus.SUCCEEDED,
        release_id=plan.new_release_id,
    )
    if dry_run:
        from hugopipe.deploy.dryrun import DryRunStore

        store = DryRunStore(store)
    etag, release_id = manifest_head(store, target)
    if etag != plan.current_manifest_etag:
        raise ConfigError(
            f"the bucket's release changed since this rollback was planned (now {release_id})",
            hint="plan the rollback again",
        )
    total = len(plan.restores) + len(plan.deletes)
    files: dict[str, ObjectState] = {k: v for k, v in plan.to_release.files.items()}
    for n, item in enumerate(plan.restores, 1):
        try:
            files[item.key] = store.restore(item.key, item.version_id).state()
            report.uploaded.append(item.key)
            report.upload_bytes += files[item.key].size
        except StoreError as exc:
            report.errors.append(object_error(item.key, "restore", exc))
        if progress:
            progress(n, total)
    if not report.errors and plan.deletes:
        delete_keys(store, plan.deletes, report)
    if report.errors:
        report.status = ApplyStatus.FAILED
        report.duration_s = time.monotonic() - started
        raise_failed(report, f"rollback of {plan.target}")
    manifest = plan.to_release.model_copy(
        update={
            "release_id": plan.new_release_id,
            "previous_release_id": plan.current_release_id,
            "rolled_back_from": plan.current_release_id,
            "approval": approval,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": dict(sorted(files.items())),
        }
    )
    try:
        write_manifest(store, target, manifest)
    except StoreError as exc:
        raise classify(
            exc, f"writing the release manifest {plan.new_release_id}", target=target
        ) from exc
    invalidate(
        plan.invalidation_paths,
        plan.cloudfront_distribution_id,
        store.cdn,
        report,
        wait=wait_invalidation,
    )
    report.status = ApplyStatus.DRY_RUN if dry_run else ApplyStatus.SUCCEEDED
    report.duration_s = time.monotonic() - started
    return report
