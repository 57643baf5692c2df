"""Prefect tasks for rollback: plan (read-only) and apply (retried on transient errors only)."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import deploy as core
from hugopipe.config import ProjectConfig
from tasks.aws import target_clients
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient
from tasks.serialise import write_slot


@task(
    name="plan-rollback",
    task_run_name="plan-rollback-{env}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def plan_rollback(
    site: str,
    env: str,
    target: str,
    credentials_block: str,
    to_release: str | None = None,
    production: bool = False,
) -> core.RollbackPlan:
    tgt, store = target_clients(
        site, target, credentials_block, environment=env, production=production
    )
    plan = core.plan_rollback(tgt, store, to_release)
    create_markdown_artifact(
        plan.to_markdown(), key=f"rollback-plan-{env}", description=f"Rollback plan for {env}"
    )
    return plan


@task(
    name="apply-rollback",
    task_run_name="apply-rollback-{env}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def apply_rollback(
    site: str,
    env: str,
    target: str,
    credentials_block: str,
    plan: core.RollbackPlan,
    production: bool = False,
) -> core.ApplyReport:
    """``production`` is the flow's decision (it paused for a person): it selects the
    production process's own credentials (``hugopipe.credentials``)."""
    tgt, store = target_clients(
        site, target, credentials_block, environment=env, production=production
    )
    with write_slot(ProjectConfig.load(Path(site)).is_production(env), tgt.bucket):
        report = core.apply_rollback(plan, tgt, store)
    create_markdown_artifact(
        report.to_markdown(), key=f"rollback-{env}", description=f"Rollback of {env}"
    )
    return report
