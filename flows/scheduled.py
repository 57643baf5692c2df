"""Flow ``scheduled-publish``: publish the pages whose ``publishDate`` (or ``expiryDate``) passed.

Scheduled every 15 minutes. For each environment it finds the pages that came due
since that environment's last publish and starts one ``publish`` run for them (which
pauses for the typed approval where the environment is production), or none when
nothing is due. It never starts a second publish while one of the same site and
environment is scheduled, running or waiting for approval; it says which run it
yielded to (``hugopipe.scheduled.start_due_publish``).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.states import State

from flows.single_run import yielded
from hugopipe.config import ProjectConfig
from hugopipe.sites import of_param
from tasks.retry_policy import RETRY_DELAYS, RETRY_JITTER, retry_transient


@task(
    name="start-due-publish",
    task_run_name="due-{env}",
    retries=2,
    retry_delay_seconds=RETRY_DELAYS,
    retry_jitter_factor=RETRY_JITTER,
    retry_condition_fn=retry_transient,
)
def start_due(site: str, env: str) -> dict:
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.scheduled import start_due_publish

    with PrefectApi() as api:
        return start_due_publish(api, site, env)


@flow(name="scheduled-publish", flow_run_name="scheduled-publish", retries=0)
def scheduled_publish(
    site: str = "examples/site", environments: list[str] | None = None
) -> dict | State:
    here = of_param(site)  # a listed name is its folder; never outside the workspace
    site = str(here.path)
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    logger = get_run_logger()
    cfg = ProjectConfig.load(Path(site))
    names = environments or [n for n in ("staging", "production") if n in cfg.environments]
    out = {}
    for env in names:
        out[env] = start_due(site, env)
        logger.info("%s: %s", env, out[env]["reason"])
    return out
