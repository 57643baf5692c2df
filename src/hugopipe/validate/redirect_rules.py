"""The site's ``_redirects`` file: links through it resolve, and its own targets must exist.

Many Hugo sites carry a ``_redirects`` file (the Netlify format, read by
``hugopipe.redirects``) for pages that moved. A link to a moved page is no broken link
when the file redirects it to a target that exists: an L1 finding whose path a plain
rule redirects is dropped; one only a splat, placeholder or conditional rule resolves
becomes L11, a warning (S3 serves only plain rules); one whose redirect target is itself
missing stays L1 — checked in the parent, on the few L1 findings there are, so the scan's
hot path does not change. A rule whose target is a page of this site that is not in the output sends every
reader of the old address to a 404: L8, an error naming the ``_redirects`` line. A line
that is no rule is L9 (a warning: the host ignores it).

S3 does not read the file at all: the report says so once (a notice); ``hugopipe deploy``
turns the plain rules into S3 website redirects, the rest work only on hosts that read it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Container
from pathlib import Path

from hugopipe import redirects
from hugopipe.validate import urls
from hugopipe.validate.findings import Finding

S3_NOTICE = (
    "S3 does not read _redirects: hugopipe deploy turns its {plain} plain rule(s) into S3 "
    "website redirects; {other} other rule(s) (splats, placeholders, rewrites, conditions) "
    "work only on hosts that read the file"
)


def check(
    public: Path, site: urls.Site, files: Container[str], findings: list[Finding]
) -> tuple[list[Finding], list[str]]:
    """``findings`` less the links the site's ``_redirects`` redirects, plus L8/L9 for the
    file's own rules; and the notices for the report (none when there is no file)."""
    rules, problems = redirects.read(public)
    if not rules and not problems:
        return findings, []
    out: list[Finding] = []
    for f in findings:
        if f.rule != "L1":
            out.append(f)
            continue
        through = _through(f, site, rules, files)
        if through is None:
            out.append(f)  # no rule redirects it, or the rule's target is missing too
        elif not through.plain:
            out.append(
                Finding.of(
                    "L11",
                    f.file,
                    f"{f.url} resolves only through _redirects line {through.line} "
                    f"({through.source} → {through.target}), which S3 does not serve",
                    line=f.line,
                    url=f.url,
                ).model_copy(update={"source": f.source})
            )
    for p in problems:
        out.append(Finding.of("L9", redirects.FILE_NAME, p.message, line=p.line))
    for rule in rules:
        missing = _missing_target(rule, site, files)
        if missing:
            out.append(
                Finding.of(
                    "L8",
                    redirects.FILE_NAME,
                    f"{rule.source} → {rule.target}: {missing} is not in the output",
                    line=rule.line,
                    url=rule.target,
                )
            )
    plain = sum(1 for r in rules if r.plain)
    return out, [S3_NOTICE.format(plain=plain, other=len(rules) - plain)]


def _candidates(site: urls.Site, path: str) -> list[str]:
    """The URL path as written, and relative to the base path (a file at the output's
    root serves a sub-path site from there)."""
    bp = site.base_path
    if bp != "/" and path.startswith(bp):
        return [path, "/" + path[len(bp) :]]
    return [path]


def _through(
    f: Finding, site: urls.Site, rules: list[redirects.RedirectRule], files: Container[str]
) -> redirects.RedirectRule | None:
    """The 3xx rule that sends the link of L1 finding ``f`` to a target that exists (None
    when no rule redirects it, or the first rule that does sends the reader to a page of
    this site that is not in the output: the link stays broken)."""
    if not f.url:
        return None
    page_url = site.page_url(f.file)
    page_dir = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    kind, path, _ = urls.to_path(site, page_dir, f.url, None)
    if kind != urls.OK or not path:
        return None
    for p in _candidates(site, path):
        rule = redirects.resolve(rules, p)
        if rule is None:
            continue
        target = rule.match(p)
        if target is None or _missing(target, site, files):
            return None
        return rule
    return None


def _missing_target(rule: redirects.RedirectRule, site: urls.Site, files: Container[str]) -> str:
    """What a rule's internal target names that is not in the output ("" when it exists,
    is elsewhere, or holds a placeholder only a request fills)."""
    return _missing(rule.target, site, files)


def _missing(target: str, site: urls.Site, files: Container[str]) -> str:
    """The path of an internal redirect ``target`` that is not in the output ("" when it
    exists, is elsewhere, or still holds a placeholder)."""
    if "*" in target or ":" in target.split("//", 1)[-1].split("?")[0]:
        return ""
    kind, path, _ = urls.to_path(site, "/", target, None)
    if kind != urls.OK or not path:
        return ""
    bp = site.base_path
    for p in (path, bp + path.lstrip("/")):
        if p.startswith(bp) and urls.path_to_file(site, p, files)[0] in (urls.OK, urls.SLASHLESS):
            return ""
    return path
