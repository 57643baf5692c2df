"""Renderings of a report: rows for a Prefect table artifact, Markdown for the result file, a CLI table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hugopipe.validate.findings import ValidationReport

COLUMNS = ("severity", "rule", "file", "line", "url", "message", "hint", "accepted")


def table_rows(report: ValidationReport) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for f in report.findings:
        rows.append(
            {
                "severity": "accepted" if f.accepted else f.severity,
                "rule": f.rule,
                "file": f.file,
                "line": f.line or "",
                "url": f.url or "",
                "message": f.message,
                "hint": f.accepted_reason if f.accepted else f.hint,
            }
        )
    return rows


def _md_cell(v: object) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def markdown(report: ValidationReport, limit: int = 200) -> str:
    c = report.counts()
    where = f" ({report.env}{', production' if report.production else ''})" if report.env else ""
    verdict = "passed" if report.ok else "failed"
    lines = [
        f"### Validation {verdict}{where}",
        "",
        f"{c['errors']} error(s), {c['warnings']} warning(s), {c['accepted']} accepted; "
        + ", ".join(f"{v} {k}" for k, v in report.checked.items())
        + f" checked in {report.duration_s:.1f} s.",
        "",
    ]
    if report.findings:
        lines += ["| severity | rule | where | URL | message |", "|---|---|---|---|---|"]
        for f in report.findings[:limit]:
            sev = f"accepted ({f.accepted_reason})" if f.accepted else f.severity
            lines.append(
                f"| {_md_cell(sev)} | {f.rule} | `{_md_cell(f.location())}` | {_md_cell(f.url or '')} | {_md_cell(f.message)} |"
            )
        if len(report.findings) > limit:
            lines.append(f"\n… and {len(report.findings) - limit} more (see the JSON report).")
    return "\n".join(lines) + "\n"


def text_table(report: ValidationReport, limit: int = 500) -> str:
    out = []
    for f in report.findings[:limit]:
        sev = "ACCEPTED" if f.accepted else f.severity.upper()
        ref = f"  {f.url}" if f.url else ""
        out.append(f"{sev:8} {f.rule:3} {f.location()}{ref}\n         {f.message}")
        if f.hint and not f.accepted:
            out.append(f"         hint: {f.hint}")
        elif f.accepted:
            out.append(f"         accepted: {f.accepted_reason}")
    if len(report.findings) > limit:
        out.append(f"… and {len(report.findings) - limit} more (use --json for all)")
    c = report.counts()
    out.append(
        f"{'OK' if report.ok else 'FAILED'}: {c['errors']} error(s), {c['warnings']} warning(s), "
        f"{c['accepted']} accepted — "
        + ", ".join(f"{v} {k}" for k, v in report.checked.items())
        + f" in {report.duration_s:.2f} s"
    )
    return "\n".join(out)
