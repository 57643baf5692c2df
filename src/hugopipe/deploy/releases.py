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

import botocore.exceptions
from pydantic import BaseModel, Field

from hugopipe.deploy.apply import invalidate
from hugopipe.deploy.cloudfront import invalidation_paths
from hugopipe.deploy.models import (
    ApplyReport,
    ApplyStatus,
    ObjectError,
    ObjectState,
    ReleaseManifest,
)
from hugopipe.deploy.store import (
    RELEASES_DIR,
    Clients,
    classify,
    error_code,
    is_transient,
    manifest_head,
    read_manifest,
    state_from_head,
    write_manifest,
)
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError, HugopipeError, TransientError


class ReleaseInfo(BaseModel):
    release_id: str
    last_modified: str


class RestoreItem(BaseModel):
    key: str
    version_id: str
    reason: str


class RollbackPlan(BaseModel):
    target: str
    bucket: str
    prefix: str = ""
    current_release_id: str
    current_manifest_etag: str
    to_release_id: str
    new_release_id: str
    restores: list[RestoreItem] = Field(default_factory=list)
    deletes: list[str] = Field(default_factory=list)
    unchanged: int = 0
    invalidation_paths: list[str] = Field(default_factory=list)
    cloudfront_distribution_id: str | None = None
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


def list_releases(clients: Clients, target: DeployTarget) -> list[ReleaseInfo]:
    """Release manifests in the bucket, oldest first."""
    prefix = target.state_prefix + RELEASES_DIR
    out: list[ReleaseInfo] = []
    try:
        for page in clients.s3.get_paginator("list_objects_v2").paginate(
            Bucket=target.bucket, Prefix=prefix
        ):
            for obj in page.get("Contents", []):
                rid = obj["Key"][len(prefix) :].removesuffix(".json.gz")
                out.append(
                    ReleaseInfo(release_id=rid, last_modified=obj["LastModified"].isoformat())
                )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise classify(
            exc, f"listing releases in s3://{target.bucket}/{prefix}", target=target
        ) from exc
    return sorted(out, key=lambda r: (r.last_modified, r.release_id))


def plan_rollback(
    target: DeployTarget, clients: Clients, to_release_id: str | None = None
) -> RollbackPlan:
    """Decide how to bring the bucket back to ``to_release_id`` (default: the previous release)."""
    current, etag = read_manifest(clients, target)
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
    to, _ = read_manifest(
        clients, target, key=f"{target.state_prefix}{RELEASES_DIR}{to_id}.json.gz"
    )
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
    clients: Clients,
    *,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
    wait_invalidation: bool = False,
) -> ApplyReport:
    """Restore every object of ``plan.to_release`` from its recorded version; delete what it did not have."""
    started = time.monotonic()
    report = ApplyReport(
        target=plan.target,
        bucket=plan.bucket,
        status=ApplyStatus.SUCCEEDED,
        release_id=plan.new_release_id,
    )
    if dry_run:
        report.status = ApplyStatus.DRY_RUN
        report.invalidation_paths = list(plan.invalidation_paths)
        return report
    etag, release_id = manifest_head(clients, target)
    if etag != plan.current_manifest_etag:
        raise ConfigError(
            f"the bucket's release changed since this rollback was planned (now {release_id})",
            hint="plan the rollback again",
        )
    total = len(plan.restores) + len(plan.deletes)
    files: dict[str, ObjectState] = {k: v for k, v in plan.to_release.files.items()}
    for n, item in enumerate(plan.restores, 1):
        try:
            clients.s3.copy_object(
                Bucket=target.bucket,
                Key=item.key,
                CopySource={"Bucket": target.bucket, "Key": item.key, "VersionId": item.version_id},
                MetadataDirective="COPY",
            )
            files[item.key] = state_from_head(
                clients.s3.head_object(Bucket=target.bucket, Key=item.key)
            )
            report.uploaded.append(item.key)
            report.upload_bytes += files[item.key].size
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            report.errors.append(
                ObjectError(
                    key=item.key,
                    operation="restore",
                    code=error_code(exc),
                    message=str(exc),
                    transient=is_transient(exc),
                )
            )
        if progress:
            progress(n, total)
    if not report.errors and plan.deletes:
        for i in range(0, len(plan.deletes), 1000):
            batch = plan.deletes[i : i + 1000]
            try:
                resp = clients.s3.delete_objects(
                    Bucket=target.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
                bad = {e["Key"] for e in resp.get("Errors", [])}
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
                report.errors += [
                    ObjectError(key=k, operation="delete", code=error_code(exc), message=str(exc))
                    for k in batch
                ]
                continue
            report.errors += [
                ObjectError(key=k, operation="delete", code="DeleteFailed", message="") for k in bad
            ]
            report.deleted += [k for k in batch if k not in bad]
    if report.errors:
        report.status = ApplyStatus.FAILED
        report.duration_s = time.monotonic() - started
        lines = "\n".join(
            f"  {e.operation} {e.key}: {e.code}: {e.message}" for e in report.errors[:50]
        )
        cls = TransientError if all(e.transient for e in report.errors) else HugopipeError
        exc2 = cls(f"rollback of {plan.target} failed with {len(report.errors)} error(s):\n{lines}")
        exc2.errors = report.errors  # type: ignore[attr-defined]
        exc2.report = report  # type: ignore[attr-defined]
        raise exc2
    manifest = plan.to_release.model_copy(
        update={
            "release_id": plan.new_release_id,
            "previous_release_id": plan.current_release_id,
            "rolled_back_from": plan.current_release_id,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "files": dict(sorted(files.items())),
        }
    )
    write_manifest(clients, target, manifest)
    invalidate(
        plan.invalidation_paths,
        plan.cloudfront_distribution_id,
        clients,
        report,
        wait=wait_invalidation,
    )
    report.duration_s = time.monotonic() - started
    return report
