"""Prefect tasks for the deploy stage: plan (read-only) and apply (retried on transient errors only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from uuid import UUID

from prefect import task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)

from hugopipe import deploy as core
from hugopipe.approval.source import source_commit, source_hash
from hugopipe.deploy import binding
from hugopipe.deploy.state import read_manifest
from hugopipe.errors import ConfigError, HugopipeError
from tasks.aws import target_clients
from tasks.faults import maybe_fail
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient
from tasks.serialise import write_slot


@task(
    name="plan-deploy",
    task_run_name="plan-deploy-{env}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def plan_deploy(
    site: str,
    env: str,
    target: str,
    public_dir: str,
    credentials_block: str,
    full_check: bool = False,
    allow_deletes: int | None = None,
    production: bool = False,
) -> core.DeployPlan:
    maybe_fail("plan-deploy")
    tgt, store = target_clients(site, target, credentials_block, production=production)
    commit = source_commit(site)
    plan = core.plan_deploy(
        Path(public_dir),
        tgt,
        store,
        full_check=full_check,
        allow_deletes=allow_deletes,
        git_commit=commit.hash if commit else None,
    )
    # what staging's release record is compared with, and production decided by the bucket
    plan.source_hash = source_hash(site)
    plan.production_bucket = bool(binding.plan_resources(plan) & binding.production_resources(site))
    create_markdown_artifact(
        plan.to_markdown(), key=f"deploy-plan-{env}", description=f"Deploy plan for {env}"
    )
    if plan.blocked:  # refused before any approval is asked for, and before anything is written
        raise ConfigError(plan.blocked, file=tgt.config_file, hint="nothing was changed")
    return plan


@task(
    name="apply-deploy",
    task_run_name="apply-deploy-{env}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def apply_deploy(
    site: str,
    env: str,
    target: str,
    public_dir: str,
    credentials_block: str,
    plan: core.DeployPlan,
    production: bool,
    approved_hash: str | None = None,
    approval: dict[str, Any] | None = None,
) -> core.ApplyReport:
    """Apply ``plan``; a plan that writes to a production bucket must be the approved one.

    The target is read again from the configuration as it is now. When it (or the plan)
    writes to a production bucket or distribution, the plan is made again from the same
    ``public/`` and must hash to ``approved_hash``: a changed output, a re-pointed target
    or a configuration edited during the approval writes nothing (``binding``).
    ``approval`` (the approvals log entry) goes into the release manifest.
    """
    maybe_fail("apply-deploy")
    tgt, store = target_clients(site, target, credentials_block, production=production)
    writes = binding.target_resources(tgt) | binding.plan_resources(plan)
    guarded = (
        production or plan.production_bucket or bool(writes & binding.production_resources(site))
    )
    nothing = plan.empty and plan.remote_source != "full-check"
    if guarded and not nothing:
        if approved_hash is None:
            raise binding.ApprovalMismatch(
                f"{env} writes to a production bucket (s3://{tgt.bucket}) and this plan was not approved",
                hint="nothing was written; production is deployed only after a person approves the plan",
            )
        again = core.plan_deploy(
            Path(public_dir),
            tgt,
            store,
            full_check=plan.remote_source == "full-check",
            allow_deletes=plan.allow_deletes,
            git_commit=plan.git_commit,
        )
        if again.base_release_id != plan.release_id:  # else a retry after a complete apply
            binding.check_approved(plan, approved_hash, again)
    # sync_compatible: called from a sync task it returns the id itself, not a coroutine
    progress_id = cast(UUID, create_progress_artifact(0.0, description=f"Uploading to {env}"))

    shown = [0.0]

    def progress(done: int, total: int) -> None:
        pct = 100.0 * done / max(total, 1)
        if pct - shown[0] >= 5 or done == total:  # a few API calls, not one per object
            shown[0] = pct
            update_progress_artifact(progress_id, pct)

    with write_slot(production, tgt.bucket):
        report = core.apply_plan(
            plan, Path(public_dir), tgt, store, progress=progress, approval=approval
        )
    update_progress_artifact(progress_id, 100.0)
    if not report.ok:  # apply_plan raises on failure; this guards a report that says otherwise
        raise HugopipeError(
            f"deploy to {env} did not complete: {report.status}", hint="see the deploy artifact"
        )
    create_markdown_artifact(
        report.to_markdown(), key=f"deploy-{env}", description=f"Deploy to {env}"
    )
    return report


@task(name="served-release", task_run_name="served-release-{env}")
def served_release(site: str, env: str, target: str, credentials_block: str) -> dict | None:
    """What ``env`` serves now: its release record's id, commit and source hash (None: no
    release, or the bucket cannot be read)."""
    try:
        tgt, store = target_clients(site, target, credentials_block)
        manifest, _ = read_manifest(store, tgt, tolerant=True)
    except HugopipeError:
        return None
    if manifest is None:
        return {"release_id": None, "git_commit": None, "source_hash": None}
    return {
        "release_id": manifest.release_id,
        "git_commit": manifest.git_commit,
        "source_hash": manifest.source_hash,
    }
