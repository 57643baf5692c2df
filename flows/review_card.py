"""The completion gate's decision card: changed pages the second-pass review scored low.

``hugopipe.llm.review`` scores every changed page (the rules, then the reviewer model);
pages under ``review_min_score`` are its warnings. A production publish shows them in
the phrase's form and an approval card shows them in its description, so a person
who approves has seen them. A publish that would go on its own asks this card first
(``ask_about_review``, ``hugopipe.approval_rules``): nothing ships on a single pass
without someone having looked at what the second pass found.
"""

from __future__ import annotations

from typing import Any

from flows.approval import Rejected, bound_key
from flows.decision import Decision, Option, ask

REVIEW_OPTIONS = (
    Option("proceed", "deploy these pages as they are"),
    Option("abort", "stop; nothing is deployed (fix the pages, then publish again)"),
)


def review_card(
    review: Any,
    *,
    verdict: str,
    expires_after: str | int | None = None,
    plan_hash: str | None = None,
) -> Decision:
    """Ask proceed / abort about ``review``'s warnings (a ``hugopipe.llm.review.Review``);
    ``abort`` raises ``Rejected`` (the run ends Cancelled, nothing deployed). Keyed by
    ``plan_hash``: an answer covers the pages of the plan it was given for."""
    flagged = len(review.warnings)
    decision = ask(
        f"The second-pass review scored {flagged} changed page(s) under "
        f"{review.threshold}/5. Deploy anyway?",
        REVIEW_OPTIONS,
        key=bound_key("review", plan_hash),
        details_md=review.to_markdown(),
        verdict=f"{verdict}; {flagged} page(s) under review score {review.threshold}",
        expires_after=expires_after,
    )
    if decision.choice == "abort":
        raise Rejected(decision.note or "aborted on the second-pass review card")
    return decision
