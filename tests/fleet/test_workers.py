"""Two example sites published through a process work pool by two real ``prefect worker``s.

prefect.yaml is deployed to a PostgreSQL-backed server the way the README says; both
sites publish to staging at once, then both ask for production, both are approved at
the same moment through the API (the typed phrase), and the ``deploy-production``
global concurrency limit (tasks/serialise.py) must still let one production write
through at a time. `hugopipe run` puts the production runs on the ``production`` queue,
which only the production worker polls. Each site's runs stay its own: the runs of one site name that site,
and its buckets hold only its pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fleet.conftest import EXAMPLES, site_copy
from tests.fleet.pool import PoolServer
from tests.support import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.workers]

#: the README's queues for task files, in priority order (step 4 of "Growing beyond one machine")
PRIORITY_QUEUES = ("urgent", "high", "normal", "low")
PHRASE = {"confirmation": "DEPLOY TO PRODUCTION", "note": "approved by the work-pool test"}


def _cli(server: PoolServer, *args: str) -> tuple[int, dict]:
    """``hugopipe …`` as Claude Code calls it, against the pool's server."""
    exe = Path(sys.executable).with_name("hugopipe")
    proc = subprocess.run(
        [str(exe), *args, "--json"], capture_output=True, text=True, env=server.env(), timeout=600
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _publish(server: PoolServer, site: Path, env: str) -> tuple[int, dict]:
    return _cli(server, "run", "publish", "--env", env, "--site", str(site), "--wait")


def _keys(s3, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


@pytest.fixture(scope="session")
def pool(pool_server: PoolServer) -> PoolServer:
    """The README's set-up: two workers for everything but production, and a production
    queue that only the production worker (the one with production credentials) polls."""
    pool_server.deploy_pool("publish/site")
    pool_server.prefect("work-queue", "create", "production", "--pool", "hugopipe", "--limit", "1")
    for priority, queue in enumerate(PRIORITY_QUEUES, start=1):
        pool_server.prefect(
            "work-queue", "create", queue, "--pool", "hugopipe", "--priority", str(priority)
        )
    for name in ("worker-a", "worker-b"):
        pool_server.start_worker(name, "default", *PRIORITY_QUEUES)
    pool_server.start_worker("worker-production", "production")
    return pool_server


def test_two_sites_publish_through_two_workers_and_production_stays_serialised(
    pool: PoolServer, s3, tmp_path: Path
) -> None:
    sites = [
        site_copy(EXAMPLES[0], tmp_path, "hugopipe-fleet-shop", s3),
        site_copy(EXAMPLES[1], tmp_path, "hugopipe-fleet-docs", s3),
    ]
    buckets = {sites[0]: "hugopipe-fleet-shop", sites[1]: "hugopipe-fleet-docs"}

    with ThreadPoolExecutor(2) as ex:
        staged = list(ex.map(lambda s: _publish(pool, s, "staging"), sites))
    for code, out in staged:
        assert code == 0 and out["state_type"] == "COMPLETED", out

    with ThreadPoolExecutor(2) as ex:
        paused = list(ex.map(lambda s: _publish(pool, s, "production"), sites))
    for code, out in paused:
        assert code == 5 and out["waiting_for_approval"] is True, out
    for site in sites:
        assert not _keys(s3, f"{buckets[site]}-production"), "production written before approval"

    run_ids = [out["flow_run_id"] for _, out in paused]

    def resume(run_id: str) -> dict:
        resp = httpx.post(
            f"{pool.api}/flow_runs/{run_id}/resume", json={"run_input": PHRASE}, timeout=60
        )
        assert resp.status_code < 300, resp.text
        return resp.json()

    with ThreadPoolExecutor(2) as ex:
        verdicts = list(ex.map(resume, run_ids))
    assert [v["status"] for v in verdicts] == ["ACCEPT", "ACCEPT"], verdicts
    for run_id in run_ids:
        code, done = _cli(pool, "status", run_id, "--wait", "--timeout", "300")
        assert code == 0 and done["state_type"] == "COMPLETED", done

    # every run went through the pool (no served process exists here)
    publishes = httpx.post(
        f"{pool.api}/flow_runs/filter",
        json={"flows": {"name": {"any_": ["publish"]}}, "limit": 50, "sort": "START_TIME_ASC"},
    ).json()
    assert len(publishes) == 4 and {r["work_pool_name"] for r in publishes} == {"hugopipe"}
    # `hugopipe run` put each production run on the production queue, and only there
    queues = {(r["parameters"]["env"], r["work_queue_name"]) for r in publishes}
    assert queues == {("staging", "default"), ("production", "production")}, queues
    for run_id in run_ids:  # run by the production worker (the only one polling that queue)
        assert run_id in pool.log("worker-production")
        assert run_id not in pool.log("worker-a") + pool.log("worker-b")

    # each site's history is its own: two runs (staging, production) name it as their site
    for site in sites:
        mine = [r for r in publishes if r["parameters"]["site"] == str(site)]
        assert sorted(r["parameters"]["env"] for r in mine) == ["production", "staging"]
        assert all(r["state"]["type"] == "COMPLETED" for r in mine)
    # and each site's buckets hold its own pages only
    shop, docs = (_keys(s3, f"{buckets[s]}-production") for s in sites)
    assert "blog/index.html" in shop and "guides/index.html" not in shop
    assert "guides/index.html" in docs and "blog/index.html" not in docs

    # the production slot: acquired and released in turn, never held by both runs at once
    def slot_events() -> list[dict]:
        body = {
            "filter": {"event": {"prefix": ["prefect.concurrency-limit."]}, "order": "ASC"},
            "limit": 50,
        }
        events = httpx.post(f"{pool.api}/events/filter", json=body, timeout=30).json()["events"]
        return [
            e for e in events if e["resource"].get("prefect.resource.name") == "deploy-production"
        ]

    def both_released() -> list[dict] | None:
        found = slot_events()
        return found if sum(e["event"].endswith(".released") for e in found) >= 2 else None

    events = wait_until(both_released, 60, "both runs' slot events")
    phases = [e["event"].rsplit(".", 1)[1] for e in sorted(events, key=lambda e: e["occurred"])]
    phases = [p for p in phases if p in ("acquired", "released")]  # not the limit's "created"
    assert phases == ["acquired", "released", "acquired", "released"], phases
    holders = {
        r["prefect.resource.id"]
        for e in events
        for r in e["related"]
        if r["prefect.resource.id"].startswith("prefect.flow-run.")
    }
    assert {f"prefect.flow-run.{i}" for i in run_ids} <= holders, holders
