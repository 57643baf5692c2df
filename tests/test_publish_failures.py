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


@pytest.mark.parametrize("env", ["staging", "production"])
def test_an_empty_output_is_refused_before_any_write(
    served: dict, tmp_path: Path, moto_endpoint: str, env: str
) -> None:
    """A build that makes nothing must not wipe the site: the plan refuses it with the
    numbers and the flag, before any write and (production) before the approval pause."""
    import uuid

    import boto3

    from hugopipe.results import ResultFile

    site = copy_site(tmp_path)
    prefix = f"empty-{uuid.uuid4().hex[:8]}/"  # a folder of the shared bucket of its own
    config = site / "config/_default/hugo.toml"
    text = config.read_text()
    bucket = f"hugopipe-example-{env}"
    text = text.replace(f"s3://{bucket}?", f"s3://{bucket}?prefix={prefix}&")
    # the build makes no page at all (a feed, the sitemap and the static files): an "empty"
    # output, which production validation still passes
    text = text.replace('home = ["html", "rss"]', 'home = ["rss"]')
    no_pages = '"page", "section", "taxonomy", "term", "robotstxt", "404"'
    config.write_text(f"disableKinds = [{no_pages}]\n" + text)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    for i in range(30):  # the live site under that prefix (no manifest: read from a listing)
        s3.put_object(Bucket=bucket, Key=f"{prefix}p{i}/index.html", Body=b"<p>live</p>")

    def listing() -> dict[str, str]:
        objects = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        return {o["Key"]: o["ETag"] for o in objects}

    before = listing()
    try:
        code, run = publish(site, env, timeout=180)
        after = listing()
    finally:  # the bucket is shared: leave no objects the other tests' plans would delete
        for key in listing():
            s3.delete_object(Bucket=bucket, Key=key)
    assert code == 1, run
    assert run["state_type"] == "FAILED", run  # not PAUSED: refused before the approval
    assert after == before  # nothing written, nothing deleted

    result = find_result(run["flow_run_id"])
    assert isinstance(result, ResultFile) and result.status == "failed"
    told = result.model_dump_json()
    retries = json.loads(hugopipe("retries", run["flow_run_id"], "--json").stdout)
    names = [t["task_name"] for t in retries["tasks"]]
    assert any(n.startswith("plan-deploy") for n in names), (names, told)
    assert not any(n.startswith(("apply-deploy", "approval")) for n in names), names
    assert "30 of the bucket's 30 objects" in told, told  # the numbers
    assert "--allow-deletes 30" in told, told  # and the flag that allows it
    assert "approved" not in (result.summary or "")
