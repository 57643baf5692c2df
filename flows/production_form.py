"""The production branch of ``publish``: gather what the form needs, ask, return what was approved.

The form itself is ``hugopipe.approval.form`` (pure, table-tested); this module only
collects its inputs (page titles from ``public/``, the source commit, staging's release
record), publishes the full list of changes as a Prefect artifact the form links to, and
passes the form and the plan's hash to ``flows.approval``. The hash it returns is what
``tasks.deploy.apply_deploy`` holds the deploy to. ``staging_gate`` runs first, before any
question, so ``require_staging_match`` refuses a run nobody has been asked about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.approval import approval_link, request_production_approval
from hugopipe.approval import form as approval_form
from hugopipe.approval.source import Commit, source_commit
from hugopipe.build import BuildReport
from hugopipe.config import ProjectConfig
from hugopipe.deploy import DeployPlan
from hugopipe.deploy.binding import plan_hash
from hugopipe.errors import ProductionRefused
from tasks.deploy import served_release
from tasks.llm import summarize_changes
from tasks.verify import site_url


def staging_state(
    site: str, cfg: ProjectConfig, plan: DeployPlan, commit: Commit | None
) -> approval_form.StagingMatch | None:
    """Does the staging environment serve this build's sources? None when there is no staging."""
    staging = cfg.environments.get("staging")
    if staging is None or cfg.is_production("staging"):
        return None
    served = served_release(site, "staging", staging.target, staging.credentials_block)
    if served is None:
        return approval_form.StagingMatch(state="unknown", detail="Staging's release record could not be read.")  # fmt: skip
    return approval_form.staging_match(
        release_id=served["release_id"],
        served_commit=served["git_commit"],
        served_source=served["source_hash"],
        commit=commit,
        source=plan.source_hash or "",
    )


def form_inputs(
    site: str,
    report: BuildReport,
    findings: Any,
    plan: DeployPlan,
    context: dict[str, Any] | None,
    review: str,
    commit: Commit | None,
) -> dict[str, Any]:
    """What every approval form is built from (the production phrase's and the cards')."""
    return {
        "plan_hash": plan_hash(plan),
        "titles": approval_form.page_titles(Path(report.public_dir), plan),
        "errors": len(findings.errors),
        "warnings": list(findings.warnings),
        "commit": commit,
        "context": context,
        "review": review,
    }


def describe_change(
    site: str,
    env: str,
    report: BuildReport,
    findings: Any,
    plan: DeployPlan,
    context: dict[str, Any] | None,
    review: str = "",
) -> str:
    """The same form, without the phrase's extras (artifact, staging match): the
    description of a non-production approval card (``flows.gates``)."""
    inputs = form_inputs(site, report, findings, plan, context, review, source_commit(site))
    return approval_form.approval_form(env, plan, **inputs).description


def staging_gate(
    site: str, env: str, cfg: ProjectConfig, plan: DeployPlan
) -> approval_form.StagingMatch | None:
    """Staging's state for the production form; refused here when the environment sets
    ``require_staging_match`` and staging does not serve the same sources. The publish flow
    calls it before it asks anyone anything (the warnings card included), so nobody answers
    a question for a run that then stops anyway."""
    staging = staging_state(site, cfg, plan, source_commit(site))
    if cfg.environment(env).require_staging_match and (staging is None or staging.state != "same"):
        raise ProductionRefused(
            f"{env} requires staging to serve the build first: "
            + (staging.detail if staging else "there is no staging environment"),
            hint="publish the same commit to staging, check it, then start the production run again",
        )
    return staging


def ask_production(
    site: str,
    env: str,
    cfg: ProjectConfig,
    report: BuildReport,
    findings: Any,
    plan: DeployPlan,
    context: dict[str, Any] | None,
    review: str = "",
    *,
    staging: approval_form.StagingMatch | None,
    accepting_warnings: int = 0,
) -> tuple[str, dict[str, Any]]:
    """Pause for a person's approval of exactly ``plan``; return the approved plan hash and
    the approval record (the approvals log entry: who, second factor, note, time).

    ``staging`` is what ``staging_gate`` found (it refuses before anyone is asked);
    ``accepting_warnings`` how many warnings the approval also accepts into the site's
    baseline (the warnings card's ``accept``, written only once this approval is recorded).
    """
    commit = source_commit(site)
    staging_env = cfg.environments.get("staging")
    plan_md = plan.to_markdown()
    warnings_md = "\n".join(f"- [{f.rule}] {f.file} {f.message}" for f in findings.warnings)
    inputs = form_inputs(site, report, findings, plan, context, review, commit)
    digest = inputs["plan_hash"]
    draft = approval_form.approval_form(env, plan, **inputs)
    artifact = create_markdown_artifact(
        draft.changes,
        key=f"approval-changes-{env}",
        description=f"Every change the {env} approval covers",
    )
    link = approval_link()
    changes_url = link.split("/runs/flow-run/")[0] + f"/artifacts/artifact/{UUID(str(artifact))}"
    done = approval_form.approval_form(
        env,
        plan,
        **inputs,
        staging_url=site_url(site, staging_env) if staging_env else None,
        staging=staging,
        changes_url=changes_url,
        plain_words=summarize_changes(plan_md, warnings_md),
        accepting_warnings=accepting_warnings,
    )
    get_run_logger().info("approval form: %s; plan %s", done.verdict, digest)
    entry = request_production_approval(
        done.description,
        plan_hash=digest,
        commit=commit.hash if commit else None,
        environment=env,
        verdict=f"{env}: {done.verdict}",
        expires_after=cfg.environment(env).approval_expires_after,
    )
    return digest, entry
