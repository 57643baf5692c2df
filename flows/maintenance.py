"""Flow ``nightly-maintenance``: check what is live, tidy what the pipeline left, tell a person.

Maintenance is how the system notices silent drift. Each step is a task with its
own retries and one section of the night's Markdown artifact and result file:
health (status, time, redirects, TLS days left) and drift of every environment,
the internal links of production, due scheduled posts, the sweep of stale runs,
expired approvals and task files whose run vanished, the archive of old result
and task files, and Prefect history retention. A step that fails is reported in
its section; the others still run. When anything needs a person, the flow emits the
event the notification automation sends on (deployments/automations.py, through the
block ``HUGOPIPE_NOTIFY_BLOCK``, default ``hugopipe-notify``: a generic webhook block,
docs/cli.md#maintenance); a ``notify_block`` named for one run is sent to from the run
itself. It deploys nothing; external links have
their own weekly flow (``external-links``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import State

from flows.approval import announce
from flows.single_run import yielded
from hugopipe.config import ProjectConfig
from hugopipe.maintenance.health import env_urls
from hugopipe.prefect_rest import ui_url
from hugopipe.results import ResultFile, results_root
from hugopipe.sites import of_param
from hugopipe.workspace import inside
from tasks.build import build
from tasks.maintenance import archive, audit_site, check_drift, health, notify, prune, sweep
from tasks.results import record_result
from tasks.verify import site_url


def _step(name: str, run: Callable[[], dict], sections: list[str], attention: list[str]) -> dict:
    """Run one step; a failure (after its retries) becomes its section, not the night's end."""
    try:
        out = run()
    except Exception as exc:
        attention.append(f"step {name} failed: {exc}")
        sections.append(f"### {name}\n\n- **failed**: {exc}")
        return {"error": str(exc)}
    attention += out.pop("attention", [])
    sections.append(out.pop("markdown", ""))
    return out


def _due(site: str, env: str) -> list[dict[str, str]]:
    from hugopipe.maintenance.history import last_publish
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.scheduled import due_pages

    with PrefectApi() as api:
        since = last_publish(api, env, site)
    return due_pages(Path(site), since) if since else []


def _environment(
    site: str,
    cfg: ProjectConfig,
    env: str,
    external: bool,
    sections: list[str],
    attention: list[str],
) -> dict[str, Any]:
    """Health, build, drift and due posts of one environment (and links, for production)."""
    env_cfg = cfg.environment(env)
    base = site_url(site, env_cfg)
    urls = env_urls(base, env_cfg.verify_paths, env_cfg.index_document)
    out: dict[str, Any] = {
        "health": _step("health", partial(health, env, urls), sections, attention)
    }
    due = _due(site, env)
    out["due_posts"] = due
    if due:
        attention.append(f"{env}: a publish is due for {', '.join(d['page'] for d in due)}")
        sections.append(f"### Due posts ({env})\n\n" + "\n".join(f"- {d}" for d in due))

    def build_step() -> dict:
        # its own folder: a publish of the site may be reading .hugopipe/public/<env> now
        return {"report": build(site, env, base_url=env_cfg.base_url, purpose="maintenance")}

    built = _step(f"build {env}", build_step, sections, attention)
    if "report" not in built:
        return out
    public = built["report"].public_dir
    drift = _step(
        "drift",
        partial(check_drift, site, env, env_cfg.target, public, env_cfg.credentials_block),
        sections,
        attention,
    )
    out.update(drift)
    if drift.get("drift"):
        keys = ", ".join(d["key"] for d in drift["drift"][:5])
        attention.append(f"{env}: {len(drift['drift'])} object(s) edited in the bucket: {keys}")
    if cfg.is_production(env):
        links = _step(
            "links", partial(audit_site, site, env, public, True, external), sections, attention
        )
        out["links"] = links
        if links.get("errors"):
            attention.append(f"{env}: {links['errors']} validation error(s), links included")
    return out


@flow(name="nightly-maintenance", flow_run_name="nightly-maintenance", retries=0)
def nightly_maintenance(
    site: str = "examples/site",
    environments: list[str] | None = None,
    external: bool = False,
    health_urls: list[str] | None = None,
    archive_days: float = 30,
    history_days: float = 90,
    stale_hours: float = 6,
    approval_hours: float = 72,
    task_grace_minutes: float = 10,
    tasks_dir: str | None = None,
    archive_dir: str | None = None,
    notify_block: str | None = None,
) -> dict | State:
    here = of_param(site)  # a listed name is its folder; never outside the workspace
    site = str(here.path)
    # the folders a run may name write (archive) or move (sweep) files: the same rule; the
    # operator's $HUGOPIPE_TASKS_DIR / $HUGOPIPE_ARCHIVE_DIR are their own choice and kept
    if tasks_dir:
        tasks_dir = str(inside(tasks_dir, what="the tasks_dir parameter"))
    if archive_dir:
        archive_dir = str(inside(archive_dir, what="the archive_dir parameter"))
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    logger = get_run_logger()
    started = datetime.now(UTC)
    cfg = ProjectConfig.load(Path(site))
    names = environments or [n for n in ("staging", "production") if n in cfg.environments]
    outputs: dict[str, Any] = {}
    sections = ["## Nightly maintenance", ""]
    attention: list[str] = []
    for env in names:
        outputs[env] = _environment(site, cfg, env, external, sections, attention)
    if health_urls:
        outputs["health"] = _step(
            "health", lambda: health("extra", health_urls), sections, attention
        )
    tasks_root = tasks_dir or os.environ.get("HUGOPIPE_TASKS_DIR", "tasks")
    outputs["sweep"] = _step(
        "sweep",
        partial(sweep, tasks_root, stale_hours, approval_hours, task_grace_minutes),
        sections,
        attention,
    )
    archive_root = archive_dir or os.environ.get("HUGOPIPE_ARCHIVE_DIR", "archive")
    outputs["archive"] = _step(
        "archive",
        partial(archive, str(results_root()), tasks_root, archive_root, archive_days),
        sections,
        attention,
    )
    outputs["history"] = _step("history", partial(prune, history_days), sections, attention)
    outputs["needs_attention"] = attention
    if attention:
        body = "\n".join(f"- {a}" for a in attention) + f"\n\n{ui_url(str(flow_run.id))}"
        try:
            if notify_block:  # a block named for this run: sent from the run itself
                outputs["notification"] = notify(
                    notify_block, "hugopipe: maintenance needs a person", body
                )
            else:  # the notification automation sends it ($HUGOPIPE_NOTIFY_BLOCK)
                announce("maintenance", "\n".join(f"- {a}" for a in attention), "maintenance")
                outputs["notification"] = (
                    "handed to the notification automation (block "
                    f"{os.environ.get('HUGOPIPE_NOTIFY_BLOCK') or 'hugopipe-notify'})"
                )
        except Exception as exc:  # the report still lands without it
            outputs["notification"] = f"not sent: {exc}"
        sections.append(f"### Notification\n\n- {outputs['notification']}")
    markdown = "\n\n".join(s for s in sections if s)
    if attention:
        markdown += "\n\n### Needs a person\n\n" + "\n".join(f"- {a}" for a in attention)
    create_markdown_artifact(markdown, key="nightly-maintenance", description="Nightly maintenance")
    logger.info(
        "maintenance done for %s: %d item(s) need a person", ", ".join(names), len(attention)
    )
    record_result(
        ResultFile(
            task_id=f"{started:%Y-%m-%d-%H%M%S}-maintenance",
            task_type="maintenance",
            site=here.name,
            status="failed" if attention else "success",
            started_at=started,
            completed_at=datetime.now(UTC),
            duration_seconds=round((datetime.now(UTC) - started).total_seconds(), 2),
            flow_run_id=str(flow_run.id),
            flow_run_url=ui_url(str(flow_run.id)),
            next_step="Tell the user what needs them (outputs.needs_attention)."
            if attention
            else None,
            outputs=outputs,
            summary=markdown,
        )
    )
    return outputs
