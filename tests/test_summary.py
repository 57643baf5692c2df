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


def test_rollback_form_shows_the_plan_hash_it_covers() -> None:
    plan = "### Rollback of `production`\n\n- restore `about/index.html` (differs)\n"
    md = rollback_approval_markdown("production", plan, "f00d" * 16)
    assert "Your approval covers rollback plan `f00df00df00d`" in md
    assert md.index("f00df00df00d") < md.index("DEPLOY TO PRODUCTION")
    assert "f00d" not in rollback_approval_markdown("production", plan)
