"""One time budget per job and run (``job_budget_seconds``), against a slow model.

The fake Ollama takes its time over every answer (the server waits; the tests only
measure). A review of many pages stops asking when the budget is used up and keeps
the rules' score for the rest, with a note; a single slow answer is cut at the
budget even when the per-request timeout is longer.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hugopipe.llm.explain import explain_failure
from hugopipe.llm.review import review_pages
from hugopipe.llm.settings import LLMSettings
from tests.llm.conftest import settings_for
from tests.llm.fake_ollama import FakeOllama
from tests.llm.test_jobs import page

PAGES = 20  # review_max_pages' default: all of them would go to the model


@pytest.mark.parametrize("stream", [False, True])
def test_a_slow_model_on_many_pages_costs_the_budget_not_pages_times_timeout(
    ollama: FakeOllama, tmp_path: Path, stream: bool
) -> None:
    ollama.delay = 0.5  # each answer: well inside the 5 s timeout, 10 s for all 20 pages
    pages = [page(tmp_path, f"p{i}.html", "We insure homes in Maine. " * 10) for i in range(PAGES)]
    pages.append(page(tmp_path, "draft.html", "Lorem ipsum dolor sit amet. " * 10))
    s = settings_for(ollama, timeout_seconds=5, job_budget_seconds=1.5, stream=stream)
    began = time.monotonic()
    review = review_pages(s, pages)
    took = time.monotonic() - began

    assert took < 4, f"the review took {took:.1f} s with a 1.5 s budget"  # 10 s without one
    asked = review.model["pages_asked"]
    assert 0 <= asked < 4  # about three answers fit in 1.5 s
    sources = [p.source for p in review.pages]
    assert sources == ["rules+model"] * asked + ["rules"] * (len(pages) - asked)
    note = review.model["note"]
    assert "time budget used up (1.5 s per job and run" in note, note
    assert f"after {asked} page(s) had the model's score" in note
    assert "time budget used up" in review.to_markdown() and "time budget" in review.stage_line()
    # nothing is sent once the budget is gone: the answered ones and the one cut short
    assert len(ollama.calls("/api/chat")) == asked + 1
    # the rules still score every page, the last one included
    assert review.pages[-1].score == 1 and review.warnings == [review.pages[-1]]


def test_one_slow_answer_is_cut_at_the_budget_not_at_the_timeout(ollama: FakeOllama) -> None:
    ollama.delay = 20  # longer than the timeout and the budget
    s = settings_for(ollama, timeout_seconds=30, job_budget_seconds=1)
    began = time.monotonic()
    told = explain_failure(s, "ValueError: the flux capacitor is misaligned")
    took = time.monotonic() - began
    assert took < 10, f"the explanation waited {took:.1f} s with a 1 s budget"
    assert told.source == "none" and "time budget used up (1 s" in told.model["note"]
    assert len(ollama.calls("/api/chat")) == 1


def test_the_budget_is_a_setting_with_a_default() -> None:
    assert LLMSettings().job_budget_seconds == 120
    assert LLMSettings.load({"job_budget_seconds": 30}).job_budget_seconds == 30
    with pytest.raises(ValueError, match="job_budget_seconds"):
        LLMSettings.load({"job_budget_seconds": 0})
