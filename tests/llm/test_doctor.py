"""``doctor``'s local-model rows, against the fake Ollama's /api/tags."""

from __future__ import annotations

from typing import Any

from hugopipe.cli.cmd_doctor import check_ollama
from hugopipe.llm.health import ollama_checks
from tests.llm.fake_ollama import FakeOllama
from tests.support import free_port


def _rows(rows: list[dict[str, Any]]) -> dict[str, tuple[bool, str, str]]:
    return {r["name"]: (r["ok"], r["detail"], r["fix"]) for r in rows}


def test_reachable_models_listed_and_each_roles_model_checked(ollama: FakeOllama) -> None:
    rows = _rows(
        ollama_checks(
            {
                "host": ollama.url,
                "model": "llama3.2:3b",
                "roles": {"reviewer": {"model": "qwen2.5:1.5b"}, "worker": {"model": "phi4"}},
            }
        )
    )
    ok, detail, _ = rows["ollama"]
    assert ok and "2 models (llama3.2:3b, qwen2.5:1.5b)" in detail
    assert rows["ollama reviewer"][:2] == (True, "qwen2.5:1.5b present")
    assert rows["ollama summarizer"][:2] == (True, "llama3.2:3b present")
    assert rows["ollama worker"] == (False, "phi4 missing", "`ollama pull phi4`")
    assert [r["path"] for r in ollama.calls()] == ["/api/tags"]  # one look per host


def test_not_answering_unconfigured_and_refused_hosts() -> None:
    down = _rows(ollama_checks({"host": f"127.0.0.1:{free_port()}", "model": "m"}))
    assert down["ollama"][0] is False and "ollama serve" in down["ollama"][2]
    assert down["ollama explainer"][2] == "`ollama pull m`"
    off = ollama_checks(None)  # the tests' environment names no model
    assert [r["ok"] for r in off] == [True] and "rules only" in off[0]["detail"]
    remote = _rows(ollama_checks({"host": "https://gpu.example.com", "model": "m"}))
    assert remote["ollama worker"][0] is False and "allow_remote" in remote["ollama worker"][2]
    bad = ollama_checks({"hots": "x"})
    assert bad[0]["ok"] is False and "not valid" in bad[0]["detail"]


def test_doctor_reads_the_variable_from_the_server(ollama: FakeOllama) -> None:
    class Api:
        def request(self, method: str, path: str) -> dict[str, Any]:
            assert (method, path) == ("GET", "/variables/name/hugopipe_llm")
            return {"value": {"host": ollama.url, "model": "llama3.2:3b"}}

    rows = _rows(check_ollama(Api()))
    assert rows["ollama"][0] and rows["ollama worker"][:2] == (True, "llama3.2:3b present")
