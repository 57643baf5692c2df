"""Where S3 credentials and the S3 endpoint come from: one chain for the CLI and the flows' tasks.

Credentials, first match wins:

1. **The AWS environment**: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (and session token),
   the target URL's ``profile=`` (else ``AWS_PROFILE``), the shared config and credentials files,
   container and instance roles: boto3's own chain, as ``hugo deploy`` uses it.
2. **The environment's Prefect ``AwsCredentials`` block** (``credentials_block`` in
   hugopipe.toml, default ``hugopipe-aws``), read by a loader the caller passes in.
3. Nothing: the session has no credentials; an anonymous target needs none, any other fails
   on its first request with a ``CredentialsError`` saying where credentials are looked for.

The environment comes first so an operator can override a block for one command or one worker
(export other keys, or point the target at a profile) without editing the shared block; and a
machine set up for ``hugo deploy`` works unchanged. It also keeps ``hugopipe deploy`` fast: when the
environment has credentials, no block is read (no Prefect API call on the start-up path).

Endpoint, first match wins:

1. the command's ``--endpoint-url`` flag;
2. ``HUGOPIPE_S3_ENDPOINT``;
3. the block's ``aws_client_parameters.endpoint_url``, **only when the block supplied the
   credentials**: an endpoint belongs to the keys that sign for it (R2 keys with the R2 endpoint),
   so AWS keys from the environment are never sent to an endpoint meant for a block's keys;
4. the target URL's ``endpoint=`` query parameter;
5. none: AWS's default endpoint for the region.

**Production targets** (a target whose bucket a production environment deploys to) look first
at the production process's own variables, and only there:

- ``HUGOPIPE_PRODUCTION_AWS_PROFILE``: a named profile in the AWS files of the user that runs
  the serving process or production worker (files the agent's user cannot read), or
- ``HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID`` / ``HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY``
  (and ``…_SESSION_TOKEN``), injected by the service manager.

These are the boundary between the agent and production: the agent's shell holds staging-only
credentials, so a write to a production bucket from it is refused by the endpoint (403), however
it is attempted. They are never read from a Prefect block (anything with API access reads
blocks). Without them a production target falls back to the chain above, which works but means
the agent's shell may hold the same keys; ``hugopipe doctor`` warns about that and probes whether
this shell can write a production bucket (:func:`write_probe`).

The block loader is injected (a callable ``name -> BlockCredentials | None``), so this module imports
no Prefect and is tested without a server: ``tasks/aws.py`` passes one over
``prefect_aws.AwsCredentials.load``, the CLI one over the Prefect REST API
(``hugopipe.cli.aws_block.load_block``). Standard library at import time; boto3 is imported when a
session is built. docs/configuration.md states the same order for users.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from hugopipe.errors import CredentialsError

PRODUCTION_PROFILE = "HUGOPIPE_PRODUCTION_AWS_PROFILE"
PRODUCTION_KEY_ID = "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID"
PRODUCTION_SECRET = "HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY"
PRODUCTION_TOKEN = "HUGOPIPE_PRODUCTION_AWS_SESSION_TOKEN"
PRODUCTION_VARIABLES = (PRODUCTION_PROFILE, PRODUCTION_KEY_ID, PRODUCTION_SECRET, PRODUCTION_TOKEN)

#: The block name when hugopipe.toml names none (``EnvironmentConfig.credentials_block``).
DEFAULT_BLOCK = "hugopipe-aws"
ENDPOINT_VARIABLE = "HUGOPIPE_S3_ENDPOINT"
ENVIRONMENT = "the AWS environment"
NOWHERE = "nowhere (no AWS credentials found)"


@dataclass(frozen=True)
class BlockCredentials:
    """What a credentials block holds, Prefect-free. Secrets are excluded from ``repr``.

    ``session_factory``, when given, builds the session instead of the fields (the tasks pass
    ``AwsCredentials.get_boto3_session``, which also assumes a role when the block names one).
    """

    name: str
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_session_token: str | None = field(default=None, repr=False)
    profile_name: str | None = None
    region_name: str | None = None
    endpoint_url: str | None = None
    session_factory: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    def session(self) -> Any:
        if self.session_factory is not None:
            return self.session_factory()
        import boto3

        return boto3.Session(
            aws_access_key_id=self.aws_access_key_id,
            aws_secret_access_key=self.aws_secret_access_key,
            aws_session_token=self.aws_session_token,
            profile_name=self.profile_name,
            region_name=self.region_name,
        )


#: ``name -> BlockCredentials | None`` (None: no such block, or no way to read it).
BlockLoader = Callable[[str], "BlockCredentials | None"]


class TargetLike(Protocol):
    """The two fields of ``hugopipe.deploy.DeployTarget`` the chain reads (no deploy import here)."""

    @property
    def profile(self) -> str | None: ...

    @property
    def endpoint(self) -> str | None: ...


@dataclass(frozen=True)
class S3Access:
    """A boto3 session and the endpoint to use, with where each came from (never a secret)."""

    session: Any  # boto3.Session
    endpoint: str | None  # None: AWS's default endpoint
    credentials_from: str
    endpoint_from: str

    def describe(self) -> str:
        where = self.endpoint or "AWS default"
        return f"credentials from {self.credentials_from}; endpoint {where} ({self.endpoint_from})"


def resolve_endpoint(
    flag: str | None,
    block: BlockCredentials | None,
    target_endpoint: str | None,
    environ: Mapping[str, str] | None = None,
) -> tuple[str | None, str]:
    """(endpoint, where it came from), in the module's order; ``block`` is the block that
    supplied the credentials, or None."""
    env = os.environ if environ is None else environ
    if flag:
        return flag, "--endpoint-url"
    if env.get(ENDPOINT_VARIABLE):
        return env[ENDPOINT_VARIABLE], ENDPOINT_VARIABLE
    if block is not None and block.endpoint_url:
        return block.endpoint_url, f"the {block.name} block"
    if target_endpoint:
        return target_endpoint, "the target URL"
    return None, "AWS default"


def production_session(environ: Mapping[str, str] | None = None) -> tuple[Any, str] | None:
    """(session, where from) from the production process's own variables, or None if unset."""
    import boto3
    import botocore.exceptions

    env = os.environ if environ is None else environ
    if env.get(PRODUCTION_KEY_ID) or env.get(PRODUCTION_SECRET):
        if not (env.get(PRODUCTION_KEY_ID) and env.get(PRODUCTION_SECRET)):
            raise CredentialsError(
                f"only one of {PRODUCTION_KEY_ID} and {PRODUCTION_SECRET} is set",
                hint="set both in the serving process's (or production worker's) environment",
            )
        session = boto3.Session(
            aws_access_key_id=env[PRODUCTION_KEY_ID],
            aws_secret_access_key=env[PRODUCTION_SECRET],
            aws_session_token=env.get(PRODUCTION_TOKEN) or None,
            region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        )
        return session, PRODUCTION_KEY_ID
    if env.get(PRODUCTION_PROFILE):
        name = env[PRODUCTION_PROFILE]
        try:
            return boto3.Session(profile_name=name), f"{PRODUCTION_PROFILE} (profile {name})"
        except botocore.exceptions.ProfileNotFound:
            raise CredentialsError(
                f"{PRODUCTION_PROFILE} names the AWS profile {name!r}, which this user's AWS "
                "files do not have",
                hint="add it to ~/.aws/credentials of the user that runs the serving process "
                "or production worker",
            ) from None
    return None


def s3_access(
    block_name: str,
    load_block: BlockLoader,
    *,
    profile: str | None = None,
    target_endpoint: str | None = None,
    endpoint_flag: str | None = None,
    production: bool = False,
) -> S3Access:
    """The session and endpoint for one S3 target, in the module's order.

    ``load_block`` is called only when the AWS environment has no credentials. A
    ``production`` target takes the production process's own variables first.
    """
    import boto3
    import botocore.exceptions

    if production and (own := production_session()) is not None:
        endpoint, endpoint_from = resolve_endpoint(endpoint_flag, None, target_endpoint)
        return S3Access(own[0], endpoint, own[1], endpoint_from)

    missing_profile = None
    session = None
    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        has_credentials = session.get_credentials() is not None
    except botocore.exceptions.ProfileNotFound:
        missing_profile, has_credentials = profile, False
    except botocore.exceptions.BotoCoreError as exc:  # half-set variables, unreadable files
        raise CredentialsError(
            f"the AWS environment's credentials cannot be used: {exc}",
            hint="fix or unset them: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or "
            "neither, then the credentials block is used), and check ~/.aws/config",
        ) from None
    block = None
    if has_credentials:
        source = f"{ENVIRONMENT} (profile {profile})" if profile else ENVIRONMENT
    else:
        block = load_block(block_name)
        if block is not None:
            try:
                session = block.session()
            except botocore.exceptions.BotoCoreError as exc:
                raise CredentialsError(
                    f"the {block_name!r} AwsCredentials block cannot be used: {exc}",
                    hint="fix the block in the Prefect UI or re-register it "
                    "(`uv run python blocks/register.py`)",
                ) from None
            source = f"the {block_name} block"
        elif missing_profile:
            raise CredentialsError(
                f"the target URL names the AWS profile {missing_profile!r}, which is not in the "
                f"AWS config files, and there is no {block_name!r} AwsCredentials block",
                hint="add the profile to ~/.aws/config and ~/.aws/credentials, remove profile= from "
                "the target URL, or register the block (`uv run python blocks/register.py`)",
            )
        else:
            source = NOWHERE
    endpoint, endpoint_from = resolve_endpoint(endpoint_flag, block, target_endpoint)
    return S3Access(session, endpoint, source, endpoint_from)


def for_target(
    target: TargetLike,
    block_name: str,
    load_block: BlockLoader,
    endpoint_flag: str | None = None,
    production: bool = False,
) -> S3Access:
    """:func:`s3_access` for a ``DeployTarget`` (its ``profile=`` and ``endpoint=``)."""
    return s3_access(
        block_name,
        load_block,
        profile=target.profile,
        target_endpoint=target.endpoint,
        endpoint_flag=endpoint_flag,
        production=production,
    )


#: what :func:`write_probe` sends as ``If-Match``: no object's ETag is ever this
PROBE_ETAG = '"00000000000000000000000000000000"'


def write_probe(s3: Any, bucket: str, key: str) -> tuple[bool | None, str]:
    """Can this client write ``bucket``? Asked without writing anything.

    A ``PutObject`` of ``key`` with ``If-Match`` naming an ETag no object has: S3 checks
    the caller's permission first, so a refused identity gets ``403 AccessDenied``, while
    an allowed one gets past it to the precondition (``412 PreconditionFailed``) or to
    ``404 NoSuchKey`` for a key that does not exist; neither writes. An endpoint that
    ignores ``If-Match`` would store an empty object: then the probe deletes it again and
    says so. Returns (True: writable, False: refused, None: unknown) and what was seen.
    """
    import botocore.exceptions

    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"", IfMatch=PROBE_ETAG)
    except botocore.exceptions.ClientError as exc:
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"} or status == 403:
            return False, f"PutObject refused by the endpoint ({code or status})"
        if code in {"PreconditionFailed", "NoSuchKey", "412", "404"} or status in {404, 412}:
            return (
                True,
                f"PutObject allowed (the probe stopped at {code or status}; nothing written)",
            )
        return None, f"PutObject answered {code or status}: cannot tell"
    except botocore.exceptions.BotoCoreError as exc:
        return None, f"cannot reach the endpoint: {exc}"
    with contextlib.suppress(botocore.exceptions.ClientError):
        s3.delete_object(Bucket=bucket, Key=key)
    return True, "PutObject allowed (the endpoint ignored If-Match: the empty probe was deleted)"
