"""Answers are cached by Prefect's own task caching (prompt hash + model + input).

A second identical request makes no HTTP call (counted at the fake Ollama) and its task
run is in the **Cached** state on the server, which is what the UI shows; a changed
input or prompt is asked again; a failed call is never cached.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prefect import flow

from hugopipe.llm.client import consult
from hugopipe.llm.settings import LLMSettings
from tasks.llm import cached_ask
from tests.llm.conftest import settings_for
from tests.llm.fake_ollama import FakeOllama

pytestmark = [pytest.mark.slow, pytest.mark.server]


@flow(name="llm-cache-probe")
def probe(settings: LLMSettings, plans: list[str]) -> list[str | None]:
    out = []
    for plan in plans:
        asked = consult(
            settings, "summarize_changes", {"plan": plan, "warnings": "(none)"}, asker=cached_ask
        )
        out.append(asked.note if asked.answer is None else asked.answer["headline"])
    return out


def _task_states(api: str, flow_run_id: str) -> list[tuple[str, str]]:
    runs = httpx.post(
        f"{api}/task_runs/filter",
        json={"flow_runs": {"id": {"any_": [flow_run_id]}}, "sort": "EXPECTED_START_TIME_ASC"},
    ).json()
    return [(r["name"], r["state"]["name"]) for r in runs]


def test_a_repeated_request_is_answered_from_the_cache(
    prefect_server: str, ollama: FakeOllama, tmp_path: Path
) -> None:
    plan = f"- upload `{tmp_path.name}/index.html`"  # unique per test run: a cold cache
    s = settings_for(ollama)
    state = probe(s, [plan, plan, plan + " and one more"], return_state=True)
    assert state.is_completed()
    assert len(ollama.calls("/api/chat")) == 2  # the repeat made no HTTP call
    states = [st for _, st in _task_states(prefect_server, str(state.state_details.flow_run_id))]
    assert states == ["Completed", "Cached", "Completed"], states

    # another run, later: still cached (the result is persisted), still no call
    again = probe(s, [plan], return_state=True)
    assert [st for _, st in _task_states(prefect_server, str(again.state_details.flow_run_id))] == [
        "Cached"
    ]
    assert len(ollama.calls("/api/chat")) == 2
    # another model is another answer
    probe(s.model_copy(update={"model": "qwen2.5:1.5b"}), [plan])
    assert len(ollama.calls("/api/chat")) == 3


def test_a_failed_call_is_not_cached(
    prefect_server: str, ollama: FakeOllama, tmp_path: Path
) -> None:
    plan = f"- upload `{tmp_path.name}/x.html`"
    ollama.mode = "not-json"
    state = probe(settings_for(ollama), [plan], return_state=True)
    assert state.is_completed()  # the job fell back; the flow went on
    [note] = state.result()
    assert note and "not JSON" in note
    assert [st for _, st in _task_states(prefect_server, str(state.state_details.flow_run_id))] == [
        "Failed"
    ]
    ollama.mode = "ok"
    assert probe(settings_for(ollama), [plan]) == ["One page was edited."]
    assert len(ollama.calls("/api/chat")) == 2  # asked again, not served the failure
