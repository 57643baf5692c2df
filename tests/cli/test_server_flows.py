"""The CLI against a real Prefect server running the real publish flow (served, moto over HTTP).

Uses the session fixtures from tests/conftest.py: ``served`` runs
deployments/serve.py with ``HUGOPIPE_FAULT_INJECT=apply-deploy-dev=2`` (the dev
deploy fails twice with an injected TransientError, then succeeds) and a 1 s
retry delay.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from hugopipe.hugo import hugo_binary, hugo_env
from tests.cli import json_fields as F
from tests.cli.conftest import run_cli
from tests.support import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]


def flow_run(api: str, run_id: str) -> dict:
    return httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()


def count_runs(api: str) -> int:
    return httpx.post(f"{api}/flow_runs/count", json={}, timeout=10).json()


def _production_etags(s3) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket="hugopipe-example-production")
    return {o["Key"]: o["ETag"] for o in listed.get("Contents", [])}


def test_production_pauses_and_cli_approve_refuses(served: dict) -> None:
    bucket_before = _production_etags(served["s3"])  # production may already hold a release
    out = run_cli("run", "publish", "--env", "production", "--wait", "--timeout", "400", "--json")
    assert out.returncode == 5, out.stderr  # paused, waiting for approval
    data = json.loads(out.stdout)
    assert F.keys(data) == F.RUN_OUTCOME
    run_id = data["flow_run_id"]
    assert data["state_type"] == "PAUSED" and data["waiting_for_approval"] is True
    assert data["ui_url"].endswith(f"/v2/runs/flow-run/{run_id}")
    before = httpx.get(f"{served['api']}/flow_run_states/", params={"flow_run_id": run_id}).json()

    refused = run_cli("approve", run_id, "--json")
    assert refused.returncode == 3, refused.stderr
    assert json.loads(refused.stdout)["refused"] is True
    assert F.keys(json.loads(refused.stdout)) == F.APPROVE_REFUSED
    assert f"/v2/runs/flow-run/{run_id}" in refused.stderr
    # nothing changed: still paused, no new state, the input was never answered
    run = flow_run(served["api"], run_id)
    assert run["state"]["type"] == "PAUSED"
    after = httpx.get(f"{served['api']}/flow_run_states/", params={"flow_run_id": run_id}).json()
    assert [s["id"] for s in after] == [s["id"] for s in before]
    keyset = run["state"]["state_details"]["run_input_keyset"]
    r = httpx.get(f"{served['api']}/flow_runs/{run_id}/input/{keyset['response']}", timeout=10)
    assert r.status_code == 404

    # the production bucket received nothing
    assert _production_etags(served["s3"]) == bucket_before

    # reject is allowed for any environment; it ends the paused run
    rej = run_cli("reject", run_id, "--reason", "test over", "--json")
    assert rej.returncode == 0, rej.stderr
    assert F.keys(json.loads(rej.stdout)) == F.REJECTED
    wait_until(
        lambda: flow_run(served["api"], run_id)["state"]["type"] == "CANCELLED",
        120,
        "the rejected run to be cancelled",
    )
    history = httpx.get(f"{served['api']}/flow_run_states/", params={"flow_run_id": run_id}).json()
    assert any(
        "Rejected: test over" in (s["message"] or "") for s in history
    )  # the reason is on record
    st = json.loads(run_cli("status", run_id, "--json").stdout)
    assert (st["state_type"], st["state_message"]) == ("CANCELLED", "Rejected: test over"), st
    assert F.keys(st) == F.RUN_OUTCOME
    # and in the result file Claude Code reads: who stopped it, why, and that nothing shipped
    res = run_cli("result", run_id, "--json")
    assert res.returncode == 0, res.stderr
    stopped = json.loads(res.stdout)
    assert stopped["assembled"] is False
    assert F.keys(stopped) == F.RESULT and F.keys(stopped["result"]) == F.RESULT_FILE
    result = stopped["result"]
    assert result["status"] == "cancelled" and result.get("failure_class") is None, result
    assert result["next_step"].startswith("Rejected: test over. Nothing was deployed."), result
    assert result["outputs"]["errors"] == [{"message": "Rejected: test over"}]
    assert "**approval**: Rejected: test over" in result["summary"]


def test_retries_shows_two_transient_failures_then_success(served: dict) -> None:
    out = run_cli("run", "publish", "--env", "dev", "--wait", "--timeout", "400", "--json")
    assert out.returncode == 0, out.stderr
    run_id = json.loads(out.stdout)["flow_run_id"]

    res = run_cli("retries", run_id, "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert F.keys(data) == F.RETRIES
    assert all(F.keys(t) == F.RETRIES_TASK for t in data["tasks"])
    assert all(F.keys(a) == F.RETRIES_ATTEMPT for t in data["tasks"] for a in t["attempts"])
    (apply,) = [t for t in data["tasks"] if t["task_name"].startswith("apply-deploy")]
    attempts = apply["attempts"]
    assert len(attempts) == 3
    assert [a["outcome"] for a in attempts] == ["failed", "failed", "success"]
    assert [a["failure_class"] for a in attempts] == ["transient", "transient", None]
    assert all("injected transient fault" in a["error"] for a in attempts[:2])
    assert len(apply["retry_delays_seconds"]) == 2
    assert all(0 <= d <= 5 for d in apply["retry_delays_seconds"])  # 1 s ± jitter
    assert attempts[0]["next_step"].startswith("Retried automatically")
    others = [t for t in data["tasks"] if not t["task_name"].startswith("apply-deploy")]
    assert others and all(len(t["attempts"]) <= 1 for t in others)

    text = run_cli("retries", run_id, "--task", "apply-deploy")
    assert text.returncode == 0
    assert "3 attempt(s)" in text.stdout
    rows = [
        line
        for line in text.stdout.splitlines()
        if re.search(r"\stransient\s+TransientError", line)
    ]
    assert len(rows) == 2  # the class column of the two failed attempts

    result = run_cli("result", run_id, "--json")
    assert result.returncode == 0, result.stderr
    rdata = json.loads(result.stdout)
    assert rdata["assembled"] is False  # the flow wrote it
    assert rdata["result"]["status"] == "success"
    assert Path(rdata["path"]).is_file()

    logs = run_cli("logs", run_id, "--task", "apply-deploy", "--json")
    assert all(F.keys(line) == F.LOGS_ROW for line in json.loads(logs.stdout))
    assert any("Retry 1/" in line["message"] for line in json.loads(logs.stdout))


def test_submit_staging_task_checks_expected_outputs(served: dict, tmp_path: Path) -> None:
    task = tmp_path / "2026-01-19-1500-hugo-deploy-staging.md"
    task.write_text(
        f"""---
task_id: cli-test-{tmp_path.name[-12:]}
task_type: hugo-deploy-staging
created_by: claude-code
timeout_minutes: 7
context:
  user_request: "Deploy updated homepage to staging"
params:
  site_path: {served["site"]}
  environment: staging
  bucket: s3://ignored-by-design
expected_outputs:
  - build_success: boolean
  - uploaded_files: integer (>0)
  - errors: array (empty)
  - http_status: integer (==200)
---
Deploy to staging.
"""
    )
    out = run_cli("submit", str(task), "--wait", "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr + json.dumps(data.get("expected_outputs"), indent=1)
    assert data["state"] == "Completed" and data["passed"] is True
    assert F.keys(data) == F.SUBMIT | {"result"}
    assert F.keys(data["result"]) == F.SUBMIT_RESULT
    assert all(F.keys(c) == F.OUTPUT_CHECK for c in data["expected_outputs"])
    assert {c["name"]: c["passed"] for c in data["expected_outputs"]} == {
        "build_success": True,
        "uploaded_files": True,
        "errors": True,
        "http_status": True,
    }
    assert Path(data["result_path"]).name == f"{data['task_id']}.result.md"
    assert any("bucket" in n for n in data["notices"])


def test_submit_malformed_creates_no_run(served: dict, tmp_path: Path) -> None:
    task = tmp_path / "bad.md"
    task.write_text(
        "---\ntask_id: bad\ntask_type: hugo-deploy-staging\ntimeout_minutes: never\n---\n"
    )
    before = count_runs(served["api"])
    out = run_cli("submit", str(task), "--wait")
    assert out.returncode == 2
    assert f"{task}:4: timeout_minutes" in out.stderr
    assert count_runs(served["api"]) == before


def test_doctor_passes_against_the_served_stack(served: dict) -> None:
    out = run_cli(
        "doctor",
        "--site",
        str(served["site"]),
        "--json",
        env={"HUGOPIPE_S3_ENDPOINT": served["endpoint"]},
    )
    data = json.loads(out.stdout)
    failed = [c for c in data["checks"] if c["essential"] and not c["ok"]]
    assert out.returncode == 0 and data["ok"] is True, failed
    assert F.keys(data) == F.DOCTOR
    assert all(F.keys(c) == F.DOCTOR_CHECK for c in data["checks"])
    names = {c["name"] for c in data["checks"]}
    assert {
        "hugo",
        "prefect-api",
        "deployment publish/site",
        "aws-credentials",
        "s3 production",
    } <= names
    assert "testing-secret-not-real" not in out.stdout + out.stderr  # never a secret


def test_plan_production_is_read_only(served: dict) -> None:
    s3 = served["s3"]
    before = s3.list_objects_v2(Bucket="hugopipe-example-production").get("KeyCount", 0)
    out = run_cli(
        "plan",
        "--env",
        "production",
        "--site",
        str(served["site"]),
        "--json",
        env={"HUGOPIPE_S3_ENDPOINT": served["endpoint"]},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["production"] is True
    assert data["plan"]["summary"]["uploads"] > 0
    assert F.keys(data) == F.PLAN and F.keys(data["plan"]) == F.DEPLOY_PLAN
    assert F.keys(data["plan"]["summary"]) == F.PLAN_SUMMARY
    assert s3.list_objects_v2(Bucket="hugopipe-example-production").get("KeyCount", 0) == before


def test_deploy_and_rollback_take_credentials_from_the_block(served: dict) -> None:
    """With no AWS credentials in the environment, the direct commands use the environment's
    Prefect block, as `plan` and the flows do (the demo keeps its keys only there)."""
    no_aws = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
    }
    site = served["site"]
    hugo = subprocess.run(
        [str(hugo_binary()), "--quiet", "--environment", "staging", "-d", "public"],
        cwd=site,
        env=hugo_env(),
        capture_output=True,
        text=True,
    )
    assert hugo.returncode == 0, hugo.stderr
    try:
        out = run_cli(
            "deploy", "--site", str(site), "--target", "staging", "--dry-run", "--json", env=no_aws
        )
        assert out.returncode == 0, out.stderr
        assert "uploads" in json.loads(out.stdout)["plan"]["summary"]
        deployed = json.loads(out.stdout)
        assert F.keys(deployed) == F.DEPLOY and F.keys(deployed["plan"]) == F.DEPLOY_PLAN
        assert F.keys(deployed["report"]) == F.APPLY_REPORT
        listed = run_cli("rollback", "--env", "staging", "--site", str(site), "--list", env=no_aws)
        assert listed.returncode == 0, listed.stderr
        releases = run_cli(
            "rollback", "--env", "staging", "--site", str(site), "--list", "--json", env=no_aws
        )
        assert releases.returncode == 0, releases.stderr
        assert all(F.keys(r) == F.RELEASE for r in json.loads(releases.stdout))
    finally:
        shutil.rmtree(site / "public", ignore_errors=True)
    # and without the block either, the error says where credentials are looked for
    gone = run_cli(
        "rollback", "--env", "staging", "--site", str(site), "--list",
        env={**no_aws, "PREFECT_API_URL": "http://127.0.0.1:9/api"},
    )  # fmt: skip
    assert gone.returncode == 4, gone.stderr
    assert "AwsCredentials block" in gone.stderr and "Traceback" not in gone.stderr
