"""The S3 store over botocore, its lean-PUT variant, and CloudFront as the ``Cdn``.

Retries are botocore's "standard" mode (exponential backoff with full jitter on
throttling such as ``SlowDown``, 5xx and connection errors); what survives them
becomes an ``errors.StoreError`` that keeps the code, so the Prefect task
retries only what a retry can fix.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
from botocore.config import Config

from hugopipe.deploy.cloudfront import create_invalidation, wait_invalidation
from hugopipe.deploy.errors import StoreError, refused
from hugopipe.deploy.store import Stored
from hugopipe.deploy.targets import DeployTarget

if TYPE_CHECKING:  # pragma: no cover
    from hugopipe.deploy.fastput import FastPut

_BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
#: HTTP header (lowercased) → PutObject parameter; ``x-amz-meta-*`` go into ``Metadata``.
_BOTO_PARAMS = {
    "content-type": "ContentType",
    "cache-control": "CacheControl",
    "content-encoding": "ContentEncoding",
    "content-md5": "ContentMD5",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
    "x-amz-website-redirect-location": "WebsiteRedirectLocation",
}


def boto_args(headers: Mapping[str, str]) -> dict[str, Any]:
    """``headers.object_headers`` spelled as botocore's PutObject parameters."""
    args: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low.startswith("x-amz-meta-"):
            meta[low[len("x-amz-meta-") :]] = value
        else:
            args[_BOTO_PARAMS[low]] = value
    if meta:
        args["Metadata"] = meta
    return args


def _etag(value: str | None) -> str | None:
    return (value or "").strip('"') or None


def _version(value: str | None) -> str | None:
    return value if value not in (None, "null") else None


def _stored_from_head(resp: dict[str, Any]) -> Stored:
    return Stored(
        size=int(resp.get("ContentLength") or 0),
        etag=_etag(resp.get("ETag")),
        version_id=_version(resp.get("VersionId")),
        content_type=resp.get("ContentType") or None,
        cache_control=resp.get("CacheControl") or None,
        content_encoding=resp.get("ContentEncoding") or None,
        website_redirect=resp.get("WebsiteRedirectLocation") or None,
        metadata={k.lower(): v for k, v in (resp.get("Metadata") or {}).items()},
    )


class CloudFrontCdn:
    """CloudFront, with its client built on first use.

    Loading CloudFront's service model costs ~0.1 s that a no-change deploy should not pay;
    ``prepare`` builds it on a thread while uploads wait on the network.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def prepare(self) -> None:
        if self._client is not None:
            return

        def build() -> None:
            with contextlib.suppress(Exception):  # built again, and reported, by invalidate()
                _ = self.client

        threading.Thread(target=build, name="cloudfront-client", daemon=True).start()

    def invalidate(self, distribution_id: str, paths: list[str]) -> str | None:
        try:
            return create_invalidation(self.client, distribution_id, paths)
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc

    def wait(self, distribution_id: str, invalidation_id: str) -> str:
        try:
            return wait_invalidation(self.client, distribution_id, invalidation_id)
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc


class BotoStore:
    """One bucket through a botocore S3 client (``connect`` builds it for a target).

    ``s3``, ``cloudfront`` and ``fast`` stay readable for callers that need the SDK itself
    (``hugopipe doctor``'s HeadBucket); everything the deploy stage does goes through the
    ``Store`` methods.
    """

    fast: Any | None = None  # the lean PUT sender, on ``FastPutStore`` only

    def __init__(
        self,
        s3: Any,
        bucket: str,
        *,
        cdn: CloudFrontCdn | None = None,
        endpoint_url: str | None = None,
        multipart_threshold: int = 64 * 1024 * 1024,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self._cdn = cdn
        self.endpoint_url = endpoint_url
        self.multipart_threshold = multipart_threshold

    @property
    def cdn(self) -> CloudFrontCdn | None:
        return self._cdn

    @property
    def cloudfront(self) -> Any | None:
        return self._cdn.client if self._cdn is not None else None

    def prepare_cloudfront(self) -> None:
        if self._cdn is not None:
            self._cdn.prepare()

    def list(self, prefix: str) -> dict[str, Stored]:
        out: dict[str, Stored] = {}
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if prefix:
            kwargs["Prefix"] = prefix
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(**kwargs):
                for obj in page.get("Contents", []):
                    modified = obj.get("LastModified")
                    out[obj["Key"]] = Stored(
                        size=int(obj["Size"]),
                        etag=obj.get("ETag", "").strip('"'),
                        last_modified=modified.isoformat() if modified is not None else None,
                    )
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc
        return out

    def head(self, key: str, version_id: str | None = None) -> Stored | None:
        kwargs = {"VersionId": version_id} if version_id else {}
        try:
            return _stored_from_head(self.s3.head_object(Bucket=self.bucket, Key=key, **kwargs))
        except _BOTO_ERRORS as exc:
            err = StoreError.wrap(exc)
            if err.not_found:
                return None
            raise err from exc

    def get(self, key: str) -> tuple[bytes, Stored] | None:
        try:
            resp = self.s3.get_object(Bucket=self.bucket, Key=key)
            body = resp["Body"].read()
        except _BOTO_ERRORS as exc:
            err = StoreError.wrap(exc)
            if err.not_found:
                return None
            raise err from exc
        return body, _stored_from_head({**resp, "ContentLength": len(body)})

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> Stored:
        args = boto_args(headers)
        try:
            if len(body) >= self.multipart_threshold:
                return self._put_multipart(key, body, args)
            resp = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **args)
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc
        return Stored(
            size=len(body), etag=_etag(resp.get("ETag")), version_id=_version(resp.get("VersionId"))
        )

    def _put_multipart(self, key: str, body: bytes, args: dict[str, Any]) -> Stored:
        from boto3.s3.transfer import (
            TransferConfig,  # s3transfer is slow to import: large files only
        )

        args.pop("ContentMD5", None)  # per part, computed by s3transfer
        self.s3.upload_fileobj(
            io.BytesIO(body),
            self.bucket,
            key,
            ExtraArgs=args,
            Config=TransferConfig(
                multipart_threshold=self.multipart_threshold,
                multipart_chunksize=max(5 * 1024 * 1024, self.multipart_threshold // 2),
                use_threads=False,
            ),
        )
        return _stored_from_head(self.s3.head_object(Bucket=self.bucket, Key=key))

    def delete(self, keys: Sequence[str]) -> dict[str, StoreError]:
        try:
            resp = self.s3.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
            )
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc
        # A 200 response can still carry per-key errors (s3deploy ignores them; we do not).
        return {
            e["Key"]: StoreError.for_code(e.get("Code", "?"), e.get("Message", ""))
            for e in resp.get("Errors", [])
        }

    def restore(self, key: str, version_id: str) -> Stored:
        try:
            self.s3.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key, "VersionId": version_id},
                MetadataDirective="COPY",
            )
            return _stored_from_head(self.s3.head_object(Bucket=self.bucket, Key=key))
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc


class FastPutStore(BotoStore):
    """``BotoStore`` whose single-part PUTs go through ``fastput.FastPut`` (see its docstring)."""

    def __init__(self, s3: Any, bucket: str, fast: FastPut, **kwargs: Any) -> None:
        super().__init__(s3, bucket, **kwargs)
        self.fast = self._sender = fast

    def put(self, key: str, body: bytes, headers: Mapping[str, str]) -> Stored:
        if len(body) >= self.multipart_threshold:
            return super().put(key, body, headers)
        try:
            out = self._sender.put(self.bucket, key, body, dict(headers))
        except _BOTO_ERRORS as exc:
            raise StoreError.wrap(exc) from exc
        return Stored(
            size=len(body),
            etag=_etag(out.get("etag")),
            version_id=_version(out.get("x-amz-version-id")),
        )


#: Older name of the S3 store: ``connect`` still returns "the clients" of a target.
Clients = BotoStore


def _give_up_when_refused(
    attempts: int = 0, caught_exception: BaseException | None = None, **_: Any
) -> None:
    """botocore's retry hook: stop after the second refused connection instead of backing off
    five times (about 30 s) before telling the user the endpoint is not there."""
    if caught_exception is not None and attempts >= 2 and refused(caught_exception):
        raise caught_exception


def connect(
    target: DeployTarget,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
    *,
    max_attempts: int = 6,
    max_pool_connections: int | None = None,
    fast_put: bool | None = None,
) -> BotoStore:
    """The store for ``target`` (with CloudFront as its CDN when the target has a distribution).

    Endpoint precedence: ``endpoint_url`` argument > the target URL's ``endpoint``
    parameter > AWS's default. Like Hugo, CloudFront calls go to the same endpoint,
    which is right for moto and LocalStack; with a custom S3 endpoint and real
    CloudFront pass a session without the endpoint instead. Path-style custom endpoints
    get the lean PUT (``FastPutStore``) unless ``fast_put`` is False or
    ``HUGOPIPE_FAST_PUT=0``.
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
    s3.meta.events.register_first("needs-retry.s3", _give_up_when_refused)
    cdn = None
    if target.cloudfront_distribution_id:

        def cloudfront() -> Any:
            return session.client(
                "cloudfront",
                region_name="us-east-1",
                endpoint_url=endpoint,
                config=Config(retries={"max_attempts": max_attempts, "mode": "standard"}),
            )

        cdn = CloudFrontCdn(cloudfront)
    kwargs: dict[str, Any] = {
        "cdn": cdn,
        "endpoint_url": endpoint,
        "multipart_threshold": target.multipart_threshold,
    }
    if fast_put is None:
        fast_put = os.environ.get("HUGOPIPE_FAST_PUT", "1") != "0"
    if fast_put and endpoint and target.path_style and not (target.anonymous or target.accelerate):
        from hugopipe.deploy.fastput import FastPut

        try:
            fast = FastPut(session, endpoint, region, max_attempts=max_attempts)
        except botocore.exceptions.NoCredentialsError:
            pass  # botocore raises the same error, classified, on the first request
        else:
            return FastPutStore(s3, target.bucket, fast, **kwargs)
    return BotoStore(s3, target.bucket, **kwargs)
