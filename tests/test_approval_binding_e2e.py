"""Served: production is a bucket, the approval covers one plan, and an empty plan does not ask.

Real parts: the served deployments, a Prefect server, moto over HTTP, the pinned Hugo.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support import find_result, hugopipe, publish, wait_until
from tests.test_publish_e2e import _etags, _keys, _resume

pytestmark = [pytest.mark.slow, pytest.mark.server]

PROD_URL = "s3://hugopipe-example-production?region=us-east-1&endpoint=http://127.0.0.1:4566&use_path_style=true"
STAGING_URL = PROD_URL.replace("production", "staging")


@contextmanager
def _edited(path: Path, old: str, new: str) -> Iterator[None]:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    try:
        yield
    finally:
        path.write_text(text)


def _cancel(api: str, run_id: str) -> None:
    httpx.post(
        f"{api}/flow_runs/{run_id}/set_state",
        json={"state": {"type": "CANCELLING", "message": "rejected by test"}},
    )
    wait_until(
        lambda: httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] == "CANCELLED",
        120,
        "the run to be cancelled",
    )


def _wait(run_id: str) -> dict:
    proc = hugopipe("status", run_id, "--wait", "--timeout", "300", "--json")
    return json.loads(proc.stdout)


def _staging_etags(s3) -> dict[str, str]:
    return {k: v["ETag"] for k, v in _keys(s3, "hugopipe-example-staging").items()}


def test_a_staging_target_re_pointed_at_the_production_bucket_is_production(served: dict) -> None:
    """The environment is called staging; its bucket is production's: it is production from the
    start (production's validation, production's approval), and nothing is written unapproved.

    The example site's staging pages carry ``noindex``, which production's validation refuses, so
    this run stops there; a site without it would pause for the approval (the flow checks the
    plan's bucket again, and the apply task refuses an unapproved production write).
    """
    site, s3 = served["site"], served["s3"]
    page = site / "content" / "about.md"
    page.write_text(page.read_text() + "\nWritten for the re-pointed staging test.\n")
    before = _etags(s3)
    config = site / "config" / "_default" / "hugo.toml"
    with _edited(config, f'url = "{STAGING_URL}"', f'url = "{PROD_URL}"'):
        code, out = publish(site, "staging")
        if code == 5:  # paused for the production approval: reject it
            _cancel(served["api"], out["flow_run_id"])
    assert code in {1, 5}, out
    result = find_result(out["flow_run_id"])
    assert result.outputs["production"] is True
    if code == 1:
        assert "production home page" in result.render()
    assert _etags(s3) == before


def test_a_configuration_edit_during_the_approval_is_refused(served: dict) -> None:
    """Approved for the production bucket; re-pointed at another bucket before apply: nothing
    written. (The in-process check of the same rule, a target changed between approval and
    apply, is tests/deploy/test_binding.py.)"""
    site, s3, api = served["site"], served["s3"], served["api"]
    page = site / "content" / "contact.md"
    page.write_text(page.read_text() + "\nWritten for the configuration-edit test.\n")
    before, staging_before = _etags(s3), _staging_etags(s3)
    code, out = publish(site, "production")
    assert code == 5, out
    run_id = out["flow_run_id"]
    config = site / "config" / "_default" / "hugo.toml"
    with _edited(config, f'url = "{PROD_URL}"', f'url = "{STAGING_URL}"'):
        resp = _resume(api, run_id, {"confirmation": "DEPLOY TO PRODUCTION"})
        assert resp["status"] == "ACCEPT", resp
        done = _wait(run_id)
    assert done["state_type"] == "FAILED", done
    assert _etags(s3) == before and _staging_etags(s3) == staging_before
    result = find_result(run_id)
    assert result.failure_class == "configuration"
    text = result.render()
    # a served run waits suspended and starts again after the answer: it re-plans for the
    # edited target, and the answer (given for the plan the person saw) does not carry over
    assert "the approval was given for plan" in text, text[-2000:]
    assert "nothing was written" in text


def test_an_empty_production_plan_completes_without_a_pause(served: dict) -> None:
    site, api = served["site"], served["api"]
    code, out = publish(site, "production")
    if code == 5:  # other tests left changes: approve them first, so the next plan is empty
        resp = _resume(api, out["flow_run_id"], {"confirmation": "DEPLOY TO PRODUCTION"})
        assert resp["status"] == "ACCEPT", resp
        assert _wait(out["flow_run_id"])["state_type"] == "COMPLETED"
    code, out = publish(site, "production")
    assert code == 0 and out["state_type"] == "COMPLETED", out
    result = find_result(out["flow_run_id"])
    assert "not asked: nothing to deploy" in result.summary
    assert "nothing to deploy" in result.summary
    assert result.outputs["uploaded_files"] == 0


def _form(api: str, run_id: str) -> str:
    run = httpx.get(f"{api}/flow_runs/{run_id}").json()
    keyset = run["state"]["state_details"]["run_input_keyset"]
    return httpx.get(f"{api}/flow_runs/{run_id}/input/{keyset['description']}").json()


def test_require_staging_match(served: dict) -> None:
    """The form says whether staging serves this build; ``require_staging_match`` refuses to ask
    when it does not."""
    site, api, s3 = served["site"], served["api"], served["s3"]
    page = site / "content" / "services" / "_index.md"
    page.write_text(page.read_text() + "\nWritten for the staging-match test.\n")
    toml = site / "hugopipe.toml"
    with _edited(toml, "production = true\n", "production = true\nrequire_staging_match = true\n"):
        code, out = publish(site, "staging")
        assert code == 0, out
        code, out = publish(site, "production")
        assert code == 5, out  # staging serves these sources: the run asks
        form = _form(api, out["flow_run_id"])
        assert "✅ Staging serves this same source" in form, form
        _cancel(api, out["flow_run_id"])

        page.write_text(page.read_text() + "\nNot on staging yet.\n")
        before = _etags(s3)
        code, out = publish(site, "production")
        assert code == 1, out  # refused before asking
        result = find_result(out["flow_run_id"])
        assert "requires staging to serve the build first" in result.render()
        assert "Staging serves different sources" in result.render()
        assert _etags(s3) == before


def _inputs(api: str, run_id: str) -> list[str]:
    """The keys of every question input the run has on the server."""
    r = httpx.post(
        f"{api}/flow_runs/{run_id}/input/filter",
        json={"prefix": "suspended-", "limit": 100, "exclude_keys": []},
    )
    r.raise_for_status()
    return [i["key"] for i in r.json()]


WARN_EVERY_TITLE = "\n[validate]\ntitle_max = 12\n"  # every page's title: a warning, no error


def test_require_staging_match_refuses_before_the_warnings_card(served: dict) -> None:
    """Validation finds warnings (production would show the warnings card first), and staging
    does not serve this build: the run stops before anyone is asked anything."""
    site, api, s3 = served["site"], served["api"], served["s3"]
    page = site / "content" / "services" / "_index.md"
    page.write_text(page.read_text() + "\nWritten for the staging-match-first test.\n")
    toml = site / "hugopipe.toml"
    text = toml.read_text()
    strict = "production = true\nrequire_staging_match = true\n"
    toml.write_text(text.replace("production = true\n", strict, 1) + WARN_EVERY_TITLE)
    try:
        before = _etags(s3)
        code, out = publish(site, "production")
    finally:
        toml.write_text(text)
    assert code == 1, out  # refused, never paused
    run_id = out["flow_run_id"]
    result = find_result(run_id)
    assert "requires staging to serve the build first" in result.render()
    assert result.outputs["validation_warnings"] > 0  # the card would have asked
    assert "decision card" not in result.summary
    assert _inputs(api, run_id) == []  # no question was put to anyone
    assert _etags(s3) == before


def _question(api: str, run_id: str) -> str:
    """The schema key of the question the run waits on ('' when it does not wait)."""
    state = httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]
    if state["type"] != "PAUSED":
        return ""
    return ((state.get("state_details") or {}).get("run_input_keyset") or {}).get("schema", "")


def test_a_warnings_card_cannot_weaken_production(served: dict) -> None:
    """The card has no second factor: anything with API access can answer it. On production
    its ``accept`` writes the baseline only once the production approval is given; an accept
    followed by a rejected approval leaves the baseline as it was, and the next run asks
    again."""
    site, api = served["site"], served["api"]
    baseline = site / "validation-baseline.json"
    assert not baseline.exists()
    page = site / "content" / "contact.md"
    page.write_text(page.read_text() + "\nWritten for the warnings-card test.\n")
    toml = site / "hugopipe.toml"
    text = toml.read_text()
    toml.write_text(text + WARN_EVERY_TITLE)
    try:
        code, out = publish(site, "production")
        assert code == 5, out
        run_id = out["flow_run_id"]
        assert "decision-warnings" in _question(api, run_id)
        # the agent answers the card through the API, as anything with API access can
        assert _resume(api, run_id, {"choice": "accept"})["status"] == "ACCEPT"
        wait_until(
            lambda: "production-approval" in _question(api, run_id),
            240,
            "the run to come back to the production approval",
        )
        assert "validation warning(s) into the site's baseline" in _form(api, run_id)
        assert not baseline.exists()  # accepted on the card, not yet written
        rej = hugopipe("reject", run_id, "--reason", "not these warnings")
        assert rej.returncode == 0, rej.stderr
        wait_until(
            lambda: httpx.get(f"{api}/flow_runs/{run_id}").json()["state"]["type"] == "CANCELLED",
            120,
            "the rejected run to end",
        )
        assert not baseline.exists()  # the rejected approval accepted nothing

        code, out = publish(site, "production")  # the same warnings ask again
        assert code == 5, out
        run_id = out["flow_run_id"]
        assert "decision-warnings" in _question(api, run_id)
        assert _resume(api, run_id, {"choice": "accept", "note": "known"})["status"] == "ACCEPT"
        wait_until(
            lambda: "production-approval" in _question(api, run_id),
            240,
            "the run to come back to the production approval",
        )
        resp = _resume(api, run_id, {"confirmation": "DEPLOY TO PRODUCTION", "approver": "Ada"})
        assert resp["status"] == "ACCEPT", resp
        assert _wait(run_id)["state_type"] == "COMPLETED"
        entries = json.loads(baseline.read_text())["entries"]  # written after the approval
        assert entries and all(e["note"] == "known" for e in entries)
        seq = find_result(run_id).outputs["approval"]["seq"]
        assert all(e["by"] == f"decision card, approvals log entry {seq}" for e in entries)
    finally:
        toml.write_text(text)
        baseline.unlink(missing_ok=True)
