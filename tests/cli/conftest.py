"""CLI test helpers: run ``hugopipe`` as Claude Code does, and a recording stand-in for the API.

``recording_api`` is a real HTTP server on loopback that answers a few canned
routes and records every request, so a test can prove a command *sent nothing*
(a refused approval, a malformed task file). Flows against real Prefect use the
session fixtures in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT

HUGOPIPE = str(Path(sys.executable).with_name("hugopipe"))


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HUGOPIPE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


class RecordingApi:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Any] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.url = ""

    def route(self, method: str, path: str, body: Any) -> None:
        self.routes[(method, path)] = body

    @property
    def writes(self) -> list[tuple[str, str, Any]]:
        """Requests that could change something (filters are POSTs but read-only)."""
        return [r for r in self.requests if r[0] != "GET" and not r[1].endswith("/filter")]


@pytest.fixture
def recording_api() -> Iterator[RecordingApi]:
    api = RecordingApi()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0].removeprefix("/api")
            api.requests.append((method, path, json.loads(raw) if raw else None))
            if (method, path) not in api.routes:
                self.send_response(404)
                self.end_headers()
                self.wfile.write(b'{"detail":"not found"}')
                return
            body = json.dumps(api.routes[(method, path)]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}/api"
    yield api
    server.shutdown()
    server.server_close()
