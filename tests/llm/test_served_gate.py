"""The completion gate in served publish runs: the review card, and the time budget.

A staging publish that would go on its own (no ``approve_automatically_up_to_pages``)
but changes a page with placeholder text waits on the review's decision card: the card
and the paused result file show the page's warning; ``proceed`` deploys, ``abort``
deploys nothing. A slow model on every page of a first publish costs the run the job's
budget, not pages × timeout, and the run completes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.llm.fake_ollama import FakeOllama
from tests.llm.test_served import PLACEHOLDER, _clean, prefixed_site
from tests.support import find_result, hugopipe, publish, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]

BUCKET = "hugopipe-example-staging"


def _state(api: str, run_id: str) -> str:
    return httpx.get(f"{api}/flow_runs/{run_id}", timeout=60).json()["state"]["type"]


def _about(s3, prefix: str) -> str:
    """The deployed about page (stored gzip-encoded)."""
    body = s3.get_object(Bucket=BUCKET, Key=f"{prefix}about/index.html")["Body"].read()
    return (gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body).decode()


def test_placeholder_text_turns_a_staging_publish_into_a_review_card(
    served: dict, tmp_path: Path, llm_variable: Callable[[dict], None]
) -> None:
    api, s3 = served["api"], served["s3"]
    fake = FakeOllama()
    llm_variable({"host": fake.url, "model": "llama3.2:3b", "timeout_seconds": 30})
    site, prefix = prefixed_site(tmp_path, "staging", s3)
    about = site / "content" / "about.md"
    about.write_text(about.read_text() + PLACEHOLDER)
    waiting: list[str] = []
    try:
        code, out = publish(site, "staging")
        assert code == 5, out  # waits for a person, though staging approves automatically
        run_id = out["flow_run_id"]
        waiting.append(run_id)
        state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=60).json()["state"]
        keyset = state["state_details"]["run_input_keyset"]
        assert "decision-review" in keyset["schema"], keyset
        card = httpx.get(
            f"{api}/flow_runs/{run_id}/input/{keyset['description']}", timeout=60
        ).json()
        assert "second-pass review scored" in card and "Deploy anyway?" in card, card
        assert "- **proceed**" in card and "- **abort**" in card
        warning = next(
            (line for line in card.splitlines() if line.startswith("- ⚠️") and "`/about/`" in line),
            card,
        )
        assert "score 1" in warning and "placeholder text" in warning and "Lorem ipsum" in warning

        paused = find_result(run_id)
        assert paused.status == "paused" and "the review flagged" in (paused.next_step or "")
        row = next(p for p in paused.review["pages"] if p["page"] == "about/index.html")
        assert row["score"] == 1 and row["source"] == "rules+model"
        assert any("placeholder text" in i for i in row["issues"])
        with pytest.raises(s3.exceptions.NoSuchKey):
            _about(s3, prefix)  # nothing deployed while it waits

        decided = hugopipe("decide", run_id, "proceed", "--note", "the copy is on its way")
        assert decided.returncode == 0, decided.stderr
        wait_until(lambda: _state(api, run_id) == "COMPLETED", 240, "the run to deploy")
        waiting.remove(run_id)
        done = find_result(run_id)
        assert done.status == "success"
        assert "page(s) under score 3: proceed (decision card)" in done.summary, done.summary
        assert "Lorem ipsum" in _about(s3, prefix)

        # abort: another placeholder edit waits on the card again, and nothing is deployed
        about.write_text(about.read_text() + "\nTBD: the second draft.\n")
        code, again = publish(site, "staging")
        assert code == 5, again
        waiting.append(again["flow_run_id"])
        aborted = hugopipe("decide", again["flow_run_id"], "abort", "--note", "fix it first")
        assert aborted.returncode == 0, aborted.stderr
        wait_until(lambda: _state(api, again["flow_run_id"]) == "CANCELLED", 240, "the run to stop")
        waiting.remove(again["flow_run_id"])
        stopped = find_result(again["flow_run_id"])
        assert stopped.status == "cancelled" and "fix it first" in stopped.summary
        assert "second draft" not in _about(s3, prefix)
    finally:
        for run_id in waiting:
            httpx.post(
                f"{api}/flow_runs/{run_id}/set_state",
                json={"state": {"type": "CANCELLING", "message": "test over"}},
                timeout=60,
            )
        for run_id in waiting:
            wait_until(lambda r=run_id: _state(api, r) == "CANCELLED", 120, "a cancel")
        fake.stop()
        _clean(s3, BUCKET, prefix)


def test_a_slow_model_delays_a_publish_by_the_budget_not_pages_times_timeout(
    served: dict, tmp_path: Path, llm_variable: Callable[[dict], None]
) -> None:
    s3 = served["s3"]
    fake = FakeOllama()
    fake.delay = 8  # inside the 30 s timeout: without a budget every page waits for it
    budget = 3
    llm_variable(
        {
            "host": fake.url,
            "model": "llama3.2:3b",
            "timeout_seconds": 30,
            "job_budget_seconds": budget,
        }
    )
    site, prefix = prefixed_site(tmp_path, "staging", s3)  # a first publish: every page new
    try:
        code, out = publish(site, "staging")
        assert code == 0 and out["state_type"] == "COMPLETED", out
        result = find_result(out["flow_run_id"])
        assert result.status == "success" and result.outputs["deployment_success"] is True
        review = result.review
        assert review is not None
        unbudgeted = min(review["pages_reviewed"], 20) * fake.delay  # review_max_pages: 20
        assert unbudgeted >= 80, review["pages_reviewed"]
        assert result.duration_seconds is not None
        assert result.duration_seconds < unbudgeted / 2, (result.duration_seconds, unbudgeted)
        note = review["model"]["note"]
        assert f"time budget used up ({budget} s per job and run" in note, note
        asked = review["model"]["pages_asked"]
        assert asked == sum(p["source"] == "rules+model" for p in review["pages"]) <= 1
        assert 1 <= len(fake.calls("/api/chat")) <= asked + 1  # nothing sent after the budget
        assert "time budget used up" in result.summary
    finally:
        fake.stop()
        _clean(s3, BUCKET, prefix)
