"""The publish flow's questions to a person before it writes, outside production's phrase.

``ask_first`` decides (``hugopipe.approval_rules``) and asks, in this order: the
validation-warnings card (only warnings, some not in the site's baseline, per the
environment's ``ask_about_warnings``), then the approve/reject card of a
non-production change above ``approve_automatically_up_to_pages`` or of a task file
with ``requires_approval: true`` — or, when nothing else asks and the second-pass
review scored pages low, the review card (``flows/review_card.py``,
``ask_about_review``). Production's typed approval stays in ``flows/publish.py``; its
warnings card is asked here too, before it. On production the card's ``accept`` is held
back (``Asked.accept_after_approval``): the baseline is written only after the production
approval is recorded (``flows/decision.py`` says why).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import get_run_logger

from flows.approval import request_staging_approval
from flows.decision import warnings_card
from flows.review_card import review_card
from hugopipe.approval_rules import (
    Change,
    asks_about_review,
    asks_about_warnings,
    non_production_reason,
)
from hugopipe.config import EnvironmentConfig
from hugopipe.deploy.binding import plan_hash


def verdict_line(env: str, plan: Any, findings: Any) -> str:
    """One line a person decides on: what changes, and what validation found."""
    s = plan.summary
    return (
        f"{env}: {s.pages_added} pages added, {s.pages_changed} changed, {s.pages_deleted} "
        f"deleted; {s.uploads} files to upload, {s.deletes} to delete; "
        f"{len(findings.errors)} errors, {len(findings.warnings)} warnings"
    )


def new_warnings(site: str, findings: Any) -> list[Any]:
    """The warnings the site's baseline (``validation-baseline.json``) does not cover."""
    from hugopipe.validate.baseline import load

    base = load(Path(site))
    return [w for w in findings.warnings if not w.accepted and base.match(w) is None]


@dataclass
class Asked:
    """What the questions before production's form decided."""

    #: stage lines for the result file
    stages: dict[str, str] = field(default_factory=dict)
    #: warnings a person chose to accept on a production run's card: written to the
    #: baseline only once the production approval is recorded
    accept_after_approval: list[Any] = field(default_factory=list)
    #: the card's note, for the baseline entries
    note: str = ""


def ask_first(
    site: str,
    env: str,
    env_cfg: EnvironmentConfig,
    production: bool,
    plan: Any,
    findings: Any,
    *,
    requires_approval: bool,
    waiting: Callable[[str], None],
    approval_md: Callable[[], str],
    review: Any = None,
) -> Asked:
    """Ask what the rules say must be asked; returns stage lines for the result file and,
    on production, the warnings accepted subject to the production approval.

    ``waiting(text)`` is called before each wait (the flow records a "paused" result
    file); ``approval_md()`` builds the approval card's description only when needed;
    ``review`` is the second-pass review (``hugopipe.llm.review.Review``) or None.
    Raises ``flows.approval.Rejected`` on reject/abort (nothing deployed)."""
    s = plan.summary
    change = Change(s.pages_added, s.pages_changed, s.pages_deleted, s.deletes)
    reason = (
        None
        if production
        else non_production_reason(
            change,
            env_cfg.approve_automatically_up_to_pages,
            env_cfg.approve_automatically_with_deletes,
            requires_approval,
        )
    )
    asks_anyway = production or reason is not None
    verdict = verdict_line(env, plan, findings)
    asked = Asked()
    stages = asked.stages
    fresh = new_warnings(site, findings) if findings.warnings else []
    if asks_about_warnings(
        env_cfg.ask_about_warnings, len(fresh), len(findings.errors), asks_anyway
    ):
        waiting("Waiting for a person to decide about validation warnings in the Prefect UI")
        decision = warnings_card(
            site,
            fresh,
            verdict=verdict,
            expires_after=env_cfg.approval_expires_after,
            accept_now=not production,
            plan_hash=plan_hash(plan),
        )
        stages["warnings"] = f"{len(fresh)} warning(s): {decision.choice} (decision card)"
        if production and decision.choice == "accept":
            asked.accept_after_approval, asked.note = list(fresh), decision.note
            stages["warnings"] += "; accepted once production is approved"
    flagged = len(review.warnings) if review is not None else 0
    if asks_about_review(env_cfg.ask_about_review, flagged, asks_anyway):
        waiting(f"Waiting for a person to decide about {flagged} page(s) the review flagged")
        decision = review_card(
            review,
            verdict=verdict,
            expires_after=env_cfg.approval_expires_after,
            plan_hash=plan_hash(plan),
        )
        stages["review card"] = (
            f"{flagged} page(s) under score {review.threshold}: {decision.choice} (decision card)"
        )
    if reason is None:
        if not production:
            get_run_logger().info("no approval needed for %s: %s", env, verdict)
        return asked
    waiting(f"Waiting for a person to approve ({reason})")
    answer = request_staging_approval(
        f"**{verdict}**\n\nAsked because {reason}.\n\n{approval_md()}",
        verdict=verdict,
        expires_after=env_cfg.approval_expires_after,
        plan_hash=plan_hash(plan),
    )
    stages["approval"] = "approved on the approval card" + (
        f" ({answer.note})" if answer.note else ""
    )
    return asked
