"""How fast the CLI's read commands answer, against Prefect's own CLI on the same run.

An agent polls ``hugopipe status RUN --json`` in a loop, so its wall time is
what matters, not a micro-benchmark of a function. This script:

1. starts a real ``prefect server start`` (SQLite, free port, throwaway
   PREFECT_HOME) unless ``--api-url`` points at one;
2. creates a flow run with task runs and a retried task over the REST API
   (no flow code needed);
3. times N calls each of ``hugopipe status RUN --json``, ``hugopipe runs --json``,
   ``hugopipe retries RUN --json`` (``.venv/bin/hugopipe`` directly, not ``uv run``) and
   the named peer ``prefect flow-run inspect RUN``, interleaved so machine load
   hits both alike;
4. prints the table and, with ``--write``, replaces the ``## CLI`` section of
   docs/benchmarks.md.

Reproduce: ``uv run python bench/cli_bench.py --calls 20 --write``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "benchmarks.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(api: str, method: str, path: str, body: object | None = None) -> object:
    req = urllib.request.Request(
        api + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{method} {path} → {exc.code}: {exc.read()[:500]!r}") from exc
    return json.loads(raw) if raw else None


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(
        os.environ,
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_API_URL=api,
    )
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"prefect server exited; see {home / 'server.log'}")
        try:
            if call(api, "GET", "/health") is True:
                return proc, api
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("prefect server did not become healthy in 180 s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def seed_run(api: str) -> str:
    """A completed flow run with three task runs, one of which failed twice and then succeeded."""
    flow = call(api, "POST", "/flows/", {"name": "publish"})
    t0 = datetime.now(UTC)

    def ts(s: float) -> str:
        return (t0 + timedelta(seconds=s)).isoformat()

    run = call(
        api,
        "POST",
        "/flow_runs/",
        {
            "flow_id": flow["id"],
            "name": "publish-bench",
            "parameters": {"env": "dev", "site": "examples/site"},
            "state": {"type": "RUNNING", "name": "Running"},
        },
    )
    for i, name in enumerate(("build-dev", "plan-deploy-dev", "apply-deploy-dev")):
        tr = call(
            api,
            "POST",
            "/task_runs/",
            {
                "flow_run_id": run["id"],
                "task_key": name,
                "dynamic_key": str(i),
                "name": name,
                "state": {"type": "PENDING", "name": "Pending"},
            },
        )
        seq = [("RUNNING", "Running", 1.0, None)]
        if name.startswith("apply"):
            seq += [
                ("SCHEDULED", "AwaitingRetry", 2.0, 3.0),
                ("RUNNING", "Retrying", 3.1, None),
                ("SCHEDULED", "AwaitingRetry", 4.0, 5.0),
                ("RUNNING", "Retrying", 5.1, None),
            ]
        seq.append(("COMPLETED", "Completed", 6.0, None))
        if name.startswith("apply"):
            call(
                api,
                "POST",
                "/logs/",
                [
                    {
                        "name": "prefect.task_runs",
                        "level": 20,
                        "message": f"Task run failed with exception: TransientError('injected transient "
                        f"fault (attempt {n})') - Retry {n}/3 will start 1 second(s) from now",
                        "timestamp": ts(i + 2 * n),
                        "flow_run_id": run["id"],
                        "task_run_id": tr["id"],
                    }
                    for n in (1, 2)
                ],
            )
        for stype, sname, _at, sched in seq:
            # the server stamps states itself; only the retry's scheduled time is ours
            state: dict[str, object] = {"type": stype, "name": sname}
            if sched is not None:
                state["state_details"] = {"scheduled_time": ts(i + sched)}
            call(api, "POST", f"/task_runs/{tr['id']}/set_state", {"state": state, "force": True})
    call(
        api,
        "POST",
        f"/flow_runs/{run['id']}/set_state",
        {"state": {"type": "COMPLETED", "name": "Completed"}, "force": True},
    )
    return run["id"]


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def replace_section(doc: str, title: str, body: str) -> str:
    """Replace ``## title`` up to the next ``## `` heading (other helpers own the other sections)."""
    head = f"## {title}"
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == head)
    except StopIteration:
        return doc.rstrip() + "\n\n" + body.rstrip() + "\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return (
        "\n".join([*lines[:start], *body.rstrip().splitlines(), "", *lines[end:]]).rstrip() + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--api-url", help="use this Prefect server instead of starting one")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="hugopipe-cli-bench-"))
    proc = None
    try:
        if args.api_url:
            api = args.api_url.rstrip("/")
        else:
            print("starting prefect server …", file=sys.stderr)
            proc, api = start_server(home)
        run_id = seed_run(api)
        env = dict(
            os.environ,
            PREFECT_API_URL=api,
            PREFECT_HOME=str(home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
        )
        commands = {
            "hugopipe status RUN --json": [str(BIN / "hugopipe"), "status", run_id, "--json"],
            "hugopipe runs --json": [str(BIN / "hugopipe"), "runs", "--json"],
            "hugopipe retries RUN --json": [str(BIN / "hugopipe"), "retries", run_id, "--json"],
            "prefect flow-run inspect RUN": [str(BIN / "prefect"), "flow-run", "inspect", run_id],
        }
        for cmd in commands.values():  # warm the page cache once, untimed
            timed(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.calls):
            for name, cmd in commands.items():
                times[name].append(timed(cmd, env))
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(home, ignore_errors=True)

    peer = statistics.median(times["prefect flow-run inspect RUN"])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        p90 = sorted(ts)[int(0.9 * (len(ts) - 1))]
        rows.append((name, med, p90, min(ts), peer / med))
    load = os.getloadavg()[0]
    header = "| command | median (s) | p90 (s) | min (s) | speed vs peer |\n|---|---|---|---|---|"
    lines = [f"| `{n}` | {m:.3f} | {p:.3f} | {lo:.3f} | {r:.1f}× |" for n, m, p, lo, r in rows]
    status_med = rows[0][1]
    verdict = "meets" if status_med < 0.5 else "MISSES"
    body = f"""## CLI

Wall time of one CLI call as an agent makes it (a new process each time), against a
real local `prefect server start` (SQLite) holding a seeded flow run with three task
runs, one retried twice. {args.calls} calls per command, interleaved; the named peer
is Prefect's own `prefect flow-run inspect RUN` on the same run.

{header}
{chr(10).join(lines)}

`hugopipe status --json` median {status_med:.3f} s {verdict} the 0.5 s target.
Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores,
Python {platform.python_version()}, 1-min load average {load:.1f} at the end (the machine
is shared, so absolute times vary; the ratio is measured in the same run).

Why it is fast: read commands import neither Prefect (≈1.1 s) nor httpx (its CLI
extra pulls in rich/click/pygments/h2: 0.4–0.8 s here) nor pydantic (0.2–0.5 s): the
REST client uses `http.client`, `status`/`runs`/`retries` use dataclasses, and
`hugopipe.cli.main` imports only the module that owns the command.

Reproduce: `uv run python bench/cli_bench.py --calls {args.calls} --write`
"""
    print(body)
    if args.write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
        DOC.write_text(replace_section(doc, "CLI", body))
        print(f"updated {DOC}", file=sys.stderr)


if __name__ == "__main__":
    main()
