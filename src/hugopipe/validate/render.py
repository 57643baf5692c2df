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
        + f" checked in {report.duration_s:.1f} s."
        + (
            f" {report.suppressed} accepted by validation-baseline.json."
            if report.suppressed
            else ""
        ),
        "",
    ]
    lines += [f"> {n}\n" for n in report.notices]
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


#: How many findings of one rule the summary shows: errors name more, so each can be fixed
#: from the summary; a warning shows one to say what it is about.
ERROR_EXAMPLES = 3
WARNING_EXAMPLES = 1
WIDTH = 120
#: A hint is prose: clipped to what a terminal shows whole (``--all``/``--json`` keep it all).
HINT_WIDTH = 100
#: How many layouts one rule's group names (a rule made by more layouts is rare).
TEMPLATES = 3


def _clip(s: str, width: int = WIDTH) -> str:
    s = s.replace("\n", " ").replace("\t", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def _templates(items: list) -> list[str]:
    """``template: <layout>:<line> (N pages)`` for each layout the group's findings name
    (nearly every page has the finding: fix it once, in the layout, not page by page)."""
    seen: dict[tuple[str, int | None], int] = {}
    for f in items:
        t = f.template
        if t is not None and t.path:
            key = (t.path, t.line)
            seen[key] = max(seen.get(key, 0), t.pages)
    out = []
    for (path, line), pages in list(seen.items())[:TEMPLATES]:
        where = f"{path}:{line}" if line else path
        out.append(_clip(f"          template: {where} ({pages} pages)"))
    return out


def summary(report: ValidationReport) -> str:
    """The report as a person reads it: findings grouped by rule, errors first, each rule
    with its count, a few examples and the fix hint; then the totals. A site with
    hundreds of warnings of a few kinds fits on one screen (``--json`` and ``to_text``
    list every finding)."""
    from collections import defaultdict

    from hugopipe.validate.rules import RULES

    groups: dict[tuple[str, str], list] = defaultdict(list)
    for f in report.findings:
        if not f.accepted:
            groups[(f.severity, f.rule)].append(f)
    out: list[str] = []
    # said here once; the CLI says it on stderr only when it prints no summary (--json, --all)
    if report.base_url_from and report.base_url_from not in ("option", "hugo config"):
        out.append(f"base URL {report.base_url} (from {report.base_url_from})")
    out += [f"notice: {n}" for n in report.notices]
    for severity, label, shown in (
        ("error", "ERRORS", ERROR_EXAMPLES),
        ("warning", "WARNINGS", WARNING_EXAMPLES),
    ):
        keys = sorted(
            (k for k in groups if k[0] == severity), key=lambda k: (-len(groups[k]), k[1])
        )
        if not keys:
            continue
        total = sum(len(groups[k]) for k in keys)
        out.append(f"{label} ({total})")
        for k in keys:
            items = groups[k]
            rule = RULES.get(k[1])
            title = rule.title if rule else k[1]
            out.append(_clip(f"  {k[1]:3} {len(items):>5} × {title}"))
            for f in items[:shown]:
                ref = f"  {f.url}" if f.url and f.url not in f.message else ""
                out.append(_clip(f"          {f.location()}{ref}  {f.message}"))
            if len(items) > shown:
                out.append(f"          … {len(items) - shown} more")
            out += _templates(items)
            if severity == "error" and rule and rule.hint:
                out.append(_clip(f"          hint: {rule.hint}", HINT_WIDTH))
    c = report.counts()
    extra = f", {report.suppressed} suppressed by the baseline" if report.suppressed else ""
    out.append(
        f"{'OK' if report.ok else 'FAILED'}: {c['errors']} error(s), {c['warnings']} warning(s), "
        f"{c['accepted']} accepted{extra} — "
        + ", ".join(f"{v} {k}" for k, v in report.checked.items())
        + f" in {report.duration_s:.2f} s"
        + ("" if not report.findings else " (--json lists every finding)")
    )
    return "\n".join(out)
