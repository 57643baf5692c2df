"""Failures through the served publish flow: the right class, no pointless retry, a result file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import copy_site
from tests.support import find_result, hugopipe, publish

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_broken_template_fails_once_without_retry(served: dict, tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    layout = next(p for p in (site / "layouts").rglob("*.html") if "baseof" in p.name)
    lines = layout.read_text().splitlines()
    lines.insert(1, "{{ .Site.Broken }")
    layout.write_text("\n".join(lines))

    code, run = publish(site, "dev")
    assert code == 1, run
    assert run["state_type"] == "FAILED"
    assert "TemplateError" in (run["state_message"] or "")

    retries = json.loads(hugopipe("retries", run["flow_run_id"], "--json").stdout)
    build = next(t for t in retries["tasks"] if t["task_name"].startswith("build"))
    assert (
        build["run_count"] == 1 and len(build["attempts"]) == 1
    )  # Hugo is deterministic: no retry
    assert build["attempts"][0]["failure_class"] == "template"
    assert not any(
        t["task_name"].startswith("apply-deploy") for t in retries["tasks"]
    )  # nothing deployed

    result = find_result(run["flow_run_id"])
    assert result.status == "failed" and result.failure_class == "template"
    error = result.outputs["errors"][0]
    assert error["file"].endswith(layout.name) and error["line"] == 2
    assert "unexpected" in error["message"]
    assert "layout" in (result.next_step or "") or "template" in (result.next_step or "")


def test_unknown_environment_is_refused_before_any_run_starts(served: dict) -> None:
    import httpx

    count = httpx.post(f"{served['api']}/flow_runs/count", json={}).json()
    proc = hugopipe("run", "publish", "--env", "prod", "--site", str(served["site"]), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "unknown environment 'prod'" in proc.stderr and "hugopipe.toml" in proc.stderr
    assert "production" in proc.stderr  # lists the known ones
    assert httpx.post(f"{served['api']}/flow_runs/count", json={}).json() == count


def test_a_run_started_past_the_cli_with_a_bad_config_leaves_a_result(
    served: dict, tmp_path: Path
) -> None:
    """A scheduled run has no CLI to check hugopipe.toml first: the flow's result file says why."""
    import httpx

    from tests.support import wait_until

    site = copy_site(tmp_path)
    toml = site / "hugopipe.toml"
    toml.write_text(toml.read_text() + "\n[deploy]\nmax_deletes = 3\n")
    api = served["api"]
    dep = httpx.get(f"{api}/deployments/name/publish/site", timeout=10).json()
    run = httpx.post(
        f"{api}/deployments/{dep['id']}/create_flow_run",
        json={"parameters": {"env": "dev", "site": str(site)}},
        timeout=10,
    ).json()

    def final() -> dict | None:
        state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=10).json()["state"]
        return state if state["type"] in {"FAILED", "CRASHED", "COMPLETED"} else None

    state = wait_until(final, 120, "the run to end")
    assert state["type"] == "FAILED"
    result = wait_until(lambda: _result_or_none(run["id"]), 30, "its result file")
    assert result.status == "failed" and result.failure_class == "configuration"
    assert "deploy" in str(result.outputs["errors"]) and "hugopipe.toml" in str(result.outputs)


def _result_or_none(run_id: str):
    try:
        return find_result(run_id)
    except AssertionError:
        return None
