"""Served: a production rollback is approved like a deploy, bound to its plan, and recorded.

Real parts: the served ``rollback`` and ``publish`` deployments, a Prefect server, moto over
HTTP, the pinned Hugo. The rollback's plan (what it restores and deletes) has a hash; the
form shows it, the person approves it with the phrase, the apply task writes only that plan,
and the approvals log entry is in the new release record and the result file.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import httpx
import pytest

from tests.support import find_result, hugopipe, publish
from tests.test_publish_e2e import _etags, _production_releases, _resume, start_rollback

pytestmark = [pytest.mark.slow, pytest.mark.server]

PHRASE = {"confirmation": "DEPLOY TO PRODUCTION", "approver": "Ada (rollback)"}


def _released(served: dict, words: str) -> None:
    """One more production release (approved with the phrase) that changes about/."""
    page = served["site"] / "content" / "about.md"
    page.write_text(page.read_text() + f"\n{words}\n")
    code, out = publish(served["site"], "production")
    assert code == 5, out
    assert _resume(served["api"], out["flow_run_id"], PHRASE)["status"] == "ACCEPT"
    done = hugopipe("status", out["flow_run_id"], "--wait", "--timeout", "300", "--json")
    assert done.returncode == 0, done.stdout


def _form(api: str, run_id: str) -> str:
    run = httpx.get(f"{api}/flow_runs/{run_id}").json()
    keyset = run["state"]["state_details"]["run_input_keyset"]
    return httpx.get(f"{api}/flow_runs/{run_id}/input/{keyset['description']}").json()


def _manifest(served: dict) -> dict:
    obj = served["s3"].get_object(
        Bucket="hugopipe-example-production", Key=".hugopipe/manifest.json.gz"
    )
    return json.loads(gzip.decompress(obj["Body"].read()))


def _finished(run_id: str) -> dict:
    proc = hugopipe("status", run_id, "--wait", "--timeout", "300", "--json")
    return json.loads(proc.stdout)


def test_an_approved_production_rollback_is_bound_to_its_plan_and_recorded(
    served: dict,
) -> None:
    while _production_releases(served) < 2:  # something to roll back to
        _released(served, "A release for the rollback approval test.")
    before = _etags(served["s3"])
    run_id = start_rollback(served)["flow_run_id"]
    waiting = find_result(run_id)
    digest = waiting.outputs["plan_hash"]
    assert waiting.status == "paused" and len(digest) == 64
    form = _form(served["api"], run_id)
    assert f"Your approval covers rollback plan `{digest[:12]}`" in form, form
    assert "This question expires at" in form and " UTC" in form
    assert _etags(served["s3"]) == before  # nothing written while it waits

    assert _resume(served["api"], run_id, PHRASE)["status"] == "ACCEPT"
    assert _finished(run_id)["state_type"] == "COMPLETED"
    assert _etags(served["s3"]) != before

    log = Path(os.environ["HUGOPIPE_APPROVALS_LOG"]).read_text().splitlines()
    entry = next(e for e in map(json.loads, reversed(log)) if e["flow_run_id"] == run_id)
    assert (entry["plan_hash"], entry["environment"], entry["approver"]) == (
        digest,
        "production",
        "Ada (rollback)",
    )
    done = find_result(run_id)
    assert done.status == "success"
    assert done.outputs["plan_hash"] == digest and done.outputs["approval"] == entry
    assert f"plan {digest[:12]}" in done.summary
    manifest = _manifest(served)  # the new release record carries this rollback's approval
    assert manifest["release_id"] == done.outputs["new_release"]
    assert manifest["rolled_back_from"] == done.outputs["from_release"]
    assert manifest["approval"] == entry
    assert (
        hugopipe("approvals", "verify", "--head", entry["hash"]).returncode == 0
    )  # the entry the release names is in the log


def test_a_rollback_approved_for_one_plan_writes_nothing_when_the_bucket_changed(
    served: dict,
) -> None:
    """The person approved restoring release A over release B; a deploy lands in between,
    so the same rollback would now overwrite release C: nothing is written."""
    while _production_releases(served) < 2:
        _released(served, "A release before the rollback binding test.")
    run_id = start_rollback(served)["flow_run_id"]
    approved = find_result(run_id).outputs["plan_hash"]
    _released(served, "A release that lands while the rollback waits.")
    before = _etags(served["s3"])
    releases = _production_releases(served)

    assert _resume(served["api"], run_id, PHRASE)["status"] == "ACCEPT"
    assert _finished(run_id)["state_type"] == "FAILED"
    assert _etags(served["s3"]) == before and _production_releases(served) == releases
    result = find_result(run_id)
    text = result.render()
    assert result.failure_class == "configuration", text[-2000:]
    assert f"the approval was given for plan {approved[:12]}" in text, text[-2000:]
    assert "nothing was written" in text
    log = Path(os.environ["HUGOPIPE_APPROVALS_LOG"]).read_text()
    assert run_id not in log  # nothing was approved for the plan the run would now apply
