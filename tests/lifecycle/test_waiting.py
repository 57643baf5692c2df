"""Runs that wait for a person: staging's threshold, requires_approval, the CLI's limits,
a restart of the serving process, expiry, and the notification automation.

Against a real Prefect server with its event services (this package's conftest), a
served ``deployments/serve.py``, moto over HTTP and real Hugo builds. The notification
block posts to a receiver on loopback; what it receives is what a person's phone gets.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from hugopipe.results import ResultFile
from tests.lifecycle.conftest import Life, life_site
from tests.support import process_of, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]


def _publish(life: Life, site: Path, env: str, *, wait: bool = True) -> tuple[int, dict]:
    args = ["run", "publish", "--env", env, "--site", str(site), "--json"]
    if wait:
        args += ["--wait", "--timeout", "300"]
    proc = life.cli(*args)
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _object(life: Life, bucket: str, key: str) -> bytes | None:
    import gzip

    s3 = life.s3  # type: ignore[attr-defined]
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    body = obj["Body"].read()
    return gzip.decompress(body) if obj.get("ContentEncoding") == "gzip" else body


def _empty(life: Life, bucket: str) -> None:
    """Delete every object of ``bucket`` (the deploy state in ``.hugopipe/`` too): the
    session's buckets are shared, and an earlier test (test_cards_ui.py) publishes the same
    example site to staging, after which nothing would be new."""
    s3 = life.s3  # type: ignore[attr-defined]
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def _result(life: Life, run_id: str) -> ResultFile | None:
    for path in sorted((life.root / "results").rglob("*.result.md")):
        result = ResultFile.parse(path.read_text())
        if result.flow_run_id == run_id:
            return result
    return None


def _notified(life: Life, run_id: str, words: str) -> dict:
    def found() -> dict | None:
        return next((b for b in life.receiver.about(run_id) if words in json.dumps(b)), None)

    return wait_until(found, 90, f"a notification about {run_id} saying {words!r}")


def test_staging_above_the_threshold_asks_survives_a_restart_and_is_approved_from_the_cli(
    life: Life, tmp_path: Path
) -> None:
    site = life_site(tmp_path, "approve_automatically_up_to_pages = 3")
    _empty(life, "hugopipe-life-staging")
    life.start_serve(site)
    try:
        code, run = _publish(life, site, "staging")  # a first publish: every page is new
        assert code == 5, run  # waiting for a person
        run_id = run["flow_run_id"]
        assert life.state(run_id) == ("PAUSED", "Suspended")  # no process holds it
        assert _object(life, "hugopipe-life-staging", "index.html") is None
        paused = _result(life, run_id)
        assert paused is not None and paused.status == "paused"
        # the automation told a person: the verdict and the /v2 link
        note = _notified(life, run_id, f"/v2/runs/flow-run/{run_id}")
        assert "pages added" in json.dumps(note)

        # the serving process restarts; the approval is still pending and still answerable.
        # Once the run's own process has exited: a stop while it is still winding down
        # marks the run Crashed (Prefect 3.8's runner; README, "Restarts and expiry")
        wait_until(lambda: not process_of(run_id), 60, "the suspended run's process to exit")
        life.stop_serve()
        assert life.state(run_id) == ("PAUSED", "Suspended")
        life.start_serve(site)
        # serve.py made its automations again on start: still one of each (by name)
        autos = httpx.post(f"{life.api}/automations/filter", json={}, timeout=10).json()
        names = sorted(a["name"] for a in autos if a["name"].startswith("hugopipe:"))
        assert names == ["hugopipe: a run failed or expired", "hugopipe: a run waits for a person"]
        approved = life.cli("approve", run_id, "--note", "looks right", "--json")
        assert approved.returncode == 0, approved.stderr
        assert life.wait_state(run_id, {"COMPLETED", "FAILED", "CRASHED"}) == "COMPLETED"
        assert _object(life, "hugopipe-life-staging", "index.html") is not None
        final = _result(life, run_id)
        assert final is not None and final.status == "success"
        assert "approved on the approval card (looks right)" in final.summary

        # one page changed: below the threshold, so it goes without asking
        page = site / "content" / "privacy.md"
        page.write_text(page.read_text() + "\nA small edit under the threshold.\n")
        code, small = _publish(life, site, "staging")
        assert code == 0, small
        body = _object(life, "hugopipe-life-staging", "privacy/index.html") or b""
        assert b"A small edit under the threshold." in body
    finally:
        life.stop_serve()


def test_a_task_files_requires_approval_asks_and_production_refuses_the_cli(
    life: Life, tmp_path: Path
) -> None:
    site = life_site(tmp_path)  # no threshold: staging would never ask on its own
    life.start_serve(site)
    try:
        # written outside pending/ (which the serving process's intake watches): submit
        # copies it into the exchange, so the test, not the intake, starts its run
        task = tmp_path / "2026-12-05-0300-hugo-deploy-staging.md"
        task.write_text(
            "---\ntask_id: 2026-12-05-0300-hugo-deploy-staging\n"
            "task_type: hugo-deploy-staging\nrequires_approval: true\n"
            f"params:\n  site_path: {site}\n  environment: staging\n"
            "context:\n  user_request: Publish the new privacy wording\n---\nDeploy.\n"
        )
        submitted = life.cli("submit", str(task), "--json")
        data = json.loads(submitted.stdout or "{}")
        run_id = data.get("flow_run_id")
        assert run_id, submitted.stderr + submitted.stdout
        assert life.wait_state(run_id, {"PAUSED", "COMPLETED", "FAILED"}) == "PAUSED"
        assert life.run(run_id)["parameters"]["ask_a_person"] is True
        refused = life.cli("decide", run_id, "proceed")
        assert refused.returncode == 2 and "approve" in refused.stderr  # an approval, not a card
        rejected = life.cli("reject", run_id, "--reason", "not today")
        assert rejected.returncode == 0, rejected.stderr
        assert life.wait_state(run_id, {"CANCELLED", "COMPLETED", "FAILED"}) == "CANCELLED"

        # production waits too, and the CLI can neither approve nor decide it
        _, prod = _publish(life, site, "production", wait=False)
        prod_id = prod["flow_run_id"]
        assert life.wait_state(prod_id, {"PAUSED", "COMPLETED", "FAILED"}) == "PAUSED"
        for args in (("approve", prod_id), ("decide", prod_id, "proceed")):
            out = life.cli(*args, "--site", str(site))
            assert out.returncode == 3, out.stderr  # refused; nothing sent
            assert "production" in out.stderr and "DEPLOY TO PRODUCTION" in out.stderr
        assert life.state(prod_id)[0] == "PAUSED"
        life.cli("reject", prod_id, "--reason", "test over")
        life.wait_state(prod_id, {"CANCELLED"})
    finally:
        life.stop_serve()


def test_an_expired_approval_deploys_nothing_and_says_why(life: Life, tmp_path: Path) -> None:
    site = life_site(
        tmp_path, 'approve_automatically_up_to_pages = 0\napproval_expires_after = "4s"'
    )
    page = site / "content" / "about.md"
    marker = "This edit waited for an approval that never came."
    page.write_text(page.read_text() + f"\n{marker}\n")
    life.start_serve(site)
    try:
        code, run = _publish(life, site, "staging")
        assert code == 5, run
        run_id = run["flow_run_id"]
        # Prefect's pause expiry fails it on the server; no process of the run is left
        assert life.wait_state(run_id, {"FAILED", "COMPLETED"}, timeout=120) == "FAILED"
        assert "never resumed" in life.run(run_id)["state"]["message"]
        body = _object(life, "hugopipe-life-staging", "about/index.html") or b""
        assert marker.encode() not in body  # nothing was deployed
        # the serving process records the expiry in the run's result file
        result = wait_until(
            lambda: (r := _result(life, run_id)) and r.status != "paused" and r,
            60,
            "the result file to record the expiry",
        )
        assert result.status == "failed" and result.outputs.get("expired") is True
        assert "nothing was deployed" in result.next_step
        # and the failure automation told a person, with the link
        note = _notified(life, run_id, "Expired")
        assert f"/v2/runs/flow-run/{run_id}" in json.dumps(note)
    finally:
        life.stop_serve()
