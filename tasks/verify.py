"""Prefect task for the verify stage: retried on connection errors and 5xx, not on 404."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import deploy
from hugopipe import verify as core
from hugopipe.config import EnvironmentConfig
from tasks.aws import aws_session
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient


def site_url(site: str, env: EnvironmentConfig) -> str | None:
    """The environment's verify URL with ``{endpoint}`` resolved the way ``verify`` resolves it."""
    _, endpoint = aws_session(env.credentials_block)
    if not endpoint:
        endpoint = deploy.load_target(Path(site), env.target).endpoint
    return env.verify_base(endpoint)


@task(
    name="verify",
    task_run_name="verify-{env_name}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def verify(site: str, env_name: str, env: EnvironmentConfig) -> core.VerifyReport:
    base = site_url(site, env)
    report = core.verify_urls(env, base)
    create_markdown_artifact(
        report.to_markdown(), key=f"verify-{env_name}", description=f"Verify {env_name}"
    )
    core.raise_for(report)
    return report
