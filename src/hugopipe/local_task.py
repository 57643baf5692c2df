"""The build and validate stages run here, without Prefect, and the outputs both paths report.

``hugopipe submit`` runs ``hugo-build`` / ``hugo-validate`` task files on this machine:
a build is deterministic, takes seconds and needs no credentials, so an orchestrator
round trip would add latency and nothing else. Its result file has the same format
and the same build outputs as the ``publish`` flow's (``build_outputs`` is shared), so
a task's ``expected_outputs`` read the same whichever way it ran.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hugopipe.sites import name_of

if TYPE_CHECKING:
    from hugopipe.build import BuildReport
    from hugopipe.results import ResultFile
    from hugopipe.taskfile import TaskRequest


def build_outputs(report: BuildReport) -> dict[str, Any]:
    """What a build adds to a result's ``outputs`` (the flow's and ``submit``'s alike)."""
    return {
        "build_success": report.success,
        "file_count": report.files,
        "pages_generated": report.pages,
        "hugo_version": report.hugo_version,
        "content_hash": report.content_hash,
        "warnings": [w.message for w in report.warnings],
        "errors": [
            (f"{e.file}:{e.line}: " if e.file and e.line else "") + e.message for e in report.errors
        ],
    }


def run_local_task(request: TaskRequest, site: Path) -> ResultFile:
    """Build (and, for ``hugo-validate``, validate) ``site`` here, or write a content task's
    page (``hugopipe.content_task``); the run's result file."""
    if request.task_type == "content":
        from hugopipe.content_task import run_content_task

        return run_content_task(request, site)
    from hugopipe.build import build_site
    from hugopipe.errors import NEXT_STEP, FailureClass
    from hugopipe.results import ResultFile

    started = datetime.now(UTC)
    env = request.environment
    report = build_site(
        site, env, base_url=request.params.base_url, minify=request.params.minify, purpose="local"
    )
    outputs = build_outputs(report) | {
        "duration_seconds": report.duration_seconds,
        "public_dir": report.public_dir,
    }
    failure = report.failure_class
    summary = [report.to_markdown()]
    if request.task_type == "hugo-validate" and report.success:
        from hugopipe.validate import validate_site

        findings = validate_site(site, Path(report.public_dir), env)
        outputs["validation_errors"] = len(findings.errors)
        outputs["validation_warnings"] = len(findings.warnings)
        outputs["findings"] = [
            f"[{f.rule}] {f.file}:{f.line or ''} {f.message}".strip() for f in findings.errors[:50]
        ]
        summary.append(findings.to_markdown(limit=50))
        if not findings.ok:
            failure = FailureClass.CONTENT
    ok = failure is None
    next_step = (
        NEXT_STEP[failure] if failure else "Build is good; deploy with a hugo-deploy-* task."
    )
    done = datetime.now(UTC)
    return ResultFile(
        task_id=request.task_id,
        task_type=request.task_type,
        status="success" if ok else "failed",
        environment=env,
        site=name_of(str(site)),
        started_at=started,
        completed_at=done,
        duration_seconds=round((done - started).total_seconds(), 2),
        failure_class=str(failure) if failure else None,
        next_step=next_step,
        outputs=outputs,
        logs="\n".join(outputs["errors"] + outputs["warnings"]),
        summary="\n\n".join(summary) + f"\n\n## Next Steps\n{next_step}",
    )
