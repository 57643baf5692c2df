"""What an S3 or CloudFront failure means, in one place: the error codes and the failure classes.

Apply, rollback, planning, the lean PUT in ``fastput`` and ``hugopipe retries``
all ask this module, so "is SlowDown worth a retry?" has one answer. It imports
neither botocore nor pydantic (``hugopipe retries`` reads the code sets and must
stay quick): exceptions are recognised by their class names and by the
``response`` dict botocore's ``ClientError`` carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from hugopipe.errors import (
    ConfigError,
    CredentialsError,
    HugopipeError,
    TransientError,
    Unreachable,
)

if TYPE_CHECKING:  # pragma: no cover
    from hugopipe.deploy.models import ApplyReport, ObjectError
    from hugopipe.deploy.targets import DeployTarget

#: The request was refused because of who sent it: escalate, never retry.
CREDENTIAL_CODES = frozenset(
    {
        "AccessDenied",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "InvalidToken",
        "TokenRefreshRequired",
        "AllAccessDisabled",
        "UnrecognizedClientException",
    }
)
#: Throttling and server trouble: the same request, sent again after a pause, can succeed.
RETRY_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
    }
)
#: Worth another run later (a fresh signature, or CloudFront's in-progress limit clearing).
TRANSIENT_CODES = RETRY_CODES | {"RequestTimeTooSkewed", "TooManyInvalidationsInProgress"}
#: The key (or version) is not there.
NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})
#: The target points at something that does not exist or is elsewhere: fix the config.
TARGET_CODES = frozenset(
    {"NoSuchBucket", "NoSuchDistribution", "InvalidBucketName", "PermanentRedirect"}
)
#: Exception classes (botocore's; any in the class's MRO counts) that a retry can fix.
TRANSIENT_EXCEPTIONS = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ResponseStreamingError",
    }
)
#: Exception classes (botocore's) that mean no usable credentials were found.
CREDENTIAL_EXCEPTIONS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "ProfileNotFound",
        "NoAuthTokenError",
        "TokenRetrievalError",
        "UnauthorizedSSOTokenError",
    }
)

CREDENTIALS_HINT = (
    "set AWS credentials (the AwsCredentials block, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
    "with s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject and cloudfront:CreateInvalidation"
)


class StoreError(Exception):
    """A request to the bucket or the CDN failed; every ``Store`` raises only this.

    It keeps the original error's code and text, so reports and messages read as before,
    and answers the two questions callers ask: worth a retry, and a credentials problem.
    """

    def __init__(
        self, code: str, message: str, *, transient: bool = False, credentials: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.transient = transient
        self.credentials = credentials

    @classmethod
    def wrap(cls, exc: BaseException) -> StoreError:
        if isinstance(exc, StoreError):
            return exc
        return cls(
            error_code(exc), str(exc), transient=is_transient(exc), credentials=is_credentials(exc)
        )

    @classmethod
    def for_code(cls, code: str, message: str = "") -> StoreError:
        """An error the service returned as a bare code (a per-key delete error, a lean PUT)."""
        return cls(
            code,
            message,
            transient=code in TRANSIENT_CODES or code.startswith("5"),
            credentials=code in CREDENTIAL_CODES,
        )

    @property
    def not_found(self) -> bool:
        return self.code in NOT_FOUND_CODES


class LocalChanged(Exception):
    """public/ changed between planning and applying."""


def _names(exc: BaseException) -> set[str]:
    return {c.__name__ for c in type(exc).__mro__}


def _response(exc: BaseException) -> dict | None:
    response = getattr(exc, "response", None)
    return response if isinstance(response, dict) else None


def error_code(exc: BaseException) -> str:
    """The service's error code (``SlowDown``, ``404``), else the exception's class name."""
    if isinstance(exc, StoreError):
        return exc.code
    response = _response(exc)
    if response is not None:
        return str(
            response.get("Error", {}).get("Code")
            or response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
    return type(exc).__name__


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, StoreError):
        return exc.transient
    if isinstance(exc, ConnectionError) or _names(exc) & TRANSIENT_EXCEPTIONS:
        return True
    response = _response(exc)
    if response is None:
        return False
    code = error_code(exc)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return code in TRANSIENT_CODES or status >= 500 or code.startswith("5")


#: Exception classes (botocore's) raised when no connection could be made at all.
UNREACHABLE_EXCEPTIONS = frozenset({"EndpointConnectionError", "ConnectTimeoutError"})
#: What the operating system says when nothing listens there or the name does not resolve.
_NO_ONE_THERE = (
    "Connection refused",
    "Name or service not known",
    "nodename nor servname",
    "Temporary failure in name resolution",
    "No address associated",
)


def unreachable(exc: BaseException) -> bool:
    """No connection could be made (as opposed to a reset or a 5xx from a live endpoint)."""
    if isinstance(exc, StoreError):
        return exc.code in UNREACHABLE_EXCEPTIONS
    return bool(_names(exc) & UNREACHABLE_EXCEPTIONS)


def refused(exc: BaseException) -> bool:
    """Nothing listens at the endpoint or its name does not resolve: one retry is enough."""
    if not unreachable(exc):
        return False
    kwargs = getattr(exc, "kwargs", None)
    text = f"{exc} {kwargs.get('error', '') if isinstance(kwargs, dict) else ''}"
    return any(s in text for s in _NO_ONE_THERE)


def is_credentials(exc: BaseException) -> bool:
    if isinstance(exc, StoreError):
        return exc.credentials
    if _names(exc) & CREDENTIAL_EXCEPTIONS:
        return True
    return _response(exc) is not None and error_code(exc) in CREDENTIAL_CODES


def classify(exc: BaseException, what: str, *, target: DeployTarget | None = None) -> HugopipeError:
    """Turn a store error into the ``hugopipe.errors`` class that says who fixes it."""
    if isinstance(exc, HugopipeError):
        return exc
    message = f"{what}: {error_code(exc)}: {exc}"
    if is_credentials(exc):
        return CredentialsError(message, hint=CREDENTIALS_HINT)
    if unreachable(exc):
        return Unreachable(
            message,
            hint="check the endpoint URL (--endpoint-url, the target URL's endpoint=) and the "
            "network; nothing was changed",
        )
    if is_transient(exc):
        return TransientError(
            message, hint="the endpoint is slow or unreachable; retry with backoff"
        )
    if error_code(exc) in TARGET_CODES:
        return ConfigError(
            message,
            file=target.config_file if target else None,
            hint="check the target URL's bucket, region and endpoint",
        )
    return HugopipeError(message)


def object_error(key: str, operation: str, exc: BaseException) -> ObjectError:
    """One failed object for the report (a local read error is never transient)."""
    from hugopipe.deploy.models import ObjectError

    if isinstance(exc, LocalChanged | OSError):
        return ObjectError(key=key, operation=operation, code=type(exc).__name__, message=str(exc))
    return ObjectError(
        key=key,
        operation=operation,
        code=error_code(exc),
        message=str(exc),
        transient=is_transient(exc),
    )


def raise_failed(
    report: ApplyReport,
    action: str,
    *,
    retry_hint: str | None = None,
    fix_hint: str | None = None,
    cause: BaseException | None = None,
) -> NoReturn:
    """Raise the one error for a failed apply or rollback: every object error in the message,
    ``exc.errors`` and ``exc.report``; credentials when any error says so, transient only
    when every error is transient."""
    errors = report.errors
    lines = "\n".join(f"  {e.operation} {e.key}: {e.code}: {e.message}" for e in errors[:50])
    more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
    message = f"{action} failed with {len(errors)} error(s):\n{lines}{more}"
    exc: HugopipeError
    if any(e.code in CREDENTIAL_CODES or e.code in CREDENTIAL_EXCEPTIONS for e in errors):
        exc = CredentialsError(message, hint="check the AWS credentials and their permissions")
    elif errors and all(e.transient for e in errors):
        exc = TransientError(message, hint=retry_hint)
    else:
        exc = HugopipeError(message, hint=fix_hint)
    exc.errors = errors  # type: ignore[attr-defined]  # read by the CLI and the tests
    exc.report = report  # type: ignore[attr-defined]
    raise exc from cause
