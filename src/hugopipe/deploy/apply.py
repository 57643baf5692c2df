"""Apply a ``DeployPlan``: the only code in the deploy stage that writes.

Order and safety, in this order:
1. a blocked plan (max-deletes) or a bucket that changed since planning stops here;
2. the keys about to change are written to ``.hugopipe/pending.json`` so that an
   interrupted apply is re-uploaded by the next plan instead of trusted;
3. upload groups one after another (assets → HTML → sitemaps/feeds, inside
   Hugo's ``order`` groups); a group with a failure stops later groups;
4. deletes only when every upload succeeded;
5. the new manifest (the release), then the CloudFront invalidation.
Every per-object error is collected and reported, not just the first.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import botocore.exceptions

from hugopipe.deploy.cloudfront import create_invalidation, wait_invalidation
from hugopipe.deploy.models import (
    ApplyReport,
    ApplyStatus,
    ObjectError,
    ObjectState,
    ReleaseManifest,
    UploadItem,
)
from hugopipe.deploy.plan import DeployPlan
from hugopipe.deploy.store import (
    META_HUGO_MD5,
    META_SHA256,
    Clients,
    clear_pending,
    error_code,
    is_credentials,
    is_transient,
    manifest_head,
    state_from_head,
    write_manifest,
    write_pending,
)
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError, CredentialsError, HugopipeError, TransientError

Progress = Callable[[int, int], None]


class LocalChanged(Exception):
    """public/ changed between planning and applying."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upload_body(item: UploadItem, public_dir: Path) -> bytes:
    """The bytes to store for ``item``, checked against the planned hash."""
    data = (public_dir / item.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != item.sha256:
        raise LocalChanged(f"{item.path} changed since the plan was made")
    if item.gzip:
        # mtime=0: the same input gives the same bytes, so ETags stay stable across builds.
        data = gzip.compress(data, compresslevel=9, mtime=0)
    return data


def put_one(
    clients: Clients, target: DeployTarget, item: UploadItem, public_dir: Path
) -> ObjectState:
    body = upload_body(item, public_dir)
    stored_md5 = hashlib.md5(body)
    extra: dict[str, Any] = {
        "ContentType": item.headers.content_type,
        "Metadata": {META_SHA256: item.sha256, META_HUGO_MD5: stored_md5.hexdigest()},
    }
    if item.headers.cache_control:
        extra["CacheControl"] = item.headers.cache_control
    if item.headers.content_encoding:
        extra["ContentEncoding"] = item.headers.content_encoding
    if target.sse_type:
        extra["ServerSideEncryption"] = target.sse_type
        if target.kms_key_id:
            extra["SSEKMSKeyId"] = target.kms_key_id
    if len(body) >= target.multipart_threshold:
        from boto3.s3.transfer import (
            TransferConfig,
        )  # only for large files: s3transfer is slow to import

        chunk = max(5 * 1024 * 1024, target.multipart_threshold // 2)
        clients.s3.upload_fileobj(
            io.BytesIO(body),
            target.bucket,
            item.key,
            ExtraArgs=extra,
            Config=TransferConfig(
                multipart_threshold=target.multipart_threshold,
                multipart_chunksize=chunk,
                use_threads=False,
            ),
        )
        return state_from_head(clients.s3.head_object(Bucket=target.bucket, Key=item.key))
    content_md5 = base64.b64encode(stored_md5.digest()).decode()
    if clients.fast is not None:
        headers = {
            "Content-Type": item.headers.content_type,
            "Content-MD5": content_md5,
            f"x-amz-meta-{META_SHA256}": item.sha256,
            f"x-amz-meta-{META_HUGO_MD5}": stored_md5.hexdigest(),
        }
        if item.headers.cache_control:
            headers["Cache-Control"] = item.headers.cache_control
        if item.headers.content_encoding:
            headers["Content-Encoding"] = item.headers.content_encoding
        if target.sse_type:
            headers["x-amz-server-side-encryption"] = target.sse_type
            if target.kms_key_id:
                headers["x-amz-server-side-encryption-aws-kms-key-id"] = target.kms_key_id
        out = clients.fast.put(target.bucket, item.key, body, headers)
        resp = {"ETag": out.get("etag"), "VersionId": out.get("x-amz-version-id")}
    else:
        resp = clients.s3.put_object(
            Bucket=target.bucket, Key=item.key, Body=body, ContentMD5=content_md5, **extra
        )
    version = resp.get("VersionId")
    return ObjectState(
        sha256=item.sha256,
        size=len(body),
        etag=(resp.get("ETag") or "").strip('"') or None,
        version_id=version if version not in (None, "null") else None,
        headers=item.headers,
    )


def _object_error(key: str, op: str, exc: BaseException) -> ObjectError:
    if isinstance(exc, LocalChanged | OSError):
        return ObjectError(key=key, operation=op, code=type(exc).__name__, message=str(exc))
    return ObjectError(
        key=key, operation=op, code=error_code(exc), message=str(exc), transient=is_transient(exc)
    )


def _raise_for(report: ApplyReport, exc_cause: BaseException | None = None) -> None:
    errors = report.errors
    lines = "\n".join(f"  {e.operation} {e.key}: {e.code}: {e.message}" for e in errors[:50])
    more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
    message = f"deploy to {report.target} failed with {len(errors)} error(s):\n{lines}{more}"
    if any(
        e.code
        in {
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "NoCredentialsError",
        }
        for e in errors
    ):
        exc: HugopipeError = CredentialsError(
            message, hint="check the AWS credentials and their permissions"
        )
    elif errors and all(e.transient for e in errors):
        exc = TransientError(
            message, hint="nothing was deleted and no invalidation was sent; run again to converge"
        )
    else:
        exc = HugopipeError(
            message,
            hint="nothing was deleted and no invalidation was sent; fix the errors and run again",
        )
    exc.errors = errors  # type: ignore[attr-defined]
    exc.report = report  # type: ignore[attr-defined]
    raise exc from exc_cause


def apply_plan(
    plan: DeployPlan,
    public_dir: Path,
    target: DeployTarget,
    clients: Clients,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
    wait_invalidation: bool = False,
) -> ApplyReport:
    """Apply exactly ``plan``. Raises on failure with every error in ``exc.errors`` and ``exc.report``."""
    started = time.monotonic()
    public_dir = Path(public_dir)
    report = ApplyReport(
        target=plan.target,
        bucket=plan.bucket,
        status=ApplyStatus.SUCCEEDED,
        release_id=plan.release_id,
    )

    if plan.blocked:
        raise ConfigError(plan.blocked, file=target.config_file, hint="nothing was changed")
    if (plan.target, plan.bucket, plan.prefix) != (target.name, target.bucket, target.prefix):
        raise ConfigError(
            f"this plan was made for {plan.target} (s3://{plan.bucket}/{plan.prefix}), not {target.name}"
        )
    if dry_run:
        report.status = ApplyStatus.DRY_RUN
        report.invalidation_paths = list(plan.invalidation_paths)
        return report

    if plan.empty:  # nothing to write, so nothing to check either
        report.status = ApplyStatus.NOTHING_TO_DO
        report.duration_s = time.monotonic() - started
        return report
    if plan.invalidation_paths and plan.cloudfront_distribution_id:
        clients.prepare_cloudfront()
    etag, release_id = manifest_head(clients, target)
    if etag != plan.base_manifest_etag:
        if release_id == plan.release_id:
            report.status = ApplyStatus.ALREADY_APPLIED
            report.duration_s = time.monotonic() - started
            return report
        raise ConfigError(
            f"the bucket's release changed since this plan was made "
            f"(planned on {plan.base_release_id or 'an empty state'}, now {release_id or 'unknown'})",
            hint="plan again (and approve the new plan); another deploy or a rollback ran in between",
        )
    total = len(plan.uploads) + len(plan.deletes)
    done = 0
    try:
        write_pending(
            clients, target, [u.key for u in plan.uploads] + [d.key for d in plan.deletes]
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        report.errors.append(_object_error(target.state_prefix, "manifest", exc))
        report.status = ApplyStatus.FAILED
        _raise_for(report, exc)

    uploaded: dict[str, ObjectState] = {}
    groups: dict[int, list[UploadItem]] = {}
    for u in plan.uploads:
        groups.setdefault(u.group, []).append(u)
    failed = False

    def one(item: UploadItem) -> tuple[UploadItem, ObjectState | None, BaseException | None]:
        try:
            return item, put_one(clients, target, item, public_dir), None
        except (
            botocore.exceptions.ClientError,
            botocore.exceptions.BotoCoreError,
            LocalChanged,
            OSError,
        ) as err:
            return item, None, err

    with ThreadPoolExecutor(max_workers=max(1, target.workers)) as pool:
        for g in sorted(groups):
            items = groups[g]
            if failed:
                report.skipped_uploads += [u.key for u in items]
                continue

            for item, state, err in pool.map(one, items):
                done += 1
                if err is not None:
                    report.errors.append(_object_error(item.key, "upload", err))
                    failed = True
                else:
                    assert state is not None
                    uploaded[item.key] = state
                    report.uploaded.append(item.key)
                    report.upload_bytes += state.size
                if progress:
                    progress(done, total)

    if failed:
        report.skipped_deletes = len(plan.deletes)
        report.status = ApplyStatus.FAILED
        report.duration_s = time.monotonic() - started
        _raise_for(report)

    keys = [d.key for d in plan.deletes]
    for i in range(0, len(keys), 1000):
        batch = keys[i : i + 1000]
        try:
            resp = clients.s3.delete_objects(
                Bucket=target.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            report.errors += [_object_error(k, "delete", exc) for k in batch]
            failed = True
            continue
        # A 200 response can still carry per-key errors (s3deploy ignores them; we do not).
        bad = {e["Key"]: e for e in resp.get("Errors", [])}
        for k in batch:
            if k in bad:
                code = bad[k].get("Code", "?")
                report.errors.append(
                    ObjectError(
                        key=k,
                        operation="delete",
                        code=code,
                        message=bad[k].get("Message", ""),
                        transient=code in {"SlowDown", "InternalError", "ServiceUnavailable"},
                    )
                )
                failed = True
            else:
                report.deleted.append(k)
            done += 1
            if progress:
                progress(done, total)
    if failed:
        report.status = ApplyStatus.FAILED
        report.duration_s = time.monotonic() - started
        _raise_for(report)

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
        files=dict(sorted(files.items())),
    )
    try:
        write_manifest(clients, target, manifest)
        clear_pending(clients, target)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        report.errors.append(_object_error(target.state_prefix, "manifest", exc))
        report.status = ApplyStatus.FAILED
        _raise_for(report, exc)

    invalidate(
        plan.invalidation_paths,
        plan.cloudfront_distribution_id,
        clients,
        report,
        wait=wait_invalidation,
    )
    report.duration_s = time.monotonic() - started
    if report.errors:
        report.status = ApplyStatus.FAILED
        _raise_for(report)
    return report


def invalidate(
    paths: list[str],
    distribution_id: str | None,
    clients: Clients,
    report: ApplyReport,
    *,
    wait: bool,
) -> None:
    """Send the invalidation (after a fully successful apply only) and record it in ``report``."""
    if not paths or not distribution_id or clients.cloudfront is None:
        return
    report.invalidation_paths = list(paths)
    try:
        inv_id = create_invalidation(clients.cloudfront, distribution_id, paths)
        report.invalidation_id = inv_id
        report.invalidation_status = "InProgress"
        if wait:
            report.invalidation_status = wait_invalidation(
                clients.cloudfront, distribution_id, inv_id
            )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        report.errors.append(_object_error(distribution_id, "invalidate", exc))


def credentials_problem(exc: BaseException) -> bool:  # re-exported helper for the CLI
    return is_credentials(exc)
