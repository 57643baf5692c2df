"""The jobs inside real publish runs: the served deployments, a real Prefect server, moto.

The ``hugopipe_llm`` Prefect variable points the running worker at the fake Ollama (the
worker reads it at run time, so no restart). A production publish of a page with
placeholder text shows the review's warning in the approval form and the result file;
a model that answers garbage, hangs or is not there leaves every publish complete.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from hugopipe.results import ResultFile
from tests.conftest import copy_site
from tests.llm.fake_ollama import FakeOllama
from tests.support import find_result, free_port, publish, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]

PLACEHOLDER = "\nLorem ipsum dolor sit amet. TODO: write the real story of the agency.\n"


def prefixed_site(tmp_path: Path, env: str, s3, env_keys: str = "") -> tuple[Path, str]:
    """A copy of the example site publishing into a folder of its own in ``env``'s bucket;
    ``env_keys`` are added to its ``[environments.<env>]`` table."""
    site = copy_site(tmp_path)
    prefix = f"llm-{uuid.uuid4().hex[:8]}/"
    bucket = f"hugopipe-example-{env}"
    config = site / "config/_default/hugo.toml"
    config.write_text(
        config.read_text().replace(f"s3://{bucket}?", f"s3://{bucket}?prefix={prefix}&")
    )
    toml = site / "hugopipe.toml"
    text = toml.read_text().replace(f"/{bucket}/", f"/{bucket}/{prefix}")
    toml.write_text(text.replace(f"[environments.{env}]\n", f"[environments.{env}]\n{env_keys}"))
    return site, prefix


def _clean(s3, bucket: str, prefix: str) -> None:
    """The bucket is shared: leave no objects another test's plan would delete."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])


def test_production_form_and_result_file_carry_the_review_warning(
    served: dict, tmp_path: Path, llm_variable: Callable[[dict], None]
) -> None:
    api, s3 = served["api"], served["s3"]
    fake = FakeOllama()
    llm_variable({"host": fake.url, "model": "llama3.2:3b", "timeout_seconds": 30})
    site, prefix = prefixed_site(tmp_path, "production", s3)
    about = site / "content" / "about.md"
    about.write_text(about.read_text() + PLACEHOLDER)
    try:
        code, out = publish(site, "production")
        assert code == 5, out  # paused for approval
        run_id = out["flow_run_id"]
        run = httpx.get(f"{api}/flow_runs/{run_id}").json()
        keyset = run["state"]["state_details"]["run_input_keyset"]
        form = httpx.get(f"{api}/flow_runs/{run_id}/input/{keyset['description']}").json()
        assert "Second-pass review" in form, form
        warning = next(
            (line for line in form.splitlines() if line.startswith("- ⚠️") and "`/about/`" in line),
            form,
        )
        assert "score 1" in warning and "placeholder text" in warning and "Lorem ipsum" in warning
        assert "In plain words" in form and "DEPLOY TO PRODUCTION" in form

        paused = find_result(run_id)
        assert paused.status == "paused" and paused.review is not None
        about_row = next(p for p in paused.review["pages"] if p["page"] == "about/index.html")
        assert about_row["score"] == 1 and about_row["source"] == "rules+model"
        assert paused.review["warnings"] >= 1 and paused.review["model"]["model"] == "llama3.2:3b"
        assert fake.calls("/api/chat"), "the reviewer model was asked"
    finally:
        httpx.post(
            f"{api}/flow_runs/{out['flow_run_id']}/set_state",
            json={"state": {"type": "CANCELLING", "message": "test over"}},
        )
        wait_until(
            lambda: (
                httpx.get(f"{api}/flow_runs/{out['flow_run_id']}").json()["state"]["type"]
                == "CANCELLED"
            ),
            120,
            "the paused run to be cancelled",
        )
        fake.stop()
        _clean(s3, "hugopipe-example-production", prefix)


FAILURES = {
    "not-json": "not JSON",
    "wrong-schema": "does not fit prompt",
    "hang": "did not answer within 1 s",
    "refused": "not reachable",
}


def test_publish_completes_whatever_the_model_does(
    served: dict, tmp_path: Path, llm_variable: Callable[[dict], None]
) -> None:
    s3 = served["s3"]
    fake = FakeOllama()
    # the placeholder text would make the review card ask (test_served_gate.py): this test
    # is about the model's failures, so the pages only show where an approval asks anyway
    site, prefix = prefixed_site(
        tmp_path, "staging", s3, env_keys='ask_about_review = "when-approving"\n'
    )
    about = site / "content" / "about.md"
    try:
        for i, (mode, note) in enumerate(FAILURES.items()):
            fake.mode = mode
            host = f"http://127.0.0.1:{free_port()}" if mode == "refused" else fake.url
            llm_variable({"host": host, "model": "llama3.2:3b", "timeout_seconds": 1})
            about.write_text(about.read_text() + f"\nEdit {i}: lorem ipsum.\n")
            code, out = publish(site, "staging")
            assert code == 0 and out["state_type"] == "COMPLETED", (mode, out)
            result = find_result(out["flow_run_id"])
            assert result.status == "success", (mode, result)
            assert result.review and note in result.review["model"]["note"], (mode, result.review)
            assert any(
                p["page"] == "about/index.html" and p["score"] == 1 for p in result.review["pages"]
            )
            assert "review" in result.summary
    finally:
        fake.stop()
        _clean(s3, "hugopipe-example-staging", prefix)


def test_a_local_model_task_file_runs_and_its_answer_is_in_the_result(
    served: dict, tmp_path: Path, llm_variable: Callable[[dict], None]
) -> None:
    """Claude's path: a ``local-model`` task file, submitted; the answer in the result file."""
    from tests.cli.conftest import run_cli
    from tests.support import ROOT

    fake = FakeOllama()
    llm_variable({"host": fake.url, "model": "llama3.2:3b", "timeout_seconds": 30})
    text = (ROOT / "tasks" / "templates" / "local-model.md").read_text()
    task = tmp_path / f"2026-12-05-0300-local-model-{uuid.uuid4().hex[:6]}.md"
    task.write_text(text)
    try:
        out = run_cli("submit", str(task), "--wait", "--json")
        data = json.loads(out.stdout)
        assert out.returncode == 0 and data["passed"] is True, out.stderr + out.stdout
        result = ResultFile.parse(Path(data["result_path"]).read_text())
        assert result.task_type == "local-model" and result.status == "success"
        assert result.outputs["answer"]["summary"] == "One throttled upload was retried."
        assert (
            result.outputs["privacy"] == "local-only" and result.outputs["model"] == "llama3.2:3b"
        )
        [req] = fake.calls("/api/generate")
        assert "SlowDown" in req["prompt"] and req["format"]["required"] == ["lines", "summary"]
    finally:
        fake.stop()


def test_a_failed_publish_is_explained_by_the_rules_without_a_model(
    served: dict, tmp_path: Path
) -> None:
    from tests.support import hugopipe

    site = copy_site(tmp_path)
    layout = next(p for p in (site / "layouts").rglob("*.html") if "baseof" in p.name)
    lines = layout.read_text().splitlines()
    lines.insert(1, "{{ .Site.Broken }")
    layout.write_text("\n".join(lines))
    code, run = publish(site, "dev")
    assert code == 1, run
    result = find_result(run["flow_run_id"])
    told = result.failure_explanation
    assert told and told["source"] == "rules" and told["failure_class"] == "template", told
    assert "layouts/" in told["explanation"] and "model" not in told
    retries = json.loads(hugopipe("retries", run["flow_run_id"], "--json").stdout)
    build = next(t for t in retries["tasks"] if t["task_name"].startswith("build"))
    assert "Hugo could not render a template" in build["attempts"][0]["explanation"]
