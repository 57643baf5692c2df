"""Job 1, explain a failure: the rules first, a model only for what they do not recognise.

The failure class that decides retries always comes from code (``hugopipe.llm.rules``,
then ``hugopipe.retries.classify``); a model's guess is recorded beside it as advice and
never changes what is retried or escalated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hugopipe.errors import FailureClass
from hugopipe.llm.client import Asker, Budget, consult
from hugopipe.llm.rules import explain_known
from hugopipe.llm.settings import LLMSettings
from hugopipe.retries import classify


@dataclass
class Explanation:
    failure_class: str
    explanation: str
    source: str  # rules | model | none
    model: dict[str, Any] = field(default_factory=dict)  # prompt, model, note (when asked)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "failure_class": self.failure_class,
            "explanation": self.explanation,
            "source": self.source,
        }
        if self.model:
            out["model"] = self.model
        return out


def first_line(text: str) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    return line[:200]


def explain_by_rules(text: str, known: FailureClass | None = None) -> Explanation | None:
    """The deterministic explanation, or None when neither the rules nor the classifier know it."""
    hit = explain_known(text)
    if hit is not None:
        cls, line, _ = hit
        return Explanation(
            str(known if known not in (None, FailureClass.UNKNOWN) else cls), line, "rules"
        )
    cls = known if known not in (None, FailureClass.UNKNOWN) else classify(text)
    if cls is FailureClass.UNKNOWN or cls is None:
        return None
    return Explanation(str(cls), f"A {cls} failure: {first_line(text)}", "rules")


def explain_failure(
    settings: LLMSettings,
    text: str,
    known: FailureClass | None = None,
    *,
    asker: Asker | None = None,
) -> Explanation:
    """Rules first; the ``explainer`` model only for an unrecognised error; never raises."""
    ruled = explain_by_rules(text, known)
    if ruled is not None:
        return ruled
    asked = consult(
        settings,
        "explain_failure",
        {"error": text[:4000]},
        asker=asker,
        budget=Budget(settings.job_budget_seconds),
    )
    if asked.answer:
        guess = asked.answer.get("failure_class", "unknown")
        return Explanation(
            str(FailureClass.UNKNOWN),
            f"{asked.answer['explanation']} (local model's guess: {guess}; not acted on)",
            "model",
            asked.record(),
        )
    return Explanation(str(FailureClass.UNKNOWN), first_line(text), "none", asked.record())
