"""``PrefectApi`` against a server that stalls: a read waits for it, a state change does not
repeat itself."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from hugopipe.prefect_rest import ApiUnavailable, PrefectApi


class Stalling(BaseHTTPRequestHandler):
    """Answers every request, but the first ``stalls`` of them only after ``release`` is set."""

    stalls: ClassVar[int] = 0
    seen: ClassVar[list[str]] = []
    release: ClassVar[threading.Event] = threading.Event()

    def _answer(self) -> None:
        cls = type(self)
        cls.seen.append(f"{self.command} {self.path}")
        if len(cls.seen) <= cls.stalls:
            cls.release.wait(10)
        body = json.dumps({"id": "r1", "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Stalling.seen = []
    Stalling.release = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    Stalling.release.set()
    httpd.shutdown()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/flow_runs/r1", None),
        ("POST", "/flow_runs/filter", {"limit": 1}),
        ("POST", "/deployments/d/create_flow_run", {"idempotency_key": "k"}),
    ],
)
def test_a_request_safe_to_repeat_outlasts_a_stall(
    server: str, method: str, path: str, body: dict | None
) -> None:
    Stalling.stalls = 2  # two attempts get no answer in time, the third is answered
    with PrefectApi(server, timeout=0.3) as api:
        assert api.request(method, path, json=body)["id"] == "r1"
    assert len(Stalling.seen) == 3


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/flow_runs/r1/set_state", {"state": {"type": "CANCELLED"}, "force": True}),
        ("/flow_runs/r1/resume", {"run_input": {"confirmation": "DEPLOY TO PRODUCTION"}}),
    ],
)
def test_a_change_is_never_sent_twice(server: str, path: str, body: dict) -> None:
    Stalling.stalls = 1
    with PrefectApi(server, timeout=0.3) as api, pytest.raises(ApiUnavailable) as err:
        api.request("POST", path, json=body)
    assert "did not answer POST" in err.value.message
    assert "may have been made" in (err.value.hint or "")
    assert Stalling.seen == [f"POST /api{path}"]


@pytest.fixture
def never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any back-off sleep fails the test: the error must come at once."""

    def no_waiting(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s before reporting")

    monkeypatch.setattr("hugopipe.prefect_rest.time.sleep", no_waiting)


@pytest.mark.usefixtures("never_waits")
@pytest.mark.parametrize("connect_times_out", [False, True])
def test_an_unreachable_server_is_reported_at_once(
    monkeypatch: pytest.MonkeyPatch, connect_times_out: bool
) -> None:
    """Nothing listening, or an address that drops a connection attempt (a connect timeout):
    "cannot reach", at once, not retried as a stalled server."""
    import http.client

    def dropped(self: http.client.HTTPConnection) -> None:
        raise TimeoutError("timed out")

    if connect_times_out:
        monkeypatch.setattr(http.client.HTTPConnection, "connect", dropped)
    with (
        PrefectApi("http://127.0.0.1:9/api", timeout=5) as api,
        pytest.raises(ApiUnavailable) as err,
    ):
        api.request("GET", "/flow_runs/r1")
    assert "cannot reach the Prefect API" in err.value.message


class Logs:
    """``/logs/filter`` as the server answers it: sorted, paged, at most 200 a page."""

    def __init__(self, n: int, arriving: int = 0) -> None:
        self.lines = [self.line(i) for i in range(n)]
        self.arriving = [self.line(i) for i in range(n, n + arriving)]

    @staticmethod
    def line(i: int) -> dict:
        return {"id": f"id{i}", "message": f"line {i}", "timestamp": f"{i:06d}"}

    def request(self, method: str, path: str, json: dict) -> list[dict]:
        assert (method, path) == ("POST", "/logs/filter") and json["limit"] <= 200
        if json["offset"] and self.arriving:  # the run logs on between two pages
            self.lines.append(self.arriving.pop(0))
        ordered = sorted(self.lines, key=lambda lg: lg["timestamp"])
        if json["sort"] == "TIMESTAMP_DESC":
            ordered.reverse()
        return ordered[json["offset"] :][: json["limit"]]


@pytest.mark.parametrize(
    ("n", "limit", "first", "count"),
    [(450, None, 0, 450), (450, 250, 200, 250), (450, 5, 445, 5), (3, 10, 0, 3)],
)
def test_logs_are_every_line_or_the_last_n_oldest_first(
    n: int, limit: int | None, first: int, count: int
) -> None:
    from hugopipe.prefect_rest import all_logs

    got = [lg["message"] for lg in all_logs(Logs(n), {}, limit)]
    assert got == [f"line {i}" for i in range(first, first + count)]


def test_the_last_n_lines_of_a_run_that_logs_on_hold_no_line_twice() -> None:
    from hugopipe.prefect_rest import all_logs

    got = [lg["message"] for lg in all_logs(Logs(450, arriving=1), {}, 250)]
    assert len(got) == len(set(got)) == 249  # one line shifted into the second page, once
    assert got == sorted(got, key=lambda m: int(m.split()[1]))  # oldest first
