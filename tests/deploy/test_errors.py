"""One classification of S3 failures: the store errors, the deploy's classes, ``hugopipe retries``."""

from __future__ import annotations

import botocore.exceptions
import pytest

from hugopipe.deploy.errors import (
    CREDENTIAL_CODES,
    RETRY_CODES,
    TRANSIENT_CODES,
    StoreError,
    classify,
    error_code,
    is_credentials,
    is_transient,
)
from hugopipe.errors import (
    ConfigError,
    CredentialsError,
    FailureClass,
    HugopipeError,
    TransientError,
)
from hugopipe.retries import classify as classify_text


def _client_error(code: str, status: int = 400) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PutObject",
    )


@pytest.mark.parametrize(
    ("exc", "code", "transient", "credentials"),
    [
        (_client_error("SlowDown", 503), "SlowDown", True, False),
        (_client_error("AccessDenied", 403), "AccessDenied", False, True),
        (_client_error("NoSuchBucket", 404), "NoSuchBucket", False, False),
        (_client_error("WeirdThing", 502), "WeirdThing", True, False),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="x"),
            "EndpointConnectionError",
            True,
            False,
        ),
        (
            botocore.exceptions.ConnectTimeoutError(endpoint_url="x"),
            "ConnectTimeoutError",
            True,
            False,
        ),
        (botocore.exceptions.NoCredentialsError(), "NoCredentialsError", False, True),
        (ConnectionResetError("reset"), "ConnectionResetError", True, False),
    ],
)
def test_botocore_errors_keep_their_code_and_class_through_the_store(
    exc, code, transient, credentials
):
    wrapped = StoreError.wrap(exc)
    assert (wrapped.code, wrapped.transient, wrapped.credentials) == (code, transient, credentials)
    assert str(wrapped) == str(exc)  # reports and messages read as they did before the seam
    assert (error_code(exc), is_transient(exc), is_credentials(exc)) == (
        code,
        transient,
        credentials,
    )


def test_classify_says_who_fixes_it():
    assert isinstance(classify(StoreError.for_code("AccessDenied", "no"), "x"), CredentialsError)
    assert isinstance(classify(StoreError.for_code("SlowDown", "slow"), "x"), TransientError)
    assert isinstance(classify(StoreError.for_code("NoSuchBucket", "none"), "x"), ConfigError)
    other = classify(StoreError.for_code("InvalidArgument", "bad"), "reading s3://b/k")
    assert type(other) is HugopipeError
    assert other.message == "reading s3://b/k: InvalidArgument: bad"


def test_retries_classifies_every_shared_code_like_the_deployer():
    """``hugopipe retries`` reads the same code sets (a ClientError's text names the code)."""
    assert RETRY_CODES <= TRANSIENT_CODES
    for code in CREDENTIAL_CODES:
        text = f"ClientError: An error occurred ({code}) when calling the PutObject operation"
        assert classify_text(text) == FailureClass.CREDENTIALS, code
    for code in RETRY_CODES:
        text = f"ClientError: An error occurred ({code}) when calling the PutObject operation"
        assert classify_text(text) == FailureClass.TRANSIENT, code
    assert classify_text("EndpointConnectionError: Could not connect") == FailureClass.TRANSIENT
    assert classify_text("NoCredentialsError: Unable to locate") == FailureClass.CREDENTIALS


def test_one_header_list_for_both_put_paths():
    """The lean PUT sends ``object_headers`` as is; botocore gets the same list as parameters."""
    import hashlib

    from hugopipe.deploy.botostore import boto_args
    from hugopipe.deploy.headers import Headers, object_headers

    md5 = hashlib.md5(b"body").digest()
    headers = object_headers(
        Headers(content_type="text/css", cache_control="max-age=60", content_encoding="gzip"),
        "ab" * 32,
        md5,
        sse_type="aws:kms",
        kms_key_id="k1",
    )
    assert headers["Content-MD5"] == "hBotaJrYa9FhFEdFPCLG/A=="
    assert boto_args(headers) == {
        "ContentType": "text/css",
        "ContentMD5": "hBotaJrYa9FhFEdFPCLG/A==",
        "CacheControl": "max-age=60",
        "ContentEncoding": "gzip",
        "ServerSideEncryption": "aws:kms",
        "SSEKMSKeyId": "k1",
        "Metadata": {"hugopipe-sha256": "ab" * 32, "md5chksum": md5.hex()},
    }
    plain = object_headers(Headers(content_type="text/plain"), "cd" * 32, md5)
    assert set(plain) == {
        "Content-Type",
        "Content-MD5",
        "x-amz-meta-hugopipe-sha256",
        "x-amz-meta-md5chksum",
    }
