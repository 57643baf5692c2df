"""Flow ``publish``: build → validate → plan → (production: human approval) → deploy → verify.

The flow only sequences tasks. Production pauses for the typed phrase in the
Prefect UI before anything is written; there is no parameter to skip it.
Every run, successful or not, leaves a result file for Claude Code.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Cancelled, State

from flows.approval import Rejected, approval_line, approval_link, first_start
from flows.decision import accept_warnings
from flows.gates import Asked, ask_first
from flows.outcome import Progress, recorded
from flows.production_form import ask_production, describe_change, staging_gate
from flows.single_run import yielded
from hugopipe.approval.form import StagingMatch
from hugopipe.config import ProjectConfig
from hugopipe.deploy.models import ApplyStatus
from hugopipe.errors import HugopipeError
from hugopipe.local_task import build_outputs
from hugopipe.publishlock import publish_lock
from hugopipe.results import ResultFile
from hugopipe.sites import of_param
from hugopipe.summary import result_summary
from tasks.build import build
from tasks.deploy import apply_deploy, plan_deploy
from tasks.llm import review_changed_pages
from tasks.results import record_result
from tasks.validate import validate
from tasks.verify import verify


@flow(name="publish", flow_run_name="publish-{env}", retries=0)
def publish(
    env: str = "staging",
    site: str = "examples/site",
    task_id: str | None = None,
    full_check: bool = False,
    context: dict | None = None,
    allow_deletes: int | None = None,
    ask_a_person: bool = False,
) -> dict | State:
    """Publish the Hugo site in ``site`` to environment ``env`` (dev | staging | production).

    ``context`` is a task file's (why this run exists); it goes into the result file
    and the approval form. ``ask_a_person`` (a task file's ``requires_approval: true``) makes a non-production
    publish ask a person whatever the size of the change."""
    # relative to the worker's workspace, never outside it; tasks see one absolute path.
    # Refused before anything else, result file included: it would be written for that site.
    here = of_param(site)  # a listed name is its folder
    site = str(here.path)
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    # a suspended run started again keeps its task id, result file and start
    created, started = first_start()
    outputs: dict = {"environment": env, "production": None, "build_success": False}
    approval: dict | None = None  # the approvals log entry, production only
    result = ResultFile(
        task_id=task_id or f"{created:%Y-%m-%d-%H%M%S}-publish-{env}",
        task_type=f"hugo-deploy-{env}" if env in {"staging", "production"} else "hugo-publish",
        status="running",
        environment=env,
        site=here.name,
        started_at=started,
        flow_run_id=str(flow_run.id),
        flow_run_url=approval_link(),
        context=context,
    )
    run = Progress(outputs=outputs)
    stages = run.stages
    summary = partial(result_summary, f"Publish to {env}")
    try:
        cfg = ProjectConfig.load(Path(site))
        env_cfg = cfg.environment(env)
        production = cfg.is_production(env)
    except HugopipeError:
        # a scheduled run has no CLI to check the configuration first: the result file says why
        with recorded(result, run, summary, f"publish to {env}"):
            raise
    outputs["production"] = production
    # one publish of a site and environment at a time (hugopipe.publishlock); production
    # runs one deploy at a time through its concurrency slot and pauses for a human, so it
    # holds no lock across the pause
    serial: AbstractContextManager[object] = (
        nullcontext() if production else publish_lock(site, env)
    )
    try:
        with serial, recorded(result, run, summary, f"publish to {env}"):
            report = build(site, env, base_url=env_cfg.base_url)
            stages["build"] = (
                f"{report.pages} pages, {report.files} files in {report.duration_seconds:.1f} s"
            )
            # the same build outputs `hugopipe submit` reports for a local build; `errors` are
            # the run's own (``recorded`` fills them in if a later stage fails)
            outputs.update(build_outputs(report), errors=[])
            findings = validate(site, env, report.public_dir, production)
            stages["validate"] = f"{len(findings.errors)} errors, {len(findings.warnings)} warnings"
            outputs["validation_warnings"] = len(findings.warnings)
            plan = plan_deploy(
                site,
                env,
                env_cfg.target,
                report.public_dir,
                env_cfg.credentials_block,
                full_check,
                allow_deletes,
                production,
            )
            s = plan.summary
            stages["plan"] = f"{s.uploads} uploads, {s.deletes} deletes, {s.unchanged} unchanged"
            result.logs = report.log
            # the completion gate (hugopipe.llm.review): advisory, never fails the run
            review = review_changed_pages(plan.uploads, report.public_dir)
            stages["review"], result.review = review.stage_line(), review.to_dict()
            # production is a bucket, not a name: a plan that writes to a production bucket or
            # distribution asks for the same approval, whatever the environment is called
            production = production or plan.production_bucket
            outputs["production"] = production
            approved: str | None = None

            def waiting(text: str) -> None:
                """Record a "paused" result file (Claude Code reads the state while the run
                waits for a person; a suspended run has no process) and mark the run waiting."""
                note = f"{text}: {result.flow_run_url}"
                record_result(
                    result.model_copy(
                        update={
                            "status": "paused",
                            "outputs": outputs,
                            "next_step": note,
                            "summary": summary(stages, note),
                        }
                    )
                )
                run.waiting = True
                get_run_logger().info("stage waiting: %s", text.lower())

            asked = Asked()
            staging: StagingMatch | None = None
            if production and plan.empty and plan.remote_source != "full-check":
                stages["approval"] = "not asked: nothing to deploy"
            else:
                # require_staging_match refuses before anyone is asked anything
                staging = staging_gate(site, env, cfg, plan) if production else None
                # the warnings card, and a non-production change's approve/reject card
                asked = ask_first(
                    site,
                    env,
                    env_cfg,
                    production,
                    plan,
                    findings,
                    requires_approval=ask_a_person,
                    waiting=waiting,
                    approval_md=lambda: describe_change(
                        site, env, report, findings, plan, context, review.to_markdown()
                    ),
                    review=review,
                )
                stages.update(asked.stages)
                run.waiting = False
            if production and "approval" not in stages:
                waiting("Waiting for a human to approve in the Prefect UI")
                approved, approval = ask_production(
                    site,
                    env,
                    cfg,
                    report,
                    findings,
                    plan,
                    context,
                    review.to_markdown(),
                    staging=staging,
                    accepting_warnings=len(asked.accept_after_approval),
                )
                run.waiting = False
                outputs["approval"] = approval
                stages["approval"] = f"{approval_line(approval)}; plan {approved[:12]}"
            run.deploying = True
            applied = apply_deploy(
                site,
                env,
                env_cfg.target,
                report.public_dir,
                env_cfg.credentials_block,
                plan,
                production,
                approved,
                approval,
            )
            run.deployed = True
            if asked.accept_after_approval and approval:
                # the card's accept, once production is approved *and* the approved plan is
                # what was written (apply refuses another plan before any write)
                accept_warnings(
                    site,
                    asked.accept_after_approval,
                    note=asked.note,
                    by=f"decision card, approvals log entry {approval.get('seq')}",
                )
            stages["deploy"] = (
                "nothing to deploy: the bucket already matches the build"
                if applied.status == ApplyStatus.NOTHING_TO_DO
                else f"{len(applied.uploaded)} uploaded, {len(applied.deleted)} deleted, release {applied.release_id}"
            )
            outputs.update(
                deployment_success=True,
                uploaded_files=len(applied.uploaded),
                deleted_files=len(applied.deleted),
                release_id=applied.release_id,
                invalidation_id=applied.invalidation_id,
            )
            checked = verify(site, env, env_cfg)
            stages["verify"] = ", ".join(f"{c.status}" for c in checked.checks) or (
                checked.skipped_reason or ""
            )
            outputs["http_status"] = checked.checks[0].status if checked.checks else None
            run.next_step = (
                "Published. Report the URL to the user."
                if env != "staging"
                else "Staging is live. Ask the user before starting `hugopipe run publish --env production` (a human approves it in the UI)."
            )
    except Rejected as exc:  # a person said no on a card: the run ends Cancelled
        return Cancelled(message=str(exc))
    return {"status": "success", **outputs}


if __name__ == "__main__":
    import sys

    publish(env=sys.argv[1] if len(sys.argv) > 1 else "staging")
