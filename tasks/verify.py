"""Prefect task for the verify stage: retried on connection errors and 5xx, not on 404."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import deploy
from hugopipe import verify as core
from hugopipe.config import EnvironmentConfig
from tasks.aws import s3_access
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient


def site_url(site: str, env: EnvironmentConfig) -> str | None:
    """The environment's verify URL with ``{endpoint}`` the endpoint the deploy used (the chain
    in ``hugopipe.credentials``)."""
    if "{endpoint}" not in (env.verify_url or ""):
        return env.verify_base(None)  # a fixed URL (or none): no endpoint to work out
    target = deploy.load_target(Path(site), env.target)
    return env.verify_base(s3_access(env.credentials_block, target).endpoint)


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
