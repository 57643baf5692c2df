"""Prefect tasks for nightly maintenance: re-check what is live, change nothing."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import deploy
from hugopipe import validate as checks
from tasks.aws import target_clients
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient


@task(name="audit-site", task_run_name="audit-{env}", retries=0)
def audit_site(site: str, env: str, public_dir: str, production: bool, external: bool) -> dict:
    """All validation rules (and, if asked, external links); findings are reported, not raised."""
    report = checks.validate_site(Path(site), Path(public_dir), env, production=production)
    markdown = report.to_markdown()
    out: dict[str, object] = {"errors": len(report.errors), "warnings": len(report.warnings)}
    if external:
        ext = checks.check_external(
            Path(public_dir),
            cache_dir=Path(site) / ".hugopipe" / "lychee",
            env=env,
            production=production,
        )
        out.update(external_errors=len(ext.errors), external_warnings=len(ext.warnings))
        markdown += "\n\n" + ext.to_markdown()
    create_markdown_artifact(markdown, key=f"audit-{env}", description=f"Nightly audit of {env}")
    return {**out, "markdown": markdown}


@task(
    name="check-drift",
    task_run_name="check-drift-{env}",
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def check_drift(site: str, env: str, target: str, public_dir: str, credentials_block: str) -> dict:
    """A full remote listing against the last release: finds hand edits in the bucket. Read-only."""
    tgt, clients = target_clients(site, target, credentials_block)
    plan = deploy.plan_deploy(Path(public_dir), tgt, clients, full_check=True)
    create_markdown_artifact(
        plan.to_markdown(), key=f"drift-{env}", description=f"Drift check of {env}"
    )
    return {
        "pending_uploads": plan.summary.uploads,
        "pending_deletes": plan.summary.deletes,
        "drift": [d.model_dump(mode="json") for d in getattr(plan, "drift", [])],
    }
