"""Prefect tasks for rollback: plan (read-only) and apply (retried on transient errors only).

A rollback that writes to a production bucket or distribution is bound to its approval
like a deploy (``hugopipe.deploy.binding``): the apply task reads the target as the
configuration names it now, plans the same rollback again and writes only when that plan
has the approved hash.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import deploy as core
from hugopipe.deploy import binding
from hugopipe.deploy.state import manifest_head
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
    # production is a bucket, not a name (Hugo's merged configuration, as for a deploy)
    plan.production_bucket = bool(
        binding.rollback_resources(plan) & binding.production_resources(site)
    )
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
    approved_hash: str | None = None,
    approval: dict[str, Any] | None = None,
) -> core.ApplyReport:
    """Apply ``plan``; one that writes to a production bucket must be the approved one.

    ``production`` is the flow's decision (it waited for a person): it selects the
    production process's own credentials (``hugopipe.credentials``). ``approval`` (the
    approvals log entry) goes into the new release record.
    """
    tgt, store = target_clients(
        site, target, credentials_block, environment=env, production=production
    )
    writes = binding.target_resources(tgt) | binding.rollback_resources(plan)
    guarded = (
        production or plan.production_bucket or bool(writes & binding.production_resources(site))
    )
    if guarded:
        if approved_hash is None:
            raise binding.ApprovalMismatch(
                f"the rollback of {env} writes to a production bucket (s3://{tgt.bucket}) and "
                "was not approved",
                hint="nothing was written; production is rolled back only after a person "
                "approves the rollback plan (`hugopipe run rollback --env ENV`)",
            )
        _, release_now = manifest_head(store, tgt)
        if release_now != plan.new_release_id:  # else a retry after a complete apply
            again = core.plan_rollback(tgt, store, plan.to_release_id)
            binding.check_rollback_approved(plan, approved_hash, again)
    with write_slot(bool(guarded), tgt.bucket):
        report = core.apply_rollback(plan, tgt, store, approval=approval)
    create_markdown_artifact(
        report.to_markdown(), key=f"rollback-{env}", description=f"Rollback of {env}"
    )
    return report
