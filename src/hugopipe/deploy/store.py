"""The bucket: clients, the state file, listings and error classification.

Retries are botocore's "standard" mode (exponential backoff with full jitter on
throttling such as ``SlowDown``, 5xx and connection errors); what survives them
is classified into ``hugopipe.errors`` so the Prefect task retries only what a
retry can fix.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from hugopipe.deploy.headers import Headers
from hugopipe.deploy.models import ObjectState, ReleaseManifest
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError, CredentialsError, HugopipeError, TransientError

MANIFEST_NAME = "manifest.json.gz"
PENDING_NAME = "pending.json"
RELEASES_DIR = "releases/"

#: Metadata keys written on every object (S3 stores them as ``x-amz-meta-*``).
META_SHA256 = "hugopipe-sha256"  # SHA-256 of the source bytes: survives gzip and multipart ETags
META_HUGO_MD5 = (
    "md5chksum"  # what hugo deploy reads (MD5 of the stored bytes), so it never re-downloads
)

CREDENTIAL_CODES = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AllAccessDisabled",
    "UnrecognizedClientException",
}
TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "InternalError",
    "ServiceUnavailable",
    "TooManyInvalidationsInProgress",
}


class Clients:
    """Boto3 clients for one target (no secrets are kept here beyond what boto3 holds).

    The CloudFront client is created on first use: loading its service model costs
    ~0.1 s that a no-change deploy should not pay.
    """

    def __init__(
        self,
        s3: Any,
        cloudfront_factory: Any | None,
        endpoint_url: str | None,
        fast: Any | None = None,
    ) -> None:
        self.s3 = s3
        self.fast = fast  # FastPut for path-style custom endpoints, else None
        self._cloudfront_factory = cloudfront_factory
        self._cloudfront: Any | None = None
        self._cloudfront_lock = threading.Lock()
        self.endpoint_url = endpoint_url

    @property
    def cloudfront(self) -> Any | None:
        with self._cloudfront_lock:
            if self._cloudfront is None and self._cloudfront_factory is not None:
                self._cloudfront = self._cloudfront_factory()
            return self._cloudfront

    def prepare_cloudfront(self) -> None:
        """Build the CloudFront client on a thread while uploads wait on the network.

        Creating it loads its service model (~0.1-0.3 s of CPU); a failure here is ignored
        because ``invalidate`` builds it again and reports the error where it belongs.
        """
        if self._cloudfront is not None or self._cloudfront_factory is None:
            return

        def build() -> None:
            with contextlib.suppress(Exception):  # retried and reported by invalidate()
                _ = self.cloudfront

        threading.Thread(target=build, name="cloudfront-client", daemon=True).start()


def connect(
    target: DeployTarget,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    *,
    max_attempts: int = 6,
    max_pool_connections: int | None = None,
    fast_put: bool | None = None,
) -> Clients:
    """S3 (and CloudFront when the target has a distribution) clients for ``target``.

    Endpoint precedence: ``endpoint_url`` argument > the target URL's ``endpoint``
    parameter > AWS's default. Like Hugo, CloudFront calls go to the same endpoint,
    which is right for moto and LocalStack; with a custom S3 endpoint and real
    CloudFront pass a session without the endpoint instead.
    """
    if session is None:
        session = boto3.Session(profile_name=target.profile) if target.profile else boto3.Session()
    endpoint = endpoint_url or target.endpoint
    region = target.region or session.region_name or "us-east-1"
    s3_cfg: dict[str, Any] = {}
    if target.path_style:
        s3_cfg["addressing_style"] = "path"
    if target.accelerate:
        s3_cfg["use_accelerate_endpoint"] = True
    if target.dualstack:
        s3_cfg["use_dualstack_endpoint"] = True
    cfg = Config(
        retries={"max_attempts": max_attempts, "mode": "standard"},
        max_pool_connections=max_pool_connections or max(10, target.workers + 4),
        s3=s3_cfg or None,
        connect_timeout=10,
        read_timeout=60,
        signature_version=botocore.UNSIGNED if target.anonymous else None,
        # We send Content-MD5 on every PUT; an extra CRC32 per request is work for both ends.
        request_checksum_calculation="when_required",
        use_fips_endpoint=target.fips or None,
    )
    s3 = session.client("s3", region_name=region, endpoint_url=endpoint, config=cfg)
    cf_factory = None
    if target.cloudfront_distribution_id:

        def cf_factory() -> Any:
            return session.client(
                "cloudfront",
                region_name="us-east-1",
                endpoint_url=endpoint,
                config=Config(retries={"max_attempts": max_attempts, "mode": "standard"}),
            )

    if fast_put is None:  # HUGOPIPE_FAST_PUT=0 sends every PUT through botocore instead
        fast_put = os.environ.get("HUGOPIPE_FAST_PUT", "1") != "0"
    fast = None
    if fast_put and endpoint and target.path_style and not (target.anonymous or target.accelerate):
        from hugopipe.deploy.fastput import FastPut

        try:
            fast = FastPut(session, endpoint, region, max_attempts=max_attempts)
        except botocore.exceptions.NoCredentialsError:
            fast = None  # botocore raises the same error, classified, on the first request
    return Clients(s3=s3, cloudfront_factory=cf_factory, endpoint_url=endpoint, fast=fast)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(
            exc.response.get("Error", {}).get("Code")
            or exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
    return type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    if isinstance(
        exc,
        botocore.exceptions.EndpointConnectionError
        | botocore.exceptions.ConnectionClosedError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectTimeoutError
        | ConnectionError,
    ):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return code in TRANSIENT_CODES or status >= 500 or code.startswith("5")
    return False


def is_credentials(exc: BaseException) -> bool:
    if isinstance(
        exc,
        botocore.exceptions.NoCredentialsError
        | botocore.exceptions.PartialCredentialsError
        | botocore.exceptions.ProfileNotFound,
    ):
        return True
    return isinstance(exc, botocore.exceptions.ClientError) and error_code(exc) in CREDENTIAL_CODES


def classify(exc: BaseException, what: str, *, target: DeployTarget | None = None) -> HugopipeError:
    """Turn a boto error into the ``hugopipe.errors`` class that says who fixes it."""
    if isinstance(exc, HugopipeError):
        return exc
    where = target.config_file if target else None
    message = f"{what}: {error_code(exc)}: {exc}"
    if is_credentials(exc):
        return CredentialsError(
            message,
            hint="set AWS credentials (the AwsCredentials block, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
            "with s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and cloudfront:CreateInvalidation",
        )
    if is_transient(exc):
        return TransientError(
            message, hint="the endpoint is slow or unreachable; retry with backoff"
        )
    code = error_code(exc)
    if code in {"NoSuchBucket", "NoSuchDistribution", "InvalidBucketName", "PermanentRedirect"}:
        return ConfigError(
            message, file=where, hint="check the target URL's bucket, region and endpoint"
        )
    return HugopipeError(message)


def _headers_from_head(resp: dict[str, Any]) -> Headers:
    return Headers(
        content_type=resp.get("ContentType") or "binary/octet-stream",
        cache_control=resp.get("CacheControl") or None,
        content_encoding=resp.get("ContentEncoding") or None,
    )


def state_from_head(resp: dict[str, Any]) -> ObjectState:
    meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
    return ObjectState(
        sha256=meta.get(META_SHA256),
        size=int(resp.get("ContentLength") or 0),
        etag=(resp.get("ETag") or "").strip('"') or None,
        version_id=resp.get("VersionId") if resp.get("VersionId") not in (None, "null") else None,
        headers=_headers_from_head(resp),
    )


def read_manifest(
    clients: Clients, target: DeployTarget, key: str | None = None
) -> tuple[ReleaseManifest | None, str | None]:
    """The bucket's state file (or a release manifest) and its ETag; ``(None, None)`` when absent."""
    key = key or target.state_prefix + MANIFEST_NAME
    try:
        resp = clients.s3.get_object(Bucket=target.bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in {"NoSuchKey", "404"}:
            return None, None
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    body = resp["Body"].read()
    try:
        manifest = ReleaseManifest.model_validate_json(gzip.decompress(body))
    except Exception as exc:  # a corrupt or foreign state file: fall back to a listing, loudly
        raise ConfigError(
            f"s3://{target.bucket}/{key} is not a hugopipe manifest ({exc})",
            hint="delete it or run with --full-check to rebuild the state from a listing",
        ) from exc
    return manifest, (resp.get("ETag") or "").strip('"')


def write_manifest(clients: Clients, target: DeployTarget, manifest: ReleaseManifest) -> str:
    """Write the release manifest and make it the bucket's current state; returns the state file's ETag."""
    body = gzip.compress(
        manifest.model_dump_json(exclude_none=True).encode(), compresslevel=6, mtime=0
    )
    release_key = f"{target.state_prefix}{RELEASES_DIR}{manifest.release_id}.json.gz"
    clients.s3.put_object(
        Bucket=target.bucket, Key=release_key, Body=body, ContentType="application/gzip"
    )
    resp = clients.s3.put_object(
        Bucket=target.bucket,
        Key=target.state_prefix + MANIFEST_NAME,
        Body=body,
        ContentType="application/gzip",
        Metadata={"release-id": manifest.release_id},
    )
    return (resp.get("ETag") or "").strip('"')


def read_pending(clients: Clients, target: DeployTarget) -> list[str]:
    """Keys a failed or interrupted apply may have left in an unknown state."""
    key = target.state_prefix + PENDING_NAME
    try:
        resp = clients.s3.get_object(Bucket=target.bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in {"NoSuchKey", "404"}:
            return []
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    return list(json.loads(resp["Body"].read()).get("keys", []))


def write_pending(clients: Clients, target: DeployTarget, keys: list[str]) -> None:
    clients.s3.put_object(
        Bucket=target.bucket,
        Key=target.state_prefix + PENDING_NAME,
        Body=json.dumps({"keys": sorted(keys)}).encode(),
        ContentType="application/json",
    )


def clear_pending(clients: Clients, target: DeployTarget) -> None:
    clients.s3.delete_object(Bucket=target.bucket, Key=target.state_prefix + PENDING_NAME)


def list_objects(clients: Clients, target: DeployTarget) -> dict[str, dict[str, Any]]:
    """Every key under the target prefix (our state dir excluded) with size and ETag."""
    out: dict[str, dict[str, Any]] = {}
    paginator = clients.s3.get_paginator("list_objects_v2")
    kwargs: dict[str, Any] = {"Bucket": target.bucket}
    if target.prefix:
        kwargs["Prefix"] = target.prefix
    try:
        for page in paginator.paginate(**kwargs):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.startswith(target.state_prefix):
                    continue
                out[key] = {"size": int(obj["Size"]), "etag": obj.get("ETag", "").strip('"')}
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise classify(exc, f"listing s3://{target.bucket}/{target.prefix}", target=target) from exc
    return out


def head_many(
    clients: Clients, target: DeployTarget, keys: list[str], workers: int = 16
) -> dict[str, ObjectState]:
    """HEAD each key in parallel (headers and our hash metadata are not in a listing)."""

    def one(key: str) -> tuple[str, ObjectState | None]:
        try:
            return key, state_from_head(clients.s3.head_object(Bucket=target.bucket, Key=key))
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) in {"404", "NoSuchKey", "NotFound"}:
                return key, None
            raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return {k: s for k, s in pool.map(one, keys) if s is not None}


def manifest_head(clients: Clients, target: DeployTarget) -> tuple[str | None, str | None]:
    """(ETag, release id) of the bucket's state file, ``(None, None)`` when there is none."""
    key = target.state_prefix + MANIFEST_NAME
    try:
        resp = clients.s3.head_object(Bucket=target.bucket, Key=key)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in {"NoSuchKey", "404", "NotFound"}:
            return None, None
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise classify(exc, f"reading s3://{target.bucket}/{key}", target=target) from exc
    meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
    return (resp.get("ETag") or "").strip('"'), meta.get("release-id")
