"""Every ``--json`` output keeps its fields: real CLI processes, key sets written out.

Read and control commands run against the recording API (canned Prefect answers);
``submit``, ``validate`` and ``doctor`` run for real on this machine. The deploy-side
outputs (``plan``, ``deploy``, ``rollback``) need S3 and a build: their models are
frozen here, and the server tests check the same sets on real outputs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli import json_fields as F
from tests.cli.conftest import RecordingApi, run_cli
from tests.cli.test_cli_contract import (
    RUN_ID,
    STAGING_SCHEMA,
    paused_run,
    serve_run,
    site_with_config,
)
from tests.support import EXAMPLE_SITE, free_port

TASK_RUN = {
    "id": "tr-1",
    "name": "build-3f2",
    "run_count": 1,
    "state": {"type": "COMPLETED", "name": "Completed"},
}
TASK_STATES = [
    {"id": "s1", "type": "RUNNING", "name": "Running", "timestamp": "2026-01-19T14:30:01Z"},
    {"id": "s2", "type": "COMPLETED", "name": "Completed", "timestamp": "2026-01-19T14:30:03Z"},
]
LOG = {
    "timestamp": "2026-01-19T14:30:02.000Z",
    "level": 20,
    "task_run_id": "tr-1",
    "message": "built 29 pages",
}


@pytest.fixture
def api(recording_api: RecordingApi) -> RecordingApi:
    """A run of the publish flow with one task run, its states and one log line."""
    run = paused_run("staging")
    recording_api.route("GET", f"/flow_runs/{RUN_ID}", run)
    recording_api.route("POST", "/flow_runs/filter", [run])
    recording_api.route("POST", "/flows/filter", [{"id": "f1", "name": "publish"}])
    recording_api.route("POST", "/task_runs/filter", [TASK_RUN])
    recording_api.route("GET", "/task_run_states/", TASK_STATES)
    recording_api.route("POST", "/logs/filter", [LOG])
    recording_api.route("POST", "/artifacts/filter", [])
    recording_api.route("GET", "/flow_run_states/", [])
    recording_api.route(
        "POST", f"/flow_runs/{RUN_ID}/set_state", {"status": "ACCEPT", "details": {}}
    )
    return recording_api


def cli_json(api: RecordingApi, *args: str, codes: tuple[int, ...] = (0,)) -> object:
    out = run_cli(*args, "--json", env={"PREFECT_API_URL": api.url})
    assert out.returncode in codes, (args, out.returncode, out.stderr)
    return json.loads(out.stdout)


def test_run_and_status(api: RecordingApi) -> None:
    api.route("GET", "/deployments/name/publish/site", {"id": "d1", "parameters": {}})
    api.route("POST", "/deployments/d1/create_flow_run", paused_run("staging"))
    started = cli_json(api, "run", "publish", "--env", "staging")
    assert F.keys(started) == F.RUN_OUTCOME
    status = cli_json(api, "status", RUN_ID, codes=(5,))
    assert F.keys(status) == F.RUN_OUTCOME


def test_runs_and_logs(api: RecordingApi) -> None:
    rows = cli_json(api, "runs")
    assert isinstance(rows, list) and rows
    assert all(F.keys(r) == F.RUNS_ROW for r in rows)
    lines = cli_json(api, "logs", RUN_ID)
    assert isinstance(lines, list) and lines
    assert all(F.keys(line) == F.LOGS_ROW for line in lines)


def test_retries(api: RecordingApi) -> None:
    data = cli_json(api, "retries", RUN_ID)
    assert F.keys(data) == F.RETRIES
    (task,) = data["tasks"]  # type: ignore[index]
    assert F.keys(task) == F.RETRIES_TASK
    (attempt,) = task["attempts"]
    assert F.keys(attempt) == F.RETRIES_ATTEMPT


def test_result_assembled_with_expected_outputs(api: RecordingApi, tmp_path: Path) -> None:
    run = paused_run("staging")
    run["parameters"]["task_id"] = f"json-fields-{tmp_path.name[-10:]}"
    api.route("GET", f"/flow_runs/{RUN_ID}", run)
    task = tmp_path / "task.md"
    task.write_text(
        "---\ntask_id: t\ntask_type: hugo-build\nexpected_outputs:\n  - environment\n---\n"
    )
    data = cli_json(api, "result", RUN_ID, "--task-file", str(task))
    assert F.keys(data) == F.RESULT | {"expected_outputs"}
    assert F.keys(data["result"]) == F.RESULT_FILE  # type: ignore[index]
    assert all(F.keys(c) == F.OUTPUT_CHECK for c in data["expected_outputs"])  # type: ignore[index]
    again = cli_json(api, "result", RUN_ID)  # the file it wrote, found this time
    assert F.keys(again) == F.RESULT and F.keys(again["result"]) == F.RESULT_FILE  # type: ignore[index]


def test_approve_reject_cancel(api: RecordingApi, tmp_path: Path) -> None:
    refused = cli_json(api, "approve", RUN_ID, codes=(3,))  # no site: cannot tell, refuses
    assert F.keys(refused) == F.APPROVE_REFUSED
    site = site_with_config(tmp_path, "[environments.staging]\n")
    serve_run(api, paused_run("staging", site=str(site)), STAGING_SCHEMA)
    assert F.keys(cli_json(api, "approve", RUN_ID)) == F.APPROVED
    assert F.keys(cli_json(api, "reject", RUN_ID)) == F.REJECTED
    assert F.keys(cli_json(api, "cancel", RUN_ID)) == F.CANCELLED


def test_submit_invalid_and_local(recording_api: RecordingApi, tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntask_id: b\ntask_type: nope\n---\n")
    data = cli_json(recording_api, "submit", str(bad), codes=(2,))
    assert F.keys(data) == F.SUBMIT_INVALID
    assert all(F.keys(p) == F.PROBLEM for p in data["problems"])  # type: ignore[index]

    site = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, site, ignore=shutil.ignore_patterns(".hugopipe", "public"))
    good = tmp_path / "good.md"
    good.write_text(
        f"---\ntask_id: json-fields-{tmp_path.name[-10:]}\ntask_type: hugo-build\n"
        f"params:\n  site_path: {site}\n  environment: staging\n"
        "expected_outputs:\n  - build_success: boolean (true)\n---\n"
    )
    data = cli_json(recording_api, "submit", str(good))
    assert F.keys(data) == F.SUBMIT | {"result"}
    assert F.keys(data["result"]) == F.SUBMIT_RESULT  # type: ignore[index]
    assert all(F.keys(c) == F.OUTPUT_CHECK for c in data["expected_outputs"])  # type: ignore[index]
    assert recording_api.requests == []  # a local build never talks to Prefect


def test_validate(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, site, ignore=shutil.ignore_patterns(".hugopipe", "public"))
    (site / "content" / "broken.md").write_text(
        '---\ntitle: "Broken"\ndescription: "a page with a dead link"\n---\n[x](/nowhere/)\n'
    )
    out = run_cli("validate", "--site", str(site), "--json")
    data = json.loads(out.stdout)
    assert F.keys(data) == F.VALIDATE
    assert data["findings"] and all(F.keys(f) == F.FINDING for f in data["findings"])


def test_doctor_without_a_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    out = run_cli(
        "doctor", "--site", str(tmp_path / "none"), "--json", env={"PREFECT_API_URL": url}
    )
    assert out.returncode == 4, out.stderr
    data = json.loads(out.stdout)
    assert F.keys(data) == F.DOCTOR
    assert all(F.keys(c) == F.DOCTOR_CHECK for c in data["checks"])


def test_deploy_side_models() -> None:
    """plan, deploy and rollback print these models; the server tests check real outputs."""
    from hugopipe.deploy.models import ApplyReport, ObjectError, PlanSummary
    from hugopipe.deploy.plan import DeployPlan
    from hugopipe.deploy.releases import ReleaseInfo, RollbackPlan

    assert (
        set(DeployPlan.model_json_schema(mode="serialization")["properties"]) - {"kept"}
        == F.DEPLOY_PLAN
    )
    assert set(PlanSummary.model_fields) == F.PLAN_SUMMARY
    assert set(ApplyReport.model_fields) == F.APPLY_REPORT
    assert set(ObjectError.model_fields) == F.OBJECT_ERROR
    assert set(RollbackPlan.model_fields) - {"to_release"} == F.ROLLBACK_PLAN
    assert set(ReleaseInfo.model_fields) == F.RELEASE
