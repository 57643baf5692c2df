"""A fleet of small sites on one PostgreSQL-backed Prefect server with two process workers.

What grows when one laptop becomes a control plane for many sites: the number of runs
in flight, and the history the server keeps. This script:

1. starts a private PostgreSQL cluster (tests/postgres.py), a Prefect server on it, a
   process work pool with ``publish/site`` and ``nightly-maintenance/nightly`` deployed
   from prefect.yaml, and two ``prefect worker`` processes (tests/fleet/pool.py: the
   README's commands);
2. generates N small sites (copies of examples/site-docs, buckets of their own on moto);
3. runs *phases*, each some *waves*: a wave starts, for every site at once, a staging
   publish (one page edited first) and a nightly maintenance run, and waits for all;
4. between phases the server's history grows (``--history``: that many finished flow runs,
   each with three task runs, created over the API), and the last phase runs the
   maintenance flow with its history retention on (``history_days`` = ``RETENTION_ON``:
   the sweep of hugopipe.maintenance.history deletes every finished run older than that)
   instead of off (``history_days=100000``).

Per phase it reports runs per minute (finished runs over the phase's span), the
orchestration overhead of each run (its flow body minus the time of its tasks: what the
flow spends on state reporting, result handling and its own code between tasks), the
pick-up wait (created → running: the worker's poll, a new process, its imports, and any
queueing behind the two workers), and the state-transition latency (the server's answer to
``set_state`` on a scratch run, timed by the client, median of 20).

Reproduce: ``uv run python bench/fleet_bench.py --sites 1,10 --waves 2 --history 5000 --after-sweep --write``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "Fleet: many sites on one PostgreSQL-backed server (issue 21)"
#: the maintenance flow's ``history_days`` with retention on: every finished run older than
#: ~86 s goes (the seeded history and earlier waves), as a 90-day sweep does on a real server
RETENTION_ON = 0.001
DEPLOYMENTS = ("publish/site", "nightly-maintenance/nightly")


def _ts(value: str | None) -> float:
    return datetime.fromisoformat(value).timestamp() if value else float("nan")


def make_sites(n: int, work: Path, s3) -> list[Path]:
    from tests.fleet.conftest import site_copy

    sites = []
    for i in range(n):
        dest = work / f"site-{i:02d}"
        dest.mkdir()
        site = site_copy(ROOT / "examples" / "site-docs", dest, f"hugopipe-fleet-{i:02d}", s3)
        sites.append(site)
    return sites


def seed_history(api: str, n: int) -> None:
    """``n`` finished runs with three task runs each (the server stamps their states: now)."""
    with httpx.Client(base_url=api, timeout=60) as client:
        flow_id = client.post("/flows/", json={"name": "history-seed"}).json()["id"]

    def one(i: int) -> None:
        with httpx.Client(base_url=api, timeout=60) as client:
            run = client.post(
                "/flow_runs/",
                json={
                    "flow_id": flow_id,
                    "name": f"seed-{i}",
                    "parameters": {"site": "seed", "env": "staging"},
                    "state": {"type": "RUNNING", "name": "Running"},
                },
            ).json()
            for k in range(3):
                client.post(
                    "/task_runs/",
                    json={
                        "flow_run_id": run["id"],
                        "task_key": f"seed-{k}",
                        "dynamic_key": str(k),
                        "name": f"seed-{k}",
                        "state": {"type": "COMPLETED", "name": "Completed"},
                    },
                )
            client.post(
                f"/flow_runs/{run['id']}/set_state",
                json={
                    "state": {"type": "COMPLETED", "name": "Completed"},
                    "force": True,
                },
            )

    with ThreadPoolExecutor(8) as ex:
        list(ex.map(one, range(n)))


def state_latency(api: str, k: int = 20) -> float:
    """Median client-side time of a flow run state change (Running, then back to Pending)."""
    with httpx.Client(base_url=api, timeout=60) as client:
        flow_id = client.post("/flows/", json={"name": "latency-probe"}).json()["id"]
        run = client.post("/flow_runs/", json={"flow_id": flow_id, "name": "probe"}).json()
        out = []
        for i in range(k):
            state = ("RUNNING", "Running") if i % 2 == 0 else ("PENDING", "Pending")
            t0 = time.perf_counter()
            resp = client.post(
                f"/flow_runs/{run['id']}/set_state",
                json={"state": {"type": state[0], "name": state[1]}, "force": True},
            )
            out.append(time.perf_counter() - t0)
            resp.raise_for_status()
        client.delete(f"/flow_runs/{run['id']}")
    return statistics.median(out)


def wave(api: str, deployment_ids: dict[str, str], sites: list[Path], history_days: float) -> list:
    """Start a staging publish and a maintenance run for every site at once; wait for all."""
    ids = []
    with httpx.Client(base_url=api, timeout=60) as client:
        for site in sites:
            page = site / "content" / "guides" / "file-a-claim.md"
            page.write_text(page.read_text() + f"\nUpdated {time.time():.0f}.\n")
            for label, params in (
                ("publish/site", {"site": str(site), "env": "staging"}),
                (
                    "nightly-maintenance/nightly",
                    {"site": str(site), "environments": ["staging"], "history_days": history_days},
                ),
            ):
                run = client.post(
                    f"/deployments/{deployment_ids[label]}/create_flow_run",
                    json={"parameters": params},
                ).json()
                ids.append(run["id"])
        # Each run is recorded as it finishes: with retention on, a later maintenance run of
        # the same wave may delete it from the server before the wave ends.
        done: dict[str, dict] = {}
        deadline = time.monotonic() + 1800
        while len(done) < len(ids):
            pending = [i for i in ids if i not in done]
            body = {"flow_runs": {"id": {"any_": pending}}, "limit": len(pending)}
            for r in client.post("/flow_runs/filter", json=body).json():
                if r["state"]["type"] == "PAUSED":  # nobody answers here: say which and why
                    raise SystemExit(
                        f"run {r['name']} ({r['id']}, {r['parameters'].get('site')}) waits for "
                        f"a person: {r['state'].get('message') or r['state']['name']}"
                    )
                if r["state"]["type"] not in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                    continue
                trs = client.post(
                    "/task_runs/filter",
                    json={"flow_runs": {"id": {"any_": [r["id"]]}}, "limit": 200},
                ).json()
                r["task_time"] = sum(t.get("total_run_time") or 0.0 for t in trs)
                done[r["id"]] = r
            if time.monotonic() > deadline:
                raise SystemExit("a wave did not finish in 30 min")
            time.sleep(1)
    return list(done.values())


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def summarise(name: str, sites: int, runs: list, history: int, latency: float) -> dict:
    ok = [r for r in runs if r["state"]["type"] == "COMPLETED"]
    overhead = [(_ts(r["end_time"]) - _ts(r["start_time"])) - r["task_time"] for r in ok]
    pickup = [_ts(r["start_time"]) - _ts(r["created"]) for r in ok]
    span = max(_ts(r["end_time"]) for r in ok) - min(_ts(r["created"]) for r in ok) if ok else 0
    q = statistics.quantiles(overhead, n=10) if len(overhead) >= 2 else [float("nan")] * 9
    return {
        "phase": name,
        "sites": sites,
        "history": history,
        "runs": len(runs),
        "failed": len(runs) - len(ok),
        "runs_per_min": 60 * len(ok) / span if span else float("nan"),
        "overhead_med": statistics.median(overhead) if overhead else float("nan"),
        "overhead_p90": q[8],
        # the two flows differ in how much they do outside tasks: compare each with itself
        "overhead_publish_med": _median(
            [o for o, r in zip(overhead, ok, strict=True) if r["name"].startswith("publish-")]
        ),
        "overhead_maintenance_med": _median(
            [o for o, r in zip(overhead, ok, strict=True) if not r["name"].startswith("publish-")]
        ),
        "pickup_med": statistics.median(pickup) if pickup else float("nan"),
        "state_latency": latency,
        "failures": sorted({r["state"]["name"] + " " + r["name"] for r in runs if r not in ok})[:5],
    }


def main() -> None:
    from moto.server import ThreadedMotoServer

    from bench.e2e_bench import replace_section
    from tests.fleet.pool import PoolServer
    from tests.postgres import fresh_database, start_cluster
    from tests.support import free_port

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", default="1,10", help="fleet sizes, smallest first")
    parser.add_argument("--waves", type=int, default=2, help="waves per phase")
    parser.add_argument(
        "--history", type=int, default=2000, help="old runs seeded before the history phases"
    )
    parser.add_argument(
        "--pool-limit",
        type=int,
        default=4,
        help="the work pool's concurrency limit (runs in flight across both workers; 0: none)",
    )
    parser.add_argument(
        "--after-sweep", action="store_true", help="one more phase once the sweep has run"
    )
    parser.add_argument("--write", action="store_true", help=f"update '## {SECTION}'")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sites.split(",")]

    work = Path(tempfile.mkdtemp(prefix="hugopipe-fleet-bench-"))
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench-secret-not-real",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        HUGOPIPE_RESULTS_DIR=str(work / "results"),
        HUGOPIPE_TASKS_DIR=str(work / "tasks"),
        HUGOPIPE_WORKSPACE=os.pathsep.join([str(ROOT), tempfile.gettempdir()]),
    )
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    sites = make_sites(max(sizes), work, s3)
    cluster = start_cluster(durable=True)
    server = PoolServer(fresh_database(cluster), extra={"HUGOPIPE_S3_ENDPOINT": endpoint})
    rows: list[dict] = []
    try:
        server.start()
        server.deploy_pool(*DEPLOYMENTS)
        if args.pool_limit:
            server.prefect("work-pool", "set-concurrency-limit", "hugopipe", str(args.pool_limit))
        with httpx.Client(base_url=server.api, timeout=60) as client:
            ids = {d: client.get(f"/deployments/name/{d}").json()["id"] for d in DEPLOYMENTS}
        for name in ("worker-a", "worker-b"):
            server.start_worker(name)

        def count() -> int:
            return int(httpx.post(f"{server.api}/flow_runs/count", json={}, timeout=60).json())

        def phase(name: str, n: int, history_days: float) -> None:
            runs = []
            for _ in range(args.waves):
                runs += wave(server.api, ids, sites[:n], history_days)
            rows.append(summarise(name, n, runs, count(), state_latency(server.api)))
            print(json.dumps(rows[-1]), file=sys.stderr)

        off = 100000.0  # retention off: nothing is ever old enough
        for n in sizes:
            phase(f"{n} site(s), fresh server", n, off)
        seed_history(server.api, args.history)
        phase(f"{sizes[-1]} sites, +{args.history} old runs, retention off", sizes[-1], off)
        phase(f"{sizes[-1]} sites, retention on", sizes[-1], RETENTION_ON)
        if args.after_sweep:
            phase(f"{sizes[-1]} sites, after the sweep", sizes[-1], RETENTION_ON)
    finally:
        server.stop()
        cluster.stop()
        moto.stop()
        shutil.rmtree(work, ignore_errors=True)

    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    lines = [
        f"Measured {datetime.now():%Y-%m-%d %H:%M} on {machine}: PostgreSQL-backed Prefect "
        f"server, one process work pool (concurrency limit {args.pool_limit or 'none'}), two "
        f"`prefect worker`s; {args.waves} waves per phase, "
        "each a staging publish and a nightly maintenance run of every site, started at once.",
        "",
        "| phase | sites | flow runs on the server | runs | failed | runs/min "
        "| overhead per run (median) | overhead p90 | publish / maintenance overhead (medians) "
        "| pick-up wait (median) | set_state latency |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['phase']} | {r['sites']} | {r['history']} | {r['runs']} | {r['failed']} "
            f"| {r['runs_per_min']:.1f} | {r['overhead_med']:.2f} s | {r['overhead_p90']:.2f} s "
            f"| {r['overhead_publish_med']:.2f} s / {r['overhead_maintenance_med']:.2f} s "
            f"| {r['pickup_med']:.1f} s | {1000 * r['state_latency']:.0f} ms |"
        )
    lines += [
        "",
        f"Reproduce: `uv run python bench/fleet_bench.py --sites {args.sites} --waves "
        f"{args.waves} --history {args.history} --pool-limit {args.pool_limit}"
        f"{' --after-sweep' if args.after_sweep else ''} --write`",
    ]
    body = "\n".join(lines)
    print(body)
    if args.write:
        DOC.write_text(replace_section(DOC.read_text(), SECTION, body))


if __name__ == "__main__":
    main()
