"""Flow ``rollback``: restore the previous (or a named) release of an environment.

Production (by name, or a target whose bucket or distribution production uses) waits for
the same approval as ``publish``: the typed ``DEPLOY TO PRODUCTION`` in the Prefect UI, and
the authenticator code when the serving process holds an approval key. The form shows the
rollback plan (what it restores and deletes) and its hash; the apply task writes only a
rollback that plans to that hash again (``hugopipe.deploy.binding``), and the approvals log
entry goes into the new release record and the result file. There is no parameter to skip
it; ``hugopipe rollback`` (the agent's shell) refuses production, so a production rollback
runs only here, in the process that holds production's credentials.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import State

from flows.approval import approval_line, approval_link, first_start, request_production_approval
from flows.outcome import Progress, recorded
from flows.single_run import yielded
from hugopipe.config import ProjectConfig
from hugopipe.deploy.binding import rollback_plan_hash
from hugopipe.results import ResultFile
from hugopipe.sites import of_param
from hugopipe.summary import result_summary, rollback_approval_markdown
from tasks.results import record_result
from tasks.rollback import apply_rollback, plan_rollback


@flow(name="rollback", flow_run_name="rollback-{env}", retries=0)
def rollback(
    env: str = "staging", site: str = "examples/site", to_release: str | None = None
) -> dict | State:
    """Restore ``to_release`` (default: the previous release) in environment ``env``."""
    here = of_param(site)  # a listed name is its folder; never outside the workspace
    site = str(here.path)
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    created, started = first_start()  # a suspended run started again keeps its result file
    cfg = ProjectConfig.load(Path(site))
    env_cfg = cfg.environment(env)
    production = cfg.is_production(env)
    result = ResultFile(
        task_id=f"{created:%Y-%m-%d-%H%M%S}-rollback-{env}",
        task_type="rollback",
        site=here.name,
        status="running",
        environment=env,
        started_at=started,
        flow_run_id=str(flow_run.id),
        flow_run_url=approval_link(),
    )
    run = Progress(outputs={"environment": env, "production": production})
    with recorded(result, run, partial(result_summary, f"Rollback of {env}"), f"rollback of {env}"):
        plan = plan_rollback(
            site, env, env_cfg.target, env_cfg.credentials_block, to_release, production
        )
        run.stages["plan"] = (
            f"from {plan.current_release_id} to {plan.to_release_id}: {len(plan.restores)} to "
            f"restore, {len(plan.deletes)} to delete, {plan.unchanged} unchanged"
        )
        # production is a bucket, not a name: a target re-pointed at production's bucket asks
        production = production or plan.production_bucket
        run.outputs["production"] = production
        approved: str | None = None
        approval: dict | None = None
        if production:
            approved = rollback_plan_hash(plan)
            run.outputs["plan_hash"] = approved
            run.waiting = True
            waiting = f"Waiting for a human to approve in the Prefect UI: {result.flow_run_url}"
            record_result(  # what Claude Code reads while the run waits (suspended: no process)
                result.model_copy(
                    update={
                        "status": "paused",
                        "outputs": run.outputs,
                        "next_step": waiting,
                        "summary": result_summary(f"Rollback of {env}", run.stages, waiting),
                    }
                )
            )
            approval = request_production_approval(
                rollback_approval_markdown(env, plan.to_markdown(), approved),
                plan_hash=approved,
                commit=plan.to_release.git_commit,
                environment=env,
                verdict=f"Rollback of {env}: {run.stages['plan']}",
                expires_after=env_cfg.approval_expires_after,
            )
            run.waiting = False
            run.outputs["approval"] = approval
            run.stages["approval"] = f"{approval_line(approval)}; plan {approved[:12]}"
        run.deploying = True
        report = apply_rollback(
            site,
            env,
            env_cfg.target,
            env_cfg.credentials_block,
            plan,
            production,
            approved,
            approval,
        )
        run.deployed = True
        run.outputs.update(
            from_release=plan.current_release_id,
            to_release=plan.to_release_id,
            new_release=report.release_id,
            restored=len(report.uploaded),
            deleted=len(report.deleted),
            invalidation_paths=report.invalidation_paths,
        )
        run.stages["rollback"] = (
            f"{len(report.uploaded)} restored, {len(report.deleted)} deleted, "
            f"new release {report.release_id}"
        )
        run.next_step = f"Rolled back {env} to {plan.to_release_id}. Report it to the user."
    return run.outputs
