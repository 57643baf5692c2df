"""``doctor``'s local-model rows, against the fake Ollama's /api/tags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


def test_no_model_configured_still_probes_the_host(
    ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUGOPIPE_OLLAMA_MODEL", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{free_port()}")
    [down] = ollama_checks(None)
    assert down["ok"] is False and "rules only" in down["detail"]
    assert "not answering" in down["detail"]
    assert "`ollama serve`, then `ollama pull llama3.2:3b`" in down["fix"]
    monkeypatch.setenv("OLLAMA_HOST", ollama.url)
    [up] = ollama_checks(None, note="the hugopipe_llm variable could not be read")
    assert up["ok"] is True and "answers with 2 models" in up["detail"]
    assert "could not be read" in up["detail"]
    assert [r["path"] for r in ollama.calls()] == ["/api/tags"]


def test_doctor_with_a_bad_ollama_host_says_so_without_a_traceback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OLLAMA_HOST": "localhost:abc",
        "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
    }
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("hugopipe")), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    rows = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    row = rows["ollama"]
    assert row["ok"] is False and "OLLAMA_HOST" in row["detail"]
    assert "'localhost:abc' is not a host" in row["detail"] and "127.0.0.1:11434" in row["fix"]
    assert "could not be read (Prefect API unreachable)" in row["detail"]


def test_a_delegated_task_with_a_bad_host_is_a_failed_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hugopipe.llm.delegate import run_delegated
    from hugopipe.llm.settings import LLMSettings

    monkeypatch.setenv("OLLAMA_HOST", "localhost:abc")
    result = run_delegated(LLMSettings.load, "t1", "classify_log", {"log": "x", "categories": "a"})
    assert result.status == "failed" and result.failure_class == "configuration"
    assert "is not a host" in result.next_step


def test_every_interface_host_is_probed_as_this_machine_and_the_budget_shown(
    ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"0.0.0.0:{ollama.port}")
    monkeypatch.setenv("HUGOPIPE_OLLAMA_MODEL", "llama3.2:3b")
    rows = _rows(ollama_checks(None))
    ok, detail, fix = rows["ollama"]
    assert ok and fix == "", detail
    assert detail.startswith(
        f"http://127.0.0.1:{ollama.port} (from 0.0.0.0:{ollama.port}: this machine)"
    )
    assert "waits 60 s per request, 120 s per job and run" in detail
    assert rows["ollama reviewer"][:2] == (True, "llama3.2:3b present")
    monkeypatch.delenv("HUGOPIPE_OLLAMA_MODEL")
    [unconfigured] = ollama_checks({"host": f"[::]:{free_port()}"})
    assert "Ollama at http://[::1]:" in unconfigured["detail"]
    assert "this machine)" in unconfigured["detail"] and "not probed" not in unconfigured["detail"]
    assert [r["path"] for r in ollama.calls()] == ["/api/tags"]
