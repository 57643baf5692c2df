"""Parallel load on a Prefect server: concurrent flow runs plus API reads, errors counted.

The load that made the SQLite-backed test server answer "database is locked" and 503:
several processes each running flows whose tasks run concurrently (every task run's
states written by the task run recorder), while readers poll the API the way
``hugopipe status --wait`` and the UI do. Used by tests/fleet/test_db_load.py (which
requires zero errors on PostgreSQL) and bench/db_load_bench.py (SQLite against PostgreSQL).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

FLOW = """
import sys
from prefect import flow, task

@task
def step(i: int) -> int:
    return i * 2

@flow(name="load")
def load(n: int) -> int:
    return sum(step.map(range(n)).result())

if __name__ == "__main__":
    ok = 0
    for _ in range(int(sys.argv[1])):
        ok += load(int(sys.argv[2]), return_state=True).is_completed()
    print(ok)
"""


@dataclass
class LoadReport:
    flow_runs: int = 0
    completed: int = 0
    process_failures: list[str] = field(default_factory=list)
    reads: int = 0
    read_errors: list[str] = field(default_factory=list)
    read_seconds: list[float] = field(default_factory=list)
    wall: float = 0.0

    @property
    def errors(self) -> int:
        return len(self.process_failures) + len(self.read_errors) + self.flow_runs - self.completed

    def p95_read(self) -> float:
        xs = sorted(self.read_seconds)
        return xs[int(0.95 * (len(xs) - 1))] if xs else float("nan")


def run_load(
    api: str,
    env: dict[str, str],
    processes: int = 6,
    flows_each: int = 3,
    tasks_each: int = 10,
    readers: int = 4,
) -> LoadReport:
    """``processes`` × ``flows_each`` flow runs of ``tasks_each`` concurrent tasks, while
    ``readers`` threads read flow runs and task runs; every 5xx or failed run is an error."""
    script = Path(tempfile.mkdtemp(prefix="hugopipe-load-")) / "load_flow.py"
    script.write_text(FLOW)
    report = LoadReport(flow_runs=processes * flows_each)
    done = threading.Event()
    lock = threading.Lock()

    def reader() -> None:
        with httpx.Client(base_url=api, timeout=60) as client:
            while not done.is_set():
                for method, path, body in (
                    ("POST", "/flow_runs/filter", {"limit": 20, "sort": "START_TIME_DESC"}),
                    ("POST", "/task_runs/filter", {"limit": 50}),
                    ("GET", "/health", None),
                ):
                    t0 = time.perf_counter()
                    try:
                        resp = client.request(method, path, json=body)
                        error = f"{path} {resp.status_code}" if resp.status_code >= 500 else None
                    except httpx.HTTPError as exc:
                        error = f"{path} {type(exc).__name__}"
                    with lock:
                        report.reads += 1
                        report.read_seconds.append(time.perf_counter() - t0)
                        if error:
                            report.read_errors.append(error)

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(flows_each), str(tasks_each)],
            env=dict(env, PREFECT_API_URL=api),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            report.process_failures.append(err[-500:])
        else:
            report.completed += int(out.strip().splitlines()[-1])
    done.set()
    for t in threads:
        t.join(120)
    report.wall = time.perf_counter() - t0
    return report
