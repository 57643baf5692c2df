"""The CLI's contract with Claude Code, checked in separate processes against a recording API.

stdout carries data only (``--json`` parses, nothing else there), errors go to
stderr, exit codes are the documented ones, and refusals send nothing: the
recording server proves which requests a command made.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hugopipe.cli.cmd_approval import production_reasons
from tests.cli.conftest import RecordingApi, run_cli

RUN_ID = "8a4f6f55-0c1e-4d7e-9a3b-6a1c9d0f2b11"
PROD_SCHEMA = json.dumps(
    {
        "title": "ProductionApproval",
        "type": "object",
        "properties": {
            "confirmation": {"const": "DEPLOY TO PRODUCTION", "type": "string"},
            "note": {"default": "", "type": "string"},
        },
        "required": ["confirmation"],
        "additionalProperties": False,
    }
)
STAGING_SCHEMA = json.dumps(
    {
        "type": "object",
        "properties": {"approved": {"type": "boolean"}, "note": {"default": "", "type": "string"}},
        "required": ["approved"],
    }
)


def paused_run(env: str | None, key: str = "approval-1", site: str | None = None) -> dict:
    params = {"task_id": "t1"}
    if env:
        params["env"] = env
    if site:
        params["site"] = site
    return {
        "id": RUN_ID,
        "name": f"publish-{env}",
        "flow_id": "f1",
        "parameters": params,
        "state": {
            "type": "PAUSED",
            "name": "Paused",
            "message": None,
            "state_details": {
                "run_input_keyset": {
                    "schema": f"{key}-schema",
                    "description": f"{key}-description",
                    "response": f"{key}-response",
                }
            },
        },
        "start_time": "2026-01-19T14:30:00Z",
        "total_run_time": 3.2,
    }


def serve_run(api: RecordingApi, run: dict, schema: str) -> None:
    api.route("GET", f"/flow_runs/{RUN_ID}", run)
    key = run["state"]["state_details"]["run_input_keyset"]["schema"]
    api.route("GET", f"/flow_runs/{RUN_ID}/input/{key}", schema)
    api.route("POST", f"/flow_runs/{RUN_ID}/resume", {"status": "ACCEPT", "details": {}})


def site_with_config(tmp_path: Path, toml: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugopipe.toml").write_text(toml)
    return site


# -- approve refuses production, and changes nothing --------------------------------------


def test_approve_refuses_a_production_run(recording_api: RecordingApi) -> None:
    serve_run(recording_api, paused_run("production", key="production-approval-1"), PROD_SCHEMA)
    out = run_cli("approve", RUN_ID, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 3, out.stderr
    assert out.stdout == ""
    assert "refused" in out.stderr and "DEPLOY TO PRODUCTION" in out.stderr
    assert f"/v2/runs/flow-run/{RUN_ID}" in out.stderr
    assert "/runs/flow-run/" not in out.stderr.replace("/v2/runs/flow-run/", "")
    assert recording_api.writes == []  # not even an attempt to resume


def test_approve_refuses_when_the_schema_asks_for_the_phrase(
    recording_api: RecordingApi, tmp_path: Path
) -> None:
    # The env says staging, but the form wants the production phrase: refuse (either signal suffices).
    site = site_with_config(tmp_path, "[environments.staging]\n[environments.production]\n")
    serve_run(recording_api, paused_run("staging", site=str(site)), PROD_SCHEMA)
    out = run_cli("approve", RUN_ID, "--json", env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 3
    data = json.loads(out.stdout)
    assert data["refused"] is True and data["approved"] is False
    assert any("DEPLOY TO PRODUCTION" in r for r in data["reasons"])
    assert recording_api.writes == []


def test_approve_refuses_an_env_marked_production_in_config(
    recording_api: RecordingApi, tmp_path: Path
) -> None:
    site = site_with_config(
        tmp_path, "[environments.staging]\n[environments.live]\nproduction = true\n"
    )
    serve_run(recording_api, paused_run("live", site=str(site)), STAGING_SCHEMA)
    out = run_cli("approve", RUN_ID, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 3, out.stderr
    assert "'live' is marked production" in out.stderr
    assert recording_api.writes == []


@pytest.mark.parametrize("env", [None, "staging"])
def test_approve_fails_closed_when_unsure(recording_api: RecordingApi, env: str | None) -> None:
    # No env parameter, or a site whose hugopipe.toml cannot be read: cannot prove it is not production.
    serve_run(recording_api, paused_run(env, site="/nonexistent/site"), STAGING_SCHEMA)
    out = run_cli("approve", RUN_ID, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 3, out.stderr
    assert recording_api.writes == []


def test_approve_resumes_a_staging_run(recording_api: RecordingApi, tmp_path: Path) -> None:
    site = site_with_config(tmp_path, "[environments.staging]\n[environments.production]\n")
    serve_run(recording_api, paused_run("staging", site=str(site)), STAGING_SCHEMA)
    out = run_cli(
        "approve",
        RUN_ID,
        "--note",
        "looks good",
        "--json",
        env={"PREFECT_API_URL": recording_api.url},
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["approved"] is True
    assert recording_api.writes == [
        (
            "POST",
            f"/flow_runs/{RUN_ID}/resume",
            {"run_input": {"approved": True, "note": "looks good"}},
        )
    ]


def test_approve_reports_a_server_rejection(recording_api: RecordingApi, tmp_path: Path) -> None:
    site = site_with_config(tmp_path, "[environments.staging]\n")
    serve_run(recording_api, paused_run("staging", site=str(site)), STAGING_SCHEMA)
    recording_api.route(
        "POST",
        f"/flow_runs/{RUN_ID}/resume",
        {"status": "REJECT", "details": {"reason": "bad input"}},
    )
    out = run_cli("approve", RUN_ID, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 1 and "bad input" in out.stderr  # `prefect api` would have exited 0


def test_production_reasons_pure(tmp_path: Path) -> None:
    site = site_with_config(
        tmp_path, "[environments.staging]\n[environments.live]\nproduction = true\n"
    )
    keyset = {"schema": "a-schema"}
    base = paused_run("staging", site=str(site))
    assert production_reasons(base, STAGING_SCHEMA, keyset, None) == []
    assert production_reasons(paused_run("production"), STAGING_SCHEMA, keyset, None)
    assert production_reasons(base, PROD_SCHEMA, keyset, None)
    assert production_reasons(base, None, keyset, None)  # unreadable schema
    assert production_reasons(
        base, STAGING_SCHEMA, {"schema": "production-approval-1-schema"}, None
    )
    assert production_reasons(paused_run("live", site=str(site)), STAGING_SCHEMA, keyset, None)
    assert production_reasons(paused_run(None), STAGING_SCHEMA, keyset, None)


# -- submit starts nothing when the file is malformed ---------------------------------------

MALFORMED = """---
task_id: 2026-01-19-1500-hugo-deploy-staging
task_type: hugo-deploy-stagin
priority: soon
params:
  environment: staging
expected_outputs:
  - http_status: integer (=>200)
---
"""


def test_submit_malformed_starts_nothing(recording_api: RecordingApi, tmp_path: Path) -> None:
    task = tmp_path / "task.md"
    task.write_text(MALFORMED)
    out = run_cli("submit", str(task), env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 2
    assert out.stdout == ""
    assert f"{task}:3: task_type:" in out.stderr
    assert f"{task}:4: priority:" in out.stderr
    assert f"{task}:8: expected_outputs.0:" in out.stderr
    assert "nothing was started" in out.stderr
    assert recording_api.requests == []  # not a single API call


def test_submit_malformed_json(recording_api: RecordingApi, tmp_path: Path) -> None:
    task = tmp_path / "task.md"
    task.write_text(MALFORMED)
    out = run_cli("submit", str(task), "--json", env={"PREFECT_API_URL": recording_api.url})
    data = json.loads(out.stdout)
    assert data["valid"] is False and data["started"] is False
    assert [(p["field"], p["line"]) for p in data["problems"]] == [
        ("task_type", 3),
        ("priority", 4),
        ("expected_outputs.0", 8),
    ]
    assert recording_api.requests == []


def test_submit_with_approval_confirmed_is_refused(
    recording_api: RecordingApi, tmp_path: Path
) -> None:
    task = tmp_path / "task.md"
    task.write_text(
        "---\ntask_id: p1\ntask_type: hugo-deploy-production\napproval_confirmed: true\n---\n"
    )
    out = run_cli("submit", str(task), env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 3
    assert f"{task}:4: approval_confirmed" in out.stderr
    assert recording_api.requests == []


# -- output contract -----------------------------------------------------------------------


def test_read_commands_print_only_json(recording_api: RecordingApi) -> None:
    run = paused_run("staging")
    recording_api.route("GET", f"/flow_runs/{RUN_ID}", run)
    recording_api.route("POST", "/flow_runs/filter", [run])
    recording_api.route("POST", "/flows/filter", [{"id": "f1", "name": "publish"}])
    recording_api.route("POST", "/task_runs/filter", [])
    env = {"PREFECT_API_URL": recording_api.url}
    for args in (["status", RUN_ID], ["runs"], ["retries", RUN_ID], ["logs", RUN_ID]):
        recording_api.route("POST", "/logs/filter", [])
        out = run_cli(*args, "--json", env=env)
        assert out.returncode in (0, 5), (args, out.stderr)
        json.loads(out.stdout)  # the whole of stdout is one JSON document
    runs = json.loads(run_cli("runs", "--json", env=env).stdout)
    assert runs[0]["flow"] == "publish" and runs[0]["ui_url"].endswith(
        f"/v2/runs/flow-run/{RUN_ID}"
    )


def test_runs_state_filter_by_type_and_name(recording_api: RecordingApi) -> None:
    recording_api.route("POST", "/flow_runs/filter", [])
    recording_api.route("POST", "/flows/filter", [{"id": "f1", "name": "nightly-maintenance"}])
    out = run_cli(
        "runs",
        "--state",
        "failed",
        "--state",
        "awaitingretry",  # a name in any case, as typed
        "--flow",
        "maintenance",
        "--limit",
        "5",
        env={"PREFECT_API_URL": recording_api.url},
    )
    assert out.returncode == 0 and out.stdout.strip() == "no runs match"
    ((_, _, body),) = [r for r in recording_api.requests if r[1] == "/flow_runs/filter"]
    assert body["flow_runs"]["state"] == {
        "type": {"any_": ["FAILED"]},
        "name": {"any_": ["AwaitingRetry"]},
    }
    assert body["flows"] == {"name": {"any_": ["nightly-maintenance"]}} and body["limit"] == 5
    assert "expected_start_time" not in body["flow_runs"]  # a state named: the schedule too
    assert body["sort"] == "EXPECTED_START_TIME_DESC"


@pytest.mark.parametrize(
    ("states", "sort"),
    [
        (["SCHEDULED"], "EXPECTED_START_TIME_ASC"),  # what comes next, the soonest first
        (["late", "Scheduled"], "EXPECTED_START_TIME_ASC"),
        (["scheduled", "failed"], "EXPECTED_START_TIME_DESC"),
    ],
)
def test_runs_still_to_come_are_listed_soonest_first(
    recording_api: RecordingApi, states: list[str], sort: str
) -> None:
    recording_api.route("POST", "/flow_runs/filter", [])
    args = [a for s in states for a in ("--state", s)]
    out = run_cli("runs", *args, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 0, out.stderr
    ((_, _, body),) = [r for r in recording_api.requests if r[1] == "/flow_runs/filter"]
    assert body["sort"] == sort


def test_a_flow_of_hugopipes_own_not_yet_served_lists_no_runs(recording_api: RecordingApi) -> None:
    """A new server before serve.py ran: `runs --flow publish` is no typo, just no runs yet."""
    recording_api.route("POST", "/flow_runs/filter", [])
    recording_api.route("POST", "/flows/filter", [])
    out = run_cli("runs", "--flow", "publish", env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 0 and out.stdout.strip() == "no runs match", out.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["runs", "--state", "BOGUS"], "--state 'BOGUS' is no Prefect state"),
        (["runs", "--flow", "nosuch"], "--flow 'nosuch': the server has no flow"),
        (["runs", "--limit", "0"], "expected a whole number above 0, got '0'"),
        (["logs", RUN_ID, "--limit", "-2"], "expected a whole number above 0, got '-2'"),
    ],
)
def test_a_filter_that_can_match_nothing_is_a_typo(
    recording_api: RecordingApi, args: list[str], says: str
) -> None:
    recording_api.route("POST", "/flow_runs/filter", [])
    recording_api.route("POST", "/flows/filter", [])
    out = run_cli(*args, env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 2 and says in out.stderr, (out.returncode, out.stderr)
    assert out.stdout == "" and "Traceback" not in out.stderr


def test_runs_that_happened_leave_out_what_a_schedule_made_for_later() -> None:
    """The rule behind ``runs`` and ``status --site``, against a fake that applies the state
    and expected-start filters as the server does."""
    from datetime import UTC, datetime, timedelta

    from hugopipe.prefect_rest import runs_that_happened

    def at(minutes: float) -> str:
        return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")

    runs = [
        {"id": "done", "state_type": "COMPLETED", "expected_start_time": at(-60)},
        {"id": "late", "state_type": "SCHEDULED", "expected_start_time": at(-5)},
        {"id": "due", "state_type": "SCHEDULED", "expected_start_time": at(0.5)},
        {"id": "early", "state_type": "RUNNING", "expected_start_time": at(600)},  # "Run now"
        *(
            {"id": f"night{d}", "state_type": "SCHEDULED", "expected_start_time": at(1440 * d)}
            for d in range(1, 21)
        ),
    ]

    class Api:
        def request(self, method: str, path: str, json: dict) -> list[dict]:
            flt = json["flow_runs"]
            types = flt["state"]["type"]
            before = (flt.get("expected_start_time") or {}).get("before_")
            newest_first = sorted(runs, key=lambda r: r["expected_start_time"], reverse=True)
            return [
                r
                for r in newest_first
                if (
                    r["state_type"] in types["any_"]
                    if "any_" in types
                    else r["state_type"] not in types["not_any_"]
                )
                and (before is None or r["expected_start_time"] < before.replace("+00:00", "Z"))
            ][: json["limit"]]

    body = {"flow_runs": {"tags": {"all_": ["site:www"]}}, "sort": "EXPECTED_START_TIME_DESC"}
    got = runs_that_happened(Api(), {**body, "limit": 20})
    assert [r["id"] for r in got] == ["early", "due", "late", "done"]
    assert [r["id"] for r in runs_that_happened(Api(), {**body, "limit": 1})] == ["early"]


def test_unreachable_api_exits_4_with_nothing_on_stdout() -> None:
    from tests.support import free_port

    url = f"http://127.0.0.1:{free_port()}/api"
    for args in (["status", RUN_ID, "--json"], ["runs", "--json"], ["retries", RUN_ID, "--json"]):
        out = run_cli(*args, env={"PREFECT_API_URL": url})
        assert out.returncode == 4, (args, out.stderr)
        assert out.stdout == ""
        assert "cannot reach the Prefect API" in out.stderr


def test_help_documents_exit_codes() -> None:
    out = run_cli("--help")
    assert out.returncode == 0
    for code in (
        "0  success",
        "2  usage",
        "3  refused",
        "4  a required service",
        "5  the run is paused",
    ):
        assert code in out.stdout
    for command in (
        "submit",
        "retries",
        "approve",
        "reject",
        "cancel",
        "plan",
        "doctor",
        "runs",
        "logs",
    ):
        assert command in out.stdout


def test_a_reader_that_stops_reading_ends_the_command_quietly() -> None:
    """``hugopipe … | head``: stdout closes early; no traceback, exit 0 (the work is done)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from hugopipe.cli import exits\n"
        "try:\n"
        "    for _ in range(100000):\n"
        "        sys.stdout.write('x' * 100 + '\\n')\n"
        "    sys.stdout.flush()\n"
        "except BaseException as exc:\n"
        "    sys.exit(exits.report(exc))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # as `head` does once it has its lines
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


@pytest.mark.parametrize("run_id", ["not-a-uuid", "7946e662", RUN_ID])
@pytest.mark.parametrize("command", ["status", "logs", "retries", "result"])
def test_a_run_id_that_names_no_run_is_an_input_error(
    recording_api: RecordingApi, command: str, run_id: str
) -> None:
    """Exit 2, like any other typo: the server knows no such run (404), or it is no run id at
    all (a short id copied by hand), which is refused before any request."""
    out = run_cli(command, run_id, "--json", env={"PREFECT_API_URL": recording_api.url})
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert repr(run_id) in out.stderr and "whole UUID" in out.stderr, out.stderr
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert (recording_api.requests != []) == (run_id == RUN_ID)


@pytest.mark.parametrize(
    ("args", "usage", "extra"),
    [
        (["run", "publish", "--env", "staging", "--wiat"], "usage: hugopipe run ", "--wiat"),
        (["logs", RUN_ID, "--limt", "5"], "usage: hugopipe logs ", "--limt 5"),
        (["--bogus"], "usage: hugopipe [-h]", "--bogus"),
    ],
)
def test_a_misspelt_flag_is_shown_with_its_commands_usage(
    args: list[str], usage: str, extra: str
) -> None:
    out = run_cli(*args, env={"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert out.returncode == 2 and out.stdout == ""
    assert usage in out.stderr and f"unrecognized arguments: {extra}\n" in out.stderr, out.stderr
