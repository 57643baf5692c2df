"""Job 2, summarise a release for the approval form.

The deterministic part is the deploy plan's page list, which the form always shows;
this adds a short prose summary and a risk level when the ``summarizer`` model
answers, or a one-line note saying why there is none.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hugopipe.llm.client import Asker, Budget, consult
from hugopipe.llm.settings import LLMSettings
from hugopipe.mdtext import inline


class ChangeSummary(BaseModel):
    headline: str = Field(description="One sentence: what readers will notice")
    changes: list[str] = Field(default_factory=list, description="Up to 6 short bullet points")
    risk: Literal["low", "medium", "high"]

    def to_markdown(self) -> str:
        # the model's words are data: escaped, one line each, capped (hugopipe.mdtext)
        lines = [
            "**In plain words** (local model; the plan below is authoritative): "
            + inline(self.headline, 200)
        ]
        lines += [f"- {inline(c, 160)}" for c in self.changes[:6]]
        lines.append(f"- risk: **{self.risk}**")
        return "\n".join(lines)


def summarise_release(
    settings: LLMSettings, plan_md: str, warnings_md: str = "", *, asker: Asker | None = None
) -> tuple[ChangeSummary | None, str | None]:
    """(the model's summary, or None; the note when a configured model gave none)."""
    asked = consult(
        settings,
        "summarize_changes",
        {"plan": plan_md, "warnings": warnings_md or "(none)"},
        asker=asker,
        budget=Budget(settings.job_budget_seconds),
    )
    if asked.answer:
        try:
            return ChangeSummary.model_validate(asked.answer), None
        except ValueError as exc:  # an edited prompt's schema wider than the model: advisory
            return None, f"the answer did not fit the summary ({str(exc).splitlines()[0]})"
    return None, asked.note


def summary_markdown(summary: ChangeSummary | None, note: str | None) -> str:
    if summary is not None:
        return summary.to_markdown()
    return f"_No plain-words summary: {inline(note, 300)}_" if note else ""


def summarize_changes(
    plan_md: str,
    warnings_md: str = "",
    *,
    model: str | None = None,
    host: str | None = None,
    timeout: float = 30.0,
) -> ChangeSummary | None:
    """The summary from an explicit model/host (or the environment's), None on any failure."""
    settings = LLMSettings.load()
    settings = settings.model_copy(
        update={
            "model": model or settings.model,
            "host": host or settings.host,
            "timeout_seconds": timeout,
        }
    )
    return summarise_release(settings, plan_md, warnings_md)[0]
