"""Decision cards: a flow asks a person one structured question with a few options.

``ask(question, options, …)`` builds a ``RunInput`` whose ``choice`` field is a
``Literal`` of the option ids — the server checks the answer against the schema's
``enum`` and Prefect's new UI renders it as a select — and waits for the answer the
same way approvals do (``flows/approval.wait_for_person``: suspended, survives a
restart, expires, announced to the notification automation). A person answers in the
UI (menu ⋮ → Resume) or, outside production, with ``hugopipe decide RUN OPTION``.

First use: validation that finds only warnings (``warnings_card``): proceed, abort,
or proceed and accept these warnings into the site's baseline
(``hugopipe.validate.baseline``), so the same warnings do not ask again.

A card has no second factor, and anything with API access can answer it. Its answer
therefore never weakens production: on production ``accept`` is only *recorded* here
(``accept_now=False``); the flow writes the baseline once the production approval that
follows (phrase, and code when the factor is on) is recorded, and that form says so.
``proceed`` changes nothing the production approval would not, and ``abort`` only stops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from prefect import get_run_logger
from prefect.input import RunInput
from pydantic import Field, create_model

from flows.approval import Rejected, bound_key, wait_for_person


@dataclass(frozen=True)
class Option:
    """One answer: ``id`` is what the form's select and ``hugopipe decide`` take."""

    id: str
    label: str


@dataclass(frozen=True)
class Decision:
    choice: str
    note: str = ""


def card(question: str, options: Sequence[Option]) -> type[RunInput]:
    """The form: ``choice`` (a select of the option ids) and an optional note."""
    ids = tuple(o.id for o in options)
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ValueError("a decision card needs two or more distinct options")
    help_text = "; ".join(f"{o.id}: {o.label}" for o in options)
    return create_model(
        "DecisionCard",
        __base__=RunInput,
        choice=(Literal[ids], Field(title=question, description=help_text)),  # type: ignore[arg-type]
        note=(str, Field("", title="Note", description="Optional")),
    )


def ask(
    question: str,
    options: Sequence[Option],
    *,
    key: str,
    details_md: str = "",
    verdict: str = "",
    expires_after: str | int | None = None,
) -> Decision:
    """Ask ``question`` and wait for one of ``options``; ``key`` names the question within
    the run (fixed, so a run started again after its resume gets the stored answer)."""
    form = card(question, options)
    lines = [f"### {question}", "", *(f"- **{o.id}**: {o.label}" for o in options)]
    description = "\n".join(lines) + (f"\n\n{details_md}" if details_md else "")
    get_run_logger().warning("Waiting for a decision: %s", question)
    answer: Any = wait_for_person(
        form,
        description,
        key=f"decision-{key}",
        kind="decision",
        verdict=verdict or question,
        expires_after=expires_after,
    )
    return Decision(choice=str(answer.choice), note=str(answer.note or ""))


WARNING_OPTIONS = (
    Option("proceed", "deploy with these warnings, ask again next time"),
    Option("accept", "deploy, and accept these warnings so they do not ask again"),
    Option("abort", "stop; nothing is deployed"),
)


def warnings_card(
    site: str,
    warnings: Sequence[Any],
    *,
    verdict: str,
    expires_after: str | int | None = None,
    accept_now: bool = True,
    plan_hash: str | None = None,
) -> Decision:
    """Ask proceed / accept / abort about ``warnings`` (findings not in the baseline); the
    question is keyed by ``plan_hash``, so a run started again after its resume that now
    plans something else asks again instead of replaying the answer.

    ``accept`` writes them to the site's baseline, unless ``accept_now`` is False (a
    production run: the caller writes them with ``accept_warnings`` after the production
    approval); ``abort`` raises ``Rejected`` (the run ends Cancelled, nothing deployed)."""
    shown = "\n".join(f"- [{w.rule}] {w.file} {w.message}" for w in list(warnings)[:50])
    more = f"\n- … and {len(warnings) - 50} more" if len(warnings) > 50 else ""
    decision = ask(
        f"Validation found {len(warnings)} warning(s) and no errors. Deploy anyway?",
        WARNING_OPTIONS,
        key=bound_key("warnings", plan_hash),
        details_md=shown + more,
        verdict=verdict,
        expires_after=expires_after,
    )
    if decision.choice == "abort":
        raise Rejected(decision.note or "aborted on the validation warnings card")
    if decision.choice == "accept" and accept_now:
        accept_warnings(site, warnings, note=decision.note, by="decision card")
    return decision


def accept_warnings(site: str, warnings: Sequence[Any], *, note: str, by: str) -> None:
    """Write ``warnings`` to the site's baseline (``hugopipe.validate.baseline``)."""
    from pathlib import Path

    from hugopipe.validate.baseline import accept

    path = accept(Path(site), list(warnings), note=note, by=by)
    get_run_logger().info("accepted %d warning(s) into %s", len(warnings), path)
