"""The approval forms a human reads before production changes: both name the typed phrase."""

from __future__ import annotations

from hugopipe.summary import rollback_approval_markdown


def test_rollback_form_shows_the_plan_and_the_phrase() -> None:
    plan = "### Rollback of `production`\n\n- restore `about/index.html` (differs)\n"
    md = rollback_approval_markdown("production", plan)
    assert md.startswith("## ⚠️ Roll back **production**")
    assert "restore `about/index.html` (differs)" in md
    assert md.index("about/index.html") < md.index("DEPLOY TO PRODUCTION")  # plan first
    assert "press Resume to roll back exactly as planned above" in md
    assert md.rstrip().endswith("To reject, close this dialog and cancel the run.")


def test_production_form_shows_the_task_context() -> None:
    """A task file's context travels into the approval form: who asked, and why."""
    from hugopipe.build import BuildReport
    from hugopipe.summary import approval_markdown

    build = BuildReport(
        success=True,
        environment="production",
        site_dir="s",
        public_dir="p",
        hugo_version="v0.168.0-x",
        pages=37,
        files=54,
        duration_seconds=0.3,
        content_hash="f811e49d2d14984e",
    )
    context = {"user_request": "Publish the spring promo", "files_changed": ["content/a.md"]}
    md = approval_markdown("production", build, "### Plan", [], context=context)
    assert "Requested: Publish the spring promo" in md
    assert "- files_changed: content/a.md" in md
    assert md.index("Requested:") < md.index("DEPLOY TO PRODUCTION")
