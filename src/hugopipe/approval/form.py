"""The production approval form: what an owner reads on a phone before typing the phrase.

:func:`approval_form` is pure: the plan, the page titles, validation, the source commit,
staging's state and the task's context in; the form's Markdown (short enough that the
phrase field is at most one phone screen below the top) and the full list of changes
(a linked Prefect artifact) out. The flow only gathers the inputs and passes the result.

Words and counts: a *page* is an HTML file in ``public/`` (what a visitor opens at a
URL), counted from the plan, the same numbers ``hugopipe plan`` and the deploy artifact
show. Hugo's own "pages" count (before paginators, aliases and taxonomies are written)
is not shown here, so one number means one thing.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from hugopipe.approval.source import Commit
from hugopipe.deploy.headers import UploadClass, upload_class
from hugopipe.deploy.models import DeployPlan, UploadReason, _human
from hugopipe.mdtext import inline

#: Pages named in the form itself; the rest are in the linked artifact. Measured in Chromium
#: (tests/test_approval_form_ui.py): with this many the phrase field stays within one
#: screen of scrolling on a 390×844 phone.
FORM_PAGES = 5
FORM_WARNINGS = 2
#: Second-pass review warnings named in the form; the rest are counted and listed in full
#: in the linked artifact.
FORM_REVIEW = 3
Change = Literal["added", "changed", "deleted"]
_KINDS = (
    ("images", {"jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "ico"}),
    ("stylesheets", {"css"}),
    ("scripts", {"js", "mjs"}),
    ("fonts", {"woff", "woff2", "ttf", "otf", "eot"}),
    ("feeds and sitemaps", {"xml", "rss", "atom"}),
)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


class PageChange(BaseModel):
    change: Change
    path: str  # URL path, "/about/"
    title: str | None = None


class StagingMatch(BaseModel):
    """Does staging serve the build being approved? ``same`` needs commit and sources to agree."""

    state: Literal["same", "different", "unknown"]
    detail: str


class ApprovalForm(BaseModel):
    verdict: str
    description: str  # the form's Markdown
    changes: str  # every page, asset and delete: the linked artifact's Markdown
    pages: list[PageChange]


def url_path(path: str) -> str:
    """``blog/x/index.html`` → ``/blog/x/``; a stripped key ``blog/x/`` too; else ``/path``."""
    if path == "index.html" or path == "":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path[: -len("index.html")]
    return "/" + path


def kind_of(path: str) -> str:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return next((name for name, exts in _KINDS if ext in exts), "other files")


def read_title(file: Path) -> str | None:
    """The page's ``<title>`` (first 64 KB), unescaped and on one line; None without one."""
    try:
        with open(file, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    m = _TITLE.search(head)
    if not m:
        return None
    text = " ".join(html.unescape(m.group(1).decode("utf-8", "replace")).split())
    return text or None


def page_titles(public_dir: Path, plan: DeployPlan) -> dict[str, str]:
    """``{path in public/: title}`` for every page the plan uploads (the only file I/O here)."""
    out: dict[str, str] = {}
    for u in plan.uploads:
        if upload_class(u.path) == UploadClass.HTML:
            title = read_title(Path(public_dir) / u.path)
            if title:
                out[u.path] = title
    return out


def classify(
    plan: DeployPlan, titles: dict[str, str]
) -> tuple[list[PageChange], dict[str, dict[str, int]]]:
    """(pages, assets): pages deleted, changed, added (each by URL); assets as counts by kind."""
    pages: list[PageChange] = []
    assets: dict[str, dict[str, int]] = {"added": {}, "changed": {}, "deleted": {}}
    for u in plan.uploads:
        change: Change = "added" if u.reason == UploadReason.NEW else "changed"
        if u.redirect is not None:  # an S3 website redirect from _redirects, not a page
            assets[change]["redirect"] = assets[change].get("redirect", 0) + 1
        elif upload_class(u.path) == UploadClass.HTML:
            pages.append(PageChange(change=change, path=url_path(u.path), title=titles.get(u.path)))
        else:
            k = kind_of(u.path)
            assets[change][k] = assets[change].get(k, 0) + 1
    for d in plan.deletes:
        path = d.key[len(plan.prefix) :]
        if upload_class(path) == UploadClass.HTML:
            pages.append(PageChange(change="deleted", path=url_path(path)))
        else:
            k = kind_of(path)
            assets["deleted"][k] = assets["deleted"].get(k, 0) + 1
    order = {"deleted": 0, "changed": 1, "added": 2}
    pages.sort(key=lambda p: (order[p.change], p.path.count("/") > 1, p.path))
    return pages, assets


def verdict(plan: DeployPlan, errors: int, warnings: int) -> str:
    """The one line an approver reads first (the numbers are the plan's)."""
    s = plan.summary
    pages = f"pages: {s.pages_added} added, {s.pages_changed} changed, {s.pages_deleted} deleted"
    files = f"files: {s.uploads} to upload ({_human(s.upload_bytes)}), {s.deletes} to delete"
    return (
        f"{pages} · {files} · {s.invalidation_paths} invalidation paths · "
        f"validation: {errors} errors, {warnings} warnings"
    )


def _page_line(p: PageChange, origin: str, *, full: bool) -> str:
    mark = {"added": "new", "changed": "changed", "deleted": "**deleted**"}[p.change]
    where = f"{origin}{p.path}" if full else p.path
    title = f"**{_md(p.title)}** " if p.title else ""
    return f"- {mark}: {title}`{where}`"


_SEPARATORS = (" | ", " – ", " — ", " - ", " · ")


def site_suffix(titles: list[str]) -> str | None:
    """The `` | Site name`` most titles end with (dropped in the form: one line per page on a
    phone); None unless more than half of at least two titles share it."""
    ends: dict[str, int] = {}
    for t in titles:
        cut = max((t.rfind(sep) for sep in _SEPARATORS), default=-1)
        if cut > 0:
            ends[t[cut:]] = ends.get(t[cut:], 0) + 1
    if not ends:
        return None
    end, n = max(ends.items(), key=lambda kv: kv[1])
    return end if n >= 2 and n * 2 > len(titles) else None


def _assets_line(assets: dict[str, dict[str, int]]) -> str | None:
    parts = [
        f"{sum(kinds.values())} {change} ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + ")"
        for change, kinds in assets.items()
        if kinds
    ]
    return "Other files: " + "; ".join(parts) if parts else None


def _md(text: str) -> str:
    """Text from a page or a task file, shown literally (no links, emphasis or HTML)."""
    return inline(text)


def _origin(plan: DeployPlan) -> str:
    return (plan.base_url or "").rstrip("/")


def approval_form(
    env: str,
    plan: DeployPlan,
    *,
    plan_hash: str,
    titles: dict[str, str] | None = None,
    errors: int = 0,
    warnings: list[Any] | None = None,
    staging_url: str | None = None,
    staging: StagingMatch | None = None,
    commit: Commit | None = None,
    context: dict[str, Any] | None = None,
    changes_url: str | None = None,
    plain_words: str = "",
    review: str = "",
    accepting_warnings: int = 0,
) -> ApprovalForm:
    """The form's Markdown and the full list of changes (see the module docstring).

    ``review`` is the second-pass review's warnings (``hugopipe.llm.review``), Markdown.
    ``accepting_warnings``: how many warnings this approval also accepts into the site's
    baseline (the warnings card answered ``accept``; written only once it is approved)."""
    warnings = warnings or []
    line = verdict(plan, errors, len(warnings))
    pages, assets = classify(plan, titles or {})
    origin = _origin(plan)
    top = [f"## Publish to **{env}**", "", f"**{line}**", ""]
    if context and context.get("user_request"):
        top.append(f"Requested: “{_md(str(context['user_request']))}”")
    if staging is not None:
        top.append(("✅ " if staging.state == "same" else "⚠️ ") + staging.detail)
    if accepting_warnings:
        top.append(
            f"⚠️ Approving also accepts {accepting_warnings} validation warning(s) into the "
            "site's baseline: they will not ask again."
        )
    top.append("")
    body = [
        f"**Pages** at {origin or 'the site'}" + (f" ({len(pages)})" if pages else ": none"),
        "",
    ]
    suffix = site_suffix([p.title for p in pages if p.title])
    shown = [
        p.model_copy(update={"title": p.title.removesuffix(suffix)})
        if suffix and p.title and p.title != suffix
        else p
        for p in pages[:FORM_PAGES]
    ]
    body += [_page_line(p, origin, full=False) for p in shown]
    rest = len(pages) - FORM_PAGES
    link = f"[full list of changes]({changes_url})" if changes_url else "the run's artifacts"
    if rest > 0:
        body.append(f"- … and {rest} more pages: {link}")
    elif changes_url:
        body.append(f"- every file: {link}")
    if (a := _assets_line(assets)) is not None:
        body += ["", a]
    if warnings:
        body += ["", f"**Validation warnings ({len(warnings)})**"]
        body += [f"- {_warning(w)}" for w in warnings[:FORM_WARNINGS]]
        if len(warnings) > FORM_WARNINGS:
            body.append(f"- … {len(warnings) - FORM_WARNINGS} more in the {link}")
    if review.strip():
        body += ["", *_short_review(review, link)]
    facts = [*_source_lines(commit, context)]
    if staging_url:
        facts.append(f"Staging preview: {staging_url}")
    facts.append(f"Plan `{plan_hash[:12]}` → {_where(plan)}")
    facts = ["", *(f"- {f}" for f in facts)]
    if plain_words:
        facts += ["", plain_words.strip()]
    confirm = ["", "---", "Type **DEPLOY TO PRODUCTION** below and press Resume to publish exactly this plan. To reject, cancel the run."]  # fmt: skip
    description = "\n".join(top + body + facts + confirm)
    changes = _changes(env, plan, plan_hash, line, pages, origin, warnings, commit, context)
    if review.strip():
        changes += "\n### Second-pass review\n\n" + review.strip() + "\n"
    return ApprovalForm(verdict=line, description=description, changes=changes, pages=pages)


def _short_review(review: str, link: str) -> list[str]:
    """The review's heading, its first ``FORM_REVIEW`` warnings and a count of the rest (all
    of them are in the full list of changes), so the phrase field stays on the first screen."""
    lines = review.strip().splitlines()
    warned = [x for x in lines if x.startswith("- ⚠️")]
    if len(warned) <= FORM_REVIEW:
        return lines
    more = len(warned) - FORM_REVIEW
    for x in lines:  # the review's own "… and N more (see the result file)" line
        if m := re.match(r"- … and (\d+) more", x):
            more += int(m.group(1))
    head = [x for x in lines if not x.startswith("- ")]
    notes = [x for x in lines if x.startswith("- _")]
    return [*head, *warned[:FORM_REVIEW], f"- … {more} more in the {link}", *notes]


def _where(plan: DeployPlan) -> str:
    out = f"`s3://{plan.bucket}/{plan.prefix}`"
    if plan.endpoint:
        out += f" at {plan.endpoint}"
    if plan.cloudfront_distribution_id:
        out += f", CloudFront `{plan.cloudfront_distribution_id}`"
    return out


def _warning(w: Any) -> str:
    where = f"{w.file}:{w.line}" if getattr(w, "line", None) else getattr(w, "file", "")
    return f"[{w.rule}] {_md(str(where))} {_md(str(w.message))}"


def _source_lines(commit: Commit | None, context: dict[str, Any] | None) -> list[str]:
    out = []
    if commit is not None:
        out.append(
            f"Commit `{commit.short}` by {_md(commit.author)}: {_md(commit.subject)}"
            + (" (plus uncommitted changes)" if commit.dirty else "")
        )
    if context:
        files = [str(f) for f in context.get("files_changed") or []]
        if files:
            more = f" and {len(files) - 3} more" if len(files) > 3 else ""
            out.append("Files changed: " + ", ".join(f"`{f}`" for f in files[:3]) + more)
        if context.get("branch"):
            out.append(f"Branch: `{_md(str(context['branch']))}`")
    return out


def _changes(
    env: str,
    plan: DeployPlan,
    plan_hash: str,
    line: str,
    pages: list[PageChange],
    origin: str,
    warnings: list[Any],
    commit: Commit | None,
    context: dict[str, Any] | None,
) -> str:
    """The artifact: every page with its title and URL, every other file, every warning."""
    out = [f"## Changes for {env}", "", line, "", f"Plan `{plan_hash}` → {_where(plan)}", ""]
    if context and context.get("user_request"):
        out += [f"Requested: “{_md(str(context['user_request']))}”", ""]
    out += [*_source_lines(commit, context), ""]
    out += [f"### Pages ({len(pages)})", ""]
    out += [_page_line(p, origin, full=True) for p in pages] or ["none"]
    others = [u for u in plan.uploads if upload_class(u.path) != UploadClass.HTML]
    gone = [d for d in plan.deletes if upload_class(d.key[len(plan.prefix) :]) != UploadClass.HTML]
    out += ["", f"### Other files ({len(others) + len(gone)})", ""]
    out += [f"- {u.reason.value}: `{u.key}` ({_human(u.size)})" for u in others]
    out += [f"- **deleted**: `{d.key}`" + (f" — {d.why}" if d.why else "") for d in gone]
    if warnings:
        out += ["", f"### Validation warnings ({len(warnings)})", ""]
        out += [f"- {_warning(w)}" for w in warnings]
    return "\n".join(out) + "\n"


def staging_match(
    *,
    release_id: str | None,
    served_commit: str | None,
    served_source: str | None,
    commit: Commit | None,
    source: str,
) -> StagingMatch:
    """Compare staging's current release record with the build being approved."""
    if release_id is None:
        return StagingMatch(state="unknown", detail="Staging has no release yet: nobody has previewed this build.")  # fmt: skip
    mine = commit.hash if commit else None
    if served_source is None:
        return StagingMatch(state="unknown", detail=f"Staging's release `{release_id}` does not record its sources, so it cannot be compared.")  # fmt: skip
    if served_source == source and served_commit == mine:
        at = f" (commit `{mine[:10]}`)" if mine else ""
        return StagingMatch(state="same", detail=f"Staging serves this same source{at}.")
    what = "different sources" if served_source != source else "a different commit"
    commit_note = f", commit `{served_commit[:10]}`" if served_commit else ""
    return StagingMatch(
        state="different",
        detail=f"Staging serves {what} (release `{release_id}`{commit_note}): what you approve has not been previewed there.",
    )
