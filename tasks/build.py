"""Prefect task for the build stage: Hugo is deterministic, so a failed build is never retried."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact

from hugopipe import build as core
from hugopipe.errors import ConfigError, ContentError, FailureClass, HugopipeError, TemplateError

_ERRORS: dict[FailureClass, type[HugopipeError]] = {
    FailureClass.TEMPLATE: TemplateError,
    FailureClass.CONTENT: ContentError,
    FailureClass.CONFIGURATION: ConfigError,
}


@task(name="build", task_run_name="build-{env}", retries=0)
def build(site: str, env: str, base_url: str | None = None) -> core.BuildReport:
    report = core.build_site(Path(site), env, base_url=base_url)
    create_markdown_artifact(
        report.to_markdown(), key=f"build-{env}", description=f"Hugo build for {env}"
    )
    if not report.success:
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
