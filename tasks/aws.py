"""The flows' side of ``hugopipe.credentials``: its block loader over prefect-aws, and the clients.

A production run's tasks (the flow says so: ``production=True``) take credentials from the
production process's own ``HUGOPIPE_PRODUCTION_AWS_*`` variables first. The order (the AWS environment, then the environment's ``AwsCredentials`` block; endpoint
``HUGOPIPE_S3_ENDPOINT`` > the block's > the target URL's) is the CLI's, defined once in
``hugopipe.credentials``. Secrets stay in the block (SecretStr) or the standard AWS
environment; they are never parameters, never logged and never written to artifacts or results.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hugopipe import credentials, deploy
from hugopipe.credentials import BlockCredentials


def load_block(name: str) -> BlockCredentials | None:
    """The named prefect-aws ``AwsCredentials`` block, or None when there is none.

    The session is built by the block itself (``get_boto3_session``), so a block that
    assumes a role keeps doing so.
    """
    from prefect_aws import AwsCredentials

    try:
        creds = AwsCredentials.load(name)  # called from sync tasks, so it returns the block
    except ValueError:  # no block document with this name
        return None
    assert isinstance(creds, AwsCredentials)  # narrows load's sync-or-coroutine type
    return BlockCredentials(
        name=name,
        aws_access_key_id=creds.aws_access_key_id,
        profile_name=creds.profile_name,
        region_name=creds.region_name,
        endpoint_url=creds.aws_client_parameters.endpoint_url,
        session_factory=creds.get_boto3_session,
    )


def s3_access(
    block_name: str, target: deploy.DeployTarget, production: bool = False
) -> credentials.S3Access:
    """The session and endpoint for ``target``, logged without secrets."""
    access = credentials.for_target(target, block_name, load_block, production=production)
    _logger().info("%s: %s", target.name, access.describe())
    return access


def target_clients(
    site: str,
    target: str,
    block_name: str,
    environment: str | None = None,
    production: bool = False,
) -> tuple[deploy.DeployTarget, deploy.Clients]:
    """The site's deploy target and its clients, with credentials from the chain.

    ``production`` is the *flow's* decision (by environment or by bucket: a staging target
    re-pointed at a production bucket is production and waits for the approval); without it
    the ordinary (staging-only) credentials are used, and the endpoint refuses their writes to
    a production bucket.
    """
    tgt = deploy.load_target(Path(site), target, environment=environment)
    access = s3_access(block_name, tgt, production)
    return tgt, deploy.connect(tgt, session=access.session, endpoint_url=access.endpoint)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """The run's logger inside a flow or task run, else this module's (unit tests, scripts)."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)
