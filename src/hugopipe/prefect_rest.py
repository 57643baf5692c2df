"""Prefect's REST API over the standard library, and the links to its runs.

Core, not CLI: the CLI's read and control commands, the flows (the approval link
they log and write into result files) and anything else that needs a run link or
an API call use this module. It never imports ``prefect``: ``import prefect``
alone costs about a second, and an agent calls the read commands in a loop. It
reads the same settings Prefect does (``PREFECT_API_URL`` / ``PREFECT_UI_URL`` from
the environment or the active profile, ``PREFECT_API_AUTH_STRING`` /
``PREFECT_API_KEY``).

The transport is ``http.client`` (one kept-alive connection), not httpx: ``import
httpx`` pulls in its CLI extra (rich, click, pygments, h2) and cost 0.4-0.8 s per
call here, more than the whole budget of a read command (bench/cli_bench.py).
"""

from __future__ import annotations

import base64
import http.client
import json as jsonlib
import os
import time
import tomllib
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from hugopipe.errors import HugopipeError

DEFAULT_API_URL = "http://127.0.0.1:4200/api"
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}
STATE_TYPES = TERMINAL | {"SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"}


class ApiUnavailable(HugopipeError):
    """The Prefect API could not be reached (exit code 4)."""


class NotFound(HugopipeError):
    """The API answered 404: no such run, deployment or input."""


class UnknownRun(NotFound):
    """A run id the user gave names no run (exit code 2: fix the input, as for a typo)."""


def _profile_setting(name: str) -> str | None:
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active")
    value = data.get("profiles", {}).get(active or "", {}).get(name)
    return str(value) if value else None


def api_url() -> str:
    return (
        os.environ.get("PREFECT_API_URL") or _profile_setting("PREFECT_API_URL") or DEFAULT_API_URL
    ).rstrip("/")


def ui_url(flow_run_id: str) -> str:
    """``<PREFECT_UI_URL>/v2/runs/flow-run/<id>``: the run in Prefect's new UI.

    Always the ``/v2/`` page: the legacy UI renders the typed production
    confirmation as a disabled field, so nobody could approve there. Without
    ``PREFECT_UI_URL`` the UI is assumed beside the API (``…/api`` dropped).
    """
    base = os.environ.get("PREFECT_UI_URL") or _profile_setting("PREFECT_UI_URL")
    if not base:
        base = api_url().removesuffix("/api")
    base = base.rstrip("/").removesuffix("/v2")
    return f"{base}/v2/runs/flow-run/{flow_run_id}"


class _NoConnection(OSError):
    """A connection attempt that timed out: the address does not answer at all."""


def _repeatable(method: str, path: str, body: Any) -> bool:
    """Can this request be sent again after it got no answer? Reads can, and so can a run's
    creation with an idempotency key (the server starts one run per key); a state change or
    a resume cannot, since the first one may have been applied."""
    if method == "GET" or path.endswith(("/filter", "/count")):
        return True
    return isinstance(body, dict) and bool(body.get("idempotency_key"))


class PrefectApi:
    def __init__(self, url: str | None = None, timeout: float = 10.0) -> None:
        self.url = (url or api_url()).rstrip("/")
        self.timeout = timeout
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        auth = os.environ.get("PREFECT_API_AUTH_STRING") or _profile_setting(
            "PREFECT_API_AUTH_STRING"
        )
        key = os.environ.get("PREFECT_API_KEY") or _profile_setting("PREFECT_API_KEY")
        if auth:
            self._headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
        elif key:
            self._headers["Authorization"] = f"Bearer {key}"
        parts = urlsplit(self.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._base_path = parts.path.rstrip("/")
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> PrefectApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self.timeout)
        return self._conn

    def _send(self, method: str, target: str, body: bytes | None) -> tuple[int, bytes]:
        # One retry on a fresh connection: a kept-alive socket may have been closed by the server.
        for attempt in (1, 2):
            conn = self._connection()
            if conn.sock is None:
                try:
                    conn.connect()
                except TimeoutError as exc:  # nothing answers at that address: not "stalled"
                    raise _NoConnection(
                        f"no answer to a connection in {self.timeout:.0f} s"
                    ) from exc
            try:
                conn.request(method, target, body=body, headers=self._headers)
                resp = conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, json: Any = None, params: Any = None) -> Any:
        """One API call; 502/503/504 answers are retried with backoff.

        A SQLite-backed server answers 503 while its database is busy; callers
        make writes safe to repeat (``create_run`` always sends an idempotency key).
        """
        target = self._base_path + path + (f"?{urlencode(params)}" if params else "")
        body = jsonlib.dumps(json).encode() if json is not None else None
        delays = (0.5, 1.0, 2.0, 4.0, 8.0)
        # A server that answers nothing in time is up but stalled (a SQLite write lock held
        # for a minute was seen): a request safe to repeat waits for it a while longer
        repeatable = _repeatable(method, path, json)
        for attempt in range(len(delays) + 1):
            try:
                status, data = self._send(method, target, body)
            except TimeoutError:
                self.close()
                if repeatable and attempt < len(delays):
                    time.sleep(delays[attempt])
                    continue
                raise ApiUnavailable(
                    f"the Prefect API at {self.url} did not answer {method} {path} within "
                    f"{self.timeout:.0f} s",
                    hint=(
                        "the server is up but stalled (a busy SQLite database?); try again, or "
                        'move the server to PostgreSQL (README, "Growing beyond one machine")'
                        if repeatable
                        else "the server is up but stalled, and the change may have been made: "
                        "look before you repeat it (`hugopipe status <run id>`)"
                    ),
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()  # a server that is down stays down: report at once, don't spin
                raise ApiUnavailable(
                    f"cannot reach the Prefect API at {self.url}: {exc.__class__.__name__}",
                    hint="start it with the README's demo command (or `prefect server start`), "
                    "or set PREFECT_API_URL",
                ) from exc
            if status in (502, 503, 504) and attempt < len(delays):
                time.sleep(delays[attempt])
                continue
            break
        if status == 404:
            raise NotFound(f"not found: {method} {path}")
        if status >= 400:
            text = data.decode("utf-8", "replace")[:300]
            raise HugopipeError(f"Prefect API {method} {path} answered {status}: {text}")
        if not data:
            return None
        return jsonlib.loads(data)

    # -- reads -------------------------------------------------------------
    def health(self) -> bool:
        return self.request("GET", "/health") is True

    def flow_run(self, run_id: str) -> dict[str, Any]:
        hint = "a run id is the whole UUID `hugopipe runs` lists"
        try:
            run_id = str(uuid.UUID(run_id))  # also a {braced} or urn:uuid: spelling
        except ValueError:
            raise UnknownRun(f"not a flow run id: {run_id!r}", hint=hint) from None
        try:
            return self.request("GET", f"/flow_runs/{run_id}")
        except NotFound:
            raise UnknownRun(f"no flow run {run_id!r}", hint=hint) from None

    def task_runs(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {
            "flow_runs": {"id": {"any_": [flow_run_id]}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 200,
            "offset": 0,
        }
        return self.request("POST", "/task_runs/filter", json=body)

    def task_run_states(self, task_run_id: str) -> list[dict[str, Any]]:
        return self.request("GET", "/task_run_states/", params={"task_run_id": task_run_id})

    def flow_run_states(self, flow_run_id: str) -> list[dict[str, Any]]:
        return self.request("GET", "/flow_run_states/", params={"flow_run_id": flow_run_id})

    def run_input(self, flow_run_id: str, key: str) -> Any:
        return self.request("GET", f"/flow_runs/{flow_run_id}/input/{key}")

    def artifacts(self, flow_run_id: str) -> list[dict[str, Any]]:
        body = {
            "artifacts": {"flow_run_id": {"any_": [flow_run_id]}},
            "sort": "CREATED_DESC",
            "limit": 50,
            "offset": 0,
        }
        return self.request("POST", "/artifacts/filter", json=body)

    def deployment_by_name(self, flow_name: str, deployment_name: str) -> dict[str, Any]:
        try:
            return self.request("GET", f"/deployments/name/{flow_name}/{deployment_name}")
        except NotFound:
            raise NotFound(
                f"no deployment {flow_name}/{deployment_name}",
                hint="serve the deployments first: `uv run python deployments/serve.py` (the demo does this)",
            ) from None

    def has_work_queue(self, pool: str, queue: str) -> bool:
        """Does the work pool ``pool`` have a queue named ``queue``?"""
        try:
            self.request("GET", f"/work_pools/{pool}/queues/{queue}")
        except NotFound:
            return False
        return True

    def deployment_label(self, run: dict[str, Any]) -> str | None:
        """``flow/deployment`` of the deployment a run was started from; None for a run
        started outside a deployment, or whose deployment has since been deleted."""
        dep_id = run.get("deployment_id")
        if not dep_id:
            return None
        try:
            dep = self.request("GET", f"/deployments/{dep_id}")
            flow = self.request("GET", f"/flows/{dep['flow_id']}")
        except NotFound:
            return None
        return f"{flow['name']}/{dep['name']}"

    def stop_message(self, run: dict[str, Any]) -> str | None:
        """For a cancelled run, the message of its last Cancelling state (``Rejected:
        <reason>`` from `hugopipe reject`); None for any other run or when there is none."""
        if (run.get("state") or {}).get("type") != "CANCELLED":
            return None
        states = self.flow_run_states(run["id"])
        asked = [s for s in states if s.get("type") == "CANCELLING" and s.get("message")]
        asked.sort(key=lambda s: s.get("timestamp") or "")
        return asked[-1]["message"] if asked else None

    # -- writes ------------------------------------------------------------
    def create_run(
        self,
        deployment_id: str,
        parameters: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        tags: list[str] | None = None,
        work_queue_name: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "parameters": parameters,
            "state": {"type": "SCHEDULED"},
            # always keyed, so a retried POST after a 503 cannot start a second run
            "idempotency_key": idempotency_key or f"hugopipe-{uuid.uuid4()}",
        }
        if tags:
            body["tags"] = tags
        if work_queue_name:  # only for a deployment with a work pool (served ones have none)
            body["work_queue_name"] = work_queue_name
        return self.request("POST", f"/deployments/{deployment_id}/create_flow_run", json=body)

    def set_state(
        self, flow_run_id: str, state_type: str, message: str, *, force: bool = False
    ) -> dict[str, Any]:
        body = {"state": {"type": state_type, "message": message}, "force": force}
        return self.request("POST", f"/flow_runs/{flow_run_id}/set_state", json=body)

    def resume(self, flow_run_id: str, run_input: dict[str, Any] | None) -> dict[str, Any]:
        return self.request(
            "POST", f"/flow_runs/{flow_run_id}/resume", json={"run_input": run_input}
        )


def state_of(run: dict[str, Any]) -> tuple[str, str]:
    """(type, name) of a run's state, e.g. ("PAUSED", "Paused")."""
    state = run.get("state") or {}
    return state.get("type") or "UNKNOWN", state.get("name") or run.get("state_name") or "Unknown"


#: the server's largest page of log lines (``/logs/filter``)
LOG_PAGE = 200


def all_logs(api: Any, flt: dict[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    """Every log line matching ``flt``, oldest first, paged through ``/logs/filter`` (the
    server caps a page at 200); with ``limit``, the *last* ``limit`` lines, as ``tail``
    gives them, since a run's end is where one looks first. ``api`` is anything with
    ``PrefectApi.request``."""
    out: list[dict[str, Any]] = []
    sort = "TIMESTAMP_ASC" if limit is None else "TIMESTAMP_DESC"
    while True:
        page_size = LOG_PAGE if limit is None else min(LOG_PAGE, limit - len(out))
        if page_size <= 0:
            break
        body = {"logs": flt, "sort": sort, "limit": page_size, "offset": len(out)}
        page = api.request("POST", "/logs/filter", json=body)
        out += page
        if len(page) < page_size:
            break
    if limit is None:
        return out
    # newest first while the run still logs: a line that arrives between two pages shifts
    # the next page by one, so a line may come twice; each is kept once
    seen: set[Any] = set()
    kept = []
    for lg in out:
        if lg.get("id") is not None and lg["id"] in seen:
            continue
        seen.add(lg.get("id"))
        kept.append(lg)
    return kept[::-1]


def runs_that_happened(api: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The newest runs (by expected start) that a ``/flow_runs/filter`` ``body`` matches,
    leaving out those a schedule made for later: a deployment with a schedule keeps weeks of
    future runs, and they would fill a "recent runs" list before anything that ran. A run
    that is due within a minute (the server's clock may be ahead of ours), late or started
    early stays in. At most ``body["limit"]`` runs."""
    from datetime import UTC, datetime, timedelta

    due = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    runs_filter = dict(body.get("flow_runs") or {})
    not_scheduled = {**runs_filter, "state": {"type": {"not_any_": ["SCHEDULED"]}}}
    scheduled_due = {
        **runs_filter,
        "state": {"type": {"any_": ["SCHEDULED"]}},
        "expected_start_time": {"before_": due},
    }
    runs = [
        *(
            api.request("POST", "/flow_runs/filter", json={**body, "flow_runs": not_scheduled})
            or []
        ),
        *(
            api.request("POST", "/flow_runs/filter", json={**body, "flow_runs": scheduled_due})
            or []
        ),
    ]

    def started(run: dict[str, Any]) -> datetime:
        when = run.get("expected_start_time") or run.get("created") or "1970-01-01T00:00:00Z"
        return datetime.fromisoformat(str(when).replace("Z", "+00:00"))

    runs.sort(key=started, reverse=True)
    return runs[: body.get("limit", len(runs))]
