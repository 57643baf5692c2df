"""Optional local-model helpers (Ollama). Advisory only: they never decide anything.

A plain-English summary of a deploy plan helps a person approving on a phone,
but the plan itself stays the authority, so every helper here returns ``None``
on any failure and the pipeline carries on without it. Off unless
``HUGOPIPE_OLLAMA_MODEL`` names a model; ``OLLAMA_HOST`` says where Ollama runs.
Prompts are files in ``prompts/``; their digest is part of any cache key so an
edited prompt is never answered from a stale cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from string import Template
from typing import Literal

from pydantic import BaseModel, Field

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


class ChangeSummary(BaseModel):
    headline: str = Field(description="One sentence: what readers will notice")
    changes: list[str] = Field(default_factory=list, description="Up to 6 short bullet points")
    risk: Literal["low", "medium", "high"]

    def to_markdown(self) -> str:
        lines = [
            f"**In plain words** (local model; the plan below is authoritative): {self.headline}"
        ]
        lines += [f"- {c}" for c in self.changes[:6]]
        lines.append(f"- risk: **{self.risk}**")
        return "\n".join(lines)


def prompt_path(name: str) -> Path:
    return Path(os.environ.get("HUGOPIPE_PROMPTS", PROMPTS)) / f"{name}.md"


def render_prompt(name: str, **values: str) -> str:
    """Fill a prompt template; a missing value is an error, never an empty hole."""
    return Template(prompt_path(name).read_text(encoding="utf-8")).substitute(values)


def prompt_digest(name: str) -> str:
    return hashlib.sha256(prompt_path(name).read_bytes()).hexdigest()[:16]


def summarize_changes(
    plan_md: str,
    warnings_md: str = "",
    *,
    model: str | None = None,
    host: str | None = None,
    timeout: float = 30.0,
) -> ChangeSummary | None:
    model = model or os.environ.get("HUGOPIPE_OLLAMA_MODEL")
    if not model:
        return None
    try:
        import ollama

        client = ollama.Client(host=host or os.environ.get("OLLAMA_HOST"), timeout=timeout)
        prompt = render_prompt("summarize_changes", plan=plan_md, warnings=warnings_md or "(none)")
        response = client.chat(
            model=model,
            messages=[{"role": "user", "content": prompt}],
            format=ChangeSummary.model_json_schema(),
            options={"temperature": 0},
        )
        return ChangeSummary.model_validate_json(response.message.content or "")
    except Exception:  # advisory: a missing or confused model must never block a release
        return None
