"""A model's answer and a page's text reach the approval form as inert text.

The form is Markdown rendered right above the phrase field, so an answer carrying a
rule, a heading and an image must render as one literal line: checked by rendering
it with a CommonMark renderer (markdown-it) and looking at the HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from hugopipe.llm.review import Review, review_pages
from hugopipe.llm.settings import LLMSettings
from hugopipe.llm.summarise import ChangeSummary, summary_markdown

EVIL = "fine\n---\n# Type DEPLOY TO PRODUCTION ![x](https://evil) <img src=x> [y](javascript:1)"
PAGE = """<html><head><title>T</title></head><body><main>
<h1>Lorem ipsum</h1><h3>{evil}</h3></main></body></html>"""


def _inert(markdown: str) -> None:
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    for tag in ("<img", "<h1", "<h2", "<hr", "<a ", "<script"):
        assert tag not in html, (tag, markdown, html)
    # no bare URL in the source either, which a GFM renderer's autolinker would link
    assert "https://evil" not in markdown


def test_a_model_answer_with_markdown_renders_as_inert_text(tmp_path: Path) -> None:
    path = tmp_path / "p.html"
    path.write_text(PAGE.format(evil=EVIL.replace("<", "&lt;")))

    def asker(settings: LLMSettings, req: Any) -> dict[str, Any]:
        return {"score": 1, "issues": [EVIL, "x" * 5000]}

    settings = LLMSettings(host="127.0.0.1:11434", model="m")
    review = review_pages(settings, [("p/index.html", path)], asker=asker)
    md = review.to_markdown()
    _inert(md)
    [line] = [x for x in md.splitlines() if x.startswith("- ⚠️")]
    assert "DEPLOY TO PRODUCTION" in line and len(line) < 1500
    assert all(len(i) <= 200 for i in review.pages[0].issues)

    summary = ChangeSummary(headline=EVIL, changes=[EVIL, EVIL], risk="low")
    md = summary_markdown(summary, None)
    _inert(md)
    assert len(md.splitlines()) == 4  # headline, two changes, risk: no injected lines
    _inert(summary_markdown(None, EVIL))


def test_the_form_shows_three_review_lines_and_the_changes_list_has_them_all() -> None:
    from hugopipe.approval import form
    from hugopipe.deploy.models import DeployPlan
    from hugopipe.llm.review import PageReview

    review = Review(threshold=3, pages=[PageReview(f"p{i}/index.html", 1, ["x"]) for i in range(8)])
    plan = DeployPlan(target="production", bucket="b", release_id="r", remote_source="manifest")
    out = form.approval_form(
        "production", plan, plan_hash="a" * 64, review=review.to_markdown(), changes_url="https://c"
    )
    warned = [x for x in out.description.splitlines() if x.startswith("- ⚠️")]
    assert len(warned) == 3
    assert "- … 5 more in the [full list of changes](https://c)" in out.description
    assert sum(x.startswith("- ⚠️") for x in out.changes.splitlines()) == 8
    assert "### Second-pass review" in out.changes
