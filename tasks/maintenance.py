"""Prefect tasks for nightly maintenance, one per step, each with its own retries.

Checks (health, drift, links) change nothing live; the sweep, the archive and
the history retention tidy what the pipeline itself left behind. Each returns a
dict with a ``markdown`` section for the night's one artifact and result file,
and ``attention``: lines a person should act on (the notification's body).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.runtime import flow_run

from hugopipe import deploy
from hugopipe import validate as checks
from tasks.aws import target_clients
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient


@task(name="audit-site", task_run_name="audit-{env}", retries=0)
def audit_site(site: str, env: str, public_dir: str, production: bool, external: bool) -> dict:
    """All validation rules, internal links included (and, if asked, external links);
    findings are reported in the night's artifact, not raised."""
    report = checks.validate_site(Path(site), Path(public_dir), env, production=production)
    markdown = report.to_markdown()
    out: dict[str, object] = {
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "findings": [f"[{f.rule}] {f.file} {f.message}" for f in report.errors[:20]],
    }
    if external:
        ext = checks.check_external(
            Path(public_dir),
            cache_dir=Path(site) / ".hugopipe" / "lychee",
            env=env,
            production=production,
        )
        out.update(external_errors=len(ext.errors), external_warnings=len(ext.warnings))
        markdown += "\n\n" + ext.to_markdown()
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
    return {
        "pending_uploads": plan.summary.uploads,
        "pending_deletes": plan.summary.deletes,
        "drift": [d.model_dump(mode="json") for d in getattr(plan, "drift", [])],
        "markdown": plan.to_markdown(),
    }


_NETWORK = {
    "retries": 2,
    "retry_delay_seconds": RETRY_DELAYS,
    "retry_jitter_factor": RETRY_JITTER,
    "retry_condition_fn": retry_transient,
}


@task(name="health", task_run_name="health-{env}", **_NETWORK)  # type: ignore[call-overload]  # a kwargs dict
def health(env: str, urls: list[str]) -> dict:
    """Status, time, redirects and TLS days left of each URL; a failing URL is reported."""
    from hugopipe.maintenance.health import check_url, health_markdown

    checks = [check_url(u) for u in urls]
    attention = [
        f"{env}: {c['url']} "
        + (c.get("error") or c.get("tls_error") or f"answered {c['status']}")
        + (f", TLS certificate {c['tls_days_left']} days left" if "tls_days_left" in c else "")
        for c in checks
        if not c["ok"]
    ]
    return {"checks": checks, "attention": attention, "markdown": health_markdown(env, checks)}


@task(name="sweep", retries=2, retry_delay_seconds=RETRY_DELAYS)
def sweep(tasks_dir: str, stale_hours: float, approval_hours: float, grace_minutes: float) -> dict:
    """Stale runs crashed, expired approvals cancelled, vanished runs' task files to failed/."""
    from hugopipe.exchange import Exchange
    from hugopipe.maintenance.sweep import sweep_runs, sweep_tasks
    from hugopipe.prefect_rest import PrefectApi

    with PrefectApi() as api:
        runs = sweep_runs(api, stale_hours, approval_hours, skip={str(flow_run.id)})
        tasks = sweep_tasks(api, Exchange(Path(tasks_dir)), grace_minutes)
    swept = [s.to_dict() for s in runs + tasks]
    lines = [f"- {s['what']} {s['name']}: {s['action']} ({s['reason']})" for s in swept]
    return {
        "swept": swept,
        "attention": [f"swept {s['what']} {s['name']}: {s['reason']}" for s in swept],
        "markdown": "### Sweep\n\n" + ("\n".join(lines) or "- nothing stale"),
    }


@task(name="archive", retries=0)
def archive(results_dir: str, tasks_dir: str, archive_dir: str, days: float) -> dict:
    from hugopipe.maintenance.sweep import archive_old

    moved = archive_old(
        {"results": Path(results_dir), "tasks": Path(tasks_dir)}, Path(archive_dir), days
    )
    shown = "\n".join(f"- {m}" for m in moved[:30]) + (
        f"\n- … {len(moved) - 30} more" if len(moved) > 30 else ""
    )
    return {
        "archived": moved,
        "attention": [],
        "markdown": f"### Archive (older than {days:g} days → {archive_dir}/YYYY-MM/)\n\n"
        + (shown or "- nothing old enough"),
    }


@task(name="history-retention", retries=2, retry_delay_seconds=RETRY_DELAYS)
def prune(days: float) -> dict:
    from hugopipe.maintenance.history import prune_history
    from hugopipe.prefect_rest import PrefectApi

    with PrefectApi() as api:
        n = prune_history(api, days)
    return {
        "deleted_flow_runs": n,
        "attention": [],
        "markdown": f"### Prefect history\n\n- {n} finished flow run(s) older than {days:g} days deleted",
    }


@task(name="notify", retries=2, retry_delay_seconds=RETRY_DELAYS)
def notify(block_name: str, subject: str, body: str) -> str:
    """Send through the Prefect notification block ``block_name``: ``<type-slug>/<name>``
    (any notification type: ``slack-webhook/ops``), a bare name being a generic webhook
    (``custom-webhook/<name>``). A missing block is reported, not fatal."""
    from prefect.blocks.core import Block

    ref = block_name if "/" in block_name else f"custom-webhook/{block_name}"
    try:
        block: Any = Block.load(ref)  # sync in a sync task; typed as maybe-awaitable
    except ValueError:
        return f"not sent: no notification block {ref!r} (see docs/cli.md#maintenance)"
    block.notify(body=body, subject=subject)
    return f"sent through {ref}"
