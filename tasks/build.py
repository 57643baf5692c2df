"""Prefect task for the build stage: Hugo is deterministic, so a failed build is never retried."""

from __future__ import annotations

from pathlib import Path
from typing import cast
from uuid import UUID

from prefect import task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)

from hugopipe import build as core
from hugopipe.errors import ConfigError, ContentError, FailureClass, HugopipeError, TemplateError

_ERRORS: dict[FailureClass, type[HugopipeError]] = {
    FailureClass.TEMPLATE: TemplateError,
    FailureClass.CONTENT: ContentError,
    FailureClass.CONFIGURATION: ConfigError,
}


@task(name="build", task_run_name="build-{env}", retries=0)
def build(
    site: str, env: str, base_url: str | None = None, purpose: core.Purpose = "publish"
) -> core.BuildReport:
    """Build with the pinned Hugo; a progress artifact shows where a long build is.

    Progress is reported at the points a build's progress is actually known, at no
    cost to the build: 0 % when Hugo starts, 50 % when Hugo has rendered (with its
    page count and time), 100 % when the output is hashed (pages, files, size). Hugo
    itself prints nothing until it has rendered every page (its summary table), so a
    finer bar would have to run it at ``--logLevel info`` and stream and parse its
    step lines, or count files in the destination while it writes; both add work to
    every build for a bar that moves in Hugo's few coarse steps anyway. The hash of a
    large output is the other long part, hence the two halves.
    """
    # sync_compatible: called from a sync task it returns the id itself, not a coroutine
    progress_id = cast(
        UUID, create_progress_artifact(0.0, description=f"Hugo build for {env}: started")
    )

    def progress(percent: float, line: str) -> None:
        update_progress_artifact(progress_id, percent, description=f"Hugo build for {env}: {line}")

    report = core.build_site(Path(site), env, base_url=base_url, progress=progress, purpose=purpose)
    if report.success:
        progress(
            100.0,
            f"{report.pages} pages, {report.files} files, {report.bytes} bytes "
            f"in {report.duration_seconds:.1f} s",
        )
    create_markdown_artifact(
        report.to_markdown(), key=f"build-{env}", description=f"Hugo build for {env}"
    )
    if not report.success:
        update_progress_artifact(progress_id, 0.0, description=f"Hugo build for {env}: failed")
        first = report.errors[0]
        others = "".join(f"\n- {e.file}:{e.line}: {e.message}" for e in report.errors[1:])
        cls = _ERRORS.get(report.failure_class or FailureClass.UNKNOWN, HugopipeError)
        raise cls(
            f"Hugo build failed: {first.message}{others}",
            file=first.file,
            line=first.line,
            hint="fix the file Hugo names and run again; builds are not retried",
            failure_class=report.failure_class,
        )
    return report
