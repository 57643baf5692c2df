"""Prefect task for the validate stage: errors block the deploy, warnings go to the approval form."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import create_table_artifact

from hugopipe import validate as core
from hugopipe.errors import ContentError


@task(name="validate", task_run_name="validate-{env}", retries=0)
def validate(site: str, env: str, public_dir: str, production: bool) -> core.ValidationReport:
    report = core.validate_site(Path(site), Path(public_dir), env, production=production)
    rows = report.to_table_rows()
    if rows:
        said = "".join(f"\n\n{n}" for n in report.notices)
        if report.suppressed:
            said += f"\n\n{report.suppressed} finding(s) accepted by validation-baseline.json"
        create_table_artifact(
            rows, key=f"findings-{env}", description=f"Validation findings for {env}{said}"
        )
    if not report.ok:
        errors = report.errors
        first = errors[0]
        listing = "".join(
            f"\n- [{f.rule}] {f.file}:{f.line or ''} {f.url or ''} {f.message}" for f in errors[:20]
        )
        raise ContentError(
            f"validation found {len(errors)} error(s):{listing}",
            file=first.file,
            line=first.line,
            hint=first.hint or "fix the named page or link and run again",
        )
    return report
