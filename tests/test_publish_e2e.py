"""The walking skeleton end to end: served deployments, a real Prefect server, moto over HTTP.

Staging publishes straight through; production pauses until the typed phrase
arrives, the server refuses any other phrase, and nothing reaches the
production bucket before approval.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from hugopipe.prefect_rest import TERMINAL
from tests.support import find_result, hugopipe, publish, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.sqlite]

EXPECTED_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml; charset=utf-8",
}


def _keys(s3, bucket: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = obj
    return out


def start_rollback(served: dict) -> dict:
    """``hugopipe run rollback --env production --wait``: its --json, once it waits for a person."""
    proc = hugopipe(
        "run", "rollback", "--env", "production", "--site", str(served["site"]),
        "--wait", "--timeout", "300", "--json",
    )  # fmt: skip
    out = json.loads(proc.stdout)
    assert proc.returncode == 5 and out["waiting_for_approval"] is True, (proc.stderr, out)
    return out


def _resume(api: str, run_id: str, run_input: dict | None) -> dict:
    """POST /resume, retried on a busy-database 5xx as the CLI's client does; returns the verdict."""
    for _attempt in range(5):
        resp = httpx.post(
            f"{api}/flow_runs/{run_id}/resume", json={"run_input": run_input}, timeout=30
        )
        if resp.status_code < 500:
            return resp.json()
        wait_until(lambda: httpx.get(f"{api}/health").status_code == 200, 30, "the API")
    raise AssertionError(f"resume kept failing: {resp.status_code} {resp.text[:200]}")


def _etags(s3) -> dict[str, str]:
    return {k: v["ETag"] for k, v in _keys(s3, "hugopipe-example-production").items()}


@pytest.fixture(scope="module")
def staging_run(served: dict) -> dict:
    code, out = publish(served["site"], "staging")
    assert code == 0, out
    return out


def test_staging_publish_lands_every_file_with_the_right_type(
    served: dict, staging_run: dict
) -> None:
    assert staging_run["state_type"] == "COMPLETED"
    assert staging_run["ui_url"].endswith(f"/v2/runs/flow-run/{staging_run['flow_run_id']}")
    public = served["site"] / ".hugopipe" / "public" / "staging"
    local = {p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file()}
    remote = {
        k for k in _keys(served["s3"], "hugopipe-example-staging") if not k.startswith(".hugopipe")
    }
    assert local and remote == local
    for key in sorted(local):
        suffix = Path(key).suffix
        head = served["s3"].head_object(Bucket="hugopipe-example-staging", Key=key)
        if key.endswith("sitemap.xml"):
            assert head["ContentType"].startswith("application/xml"), (
                key
            )  # hugo deploy says rss+xml
        elif key.endswith("index.xml"):
            assert head["ContentType"].startswith("application/rss+xml"), key
        elif suffix in EXPECTED_TYPES:
            assert head["ContentType"] == EXPECTED_TYPES[suffix], key


def test_a_staging_write_holds_its_buckets_slot(served: dict, staging_run: dict) -> None:
    """The write slot is named by the bucket, so two sites' staging buckets do not take turns
    (tasks/serialise.py); it is free again once the run is over."""
    limits = httpx.post(f"{served['api']}/v2/concurrency_limits/filter", json={}).json()
    slots = {c["name"]: c for c in limits if c["name"].startswith("deploy-")}
    assert "deploy-s3-hugopipe-example-staging" in slots, sorted(slots)
    assert "deploy-staging" not in slots
    assert slots["deploy-s3-hugopipe-example-staging"]["active_slots"] == 0


def test_staging_run_writes_a_result_file(staging_run: dict) -> None:
    result = find_result(staging_run["flow_run_id"])
    assert result.status == "success"
    assert result.outputs["build_success"] is True
    assert result.outputs["file_count"] > 20
    assert result.outputs["http_status"] == 200
    assert "Next Steps" in result.summary
    assert "testing-secret-not-real" not in result.render()


def test_second_publish_uploads_nothing(served: dict, staging_run: dict) -> None:
    code, out = publish(served["site"], "staging")
    assert code == 0 and out["state_type"] == "COMPLETED"
    assert find_result(out["flow_run_id"]).outputs["uploaded_files"] == 0


def test_production_pauses_and_only_the_exact_phrase_resumes(
    served: dict, staging_run: dict
) -> None:
    api = served["api"]
    # other tests may have published production already: change a page so there is work to hold back
    page = served["site"] / "content" / "contact.md"
    page.write_text(page.read_text() + "\nCall us before noon for same-day quotes.\n")
    before = _etags(served["s3"])
    code, out = publish(served["site"], "production")
    assert code == 5, out  # paused for approval
    run_id = out["flow_run_id"]
    assert out["state_type"] == "PAUSED" and out["waiting_for_approval"] is True
    assert out["ui_url"].endswith(f"/v2/runs/flow-run/{run_id}")
    assert _etags(served["s3"]) == before

    # while it waits, `result` reads the file the flow wrote (not one assembled from the API)
    res = hugopipe("result", run_id, "--json")
    waiting = json.loads(res.stdout)
    assert res.returncode == 0 and waiting["assembled"] is False, res.stderr
    assert waiting["result"]["status"] == "paused"
    assert waiting["result"]["flow_run_id"] == run_id
    assert "approve" in waiting["result"]["next_step"].lower()

    # the approval form shows what will change
    run = httpx.get(f"{api}/flow_runs/{run_id}").json()
    keyset = run["state"]["state_details"]["run_input_keyset"]
    description = httpx.get(f"{api}/flow_runs/{run_id}/input/{keyset['description']}").json()
    assert "DEPLOY TO PRODUCTION" in description and "upload" in description.lower()

    for wrong in (
        {"confirmation": "deploy to production"},
        {"confirmation": "DEPLOY TO PRODUCTION "},
        {},
        None,
        {"confirmation": "DEPLOY TO PRODUCTION", "skip": True},
    ):
        resp = _resume(api, run_id, wrong)
        assert resp["status"] == "REJECT", (wrong, resp)
        assert httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] == "PAUSED"
    assert _etags(served["s3"]) == before

    resp = _resume(api, run_id, {"confirmation": "DEPLOY TO PRODUCTION", "note": "tested"})
    assert resp["status"] == "ACCEPT", resp
    proc = hugopipe("status", run_id, "--wait", "--timeout", "300", "--json")
    code, done = proc.returncode, json.loads(proc.stdout)
    assert code == 0 and done["state_type"] == "COMPLETED", done
    assert done["deployment"] == "publish/site", done
    public = served["site"] / ".hugopipe" / "public" / "production"
    local = {p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file()}
    remote = {
        k
        for k in _keys(served["s3"], "hugopipe-example-production")
        if not k.startswith(".hugopipe")
    }
    assert remote == local
    assert find_result(run_id).status == "success"


def test_cancelled_production_run_deploys_nothing(served: dict, staging_run: dict) -> None:
    s3 = served["s3"]
    before = _etags(s3)
    page = served["site"] / "content" / "about.md"
    page.write_text(page.read_text() + "\nA sentence that must not reach production.\n")
    code, out = publish(served["site"], "production")
    assert code == 5, out
    api = served["api"]
    httpx.post(
        f"{api}/flow_runs/{out['flow_run_id']}/set_state",
        json={"state": {"type": "CANCELLING", "message": "rejected by test"}},
    )
    wait_until(
        lambda: (
            httpx.get(f"{api}/flow_runs/{out['flow_run_id']}").json()["state"]["type"]
            == "CANCELLED"
        ),
        120,
        "the run to be cancelled",
    )
    after = _etags(s3)
    assert after == before


def _engine_of(serve_pid: int, run_id: str) -> int:
    """The pid of the serve child that executes ``run_id`` (Linux: from /proc)."""
    for proc in Path("/proc").iterdir():
        try:
            if (
                not proc.name.isdigit()
                or f"PPid:\t{serve_pid}\n" not in (proc / "status").read_text()
            ):
                continue
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        kid = proc.name
        if f"PREFECT__FLOW_RUN_ID={run_id}".encode() in environ:
            return int(kid)
    raise AssertionError(f"no process of serve ({serve_pid}) runs {run_id}")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_run_waiting_for_approval_holds_no_process_and_a_reject_says_so(
    served: dict, staging_run: dict
) -> None:
    """Issue 16 changed this: a served run waiting for approval is suspended, so no process
    of serve holds it (stopping serve or a worker cannot end it; tests/lifecycle restarts
    serve under one and approves it afterwards). A reject then ends it, and its result file
    says who stopped it and that nothing was deployed, though no flow code ran again."""
    s3 = served["s3"]
    page = served["site"] / "content" / "about.md"
    page.write_text(page.read_text() + "\nAnother sentence that must not reach production.\n")
    before = _etags(s3)
    code, out = publish(served["site"], "production")
    assert code == 5, out
    run_id = out["flow_run_id"]
    api = served["api"]
    assert httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["name"] == "Suspended"

    def engine_gone() -> bool:  # the engine exits right after it suspends the run
        try:
            _engine_of(served["serve_pid"], run_id)
        except AssertionError:
            return True
        return False

    wait_until(engine_gone, 60, "the suspended run's process to exit")
    assert find_result(run_id).status == "paused"
    rej = hugopipe("reject", run_id, "--reason", "wrong day")
    assert rej.returncode == 0, rej.stderr
    assert httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] == "CANCELLED"
    result = find_result(run_id)
    assert result.status == "cancelled", result
    assert result.next_step.startswith("Rejected: wrong day. Nothing was deployed."), result
    assert _etags(s3) == before


def _production_releases(served: dict) -> int:
    listed = served["s3"].list_objects_v2(
        Bucket="hugopipe-example-production", Prefix=".hugopipe/releases/"
    )
    return listed.get("KeyCount", 0)


def test_production_rollback_pauses_for_the_same_approval(served: dict, staging_run: dict) -> None:
    """Rolling production back writes to production too: the rollback flow waits for the same
    typed phrase, with the rollback plan in the form, and a reject leaves the bucket as it was."""
    api = served["api"]
    page = served["site"] / "content" / "about.md"
    while _production_releases(served) < 2:  # something to roll back to
        page.write_text(page.read_text() + "\nA release to roll back from.\n")
        code, out = publish(served["site"], "production")
        assert code == 5, out
        assert (
            _resume(api, out["flow_run_id"], {"confirmation": "DEPLOY TO PRODUCTION"})["status"]
            == "ACCEPT"
        )
        done = hugopipe("status", out["flow_run_id"], "--wait", "--timeout", "300", "--json")
        assert done.returncode == 0, done.stdout
    before = _etags(served["s3"])
    out = start_rollback(served)
    run_id = out["flow_run_id"]
    assert out["ui_url"].endswith(f"/v2/runs/flow-run/{run_id}")
    run = httpx.get(f"{api}/flow_runs/{run_id}").json()
    keyset = run["state"]["state_details"]["run_input_keyset"]
    description = httpx.get(f"{api}/flow_runs/{run_id}/input/{keyset['description']}").json()
    assert "DEPLOY TO PRODUCTION" in description and "rollback" in description.lower()
    assert _resume(api, run_id, {"confirmation": "yes"})["status"] == "REJECT"
    assert hugopipe("approve", run_id).returncode == 3  # the CLI never approves production
    rej = hugopipe("reject", run_id, "--reason", "not now")
    assert rej.returncode == 0, rej.stderr
    wait_until(
        lambda: httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] in TERMINAL,
        120,
        "the rejected rollback to end",
    )
    assert _etags(served["s3"]) == before
    stopped = find_result(run_id)
    assert (stopped.task_type, stopped.status) == ("rollback", "cancelled"), stopped
    assert stopped.next_step.startswith("Rejected: not now. Nothing was deployed."), stopped


def test_staging_rollback_restores_the_previous_release(served: dict, staging_run: dict) -> None:
    """The served rollback flow, end to end: staging goes back to the release before, byte
    for byte, and the run leaves a result file that says so."""
    s3, bucket = served["s3"], "hugopipe-example-staging"
    page = served["site"] / "content" / "about.md"
    page.write_text(page.read_text() + "\nA staging-only sentence to roll back.\n")
    previous = {k: v["ETag"] for k, v in _keys(s3, bucket).items() if not k.startswith(".hugopipe")}
    code, out = publish(served["site"], "staging")
    assert code == 0, out
    changed = {k: v["ETag"] for k, v in _keys(s3, bucket).items() if not k.startswith(".hugopipe")}
    assert changed != previous
    proc = hugopipe(
        "run", "rollback", "--env", "staging", "--site", str(served["site"]),
        "--wait", "--timeout", "300", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    now = {k: v["ETag"] for k, v in _keys(s3, bucket).items() if not k.startswith(".hugopipe")}
    assert now == previous
    done = find_result(json.loads(proc.stdout)["flow_run_id"])
    assert (done.task_type, done.status, done.failure_class) == ("rollback", "success", None)
    assert done.outputs["restored"] >= 1 and done.outputs["to_release"] in done.next_step
