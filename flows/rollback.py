"""Flow ``rollback``: restore the previous (or a named) release of an environment.

Production pauses for the same typed approval as ``publish`` (``DEPLOY TO
PRODUCTION`` in the Prefect UI) with the rollback plan as the form's
description, before anything is written. There is no parameter to skip it.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from flows.approval import request_production_approval
from hugopipe.config import ProjectConfig
from hugopipe.summary import rollback_approval_markdown
from tasks.rollback import apply_rollback, plan_rollback


@flow(name="rollback", flow_run_name="rollback-{env}", retries=0)
def rollback(
    env: str = "staging", site: str = "examples/site", to_release: str | None = None
) -> dict:
    """Restore ``to_release`` (default: the previous release) in environment ``env``."""
    logger = get_run_logger()
    cfg = ProjectConfig.load(Path(site))
    env_cfg = cfg.environment(env)
    plan = plan_rollback(site, env, env_cfg.target, env_cfg.credentials_block, to_release)
    if cfg.is_production(env):
        request_production_approval(rollback_approval_markdown(env, plan.to_markdown()))
    report = apply_rollback(site, env, env_cfg.target, env_cfg.credentials_block, plan)
    logger.info("rolled back %s from %s to %s", env, plan.current_release_id, plan.to_release_id)
    return {
        "environment": env,
        "from_release": plan.current_release_id,
        "to_release": plan.to_release_id,
        "new_release": report.release_id,
        "restored": len(report.uploaded),
        "deleted": len(report.deleted),
        "invalidation_paths": report.invalidation_paths,
    }
