"""Helpers shared by tests (importable as ``tests.support``; fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = ROOT / "examples" / "site"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.25):
    """Poll ``predicate`` until truthy or fail with ``what``; tests never sleep for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def hugopipe(
    *args: str, timeout: float = 600, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI the way Claude Code does: a separate process, stdout = data."""
    exe = Path(sys.executable).with_name("hugopipe")
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


def publish(site: Path, env: str, *, wait: bool = True, timeout: int = 300) -> tuple[int, dict]:
    """``hugopipe run publish`` as Claude Code calls it; returns (exit code, the JSON on stdout)."""
    args = ["run", "publish", "--env", env, "--site", str(site), "--json"]
    if wait:
        args += ["--wait", "--timeout", str(timeout)]
    proc = hugopipe(*args)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def find_result(run_id: str):
    """The result file a flow run wrote under HUGOPIPE_RESULTS_DIR."""
    from hugopipe.results import ResultFile

    root = Path(os.environ["HUGOPIPE_RESULTS_DIR"])
    for path in root.rglob("*.result.md"):
        result = ResultFile.parse(path.read_text())
        if result.flow_run_id == run_id:
            return result
    raise AssertionError(f"no result file for run {run_id} under {root}")


def process_of(run_id: str) -> int:
    """The flow-run process the runner started (its environment names the run)."""
    needle = f"PREFECT__FLOW_RUN_ID={run_id}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                return int(entry.name)
        except OSError:
            continue
    return 0


class BusyRetry(httpx.HTTPTransport):
    """A busy SQLite-backed server answers 503 ("database is locked") now and then; a person
    would click again and a script would retry, so every request through this transport
    does, for up to a minute. Any other answer (a refusal included) is returned as it is."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + 60
        while True:
            response = super().handle_request(request)
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
            response.close()
            time.sleep(1)
