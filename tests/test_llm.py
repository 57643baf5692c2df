"""The optional Ollama helper, against a fake Ollama speaking its HTTP API on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from hugopipe.llm import ChangeSummary, prompt_digest, render_prompt, summarize_changes

PLAN = "### Deploy plan\n- upload: 1 object\n- `blog/summer-tips/index.html` (content changed)"


class FakeOllama(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict]] = []
    reply: str = json.dumps(
        {
            "headline": "One blog post was edited.",
            "changes": ["/blog/summer-tips/ text"],
            "risk": "low",
        }
    )

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOllama.requests.append(body)
        payload = {
            "model": body["model"],
            "created_at": "2026-11-21T00:00:00Z",
            "message": {"role": "assistant", "content": FakeOllama.reply},
            "done": True,
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ollama_host() -> Iterator[str]:
    FakeOllama.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeOllama)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_summary_uses_the_prompt_file_and_a_schema(ollama_host: str) -> None:
    summary = summarize_changes(PLAN, "", model="llama3.2", host=ollama_host)
    assert summary == ChangeSummary(
        headline="One blog post was edited.", changes=["/blog/summer-tips/ text"], risk="low"
    )
    [req] = FakeOllama.requests
    assert req["model"] == "llama3.2" and req["options"]["temperature"] == 0
    assert req["format"]["properties"]["risk"]["enum"] == ["low", "medium", "high"]
    content = req["messages"][0]["content"]
    assert "blog/summer-tips/index.html" in content and "(none)" in content
    assert "authoritative" in summary.to_markdown()


def test_off_without_a_model_and_silent_when_ollama_is_down_or_confused(
    ollama_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HUGOPIPE_OLLAMA_MODEL", raising=False)
    assert summarize_changes(PLAN, host=ollama_host) is None
    assert FakeOllama.requests == []
    assert summarize_changes(PLAN, model="m", host="http://127.0.0.1:9", timeout=2) is None
    monkeypatch.setattr(FakeOllama, "reply", "not json at all")
    assert summarize_changes(PLAN, model="m", host=ollama_host) is None


def test_prompt_rendering_is_strict_and_digest_tracks_edits(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(KeyError):
        render_prompt("summarize_changes", plan=PLAN)  # warnings missing
    (tmp_path / "summarize_changes.md").write_text("A $plan $warnings")
    monkeypatch.setenv("HUGOPIPE_PROMPTS", str(tmp_path))
    before = prompt_digest("summarize_changes")
    (tmp_path / "summarize_changes.md").write_text("B $plan $warnings")
    assert prompt_digest("summarize_changes") != before
