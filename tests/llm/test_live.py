"""The same jobs against a real Ollama, when one answers (``uv run pytest -m ollama``).

``OLLAMA_HOST`` says where (default 127.0.0.1:11434); ``HUGOPIPE_LIVE_MODEL`` which model
(default: the first one it has). Skipped, with the reason, when none answers or it has no
model. A real model's wording varies, so these check the contract — an answer that fits
the schema, recorded with its prompt and model — not the words.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hugopipe.llm.delegate import run_delegated
from hugopipe.llm.explain import explain_failure
from hugopipe.llm.review import review_pages
from hugopipe.llm.settings import LLMSettings, normalise_host
from hugopipe.llm.summarise import summarise_release
from tests.llm.test_jobs import GOOD, PLAN

pytestmark = pytest.mark.ollama


@pytest.fixture(scope="module")
def live() -> LLMSettings:
    import ollama

    host = normalise_host(os.environ.get("OLLAMA_HOST", ""))
    try:
        with ollama.Client(host=host, timeout=3) as client:
            models = [m.model for m in client.list().models if m.model]
    except Exception as exc:
        pytest.skip(f"no Ollama answering at {host}: {type(exc).__name__}: {exc}")
    model = os.environ.get("HUGOPIPE_LIVE_MODEL") or (models[0] if models else "")
    if not model:
        pytest.skip(f"Ollama at {host} has no model: `ollama pull llama3.2:3b`")
    return LLMSettings(host=host, model=model, timeout_seconds=300)


def test_live_summary(live: LLMSettings) -> None:
    summary, note = summarise_release(live, PLAN)
    assert note is None and summary is not None and summary.risk in {"low", "medium", "high"}


def test_live_review_still_flags_placeholder_text(live: LLMSettings, tmp_path: Path) -> None:
    page = tmp_path / "draft.html"
    page.write_text(GOOD.format(text="Lorem ipsum dolor sit amet. TODO: the real text."))
    review = review_pages(live, [("draft/index.html", page)])
    [p] = review.pages
    assert p.source == "rules+model" and p.score == 1 and review.model["model"] == live.model


def test_live_explanation_and_delegated_task(live: LLMSettings) -> None:
    guess = explain_failure(live, "ValueError: the flux capacitor is misaligned")
    assert guess.source == "model" and guess.failure_class == "unknown" and guess.explanation
    result = run_delegated(
        live,
        "live",
        "classify_log",
        {
            "log": "04:00 upload throttled (SlowDown), retrying\n04:01 done",
            "categories": "retry, normal",
        },
        "local-only" if "127.0.0.1" in live.host or "localhost" in live.host else "any",
    )
    assert result.status == "success", result.outputs
    assert isinstance(result.outputs["answer"]["summary"], str)
