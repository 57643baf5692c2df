"""The seeds' loop against the served deployments, with no CLI in between.

A task file dropped into ``pending/`` becomes a run; the intake thread in
deployments/serve.py moves it to ``in-progress/`` and then ``completed/`` (or
``failed/``) with the run id and result path written back. A killed worker's task
is found by the maintenance sweep and moved to ``failed/``.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import httpx
import pytest
import yaml

from hugopipe.exchange import Exchange
from hugopipe.results import ResultFile
from tests.cli.conftest import run_cli
from tests.support import ROOT, process_of, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]

TEMPLATES = ROOT / "tasks" / "templates"


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text().split("---", 2)[1])


def landed(ex: Exchange, name: str) -> Path | None:
    for state in ("completed", "failed"):
        if (ex.root / state / name).is_file():
            return ex.root / state / name
    return None


def drop(ex: Exchange, template: str, name: str, edit: str = "", env: str = "") -> str:
    text = (TEMPLATES / template).read_text()
    if env:
        text = text.replace("  environment: staging\n", f"  environment: {env}\n", 1)
    if edit:
        text = text.replace("expected_outputs:\n", f"expected_outputs:\n{edit}", 1)
    tmp = ex.folder("pending") / f".{name}.tmp"
    tmp.write_text(text)
    tmp.rename(ex.folder("pending") / name)  # appears whole, as an editor's save does
    return name


def test_dropped_task_files_run_and_land_with_their_results(served: dict) -> None:
    ex = Exchange.default()
    ok = drop(ex, "hugo-deploy-staging.md", "2026-01-19-1500-hugo-deploy-staging-loop.md")
    dev = drop(ex, "hugo-deploy-dev.md", "2026-01-19-1501-hugo-deploy-dev-loop.md")
    bad = drop(
        ex,
        "hugo-build.md",
        "2026-01-19-1502-hugo-build-too-few.md",
        edit="  - pages_generated: integer (>100000)\n",
        # not staging or dev: two builds of one site and environment at once share its
        # output folder (.hugopipe/public/<env>)
        env="production",
    )

    def in_flight() -> Path | None:
        path = ex.root / "in-progress" / ok
        return path if path.is_file() and front(path).get("flow_run_id") else None

    flying = wait_until(in_flight, 60, "the staging task in in-progress/ with its run id")
    assert front(flying)["status"] == "in-progress"

    done = wait_until(lambda: landed(ex, ok), 240, "the staging task to land")
    meta = front(done)
    assert done.parent.name == "completed", meta
    assert meta["status"] == "completed" and meta["flow_run_id"]
    result = ResultFile.parse(Path(meta["result_path"]).read_text())
    assert result.status == "success" and result.expectations_passed is True
    assert result.flow_run_id == meta["flow_run_id"]
    assert result.context == {
        "user_request": "Deploy updated homepage to staging",
        "files_changed": ["content/_index.md"],
    }
    assert {c["name"] for c in result.expected_outputs or []} >= {"http_status", "release_id"}

    failed = wait_until(lambda: landed(ex, bad), 120, "the failing build task to land")
    meta = front(failed)
    assert failed.parent.name == "failed" and meta["status"] == "failed"
    assert "pages_generated" in meta["failure_reason"] and meta["flow_run_id"]
    result = ResultFile.parse(Path(meta["result_path"]).read_text())
    assert result.status == "failed" and result.expectations_passed is False

    dev_done = wait_until(lambda: landed(ex, dev), 240, "the dev task to land")
    meta = front(dev_done)
    assert dev_done.parent.name == "completed", meta
    assert ResultFile.parse(Path(meta["result_path"]).read_text()).expectations_passed


def test_production_template_pauses_then_a_killed_worker_is_swept(
    served: dict, tmp_path: Path
) -> None:
    """The production template runs to the approval pause; its process is killed there; the
    maintenance sweep moves the task to failed/ with the reason. A private exchange folder
    keeps the serving process's intake out of it, so the sweep is the one that notices."""
    from hugopipe.exchange.intake import intake_once
    from hugopipe.maintenance.sweep import sweep_tasks
    from hugopipe.prefect_rest import PrefectApi

    ex = Exchange(tmp_path / "tasks")
    name = drop(ex, "hugo-deploy-production.md", "2026-01-19-1600-hugo-deploy-production.md")
    with PrefectApi() as api:
        tick = intake_once(api, ex)
        ((_, run_id),) = tick.started

        def state() -> str:
            return api.flow_run(run_id)["state"]["type"]

        wait_until(lambda: state() == "PAUSED", 240, "the production run to pause")
        pid = wait_until(lambda: process_of(run_id), 30, "the flow run's process")
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: state() == "CRASHED", 60, "the runner to mark the run Crashed")
        assert (ex.root / "in-progress" / name).is_file()  # nobody else moves it

        swept = sweep_tasks(api, ex)
    assert [(s.name, s.action) for s in swept] == [(name, "moved to failed/")]
    meta = front(ex.root / "failed" / name)
    assert meta["status"] == "failed" and "Crashed" in meta["failure_reason"]
    result = ResultFile.parse(Path(meta["result_path"]).read_text())
    assert result.status in {"crashed", "failed"} and result.flow_run_id == run_id
    assert httpx.get(f"{served['api']}/flow_runs/{run_id}").json()["state"]["type"] == "CRASHED"


def test_production_template_passes_once_a_person_approves(served: dict) -> None:
    """The intake follows a suspended run (it stays in in-progress/) and finishes it after
    the typed approval (the POST a person's Resume in the UI makes)."""
    ex = Exchange.default()
    name = drop(ex, "hugo-deploy-production.md", "2026-01-19-1700-hugo-deploy-production.md")
    api = served["api"]

    def paused_run() -> str | None:
        path = ex.root / "in-progress" / name
        run_id = front(path).get("flow_run_id") if path.is_file() else None
        if run_id and httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] == "PAUSED":
            return run_id
        return None

    run_id = wait_until(paused_run, 240, "the production task's run to pause")
    # suspended, not paused in its process: nothing holds a process while it waits
    assert httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["name"] == "Suspended"

    # A second production task while the first waits: it would only yield to it, so it
    # starts nothing and waits in pending/ — through `submit` (exit 7, naming the run) too.
    later = "2026-01-19-1701-hugo-deploy-production.md"
    tmp_copy = ex.root / later
    tmp_copy.write_text((TEMPLATES / "hugo-deploy-production.md").read_text())
    out = run_cli("submit", str(tmp_copy), "--json")
    assert out.returncode == 7, out.stderr + out.stdout
    data = json.loads(out.stdout)
    assert data["waiting_for"] == run_id and data["started"] is False, data
    assert data["task_file"] == str(ex.root / "pending" / later)
    assert run_id in out.stderr and "waits in pending/" in out.stderr
    # the intake asks before it claims: the waiting file stays in pending/, untouched, on
    # every tick while the first run goes on (checked at each look until the intake has
    # logged that the task waits, i.e. a tick judged it)
    waiting = ex.root / "pending" / later
    as_submit_left_it = waiting.read_text()
    assert front(waiting)["status"] == "pending"
    assert "picked_up_at" not in front(waiting)  # asked before claiming: nobody picked it up

    def intake_said_it_waits() -> bool:
        # there at every look, as `submit` put it back: never claimed, stamped and returned
        assert waiting.read_text() == as_submit_left_it
        return f"task {later} waits:" in served["log"].read_text()

    wait_until(intake_said_it_waits, 30, "the intake to see the task waits", interval=0.1)

    approve(api, run_id)
    done = wait_until(lambda: landed(ex, name), 240, "the production task to land")
    meta = front(done)
    assert done.parent.name == "completed", meta
    assert ResultFile.parse(Path(meta["result_path"]).read_text()).expectations_passed is True

    # the waiting task starts once the first run has ended: a run of its own, which finds
    # the bucket matching the build and so asks nobody (an empty production plan has
    # nothing to approve; the first run's approval is not reused) and deploys nothing
    done = wait_until(lambda: landed(ex, later), 240, "the queued production task to land")
    meta = front(done)
    assert done.parent.name == "completed", meta
    second = meta["flow_run_id"]
    assert second and second != run_id
    states = httpx.get(f"{api}/flow_run_states/", params={"flow_run_id": second}, timeout=30)
    assert "PAUSED" not in {s["type"] for s in states.json()}, states.text
    result = ResultFile.parse(Path(meta["result_path"]).read_text())
    assert result.status == "success" and result.flow_run_id == second
    assert (result.outputs or {})["uploaded_files"] == 0, result.outputs


def approve(api: str, run_id: str) -> None:
    """The POST a person's Resume with the typed phrase makes in the UI."""
    for _attempt in range(5):  # a busy SQLite answers 5xx; a person would press Resume again
        resp = httpx.post(
            f"{api}/flow_runs/{run_id}/resume",
            json={"run_input": {"confirmation": "DEPLOY TO PRODUCTION"}},
            timeout=30,
        )
        if resp.status_code < 500:
            break
    assert resp.json()["status"] == "ACCEPT", resp.text
