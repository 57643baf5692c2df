"""The four jobs through the real ``ollama`` client against the fake Ollama on loopback.

A schema-valid answer is used; invalid JSON, a schema-invalid answer, a timeout and a
refused connection each give the deterministic result with a note, and never raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.llm.client import consult
from hugopipe.llm.delegate import run_delegated
from hugopipe.llm.explain import explain_failure
from hugopipe.llm.review import review_pages
from hugopipe.llm.summarise import summarise_release, summary_markdown
from tests.llm.conftest import settings_for
from tests.llm.fake_ollama import FakeOllama
from tests.support import free_port

PLAN = "### Deploy plan\n- upload: 1 object\n- `about/index.html` (content changed)"

GOOD = """<html><head><title>About</title>
<meta name="description" content="Who we are and how we insure homes in Maine."></head>
<body><nav>menu TODO</nav><main><h1>About us</h1><p>{text}</p>
<h2>Our team</h2><p>Dana and Lee have insured homes in Maine since 1998, and answer the phone
themselves. Ask them about flood cover, ice dams, or anything in your policy you are not sure
about; they will explain it in plain words.</p></main></body></html>"""


def page(tmp_path: Path, name: str, text: str) -> tuple[str, Path]:
    path = tmp_path / name
    path.write_text(GOOD.format(text=text))
    return f"{name.removesuffix('.html')}/index.html", path


def test_summary_answer_is_used_and_the_request_carries_prompt_schema_and_options(
    ollama: FakeOllama,
) -> None:
    summary, note = summarise_release(settings_for(ollama), PLAN, "")
    assert note is None and summary is not None and summary.risk == "low"
    [req] = ollama.calls("/api/chat")
    assert req["model"] == "llama3.2:3b" and req["options"] == {"temperature": 0}
    assert req["format"]["required"] == ["headline", "changes", "risk"]
    assert req["stream"] is False
    assert "about/index.html" in req["messages"][0]["content"]
    assert "authoritative" in summary_markdown(summary, note)


@pytest.mark.parametrize("stream", [False, True])
def test_streamed_and_whole_answers_read_the_same(ollama: FakeOllama, stream: bool) -> None:
    s = settings_for(ollama, stream=stream)
    chat = consult(s, "summarize_changes", {"plan": PLAN, "warnings": "(none)"})
    gen = consult(s, "classify_log", {"log": "a\nb", "categories": "retry, normal"})
    assert chat.answer and chat.answer["headline"] == "One page was edited."
    assert gen.answer and gen.answer["lines"][0]["category"] == "retry"
    assert [r["stream"] for r in ollama.calls("/api/")] == [stream, stream]
    assert [r["path"] for r in ollama.calls("/api/")] == ["/api/chat", "/api/generate"]


def _broken(ollama: FakeOllama, how: str):  # -> settings that fail the way ``how`` says
    if how == "refused":
        return settings_for(ollama, host=f"http://127.0.0.1:{free_port()}")
    if how == "timeout":
        ollama.mode = "hang"
        return settings_for(ollama, timeout_seconds=0.5)
    if how == "missing model":
        return settings_for(ollama, model="no-such-model:7b")
    ollama.mode = how
    return settings_for(ollama)


FAILURES = {
    "not-json": "not JSON",
    "wrong-schema": "does not fit prompt",
    "timeout": "did not answer within 0.5 s",
    "refused": "not reachable",
    "missing model": "ollama pull no-such-model:7b",
}


@pytest.mark.parametrize("how", sorted(FAILURES))
def test_every_failure_gives_the_deterministic_result_with_a_note(
    ollama: FakeOllama, how: str, tmp_path: Path
) -> None:
    s = _broken(ollama, how)
    summary, note = summarise_release(s, PLAN)
    assert summary is None and note and FAILURES[how] in note, note
    assert FAILURES[how] in summary_markdown(summary, note)

    review = review_pages(s, [page(tmp_path, "about.html", "Lorem ipsum dolor sit amet.")])
    assert [p.score for p in review.pages] == [1]  # the rules alone still catch it
    assert review.pages[0].source == "rules"
    assert FAILURES[how] in review.model["note"] and FAILURES[how] in review.to_markdown()

    unknown = explain_failure(s, "ValueError: the flux capacitor is misaligned")
    assert unknown.source == "none" and unknown.failure_class == "unknown"
    assert FAILURES[how] in unknown.model["note"]

    result = run_delegated(s, "t1", "classify_log", {"log": "x", "categories": "a"}, "local-only")
    assert result.status == "failed" and result.outputs["answer"] is None
    assert FAILURES[how] in result.outputs["note"] and result.failure_class == "transient"


def test_review_scores_each_page_rules_and_model_together(
    ollama: FakeOllama, tmp_path: Path
) -> None:
    pages = [
        page(tmp_path, "about.html", "We are a family agency. " * 10),
        page(tmp_path, "draft.html", "Lorem ipsum dolor sit amet. TODO: real copy. " * 5),
    ]
    review = review_pages(settings_for(ollama), pages)
    scores = {p.page: (p.score, p.source) for p in review.pages}
    assert scores == {
        "about/index.html": (5, "rules+model"),
        "draft/index.html": (1, "rules+model"),
    }
    [warn] = review.warnings
    assert (
        "placeholder text" in warn.issues[0] and "model: unfinished placeholder copy" in warn.issues
    )
    assert "`/draft/` score 1" in review.to_markdown()
    assert "/about/" not in review.to_markdown()  # only pages under the threshold
    data = review.to_dict()
    assert data["warnings"] == 1 and data["model"]["prompt"] == "review_page"
    assert len(data["model"]["prompt_digest"]) == 16
    assert all("menu TODO" not in r["messages"][0]["content"] for r in ollama.calls("/api/chat"))


def test_a_slow_model_is_asked_once_per_review_not_once_per_page(
    ollama: FakeOllama, tmp_path: Path
) -> None:
    ollama.mode = "hang"
    s = settings_for(ollama, timeout_seconds=0.5)
    pages = [page(tmp_path, f"p{i}.html", "Short.") for i in range(4)]
    review = review_pages(s, pages)
    assert len(review.pages) == 4 and len(ollama.calls("/api/chat")) == 1


def test_no_model_configured_means_rules_only_and_no_request(
    ollama: FakeOllama, tmp_path: Path
) -> None:
    s = settings_for(ollama, model=None)
    review = review_pages(s, [page(tmp_path, "a.html", "TBD")])
    assert review.pages[0].score == 1 and review.model == {}
    assert summarise_release(s, PLAN) == (None, None)
    assert ollama.calls() == []


def test_explain_asks_the_model_only_for_what_the_rules_do_not_know(ollama: FakeOllama) -> None:
    s = settings_for(ollama)
    known = explain_failure(s, "botocore ClientError: An error occurred (SlowDown) on PutObject")
    assert (known.failure_class, known.source) == ("transient", "rules")
    assert ollama.calls() == []
    guess = explain_failure(s, "ValueError: the flux capacitor is misaligned")
    assert guess.source == "model" and guess.failure_class == "unknown"  # a guess is not acted on
    assert "disk quota" in guess.explanation and "transient" in guess.explanation
    assert guess.model["model"] == "llama3.2:3b" and len(ollama.calls("/api/chat")) == 1


def test_delegated_task_answer_and_record(ollama: FakeOllama) -> None:
    result = run_delegated(
        settings_for(ollama),
        "2026-12-05-classify",
        "classify_log",
        {"log": "04:00 SlowDown, retrying", "categories": "retry, normal"},
        "local-only",
    )
    assert result.status == "success" and result.task_type == "local-model"
    assert result.outputs["answer"]["summary"] == "One throttled upload was retried."
    assert result.outputs["model"] == "llama3.2:3b" and result.outputs["privacy"] == "local-only"
    assert len(result.outputs["prompt_digest"]) == 16
    assert "```json" in result.summary


def test_delegated_task_with_wrong_inputs_fails_clearly_before_any_request(
    ollama: FakeOllama,
) -> None:
    s = settings_for(ollama)
    result = run_delegated(s, "t", "classify_log", {"log": "x", "colour": "red"})
    assert result.status == "failed" and result.failure_class == "configuration"
    assert "missing categories; unexpected colour" in result.outputs["note"]
    assert "categories" in (result.next_step or "")
    missing = run_delegated(s, "t", "no_such_prompt", {})
    assert "no prompt named 'no_such_prompt'" in missing.outputs["note"]
    assert "classify_log" in (missing.next_step or "")  # lists the prompts there are
    assert ollama.calls() == []
