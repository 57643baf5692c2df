"""Job 3, the completion gate: a second-pass review of every changed page.

Nothing ships on a single pass. The rules check every changed HTML page (placeholder
text, empty sections, a missing description, broken heading order, very short pages);
the ``reviewer`` model then scores each page against the rubric in
``prompts/review_page.md``. A page's score is the lower of the two (rules: 5 minus
what they found, 1 for placeholder text), so a model can add doubt but never clear a
page the rules flagged. Pages under ``review_min_score`` are warnings in the approval
form; every score goes into the result file. Advisory: it never fails a run.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugopipe.llm.client import Asker, Budget, consult
from hugopipe.llm.settings import LLMSettings
from hugopipe.mdtext import inline

#: one issue's length in the form and the result file (a model may answer at length)
ISSUE_CHARS = 160
#: issues shown per page in the form (the rules' and up to three of the model's)
MAX_ISSUES = 6
_SPACES = re.compile(r"\s+")

PLACEHOLDER = re.compile(
    r"\blorem ipsum\b|\bipsum dolor\b|(?-i:\bTODO\b|\bTBD\b|\bFIXME\b|(?<![\w-])XXX(?![\w-]))|"
    r"placeholder text|coming soon|\[insert [^\]]*\]",
    re.I,
)
_HEADING = re.compile(r"<h([1-6])\b[^>]*>(.*?)</h\1>", re.I | re.S)
_DROP = re.compile(r"<(script|style|nav|header|footer|noscript)\b.*?</\1>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
#: code shown on the page (a "// TODO" in a sample is the sample's, not the page's)
_CODE = re.compile(r"<(pre|code|kbd|samp)\b.*?</\1>", re.I | re.S)
_REFRESH = re.compile(r"<meta\s+http-equiv=[\"']?refresh", re.I)
_DESCRIPTION = re.compile(
    r"<meta\s+[^>]*name=[\"']?description[\"']?[^>]*content=[\"']\s*[^\"'\s][^\"']*[\"']"
    r"|<meta\s+[^>]*content=[\"']\s*[^\"'\s][^\"']*[\"'][^>]*name=[\"']?description",
    re.I,
)


@dataclass
class PageReview:
    page: str  # the object key, ``about/index.html``
    score: int  # 1 (do not ship) … 5 (fine)
    issues: list[str] = field(default_factory=list)
    source: str = "rules"  # rules | rules+model

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "score": self.score,
            "issues": self.issues,
            "source": self.source,
        }


@dataclass
class Review:
    threshold: int
    pages: list[PageReview] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)  # prompt, digest, model, note

    @property
    def warnings(self) -> list[PageReview]:
        return [p for p in self.pages if p.score < self.threshold]

    def to_dict(self) -> dict[str, Any]:
        """The result file's ``review`` field."""
        out: dict[str, Any] = {
            "threshold": self.threshold,
            "pages_reviewed": len(self.pages),
            "warnings": len(self.warnings),
            "pages": [p.to_dict() for p in self.pages],
        }
        if self.model:
            out["model"] = self.model
        return out

    def stage_line(self) -> str:
        line = f"{len(self.pages)} changed pages, {len(self.warnings)} under score {self.threshold}"
        return line + (f" ({self.model['note']})" if self.model.get("note") else "")

    def to_markdown(self, limit: int = 15) -> str:
        """The approval form's block: pages under the threshold, each with why."""
        if not self.warnings and not self.model.get("note"):
            return ""
        lines = [
            f"**Second-pass review: {len(self.warnings)} page(s) under score {self.threshold}/5**",
            "",
        ]
        for p in sorted(self.warnings, key=lambda p: p.score)[:limit]:  # worst first
            # page text and the model's words are data: one escaped, capped line each
            url = page_url(p.page).replace("`", "")[:ISSUE_CHARS]
            why = "; ".join(inline(i, ISSUE_CHARS) for i in p.issues[:MAX_ISSUES])
            lines.append(f"- ⚠️ `{_SPACES.sub(' ', url)}` score {p.score}: {why}")
        if len(self.warnings) > limit:
            lines.append(f"- … and {len(self.warnings) - limit} more (see the result file)")
        if self.model.get("note"):
            lines.append(f"- _model review not used: {inline(str(self.model['note']), 300)}_")
        return "\n".join(lines)


def page_url(key: str) -> str:
    return "/" + key.removesuffix("index.html")


def page_text(html: str) -> tuple[str, str]:
    """(the readable text of the page's main part, the HTML of that part)."""
    main = re.search(r"<main\b.*?</main>", html, re.I | re.S)
    part = main.group(0) if main else html
    part = _DROP.sub(" ", part)
    return re.sub(r"\s+", " ", _TAG.sub(" ", part)).strip(), part


def check_page(key: str, html: str, min_words: int = 40) -> PageReview:
    """The rules: what a reader would notice before a model is asked anything."""
    text, part = page_text(html)
    issues: list[str] = []
    score = 5
    prose = _TAG.sub(" ", _CODE.sub(" ", part))
    found = sorted({m.group(0).strip()[:60] for m in PLACEHOLDER.finditer(prose)}, key=str.lower)
    if found:
        issues.append("placeholder text: " + ", ".join(f"“{f}”" for f in found[:3]))
        score = 1
    if not _DESCRIPTION.search(html):
        issues.append("no meta description")
        score -= 1
    heads = list(_HEADING.finditer(part))
    for prev, cur in itertools.pairwise(heads):
        if int(cur.group(1)) > int(prev.group(1)) + 1:
            issues.append(f"heading order jumps from h{prev.group(1)} to h{cur.group(1)}")
            score -= 1
            break
    for cur, nxt in zip(heads, [*heads[1:], None], strict=False):
        end = nxt.start() if nxt else len(part)
        body = _TAG.sub(" ", part[cur.end() : end]).strip()
        if not body and (nxt is None or int(nxt.group(1)) <= int(cur.group(1))):
            title = _TAG.sub("", cur.group(2)).strip()[:40]
            issues.append(f"empty section “{title}”")
            score -= 1
            break
    words = len(text.split())
    if words < min_words:
        issues.append(f"very short ({words} words)")
        score -= 1
    return PageReview(key, max(1, score), issues)


def review_pages(
    settings: LLMSettings,
    pages: list[tuple[str, Path]],
    *,
    asker: Asker | None = None,
) -> Review:
    """Rules on every page, then the model on up to ``review_max_pages`` of them, all
    within ``job_budget_seconds``: what is left unasked keeps the rules' score."""
    out = Review(threshold=settings.review_min_score)
    notes: list[str] = []
    budget = Budget(settings.job_budget_seconds)
    asked_pages = 0
    for i, (key, path) in enumerate(pages):
        try:
            html = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            out.pages.append(PageReview(key, 1, [f"could not read the built page: {exc}"]))
            continue
        if _REFRESH.search(html):  # an alias page that only redirects: nothing to read
            continue
        page = check_page(key, html, settings.review_min_words)
        out.pages.append(page)
        if i >= settings.review_max_pages or notes:
            continue  # one failure is enough: a slow model must not hold the run per page
        text, _ = page_text(html)
        asked = consult(
            settings,
            "review_page",
            {"url": page_url(key), "text": text[:6000], "found": "; ".join(page.issues) or "none"},
            asker=asker,
            budget=budget,
        )
        if asked.model:  # a role without a model: the rules alone, and nothing to record
            out.model = {k: v for k, v in asked.record().items() if k != "note"}
        if asked.note:
            if budget.used_up():
                asked.note += (
                    f" after {asked_pages} page(s) had the model's score; the rest have "
                    "the rules' score only"
                )
            notes.append(asked.note)
        if asked.answer:
            try:
                score = int(asked.answer["score"])
            except (KeyError, TypeError, ValueError):  # an edited prompt's schema: advisory
                notes.append("an answer had no whole-number score; the rules' score stands")
                continue
            asked_pages += 1
            page.source = "rules+model"
            page.score = max(1, min(page.score, score))
            page.issues += [
                f"model: {str(i)[:ISSUE_CHARS]}" for i in asked.answer.get("issues", [])[:3]
            ]
    if notes:
        out.model["note"] = notes[0] + (f" (and {len(notes) - 1} more)" if len(notes) > 1 else "")
    if out.model:
        out.model["pages_asked"] = asked_pages
    return out


def changed_pages(uploads: list[Any], public_dir: str | Path) -> list[tuple[str, Path]]:
    """The HTML pages a deploy plan uploads because they are new or their content changed,
    named by their path in the site (``UploadItem.path``; the object key may carry a prefix)."""
    return [
        (u.path, Path(public_dir) / u.path)
        for u in uploads
        if u.path.endswith(".html") and str(u.reason) in {"new", "content changed", "forced"}
    ]
