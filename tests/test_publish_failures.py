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
