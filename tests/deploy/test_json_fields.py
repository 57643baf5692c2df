"""The ``--json`` fields of ``hugopipe plan``/``deploy``/``rollback``, frozen.

Scripts and Claude Code read these keys; a refactor of the deploy stage must keep
every one of them (new keys are a deliberate change to this file, never a side effect).
"""

from __future__ import annotations

import json
import os

import pytest

from hugopipe.cli.main import main
from hugopipe.deploy import apply_plan, connect, plan_deploy

# One frozen list per contract: the CLI's (tests/cli/json_fields.py), checked here on the
# deploy models and real deploys.
from tests.cli.json_fields import APPLY_REPORT as REPORT_KEYS
from tests.cli.json_fields import DEPLOY_PLAN as PLAN_KEYS
from tests.cli.json_fields import OBJECT_ERROR as ERROR_KEYS
from tests.cli.json_fields import PLAN_SUMMARY as SUMMARY_KEYS
from tests.cli.json_fields import ROLLBACK_PLAN as ROLLBACK_PLAN_KEYS

from .conftest import create_distribution, make_target, write_site
from .test_rollback_cli import _hugo_site

pytestmark = pytest.mark.slow

UPLOAD_KEYS = {
    "key",
    "path",
    "reason",
    "sha256",
    "size",
    "headers",
    "gzip",
    "group",
    "changes",
    "redirect",  # issue 18: the Location of a website redirect from _redirects
}
HEADER_KEYS = {"content_type", "cache_control", "content_encoding"}


def test_plan_and_report_json_keys(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    dist = create_distribution(moto_endpoint, bucket)
    target = make_target(bucket, moto_endpoint, cloudfront_distribution_id=dist)
    clients = connect(target)
    apply_plan(plan_deploy(public, target, clients), public, target, clients)
    (public / "index.html").write_text("v2")
    os.remove(public / "robots.txt")
    plan = plan_deploy(public, target, clients)
    dumped = json.loads(json.dumps(plan.to_summary()))
    assert set(dumped) == PLAN_KEYS
    assert set(dumped["summary"]) == SUMMARY_KEYS
    assert set(dumped["uploads"][0]) == UPLOAD_KEYS
    assert set(dumped["uploads"][0]["headers"]) == HEADER_KEYS
    assert set(dumped["deletes"][0]) == {"key", "size", "why"}  # why: issue 19
    assert dumped["summary"] == {
        "uploads": 1,
        "uploads_by_reason": {"content changed": 1},
        "pages_added": 0,
        "pages_changed": 1,
        "pages_deleted": 0,
        "files_added": 0,
        "files_changed": 0,
        "files_deleted": 1,
        "deletes": 1,
        "unchanged": len(plan.kept),
        "upload_bytes": 2,
        "local_files": len(plan.kept) + 1,
        "invalidation_paths": 3,
        "redirects": 0,
        "redirects_not_applied": 0,
        "redirect_uploads": 0,
    }
    # attributes the flows, tasks and CLI read
    assert plan.summary.uploads == 1 and plan.summary.deletes == 1 and not plan.empty
    report = apply_plan(plan, public, target, clients)
    assert set(json.loads(report.model_dump_json())) == REPORT_KEYS
    assert report.ok and report.uploaded == ["index.html"] and report.deleted == ["robots.txt"]


def test_cli_json_keys(tmp_path, s3, bucket, moto_endpoint, capsys):
    site = _hugo_site(tmp_path / "site", moto_endpoint, bucket)
    write_site(site / "public")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"plan", "report", "site_name"}  # site_name: issue 21
    assert out["site_name"] == "site"  # a folder no workspace file lists: named by its folder
    assert set(out["plan"]) == PLAN_KEYS and set(out["plan"]["summary"]) == SUMMARY_KEYS
    assert set(out["report"]) == REPORT_KEYS
    (site / "public/index.html").write_text("v2")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["plan"]) == PLAN_KEYS and set(out["report"]) == REPORT_KEYS
    assert out["report"]["status"] == "dry run"
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    capsys.readouterr()
    assert main(["rollback", "--site", str(site), "--env", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"plan", "report", "site_name"}  # site_name: issue 21
    assert set(out["plan"]) == ROLLBACK_PLAN_KEYS
    assert set(out["plan"]["restores"][0]) == {"key", "version_id", "reason"}
    assert set(out["report"]) == REPORT_KEYS
    assert main(["rollback", "--site", str(site), "--env", "dev", "--list", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out[0]) == {"release_id", "last_modified"}


def test_failed_apply_report_keys(tmp_path, s3, bucket, moto_endpoint, fault_proxy):
    from hugopipe.errors import TransientError

    public = write_site(tmp_path / "public", {"index.html": "a"})
    target = make_target(bucket, moto_endpoint)
    fault_proxy.fail_keys = {"index.html"}
    clients = connect(target, endpoint_url=fault_proxy.endpoint, max_attempts=1)
    plan = plan_deploy(public, target, clients)
    with pytest.raises(TransientError) as ei:
        apply_plan(plan, public, target, clients)
    dumped = json.loads(ei.value.report.model_dump_json())
    assert set(dumped) == REPORT_KEYS and set(dumped["errors"][0]) == ERROR_KEYS
