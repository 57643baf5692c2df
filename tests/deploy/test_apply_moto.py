"""The deployer end to end against moto in server mode over HTTP."""

from __future__ import annotations

import gzip
import os

import pytest

from hugopipe.deploy import ApplyStatus, UploadReason, apply_plan, connect, plan_deploy
from hugopipe.deploy.store import MANIFEST_NAME, PENDING_NAME
from hugopipe.errors import ConfigError, TransientError

from .conftest import create_distribution, invalidations, make_target, write_site

pytestmark = pytest.mark.slow


def snapshot(s3, bucket: str) -> dict[str, tuple[bytes, str, str | None, str | None, dict]]:
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.startswith(".hugopipe/"):
                continue
            r = s3.get_object(Bucket=bucket, Key=key)
            out[key] = (
                r["Body"].read(),
                r.get("ContentType"),
                r.get("CacheControl"),
                r.get("ContentEncoding"),
                r.get("Metadata", {}),
            )
    return out


def deploy(public, target, clients, **kw):
    plan = plan_deploy(
        public,
        target,
        clients,
        **{k: v for k, v in kw.items() if k in {"full_check", "max_deletes"}},
    )
    report = apply_plan(
        plan,
        public,
        target,
        clients,
        **{k: v for k, v in kw.items() if k in {"dry_run", "progress"}},
    )
    return plan, report


def assert_bucket_equals_public(s3, bucket, public):
    snap = snapshot(s3, bucket)
    local = {
        p.relative_to(public).as_posix(): p.read_bytes()
        for p in public.rglob("*")
        if p.is_file() and not p.is_symlink()
    }
    assert sorted(snap) == sorted(local)
    for key, (body, *_rest, encoding, _meta) in snap.items():
        assert (gzip.decompress(body) if encoding == "gzip" else body) == local[key], key


def test_first_deploy_headers_types_gzip_and_metadata(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    plan, report = deploy(public, target, clients)
    assert report.status == ApplyStatus.SUCCEEDED
    assert {u.reason for u in plan.uploads} == {UploadReason.NEW}
    snap = snapshot(s3, bucket)
    ctype = {k: v[1] for k, v in snap.items()}
    assert ctype["index.html"] == "text/html; charset=utf-8"
    assert ctype["sitemap.xml"] == "application/xml; charset=utf-8"
    assert ctype["index.xml"] == "application/rss+xml; charset=utf-8"
    assert ctype["css/site.css"] == "text/css; charset=utf-8"
    assert ctype["js/app.js"] == "text/javascript; charset=utf-8"
    assert ctype["js/mod.mjs"] == "text/javascript; charset=utf-8"
    assert ctype["img/logo.png"] == "image/png"
    assert ctype["img/icon.svg"] == "image/svg+xml; charset=utf-8"
    assert ctype["fonts/a.woff2"] == "font/woff2"
    assert ctype["doc/guide.pdf"] == "application/pdf"
    assert ctype["robots.txt"] == "text/plain; charset=utf-8"
    assert ctype["site.webmanifest"] == "application/manifest+json; charset=utf-8"
    assert ctype["data.json"] == "application/json; charset=utf-8"
    # matchers: cache-control and gzip for css/js/svg, gzip for html/xml/json, nothing for txt
    assert snap["css/site.css"][2] == "max-age=31536000, no-transform, public"
    assert snap["css/site.css"][3] == "gzip"
    assert snap["img/logo.png"][2] == "max-age=31536000, no-transform, public"
    assert snap["img/logo.png"][3] is None
    assert snap["index.html"][3] == "gzip" and snap["index.html"][2] is None
    assert snap["robots.txt"][3] is None
    # the source hash is in the metadata, whatever is stored
    import hashlib

    assert (
        snap["index.html"][4]["hugopipe-sha256"]
        == hashlib.sha256((public / "index.html").read_bytes()).hexdigest()
    )
    assert_bucket_equals_public(s3, bucket, public)
    # second deploy with no change: nothing to upload, nothing written
    plan2, report2 = deploy(public, target, clients)
    assert plan2.remote_source == "manifest"
    assert plan2.uploads == [] and plan2.deletes == []
    assert report2.status == ApplyStatus.NOTHING_TO_DO
    # a full check (listing + HEAD) agrees: gzip-encoded objects compare right by our hash
    plan3 = plan_deploy(public, target, clients, full_check=True)
    assert plan3.uploads == [] and plan3.drift == []


def test_force_matcher_and_header_change_detected(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    deploy(public, target, clients)
    # change only a header rule: html gets a cache-control; exactly the html files re-upload
    changed = target.model_copy(
        update={
            "matchers": [
                *target.matchers[:2],
                target.matchers[2].model_copy(update={"cache_control": "max-age=60"}),
            ]
        }
    )
    plan = plan_deploy(public, changed, connect(changed))
    html_xml_json = {
        k
        for k in (p.relative_to(public).as_posix() for p in public.rglob("*") if p.is_file())
        if k.endswith((".html", ".xml", ".json"))
    }
    assert {u.key for u in plan.uploads} == html_xml_json
    assert {u.reason for u in plan.uploads} == {UploadReason.HEADERS}
    assert any("cache-control: - → max-age=60" in c for u in plan.uploads for c in u.changes)


def test_upload_order_assets_html_then_feeds(tmp_path, s3, bucket, moto_endpoint, fault_proxy):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint, workers=8)
    clients = connect(target, endpoint_url=fault_proxy.endpoint)  # the proxy records the PUT order
    deploy(public, target, clients)
    keys = [k for k in fault_proxy.puts if not k.startswith(".hugopipe/")]
    assert len(keys) == len([p for p in public.rglob("*") if p.is_file()])

    def cls(k):
        if k.endswith(".html"):
            return 1
        return 2 if k.endswith(".xml") else 0

    classes = [cls(k) for k in keys]
    assert classes == sorted(classes), keys


@pytest.mark.parametrize("fast_put", [True, False], ids=["lean-put", "botocore"])
def test_failed_upload_no_deletes_no_invalidation_all_errors_then_converges(
    tmp_path, s3, bucket, moto_endpoint, fault_proxy, fast_put
):
    public = write_site(tmp_path / "public")
    dist = create_distribution(moto_endpoint, bucket)
    target = make_target(bucket, moto_endpoint, cloudfront_distribution_id=dist)
    deploy(public, target, connect(target))
    n_inval = len(invalidations(moto_endpoint, dist))
    before = snapshot(s3, bucket)
    # change two pages and a feed, delete one page
    (public / "posts/first/index.html").write_text("<html>first v2</html>")
    (public / "index.html").write_text("<html>home v2</html>")
    (public / "index.xml").write_text("<rss>home feed v2</rss>")
    os.remove(public / "posts/second/index.html")
    # every request goes through a proxy that answers 503 SlowDown to PUTs of two pages
    fault_proxy.fail_keys = {"posts/first/index.html", "index.html"}
    clients = connect(target, endpoint_url=fault_proxy.endpoint, max_attempts=2, fast_put=fast_put)
    assert (clients.fast is not None) == fast_put
    plan = plan_deploy(public, target, clients)
    assert [d.key for d in plan.deletes] == ["posts/second/index.html"]
    with pytest.raises(TransientError) as ei:
        apply_plan(plan, public, target, clients)
    errs = ei.value.errors
    assert sorted(e.key for e in errs) == [
        "index.html",
        "posts/first/index.html",
    ]  # every error, not the first
    assert all(e.code == "SlowDown" and e.transient for e in errs)
    assert fault_proxy.failed.count("index.html") >= 2  # retried per object
    report = ei.value.report
    assert report.deleted == [] and report.skipped_deletes == 1
    assert report.skipped_uploads == ["index.xml"]  # feeds wait for the pages
    after = snapshot(s3, bucket)
    assert "posts/second/index.html" in after  # not deleted
    assert after["index.xml"] == before["index.xml"]
    assert len(invalidations(moto_endpoint, dist)) == n_inval  # no invalidation
    assert s3.get_object(Bucket=bucket, Key=".hugopipe/" + PENDING_NAME)["Body"].read()
    # rerun without the fault: converges
    clients = connect(target, fast_put=fast_put)
    plan2 = plan_deploy(public, target, clients)
    assert {"index.html", "posts/first/index.html", "index.xml"} <= {u.key for u in plan2.uploads}
    report2 = apply_plan(plan2, public, target, clients)
    assert report2.status == ApplyStatus.SUCCEEDED
    assert_bucket_equals_public(s3, bucket, public)
    assert len(invalidations(moto_endpoint, dist)) == n_inval + 1
    plan3 = plan_deploy(public, target, clients)
    assert plan3.empty


def test_max_deletes_blocks_before_anything_changes(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    deploy(public, target, clients)
    before = snapshot(s3, bucket)
    manifest_before = s3.head_object(Bucket=bucket, Key=".hugopipe/" + MANIFEST_NAME)["ETag"]
    for rel in ("robots.txt", "data.json", "img/icon.svg"):
        os.remove(public / rel)
    (public / "index.html").write_text("changed")
    plan = plan_deploy(public, target, clients, max_deletes=2)
    assert plan.blocked and "3 deletes exceed the max-deletes limit of 2" in plan.blocked
    assert "BLOCKED" in plan.to_markdown()
    with pytest.raises(ConfigError, match="max-deletes"):
        apply_plan(plan, public, target, clients)
    assert snapshot(s3, bucket) == before
    assert (
        s3.head_object(Bucket=bucket, Key=".hugopipe/" + MANIFEST_NAME)["ETag"] == manifest_before
    )
    # -1 disables the guard
    assert plan_deploy(public, target, clients, max_deletes=-1).blocked is None


def test_dry_run_changes_nothing(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    plan, report = deploy(public, target, clients, dry_run=True)
    assert (
        report.status == ApplyStatus.DRY_RUN and len(plan.uploads) == len(os.listdir(public))
    ) or plan.uploads
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_symlink_outside_public_is_never_followed(tmp_path, s3, bucket, moto_endpoint):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("aws_secret_access_key=hunter2")
    public = write_site(tmp_path / "public")
    (public / "leak.txt").symlink_to(secret)
    (public / "leakdir").symlink_to(secret.parent, target_is_directory=True)
    (public / "inside.txt").symlink_to(public / "robots.txt")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    plan, _ = deploy(public, target, clients)
    keys = set(snapshot(s3, bucket))
    assert "leak.txt" not in keys and not any(k.startswith("leakdir") for k in keys)
    assert "inside.txt" in keys  # a link that stays inside public/ is fine
    assert any("leak.txt" in s and "outside" in s for s in plan.skipped_local)
    for body, *_ in snapshot(s3, bucket).values():
        assert b"hunter2" not in body


def test_spaces_and_non_ascii_deploy_and_invalidate(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    dist = create_distribution(moto_endpoint, bucket)
    target = make_target(bucket, moto_endpoint, cloudfront_distribution_id=dist)
    clients = connect(target)
    deploy(public, target, clients)
    keys = set(snapshot(s3, bucket))
    assert "über uns/index.html" in keys and "files/my report 2024.txt" in keys
    (public / "über uns/index.html").write_text("<html>über v2</html>")
    (public / "files/my report 2024.txt").write_text("spaces v2")
    plan, report = deploy(public, target, clients)
    assert sorted(u.key for u in plan.uploads) == [
        "files/my report 2024.txt",
        "über uns/index.html",
    ]
    expected = ["/%C3%BCber%20uns/", "/%C3%BCber%20uns/index.html", "/files/my%20report%202024.txt"]
    assert sorted(report.invalidation_paths) == sorted(expected)
    assert sorted(invalidations(moto_endpoint, dist)[-1]) == sorted(expected)
    assert s3.get_object(Bucket=bucket, Key="über uns/index.html")["Body"].read()


def test_invalidation_exact_forms_and_collapse(tmp_path, s3, bucket, moto_endpoint):
    files = {f"posts/p{i:02d}/index.html": f"post {i}" for i in range(40)}
    files.update(
        {
            "index.html": "home",
            "index.xml": "feed",
            "css/app.0123456789abcdef0123456789abcdef.css": "x",
        }
    )
    public = write_site(tmp_path / "public", files)
    dist = create_distribution(moto_endpoint, bucket)
    target = make_target(
        bucket, moto_endpoint, cloudfront_distribution_id=dist, invalidation_threshold=10
    )
    clients = connect(target)
    deploy(public, target, clients)
    (public / "posts/p03/index.html").write_text("post 3 v2")
    (public / "index.xml").write_text("feed v2")
    os.remove(public / "posts/p04/index.html")
    (public / "css/app.fedcba9876543210fedcba9876543210.css").write_text(
        "y"
    )  # fingerprinted: no invalidation
    _, report = deploy(public, target, clients)
    assert sorted(report.invalidation_paths) == [
        "/index.xml",
        "/posts/p03/",
        "/posts/p03/index.html",
        "/posts/p04/",
        "/posts/p04/index.html",
    ]
    assert report.invalidation_id
    # many pages change → collapsed wildcard that covers all of them
    for i in range(10, 30):
        (public / f"posts/p{i:02d}/index.html").write_text(f"post {i} v3")
    (public / "index.html").write_text("home v3")
    _, report = deploy(public, target, clients)
    assert sorted(report.invalidation_paths) == ["/", "/index.html", "/posts/*"]


def test_multipart_object_compares_by_hash(tmp_path, s3, bucket, moto_endpoint):
    big = os.urandom(6 * 1024 * 1024)
    public = write_site(tmp_path / "public", {"video/clip.mp4": big, "index.html": "x"})
    target = make_target(bucket, moto_endpoint, multipart_threshold=5 * 1024 * 1024)
    clients = connect(target)
    deploy(public, target, clients)
    head = s3.head_object(Bucket=bucket, Key="video/clip.mp4")
    assert "-" in head["ETag"]  # really multipart
    assert head["ContentType"] == "video/mp4"
    assert plan_deploy(public, target, clients, full_check=True).uploads == []


def test_full_check_finds_drift(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    deploy(public, target, clients)
    s3.put_object(Bucket=bucket, Key="robots.txt", Body=b"hand edit", ContentType="text/plain")
    s3.copy_object(
        Bucket=bucket,
        Key="doc/guide.pdf",
        CopySource={"Bucket": bucket, "Key": "doc/guide.pdf"},
        MetadataDirective="REPLACE",
        ContentType="application/octet-stream",
        Metadata=s3.head_object(Bucket=bucket, Key="doc/guide.pdf")["Metadata"],
    )
    s3.put_object(Bucket=bucket, Key="stray.html", Body=b"stray")
    assert plan_deploy(public, target, clients).empty  # the manifest alone cannot see it
    plan = plan_deploy(public, target, clients, full_check=True)
    problems = {d.key: d.problem for d in plan.drift}
    assert set(problems) == {"robots.txt", "doc/guide.pdf", "stray.html"}
    assert "headers changed" in problems["doc/guide.pdf"]
    assert {u.key: u.reason for u in plan.uploads} == {
        "robots.txt": UploadReason.DRIFT,
        "doc/guide.pdf": UploadReason.DRIFT,
    }
    assert [d.key for d in plan.deletes] == ["stray.html"]
    apply_plan(plan, public, target, clients)
    assert_bucket_equals_public(s3, bucket, public)


def test_stale_plan_is_refused_and_reapply_is_idempotent(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    plan = plan_deploy(public, target, clients)
    apply_plan(plan, public, target, clients)
    # the same plan again (a Prefect retry after success): recognised, nothing written
    assert apply_plan(plan, public, target, clients).status == ApplyStatus.ALREADY_APPLIED
    (public / "robots.txt").write_text("v2")
    old = plan_deploy(public, target, clients)
    (public / "data.json").write_text('{"a":2}')
    apply_plan(plan_deploy(public, target, clients), public, target, clients)
    with pytest.raises(ConfigError, match="changed since this plan"):
        apply_plan(old, public, target, clients)


def test_local_change_after_plan_is_an_error_not_an_upload(tmp_path, s3, bucket, moto_endpoint):
    public = write_site(tmp_path / "public")
    target = make_target(bucket, moto_endpoint)
    clients = connect(target)
    plan = plan_deploy(public, target, clients)
    (public / "robots.txt").write_text("edited after approval")
    with pytest.raises(Exception) as ei:
        apply_plan(plan, public, target, clients)
    assert [e.key for e in ei.value.errors] == ["robots.txt"]
    assert "changed since the plan" in ei.value.errors[0].message


def test_prefix_target_keeps_other_keys(tmp_path, s3, bucket, moto_endpoint):
    s3.put_object(Bucket=bucket, Key="other-site/index.html", Body=b"keep me")
    public = write_site(tmp_path / "public", {"index.html": "a", "b/index.html": "b"})
    target = make_target(bucket, moto_endpoint, prefix="site/")
    clients = connect(target)
    deploy(public, target, clients)
    os.remove(public / "b/index.html")
    plan, _ = deploy(public, target, clients)
    assert [d.key for d in plan.deletes] == ["site/b/index.html"]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert "other-site/index.html" in keys and "site/index.html" in keys


def test_missing_credentials_and_unreachable_endpoint_are_classified(
    tmp_path, bucket, moto_endpoint, monkeypatch
):
    import boto3

    from hugopipe.errors import CredentialsError

    public = write_site(tmp_path / "public", {"index.html": "x"})
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    target = make_target(bucket, moto_endpoint)
    with pytest.raises(CredentialsError):
        plan_deploy(public, target, connect(target, session=boto3.Session()))
    session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s")
    dead = make_target(bucket, "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(TransientError):
        plan_deploy(public, dead, connect(dead, session=session, max_attempts=1))


def test_wait_for_invalidation(tmp_path, bucket, moto_endpoint):
    public = write_site(tmp_path / "public", {"index.html": "x", "a/index.html": "a"})
    dist = create_distribution(moto_endpoint, bucket)
    target = make_target(bucket, moto_endpoint, cloudfront_distribution_id=dist)
    clients = connect(target)
    plan = plan_deploy(public, target, clients)
    report = apply_plan(plan, public, target, clients, wait_invalidation=True)
    assert report.invalidation_status and report.invalidation_status.lower() == "completed"
    assert sorted(report.invalidation_paths) == ["/", "/a/", "/a/index.html", "/index.html"]
