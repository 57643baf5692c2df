"""Two sites, one control plane, against a real Prefect server and ``deployments/serve.py``.

A workspace file lists copies of both example sites (``www`` and ``docs``, each with its
own buckets on moto). ``serve.py``, started with no ``--site``, serves one deployment per
flow for both; ``hugopipe run publish --site NAME`` publishes each to staging; the runs,
``hugopipe runs --site`` and ``status --site`` name and filter by site (the ``site:NAME``
tag), each result file names its site, and each site's buckets hold only its own pages.
The scheduled deployments carry one schedule per site.

Its own Prefect server (SQLite, like the demo): the session's serve.py would take runs of
the shared ``publish/site`` deployment and build the repository's own example sites.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fleet.conftest import EXAMPLES, site_copy
from tests.fleet.pool import PoolServer
from tests.support import ROOT, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]

HUGOPIPE = Path(sys.executable).with_name("hugopipe")


@pytest.fixture(scope="module")
def plane(moto_endpoint: str) -> Iterator[tuple[PoolServer, dict[str, Path]]]:
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    root = Path(tempfile.mkdtemp(prefix="hugopipe-sites-"))
    sites = {
        "www": site_copy(EXAMPLES[0], root, "hugopipe-two-www", s3),
        "docs": site_copy(EXAMPLES[1], root, "hugopipe-two-docs", s3),
    }
    workspace = root / "hugopipe-workspace.toml"
    workspace.write_text(
        'default = "www"\n\n[sites.www]\npath = "site"\n\n[sites.docs]\npath = "site-docs"\n'
    )
    server = PoolServer(
        f"sqlite+aiosqlite:///{root / 'prefect.db'}",
        extra={
            "HUGOPIPE_S3_ENDPOINT": moto_endpoint,
            "HUGOPIPE_WORKSPACE_FILE": str(workspace),
            "HUGOPIPE_WORKSPACE": str(root),
            "HUGOPIPE_RESULTS_DIR": str(root / "results"),
            "HUGOPIPE_TASKS_DIR": str(root / "tasks"),
            "HUGOPIPE_INTAKE_SECONDS": "0",
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        },
    )
    server.start()
    try:
        server._spawn(
            "serve", [sys.executable, str(ROOT / "deployments" / "serve.py")], server.env()
        )

        def ready() -> bool:
            r = httpx.get(f"{server.api}/deployments/name/nightly-maintenance/nightly", timeout=2)
            return r.status_code == 200

        wait_until(ready, 180, "serve.py to serve the deployments")
        yield server, sites
    finally:
        server.stop()


def _cli(server: PoolServer, *args: str) -> tuple[int, object, str]:
    proc = subprocess.run(
        [str(HUGOPIPE), *args, "--json"],
        capture_output=True,
        text=True,
        env=server.env(),
        cwd=ROOT,
        timeout=600,
    )
    out = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, out, proc.stderr


def _keys(s3, bucket: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_two_sites_publish_through_one_deployment_and_runs_filter_by_site(plane, s3) -> None:
    server, sites = plane
    published = {}
    for name in ("www", "docs"):
        code, out, err = _cli(
            server, "run", "publish", "--env", "staging", "--site", name, "--wait"
        )
        assert code == 0 and isinstance(out, dict), err
        assert out["state_type"] == "COMPLETED" and out["site_name"] == name, out
        assert out["parameters"]["site"] == name
        published[name] = out["flow_run_id"]

    # one deployment served both: the same publish/site, two runs
    deps = {
        httpx.get(f"{server.api}/flow_runs/{rid}", timeout=5).json()["deployment_id"]
        for rid in published.values()
    }
    assert len(deps) == 1

    # each site's buckets hold only its own pages
    www, docs = _keys(s3, "hugopipe-two-www-staging"), _keys(s3, "hugopipe-two-docs-staging")
    assert "index.html" in www and "index.html" in docs
    assert any(k.startswith("blog/") for k in www) and not any(k.startswith("blog/") for k in docs)
    assert any(k.startswith("guides/") for k in docs) and not any(
        k.startswith("guides/") for k in www
    )

    # a run the schedule made for tomorrow is not "what happened": left out unless asked for
    from datetime import UTC, datetime, timedelta

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    later = httpx.post(
        f"{server.api}/deployments/{next(iter(deps))}/create_flow_run",
        json={
            "parameters": {"site": str(sites["www"]), "env": "staging"},
            "tags": ["site:www"],
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": tomorrow}},
        },
        timeout=30,
    ).json()["id"]
    code, rows, err = _cli(server, "runs", "--site", "www", "--state", "scheduled")
    assert code == 0 and later in [r["id"] for r in rows], (rows, err)  # type: ignore[union-attr]
    # runs --site filters by the site:NAME tag
    for name, rid in published.items():
        code, rows, err = _cli(server, "runs", "--site", name)
        assert code == 0, err
        assert isinstance(rows, list) and [r["id"] for r in rows] == [rid], rows
        assert all(r["site_name"] == name for r in rows)
    code, rows, _ = _cli(server, "runs")
    assert {r["id"] for r in rows} >= set(published.values())  # type: ignore[union-attr]

    # status --site: that site's newest run; a run of another site is refused
    code, out, err = _cli(server, "status", "--site", "docs")
    assert code == 0 and out["flow_run_id"] == published["docs"], (out, err)  # type: ignore[index]
    code, _, err = _cli(server, "status", published["www"], "--site", "docs")
    assert code == 2 and "is a run of site 'www'" in err

    # an unknown site: exit 2, the known names listed, nothing started
    code, _, err = _cli(server, "run", "publish", "--env", "staging", "--site", "shop")
    assert code == 2 and "www, docs" in err
    code, _, err = _cli(server, "runs", "--site", "shop")
    assert code == 2 and "unknown site 'shop'" in err

    # each result file names its site
    for name, rid in published.items():
        code, out, err = _cli(server, "result", rid)
        assert code == 0, err
        assert out["result"]["site"] == name, out  # type: ignore[index]


def test_one_schedule_per_site_on_one_deployment(plane) -> None:
    server, _ = plane
    dep = httpx.get(f"{server.api}/deployments/name/nightly-maintenance/nightly", timeout=5).json()
    by_slug = {s["slug"]: s.get("parameters") for s in dep["schedules"]}
    assert by_slug == {"nightly-www": {"site": "www"}, "nightly-docs": {"site": "docs"}}
    assert dep["parameters"]["site"] == "www"


def test_a_run_started_without_the_tag_names_its_site_itself(plane) -> None:
    """A run from the API, a schedule or the UI carries only its deployment's tags; its
    flow's first step tags it ``site:NAME`` (flows/single_run.py), so ``runs --site`` finds it."""
    server, _ = plane
    dep = httpx.get(f"{server.api}/deployments/name/scheduled-publish/due", timeout=5).json()
    run = httpx.post(
        f"{server.api}/deployments/{dep['id']}/create_flow_run",
        json={"parameters": {"site": "docs"}, "state": {"type": "SCHEDULED"}},
        timeout=10,
    ).json()
    assert not any(t.startswith("site:") for t in run["tags"])

    def done() -> dict | None:
        r = httpx.get(f"{server.api}/flow_runs/{run['id']}", timeout=5).json()
        return r if r["state"]["type"] in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"} else None

    ended = wait_until(done, 300, "the scheduled-publish run to end")
    assert ended["state"]["type"] == "COMPLETED", ended["state"]
    assert "site:docs" in ended["tags"] and "hugopipe" in ended["tags"]
    code, rows, err = _cli(server, "runs", "--site", "docs", "--flow", "scheduled-publish")
    assert code == 0 and [r["id"] for r in rows] == [run["id"]], (rows, err)  # type: ignore[union-attr]
