"""The SessionStart hook against a fake Prefect API on loopback, and with no API at all."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tests.claude.support import SESSION, hook_env, run_hook

PAUSED_ID = "5a5a5a5a-0000-4000-8000-000000000001"
FAILED_ID = "fafafafa-0000-4000-8000-000000000002"
FLOW_ID = "f1f1f1f1-0000-4000-8000-000000000003"


class _Api(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, dict]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, body))
        if self.path == "/api/flow_runs/filter":
            types = body["flow_runs"]["state"]["type"]["any_"]
            if types == ["PAUSED"]:
                out = [
                    {
                        "id": PAUSED_ID,
                        "name": "brave-otter",
                        "flow_id": FLOW_ID,
                        "parameters": {"env": "production"},
                        "state": {"type": "PAUSED", "name": "Paused"},
                    }
                ]
            else:
                out = [
                    {
                        "id": FAILED_ID,
                        "name": "calm-heron",
                        "flow_id": FLOW_ID,
                        "parameters": {"env": "staging"},
                        "state": {
                            "type": "FAILED",
                            "name": "Failed",
                            "message": "Task run 'build' failed: template error\nmore",
                        },
                    }
                ]
        elif self.path == "/api/flows/filter":
            out = [{"id": FLOW_ID, "name": "publish"}]
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def api():
    _Api.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _start(project: Path, env: dict[str, str]):
    payload = {
        "session_id": "s",
        "transcript_path": "t",
        "cwd": str(project),
        "hook_event_name": "SessionStart",
        "source": "startup",
    }
    return run_hook(SESSION, json.dumps(payload), env, cwd=project)


def test_reports_waiting_runs_with_v2_links_and_failures(tmp_path: Path, api: str) -> None:
    r = _start(tmp_path, hook_env(tmp_path, PREFECT_API_URL=f"{api}/api"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert f"{api}/v2/runs/flow-run/{PAUSED_ID}" in out
    assert f"{api}/runs/flow-run/" not in out, "never the legacy UI link"
    assert "publish/brave-otter (env production)" in out
    assert "DEPLOY TO PRODUCTION" in out
    assert (
        "publish/calm-heron" in out
        and "template error" in out
        and f"hugopipe retries {FAILED_ID}" in out
    )
    assert "more" not in out, "only the first line of a state message"
    assert len(out.splitlines()) <= 10
    assert not out.lstrip().startswith("{"), "plain text context"


def test_failures_are_counted_since_the_last_session(tmp_path: Path, api: str) -> None:
    env = hook_env(tmp_path, PREFECT_API_URL=f"{api}/api")
    state = tmp_path / ".hugopipe" / "last_session"
    assert _start(tmp_path, env).returncode == 0
    first_seen = datetime.fromisoformat(state.read_text())
    _Api.requests.clear()
    assert _start(tmp_path, env).returncode == 0
    failed_filters = [
        b for p, b in _Api.requests if p == "/api/flow_runs/filter" and "end_time" in b["flow_runs"]
    ]
    assert len(failed_filters) == 1
    assert (
        datetime.fromisoformat(failed_filters[0]["flow_runs"]["end_time"]["after_"]) == first_seen
    )
    assert datetime.fromisoformat(state.read_text()) >= first_seen


def test_ui_url_setting_is_respected(tmp_path: Path, api: str) -> None:
    r = _start(
        tmp_path,
        hook_env(
            tmp_path, PREFECT_API_URL=f"{api}/api", PREFECT_UI_URL="https://prefect.example/v2"
        ),
    )
    assert f"https://prefect.example/v2/runs/flow-run/{PAUSED_ID}" in r.stdout


@pytest.mark.parametrize("stdin", ["", "garbage", "[]"])
def test_server_down_is_one_line_and_never_blocks(tmp_path: Path, stdin: str) -> None:
    r = run_hook(
        SESSION,
        stdin or "{}",
        hook_env(tmp_path, PREFECT_API_URL="http://127.0.0.1:9/api"),
        cwd=tmp_path,
    )
    assert r.returncode == 0
    assert len(r.stdout.strip().splitlines()) == 1
    assert "unavailable" in r.stdout and "127.0.0.1:9" in r.stdout
    assert not (tmp_path / ".hugopipe" / "last_session").exists(), (
        "a missed session keeps the old time"
    )


@pytest.mark.slow
@pytest.mark.server
def test_real_prefect_server_accepts_the_filters(tmp_path: Path, prefect_server: str) -> None:
    """The filter bodies are valid for Prefect 3.8's REST API (a 422 would read as 'unavailable')."""
    import httpx

    flow = httpx.post(f"{prefect_server}/flows/", json={"name": "hook-status-probe"}).json()
    paused = httpx.post(
        f"{prefect_server}/flow_runs/",
        json={
            "flow_id": flow["id"],
            "name": "paused-probe",
            "state": {"type": "PAUSED", "name": "Paused"},
            "parameters": {"env": "staging"},
        },
    ).json()
    r = _start(tmp_path, hook_env(tmp_path, PREFECT_API_URL=prefect_server))
    assert r.returncode == 0, r.stderr
    assert "unavailable" not in r.stdout, r.stdout
    base = prefect_server.removesuffix("/api")
    assert f"{base}/v2/runs/flow-run/{paused['id']}" in r.stdout
    assert "hook-status-probe/paused-probe (env staging)" in r.stdout
