"""Flow ``nightly-maintenance``: rebuild, re-validate and drift-check every environment; deploy nothing.

Scheduled nightly: maintenance is how the system notices silent drift.
Scheduled posts appear only after a rebuild, so the report also says whether a
publish is due; starting it stays a decision for Claude Code and the user.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from hugopipe.config import ProjectConfig
from hugopipe.prefect_rest import ui_url
from hugopipe.results import ResultFile
from tasks.build import build
from tasks.maintenance import audit_site, check_drift
from tasks.results import record_result


@flow(name="nightly-maintenance", flow_run_name="nightly-maintenance", retries=0)
def nightly_maintenance(
    site: str = "examples/site", environments: list[str] | None = None, external: bool = True
) -> dict:
    logger = get_run_logger()
    started = datetime.now(UTC)
    site = str(Path(site).resolve())
    cfg = ProjectConfig.load(Path(site))
    names = environments or [n for n in ("staging", "production") if n in cfg.environments]
    outputs: dict = {}
    summary = ["## Nightly maintenance", ""]
    status = "success"
    for env in names:
        env_cfg = cfg.environment(env)
        report = build(site, env, base_url=env_cfg.base_url)
        audit = audit_site(site, env, report.public_dir, cfg.is_production(env), external)
        drift = check_drift(site, env, env_cfg.target, report.public_dir, env_cfg.credentials_block)
        outputs[env] = {k: v for k, v in audit.items() if k != "markdown"} | drift
        pending = drift["pending_uploads"] + drift["pending_deletes"]
        summary.append(
            f"- **{env}**: {audit['errors']} errors, {audit['warnings']} warnings; "
            f"{pending} object(s) differ from a fresh build"
            + (" (a publish is due)" if pending else "")
        )
        if audit["errors"] or drift["drift"]:
            status = "failed"
    logger.info("maintenance done for %s", ", ".join(names))
    result = ResultFile(
        task_id=f"{started:%Y-%m-%d-%H%M%S}-maintenance",
        task_type="maintenance",
        status=status,
        started_at=started,
        completed_at=datetime.now(UTC),
        flow_run_id=str(flow_run.id),
        flow_run_url=ui_url(str(flow_run.id)),
        outputs=outputs,
        summary="\n".join(summary),
    )
    record_result(result)
    return outputs
