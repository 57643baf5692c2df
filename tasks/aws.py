"""Where deploy tasks get AWS credentials: a prefect-aws ``AwsCredentials`` block, else the environment.

Secrets stay in the block (SecretStr) or the standard AWS environment; they are
never parameters, never logged and never written to artifacts or results.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from prefect.logging import get_run_logger

from hugopipe import deploy

if TYPE_CHECKING:
    import boto3


def aws_session(block_name: str) -> tuple[boto3.Session | None, str | None]:
    """(boto3 session, endpoint_url) from the named block; (None, None) means boto3's default chain."""
    from prefect_aws import AwsCredentials

    try:
        creds = AwsCredentials.load(block_name)
    except ValueError:
        get_run_logger().info(
            "no AwsCredentials block %r; using the standard AWS environment", block_name
        )
        return None, None
    return creds.get_boto3_session(), creds.aws_client_parameters.endpoint_url


def target_clients(
    site: str, target: str, block_name: str, environment: str | None = None
) -> tuple[deploy.DeployTarget, deploy.Clients]:
    """The site's deploy target and its clients, with credentials from ``block_name``."""
    session, endpoint = aws_session(block_name)
    tgt = deploy.load_target(Path(site), target, environment=environment)
    return tgt, deploy.connect(tgt, session=session, endpoint_url=endpoint)
