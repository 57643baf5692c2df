"""One finding model for every rule, and the report that gates a deploy.

A finding is data, not a log line: the CLI prints it as a table or JSON, the
Prefect task turns it into a table artifact and the result file gets a Markdown
section, all from the same fields. Accepted findings stay in the report (so
nobody forgets them) but no longer block.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field

from hugopipe.validate.rules import RULES

Severity = Literal["error", "warning"]


class SourceRef(BaseModel):
    """Where in the site's sources a finding on a built page comes from (``sourcemap``)."""

    path: str = Field(description="relative to the site: content/…, layouts/…, static/…")
    line: int | None = Field(default=None, description="where the reference text is, if found")


class TemplateRef(BaseModel):
    """A finding (nearly) every built page shares: a template made it, not the content."""

    path: str | None = Field(
        default=None, description="the layout holding the reference text; None if none does"
    )
    line: int | None = None
    pages: int = Field(description="how many built pages have this same finding")


class Finding(BaseModel):
    """One problem found by one rule at one place."""

    rule: str = Field(description="rule id, e.g. L1 (see hugopipe.validate.rules.RULES)")
    severity: Severity
    file: str = Field(
        description="path relative to the site (source rules) or to the built output (output rules)"
    )
    line: int | None = None
    url: str | None = Field(default=None, description="the reference the finding is about, if any")
    message: str
    hint: str = ""
    accepted: bool = False
    accepted_reason: str | None = None
    source: SourceRef | None = Field(
        default=None, description="for a built page: the content file that made it (sourcemap)"
    )
    template: TemplateRef | None = Field(
        default=None, description="set when (nearly) every page has this finding: likely layout"
    )

    @classmethod
    def of(
        cls, rule: str, file: str, message: str, *, line: int | None = None, url: str | None = None
    ) -> Finding:
        """The one way a rule reports: severity and hint come from the catalogue
        (``rules.RULES``), so a rule names only what it found and where.

        The severity is the rule's production default; ``ValidateConfig.apply`` then sets
        the one of the environment and the project's overrides.
        """
        r = RULES[rule]
        return cls(
            rule=rule,
            severity="error" if r.production == "error" else "warning",
            file=file,
            line=line,
            url=url,
            message=message,
            hint=r.hint,
        )

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def sort_key(self) -> tuple:
        return (self.severity != "error", self.rule, self.file, self.line or 0, self.url or "")


def line_of(text: str, needle: str | None) -> int | None:
    """The line (from 1) where ``needle`` first occurs in ``text``: where a finding points."""
    if not needle:
        return None
    i = text.find(needle)
    if i < 0:
        return None
    return text.count("\n", 0, i) + 1


class ValidationReport(BaseModel):
    """All findings of one validation run, plus what was checked."""

    env: str | None = None
    production: bool = False
    site_dir: str | None = None
    #: the site's name (hugopipe.sites: its name in hugopipe-workspace.toml, else its folder's)
    site_name: str | None = None
    public_dir: str | None = None
    base_url: str | None = None
    base_url_from: str | None = Field(
        default=None,
        description="where base_url came from: option, hugo config, sitemap.xml, canonical, "
        "og:url, or none (no absolute URL in the output: links are checked root-relative)",
    )
    notices: list[str] = Field(
        default_factory=list,
        description="things to know that are not findings on a page (said once per report)",
    )
    suppressed: int = Field(
        default=0, description="findings the site's validation-baseline.json accepted"
    )
    checked: dict[str, int] = Field(
        default_factory=dict, description="counts of what was checked (html, css, refs, content…)"
    )
    duration_s: float = 0.0
    findings: list[Finding] = Field(default_factory=list)

    # -- views -------------------------------------------------------------------------------
    @property
    def errors(self) -> list[Finding]:
        """Errors that block (not accepted)."""
        return [f for f in self.findings if f.severity == "error" and not f.accepted]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning" and not f.accepted]

    @property
    def accepted(self) -> list[Finding]:
        return [f for f in self.findings if f.accepted]

    @property
    def ok(self) -> bool:
        """True when nothing blocks the deploy."""
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "accepted": len(self.accepted),
        }

    def counts_by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings if not f.accepted).items()))

    def merge(self, other: ValidationReport) -> ValidationReport:
        """Fold another report's findings and counts into this one (returns self)."""
        self.findings.extend(other.findings)
        for k, v in other.checked.items():
            self.checked[k] = self.checked.get(k, 0) + v
        self.duration_s += other.duration_s
        self.site_dir = self.site_dir or other.site_dir
        self.public_dir = self.public_dir or other.public_dir
        self.base_url = self.base_url or other.base_url
        self.base_url_from = self.base_url_from or other.base_url_from
        self.notices += [n for n in other.notices if n not in self.notices]
        self.suppressed += other.suppressed
        self.sort()
        return self

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)

    # -- renderings (implemented in render.py to keep this module a plain contract) ---------
    def to_table_rows(self) -> list[dict[str, object]]:
        from hugopipe.validate.render import table_rows

        return table_rows(self)

    def to_markdown(self, limit: int = 200) -> str:
        from hugopipe.validate.render import markdown

        return markdown(self, limit=limit)

    def to_text(self, limit: int = 500) -> str:
        from hugopipe.validate.render import text_table

        return text_table(self, limit=limit)

    def to_summary(self) -> str:
        """Grouped by rule, errors first: what ``hugopipe validate`` prints."""
        from hugopipe.validate.render import summary

        return summary(self)

    def model_dump_summary(self) -> dict[str, object]:
        return {"ok": self.ok, **self.counts(), "by_rule": self.counts_by_rule()}
