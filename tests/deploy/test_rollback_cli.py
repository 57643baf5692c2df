"""Rollback byte for byte, Hugo-config targets and the CLI commands, against moto over HTTP."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hugopipe.cli.main import main
from hugopipe.deploy import (
    apply_plan,
    apply_rollback,
    connect,
    load_target,
    plan_deploy,
    plan_rollback,
)
from hugopipe.errors import ConfigError

from .conftest import make_target, write_site
from .test_apply_moto import snapshot

pytestmark = pytest.mark.slow


def test_rollback_restores_previous_release_byte_for_byte(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    apply_plan(plan_deploy(public, target, clients), public, target, clients)
    v1 = snapshot(s3, bucket)
    # release 2: edits, a header change, a new file, a deleted file
    (public / "index.html").write_text("<html>home v2</html>")
    (public / "css/site.css").write_text("body{color:blue}")
    (public / "new/index.html").parent.mkdir()
    (public / "new/index.html").write_text("new page")
    os.remove(public / "robots.txt")
    t2 = target.model_copy(
        update={
            "matchers": [
                target.matchers[0].model_copy(update={"cache_control": "no-cache"}),
                *target.matchers[1:],
            ]
        }
    )
    apply_plan(plan_deploy(public, t2, clients), public, t2, clients)
    v2 = snapshot(s3, bucket)
    assert v2 != v1
    plan = plan_rollback(target, clients)
    assert {i.key for i in plan.restores} >= {"index.html", "css/site.css", "robots.txt"}
    assert plan.deletes == ["new/index.html"]
    report = apply_rollback(plan, target, clients)
    assert (
        snapshot(s3, bucket) == v1
    )  # bytes, Content-Type, Cache-Control, Content-Encoding, metadata
    # the rollback is itself a release; rolling back again returns to release 2
    apply_rollback(plan_rollback(target, clients), target, clients)
    assert snapshot(s3, bucket) == v2
    assert report.release_id


def test_rollback_without_versioning_refuses_clearly(tmp_path, s3, moto_endpoint):
    s3.create_bucket(Bucket="noversions")
    public = write_site(tmp_path / "public", {"index.html": "a"})
    target = make_target("noversions", moto_endpoint)
    clients = connect(target)
    apply_plan(plan_deploy(public, target, clients), public, target, clients)
    (public / "index.html").write_text("b")
    apply_plan(plan_deploy(public, target, clients), public, target, clients)
    with pytest.raises(ConfigError, match="versioning"):
        plan_rollback(target, clients)


def _hugo_site(root: Path, endpoint: str, bucket: str, *, extra: str = "") -> Path:
    (root / "config/_default").mkdir(parents=True)
    (root / "config/staging").mkdir(parents=True)
    (root / "config/_default/hugo.toml").write_text(
        f"""baseURL = "https://example.org/"
title = "t"
[deployment]
order = ['\\.png$']
[[deployment.targets]]
name = "dev"
url = "s3://{bucket}?endpoint={endpoint}&use_path_style=true&region=us-east-1"
[[deployment.targets]]
name = "staging"
url = "s3://{bucket}?endpoint={endpoint}&s3ForcePathStyle=true&prefix=stg/"
cloudFrontDistributionID = "E1"
exclude = "**.tmp"
[[deployment.targets]]
name = "production"
url = "s3://{bucket}-prod?endpoint={endpoint}&use_path_style=true"
[[deployment.matchers]]
pattern = "^sitemap\\\\.xml$"
contentType = "application/xml"
gzip = true
{extra}"""
    )
    (root / "config/staging/hugo.toml").write_text("[deployment]\nmaxDeletes = 7\n")
    return root


def test_load_target_reads_merged_hugo_config(tmp_path, moto_endpoint):
    site = _hugo_site(tmp_path / "site", moto_endpoint, "b1")
    dev = load_target(site, "dev")
    assert (
        dev.bucket == "b1"
        and dev.endpoint == moto_endpoint
        and dev.path_style
        and dev.region == "us-east-1"
    )
    assert dev.max_deletes == 256 and dev.order == [r"\.png$"]
    assert dev.matchers[0].content_type == "application/xml" and dev.matchers[0].gzip
    stg = load_target(site, "staging")
    assert stg.max_deletes == 7  # config/staging overrides config/_default, as Hugo merges it
    assert stg.prefix == "stg/" and stg.path_style and stg.cloudfront_distribution_id == "E1"
    assert not stg.selected("a/b.tmp") and stg.selected("a/b.html")
    with pytest.raises(ConfigError) as ei:
        load_target(site, "nope")
    assert "dev, staging, production" in ei.value.message and ei.value.file.endswith("hugo.toml")


def test_unknown_url_parameter_is_rejected_like_hugo(tmp_path, moto_endpoint):
    site = _hugo_site(tmp_path / "site", moto_endpoint, "b1")
    cfg = site / "config/_default/hugo.toml"
    cfg.write_text(cfg.read_text().replace("use_path_style=true&region", "disableSSL=true&region"))
    with pytest.raises(ConfigError, match="disableSSL"):
        load_target(site, "dev")


def test_cli_deploy_dev_then_noop_and_production_refused(
    tmp_path, s3, bucket, moto_endpoint, capsys
):
    site = _hugo_site(tmp_path / "site", moto_endpoint, bucket)
    write_site(site / "public")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"]["status"] == "succeeded" and out["plan"]["summary"]["uploads"] > 10
    assert s3.head_object(Bucket=bucket, Key="sitemap.xml")["ContentType"] == "application/xml"
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["plan"]["summary"]["uploads"] == 0 and out["report"]["status"] == "nothing to do"
    # dry run: prints the plan, changes nothing
    (site / "public/index.html").write_text("changed")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--dry-run"]) == 0
    captured = capsys.readouterr().out
    assert "`index.html` — content changed" in captured
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    capsys.readouterr()
    # max-deletes exceeded: exit 1, clear message, nothing changed
    for rel in ("robots.txt", "data.json"):
        os.remove(site / "public" / rel)
    assert main(["deploy", "--site", str(site), "--target", "dev", "--max-deletes", "1"]) == 1
    assert "max-deletes" in capsys.readouterr().err
    assert s3.head_object(Bucket=bucket, Key="robots.txt")
    # production, by name or marked in hugopipe.toml, is refused with exit 3
    assert main(["deploy", "--site", str(site), "--target", "production"]) == 3
    assert "hugopipe run publish --env production" in capsys.readouterr().err
    (site / "hugopipe.toml").write_text("[environments.dev]\nproduction = true\n")
    assert main(["deploy", "--site", str(site), "--target", "dev"]) == 3
    assert main(["rollback", "--site", str(site), "--env", "dev"]) == 3
    assert "rollback flow" in capsys.readouterr().err


def test_cli_rollback_dev(tmp_path, s3, bucket, moto_endpoint, capsys):
    site = _hugo_site(tmp_path / "site", moto_endpoint, bucket)
    write_site(site / "public")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    v1 = snapshot(s3, bucket)
    (site / "public/index.html").write_text("v2")
    assert main(["deploy", "--site", str(site), "--target", "dev", "--json"]) == 0
    assert snapshot(s3, bucket) != v1
    assert main(["rollback", "--site", str(site), "--env", "dev", "--dry-run"]) == 0
    assert snapshot(s3, bucket) != v1
    capsys.readouterr()
    assert main(["rollback", "--site", str(site), "--env", "dev", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"]["uploaded"] == ["index.html"]
    assert snapshot(s3, bucket) == v1
    assert main(["rollback", "--site", str(site), "--env", "production"]) == 3
    assert "rollback flow" in capsys.readouterr().err


def test_installed_command_flushes_everything_before_its_quick_exit(
    tmp_path, s3, bucket, moto_endpoint
):
    """The console script ends deploys with os._exit: stdout on a pipe must still be whole,
    and every exit code must survive (0 on success, 1 on a refused plan, 3 for production)."""
    from tests.support import hugopipe

    site = _hugo_site(tmp_path / "site", moto_endpoint, bucket)
    public = write_site(site / "public")
    for i in range(300):  # a plan JSON far larger than a pipe buffer (64 KiB)
        (public / f"bulk/page-{i:03d}/index.html").parent.mkdir(parents=True)
        (public / f"bulk/page-{i:03d}/index.html").write_text(f"<html>page {i}</html>")
    proc = hugopipe("deploy", "--site", str(site), "--target", "dev", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 65536
    out = json.loads(proc.stdout)
    assert out["report"]["status"] == "succeeded" and len(out["plan"]["uploads"]) > 300
    for i in range(3):
        os.remove(public / f"bulk/page-{i:03d}/index.html")
    proc = hugopipe("deploy", "--site", str(site), "--target", "dev", "--max-deletes", "1")
    assert proc.returncode == 1 and "max-deletes" in proc.stderr
    proc = hugopipe("deploy", "--site", str(site), "--target", "production")
    assert proc.returncode == 3 and "DEPLOY TO PRODUCTION" in proc.stderr


def test_cli_rollback_refuses_a_target_re_pointed_at_the_production_bucket(
    tmp_path, s3, bucket, moto_endpoint, capsys
):
    """Production is a bucket, not a name: a dev target that Hugo's merged configuration
    points at production's bucket (here through a YAML file, which the fast file reader
    does not read) is refused (exit 3) before anything is planned or written."""
    site = _hugo_site(tmp_path / "site", moto_endpoint, bucket)
    s3.create_bucket(Bucket=f"{bucket}-prod")
    (site / "config/dev").mkdir(parents=True)
    (site / "config/dev/hugo.yaml").write_text(
        "deployment:\n  targets:\n    - name: dev\n"
        f"      url: s3://{bucket}-prod?endpoint={moto_endpoint}&use_path_style=true\n"
    )
    assert load_target(site, "dev", environment="dev").bucket == f"{bucket}-prod"
    before = s3.list_object_versions(Bucket=f"{bucket}-prod").get("Versions", [])
    assert main(["rollback", "--site", str(site), "--env", "dev"]) == 3
    err = capsys.readouterr().err
    assert "a production environment writes to" in err and "rollback flow" in err
    assert s3.list_object_versions(Bucket=f"{bucket}-prod").get("Versions", []) == before
