"""Flow ``external-links``: check production's external links on their own (weekly) schedule.

External sites change slowly and answer slowly; checking them every night made the
nightly report noisy and long. lychee runs with its cache (``.hugopipe/lychee``), so
a link checked recently is not fetched again. Nothing is deployed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import State

from flows.single_run import yielded
from hugopipe import validate as checks
from hugopipe.config import ProjectConfig
from hugopipe.prefect_rest import ui_url
from hugopipe.results import ResultFile
from hugopipe.sites import of_param
from tasks.build import build
from tasks.results import record_result


@flow(name="external-links", flow_run_name="external-links", retries=0)
def external_links(site: str = "examples/site", env: str | None = None) -> dict | State:
    here = of_param(site)  # a listed name is its folder; never outside the workspace
    site = str(here.path)
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    started = datetime.now(UTC)
    cfg = ProjectConfig.load(Path(site))
    env = env or next((n for n in cfg.environments if cfg.is_production(n)), "staging")
    # its own folder: a production publish may be reading .hugopipe/public/<env> now
    report = build(site, env, base_url=cfg.environment(env).base_url, purpose="links")
    ext = checks.check_external(
        Path(report.public_dir), cache_dir=Path(site) / ".hugopipe" / "lychee"
    )
    markdown = ext.to_markdown()
    create_markdown_artifact(markdown, key="external-links", description=f"External links of {env}")
    outputs = {
        "environment": env,
        "external_errors": len(ext.errors),
        "external_warnings": len(ext.warnings),
        "broken": [f"{f.file} {f.url or ''} {f.message}".strip() for f in ext.errors[:50]],
    }
    record_result(
        ResultFile(
            task_id=f"{started:%Y-%m-%d-%H%M%S}-external-links",
            task_type="external-links",
            site=here.name,
            status="failed" if ext.errors else "success",
            environment=env,
            started_at=started,
            completed_at=datetime.now(UTC),
            flow_run_id=str(flow_run.id),
            flow_run_url=ui_url(str(flow_run.id)),
            next_step="Fix or remove the broken external links listed." if ext.errors else None,
            outputs=outputs,
            summary=markdown,
        )
    )
    return outputs
