"""An Ollama-compatible HTTP server on loopback for the tests: /api/chat, /api/generate
(streaming and not) and /api/tags, the endpoints the ``ollama`` client calls.

It counts every request (so a test can prove a cached or refused request sent nothing)
and answers by the schema the client sent as ``format``, the way a real model obeying
structured output would: a page review scores placeholder text 1, a release summary is
low risk, an unknown error gets a guess. ``mode`` makes it misbehave on purpose;
``delay`` makes it a slow model (seconds before each chat or generate answer).
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODELS = ["llama3.2:3b", "qwen2.5:1.5b"]


class FakeOllama:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"  # ok | not-json | wrong-schema | hang
        self.delay = 0.0  # seconds each chat/generate answer takes (a slow model)
        self.release = threading.Event()  # ends a "hang" (set at shutdown)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def handle(self) -> None:
                # the client may give up waiting (a timeout, a used-up budget)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                fake._record("GET", self.path, {})
                if self.path != "/api/tags":
                    return self._send(404, {"error": "not found"})
                models = [
                    {
                        "name": m,
                        "model": m,
                        "modified_at": "2026-12-01T00:00:00Z",
                        "size": 1_000_000,
                        "digest": "0" * 64,
                        "details": {"format": "gguf", "family": "llama"},
                    }
                    for m in MODELS
                ]
                self._send(200, {"models": models})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                fake._record("POST", self.path, body)
                if self.path not in {"/api/chat", "/api/generate"}:
                    return self._send(404, {"error": "not found"})
                if body.get("model") not in MODELS:
                    return self._send(404, {"error": f"model '{body.get('model')}' not found"})
                if fake.mode == "hang":
                    fake.release.wait(60)
                    return
                if fake.delay:
                    fake.release.wait(fake.delay)
                content = fake.answer(body)
                chat = self.path == "/api/chat"

                def piece(text: str, done: bool) -> dict[str, Any]:
                    out: dict[str, Any] = {
                        "model": body["model"],
                        "created_at": "2026-12-05T00:00:00Z",
                        "done": done,
                    }
                    if chat:
                        out["message"] = {"role": "assistant", "content": text}
                    else:
                        out["response"] = text
                    return out

                if not body.get("stream", True):
                    return self._send(200, piece(content, True))
                # streamed: NDJSON, the answer in a few pieces, then a final done line
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                cut = max(1, len(content) // 3)
                for part in (content[:cut], content[cut : 2 * cut], content[2 * cut :]):
                    self.wfile.write(json.dumps(piece(part, False)).encode() + b"\n")
                self.wfile.write(json.dumps(piece("", True)).encode() + b"\n")

            def _send(self, code: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _record(self, method: str, path: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append({"method": method, "path": path, **body})

    def calls(self, path: str = "") -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(path or "/")]

    def answer(self, body: dict[str, Any]) -> str:
        if self.mode == "not-json":
            return "Sure! Here is my answer: the page looks fine."
        props = (body.get("format") or {}).get("properties", {})
        text = body.get("prompt") or body["messages"][-1]["content"]
        if self.mode == "wrong-schema":
            return json.dumps({k: None for k in props} or {"unexpected": True})
        if "score" in props:  # review_page
            bad = "lorem ipsum" in text.split("## Page", 1)[-1].lower()  # not the rubric
            return json.dumps(
                {"score": 1 if bad else 5, "issues": ["unfinished placeholder copy"] if bad else []}
            )
        if "risk" in props:  # summarize_changes
            return json.dumps(
                {"headline": "One page was edited.", "changes": ["/about/ text"], "risk": "low"}
            )
        if "failure_class" in props:  # explain_failure
            return json.dumps(
                {"failure_class": "transient", "explanation": "The disk quota ran out."}
            )
        if "lines" in props:  # classify_log
            return json.dumps(
                {
                    "lines": [{"line": 2, "category": "retry", "reason": "throttled"}],
                    "summary": "One throttled upload was retried.",
                }
            )
        return json.dumps({})

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
