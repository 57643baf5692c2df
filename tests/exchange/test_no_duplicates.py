"""No duplicate runs of any deployment: a second run of the same site and environment
yields to the one going, and says which (hugopipe.run_control.earlier_run)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import HUGOPIPE, run_cli
from tests.conftest import copy_site
from tests.support import find_result, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]

ENDED = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def runs_of(api: Any, deployment_id: str, site: Path) -> list[dict]:
    body = {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}, "limit": 200}
    runs = api.request("POST", "/flow_runs/filter", json=body)
    return [r for r in runs if (r.get("parameters") or {}).get("site") == str(site)]


def deployment(api: Any, flow: str, name: str) -> dict:
    """The served deployment, once serve.py has registered it (the fixture waits for publish)."""
    from hugopipe.prefect_rest import NotFound

    def registered() -> dict | None:
        try:
            return api.deployment_by_name(flow, name)
        except NotFound:
            return None

    return wait_until(registered, 60, f"serve.py to register {flow}/{name}")


def ended(api: Any, run_id: str) -> bool:
    return api.flow_run(run_id)["state"]["type"] in ENDED


def test_a_second_maintenance_run_yields_to_the_one_going(served: dict, tmp_path: Path) -> None:
    from hugopipe.prefect_rest import PrefectApi

    site = copy_site(tmp_path).resolve()
    with PrefectApi() as api:
        dep = deployment(api, "nightly-maintenance", "nightly")
        # the first run, as a worker holds it just before starting it: pending. Created
        # pending, so the serving process never picks it up while the test looks.
        first = api.request(
            "POST",
            f"/deployments/{dep['id']}/create_flow_run",
            json={"parameters": {"site": str(site)}, "state": {"type": "PENDING"}},
        )
        try:
            # a second, started the way a schedule, the UI or the API starts one: it reaches
            # the worker and yields at the flow's start, doing none of the night's work
            second = api.create_run(dep["id"], {"site": str(site)})
            wait_until(lambda: ended(api, second["id"]), 120, "the second run to end")
            state = api.flow_run(second["id"])["state"]
            assert state["type"] == "CANCELLED", state
            assert first["id"] in state["message"] and "Yielded to" in state["message"]
            with pytest.raises(AssertionError, match="no result file"):
                find_result(second["id"])  # it wrote no maintenance report

            # a third, from the CLI: it yields at once and follows the first
            third = run_cli("run", "maintenance", "--site", str(site), "--json")
            assert third.returncode == 0, third.stderr
            assert json.loads(third.stdout)["flow_run_id"] == first["id"]  # data only
            assert "yielded" in third.stderr and first["id"] in third.stderr, third.stderr
            going = [r for r in runs_of(api, dep["id"], site) if r["state"]["type"] != "CANCELLED"]
            assert [r["id"] for r in going] == [first["id"]]

            # another site is other work: not held back by this one
            other_site = copy_site(tmp_path / "other").resolve()
            other = api.create_run(dep["id"], {"site": str(other_site)})
            api.set_state(other["id"], "CANCELLED", "not run by this test", force=True)
            assert runs_of(api, dep["id"], other_site)[0]["state"]["message"] == (
                "not run by this test"
            )
        finally:
            api.set_state(first["id"], "CANCELLED", "held by the test, not run", force=True)


def test_two_overlapping_rollback_triggers_start_one_run(served: dict, tmp_path: Path) -> None:
    from hugopipe.prefect_rest import PrefectApi

    site = copy_site(tmp_path).resolve()
    with PrefectApi() as api:
        deployment(api, "rollback", "site")
    # a release that does not exist: the run that goes fails at its plan and writes nothing
    args = [HUGOPIPE, "run", "rollback", "--env", "dev", "--site", str(site), "--json"]
    args += ["--param", "to_release=no-such-release"]
    procs = [
        subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    ids = {json.loads(o)["flow_run_id"] for o, _ in outs}
    assert len(ids) == 1, outs  # both follow the same run
    (kept,) = ids
    yielded = [e for _, e in outs if "yielded" in e]
    assert len(yielded) == 1 and kept in yielded[0], outs
    with PrefectApi() as api:
        dep = deployment(api, "rollback", "site")
        runs = runs_of(api, dep["id"], site)
        assert len(runs) == 2
        (other,) = [r for r in runs if r["id"] != kept]
        assert other["state"]["type"] in {"CANCELLED", "CANCELLING"}
        assert kept in (other["state"]["message"] or "")
        wait_until(lambda: ended(api, kept), 120, "the rollback run to end")
        assert api.flow_run(kept)["state"]["type"] == "FAILED"  # no such release
        wait_until(lambda: ended(api, other["id"]), 60, "the yielded run to end")
        assert api.flow_run(other["id"])["state"]["type"] == "CANCELLED"
