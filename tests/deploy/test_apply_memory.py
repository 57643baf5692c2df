"""Apply and rollback against the in-memory store: no moto, no network, no threads to wait for.

The moto tests (test_apply_moto.py, test_rollback_cli.py) are the integration layer;
these pin the apply logic itself — order, refusals, dry run, failure bookkeeping.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from hugopipe.deploy import (
    ApplyStatus,
    DeployTarget,
    MemoryCdn,
    MemoryStore,
    StoreError,
    UploadReason,
    apply_plan,
    apply_rollback,
    list_releases,
    plan_deploy,
    plan_rollback,
)
from hugopipe.deploy.store import MANIFEST_NAME, PENDING_NAME
from hugopipe.errors import ConfigError, CredentialsError, HugopipeError, TransientError

from .conftest import make_target, write_site

STATE = ".hugopipe/"
WRITES = {"put", "delete", "restore"}


def _target(**kw) -> DeployTarget:
    return make_target("mem", "http://unused.invalid", **kw)


def _writes(store: MemoryStore) -> list[tuple[str, str]]:
    return [c for c in store.calls if c[0] in WRITES]


def _deploy(public: Path, target: DeployTarget, store: MemoryStore, **kw):
    plan = plan_deploy(
        public, target, store, **{k: v for k, v in kw.items() if k in {"max_deletes", "force"}}
    )
    return plan, apply_plan(
        plan, public, target, store, **{k: v for k, v in kw.items() if k == "dry_run"}
    )


def _site_files(store: MemoryStore) -> dict[str, bytes]:
    out = {}
    for key in store.current:
        if key.startswith(STATE):
            continue
        stored = store.current[key].stored
        body = store.body(key)
        out[key] = gzip.decompress(body) if stored.content_encoding == "gzip" else body
    return out


def _public_files(public: Path) -> dict[str, bytes]:
    return {
        p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*") if p.is_file()
    }


def test_first_deploy_uploads_everything_with_headers_then_nothing_to_do(tmp_path):
    public = write_site(tmp_path / "public")
    store, target = MemoryStore(), _target()
    plan, report = _deploy(public, target, store)
    assert report.status == ApplyStatus.SUCCEEDED and plan.remote_source == "listing"
    assert _site_files(store) == _public_files(public)
    css = store.current["css/site.css"].stored
    assert css.content_type == "text/css; charset=utf-8" and css.content_encoding == "gzip"
    assert css.cache_control == "max-age=31536000, no-transform, public"
    source = (public / "css/site.css").read_bytes()
    assert css.metadata["hugopipe-sha256"] == hashlib.sha256(source).hexdigest()
    index = store.current["index.html"].stored
    assert index.metadata["md5chksum"] == index.etag  # hugo deploy's MD5 of the stored bytes
    assert STATE + PENDING_NAME not in store.current  # written, then cleared
    manifest = json.loads(gzip.decompress(store.body(STATE + MANIFEST_NAME)))
    assert manifest["release_id"] == plan.release_id and len(manifest["files"]) == len(plan.uploads)
    assert STATE + f"releases/{plan.release_id}.json.gz" in store.current
    # the second deploy reads the manifest and writes nothing at all
    store.calls.clear()
    plan2, report2 = _deploy(public, target, store)
    assert plan2.remote_source == "manifest" and plan2.empty
    assert report2.status == ApplyStatus.NOTHING_TO_DO and _writes(store) == []
    # and it reports the release that stays live, not the id of a release it never wrote
    assert report2.release_id == plan.release_id != plan2.release_id


def test_deletes_come_after_every_upload_and_before_the_manifest(tmp_path):
    public = write_site(tmp_path / "public")
    store, target = MemoryStore(), _target()
    _deploy(public, target, store)
    (public / "index.html").write_text("<html>home v2</html>")
    (public / "css/site.css").write_text("body{color:blue}")
    os.remove(public / "robots.txt")
    os.remove(public / "posts/second/index.html")
    store.calls.clear()
    plan, report = _deploy(public, target, store)
    writes = _writes(store)
    assert writes[0] == ("put", STATE + PENDING_NAME)
    files = [w for w in writes if not w[1].startswith(STATE)]
    assert files == [
        ("put", "css/site.css"),
        ("put", "index.html"),
        ("delete", "posts/second/index.html"),
        ("delete", "robots.txt"),
    ]
    assert writes[-1] == ("delete", STATE + PENDING_NAME)
    assert writes.index(("delete", "robots.txt")) < writes.index(("put", STATE + MANIFEST_NAME))
    assert report.deleted == ["posts/second/index.html", "robots.txt"]
    assert _site_files(store) == _public_files(public)
    # a deleted key keeps its old versions (what rollback restores from)
    assert "robots.txt" not in store.current and store.versions["robots.txt"]
    assert plan.summary.pages_deleted == 1 and plan.summary.files_deleted == 1


def test_max_deletes_refuses_before_anything_is_written(tmp_path):
    public = write_site(tmp_path / "public")
    store, target = MemoryStore(), _target()
    _deploy(public, target, store)
    for rel in ("robots.txt", "data.json", "img/icon.svg"):
        os.remove(public / rel)
    (public / "index.html").write_text("changed")
    store.calls.clear()
    plan = plan_deploy(public, target, store, max_deletes=2)
    assert plan.blocked and "3 deletes exceed the max-deletes limit of 2" in plan.blocked
    with pytest.raises(ConfigError, match="max-deletes"):
        apply_plan(plan, public, target, store)
    assert _writes(store) == []


def test_dry_run_writes_nothing_and_reports_what_it_would(tmp_path):
    public = write_site(tmp_path / "public")
    cdn = MemoryCdn()
    store = MemoryStore(cdn=cdn)
    target = _target(cloudfront_distribution_id="E1")
    plan, report = _deploy(public, target, store, dry_run=True)
    assert report.status == ApplyStatus.DRY_RUN
    assert _writes(store) == [] and store.current == {}
    assert sorted(report.uploaded) == sorted(u.key for u in plan.uploads)
    assert report.invalidation_paths == plan.invalidation_paths and report.invalidation_id is None
    assert cdn.invalidations == []
    # an empty plan is a dry run too, and so is one with deletes
    _deploy(public, target, store)
    os.remove(public / "robots.txt")
    store.calls.clear()
    plan, report = _deploy(public, target, store, dry_run=True)
    assert report.status == ApplyStatus.DRY_RUN and report.deleted == ["robots.txt"]
    assert _writes(store) == [] and "robots.txt" in store.current


def test_dry_run_still_refuses_a_stale_plan(tmp_path):
    public = write_site(tmp_path / "public")
    store, target = MemoryStore(), _target()
    _deploy(public, target, store)
    (public / "robots.txt").write_text("v2")
    old = plan_deploy(public, target, store)
    (public / "data.json").write_text('{"a":2}')
    _deploy(public, target, store)
    with pytest.raises(ConfigError, match="changed since this plan"):
        apply_plan(old, public, target, store, dry_run=True)


def test_failed_upload_keeps_pending_no_deletes_no_invalidation_then_converges(tmp_path):
    public = write_site(tmp_path / "public")
    cdn = MemoryCdn()
    store = MemoryStore(cdn=cdn)
    target = _target(cloudfront_distribution_id="E1")
    _deploy(public, target, store)
    manifest_before = store.current[STATE + MANIFEST_NAME].stored.etag
    sent = len(cdn.invalidations)
    (public / "posts/first/index.html").write_text("<html>first v2</html>")
    (public / "index.html").write_text("<html>home v2</html>")
    (public / "index.xml").write_text("<rss>home feed v2</rss>")
    (public / "css/site.css").write_text("body{color:green}")
    os.remove(public / "posts/second/index.html")
    slow = StoreError.for_code("SlowDown", "Please reduce your request rate.")
    store.fail[("put", "index.html")] = slow
    store.fail[("put", "posts/first/index.html")] = slow
    plan = plan_deploy(public, target, store)
    with pytest.raises(TransientError) as ei:
        apply_plan(plan, public, target, store)
    errs = ei.value.errors
    assert sorted(e.key for e in errs) == ["index.html", "posts/first/index.html"]
    assert all(e.code == "SlowDown" and e.transient and e.operation == "upload" for e in errs)
    report = ei.value.report
    assert report.status == ApplyStatus.FAILED
    assert report.uploaded == ["css/site.css"]  # the asset group went up before the pages
    assert report.skipped_uploads == ["index.xml"] and report.skipped_deletes == 1
    assert "posts/second/index.html" in store.current
    assert store.current[STATE + MANIFEST_NAME].stored.etag == manifest_before
    assert len(cdn.invalidations) == sent  # no invalidation
    pending = json.loads(store.body(STATE + PENDING_NAME))["keys"]
    assert pending == sorted([u.key for u in plan.uploads] + ["posts/second/index.html"])
    # the next plan trusts nothing the failed apply touched
    store.fail.clear()
    plan2 = plan_deploy(public, target, store)
    assert plan2.pending_keys == pending
    # uploaded or not, a pending key's remote state is unknown until the next manifest
    assert {u.key: u.reason for u in plan2.uploads} == dict.fromkeys(
        [u.key for u in plan.uploads], UploadReason.UNKNOWN
    )
    assert [d.key for d in plan2.deletes] == ["posts/second/index.html"]
    assert apply_plan(plan2, public, target, store).status == ApplyStatus.SUCCEEDED
    assert STATE + PENDING_NAME not in store.current
    assert _site_files(store) == _public_files(public)
    assert len(cdn.invalidations) == sent + 1
    assert plan_deploy(public, target, store).empty


def test_credentials_and_delete_failures_are_classified(tmp_path):
    public = write_site(tmp_path / "public", {"index.html": "a", "b.txt": "b"})
    store, target = MemoryStore(), _target()
    store.fail[("put", "*")] = StoreError.for_code("AccessDenied", "Access Denied")
    plan = plan_deploy(public, target, store)
    with pytest.raises(CredentialsError):  # the pending list cannot even be written
        apply_plan(plan, public, target, store)
    store.fail.clear()
    _deploy(public, target, store)
    os.remove(public / "b.txt")
    store.fail[("delete", "b.txt")] = StoreError.for_code("InvalidObjectState", "archived")
    manifest_before = store.current[STATE + MANIFEST_NAME].stored.etag
    with pytest.raises(HugopipeError) as ei:
        _deploy(public, target, store)
    assert not isinstance(ei.value, TransientError | CredentialsError)
    assert [(e.key, e.operation, e.code) for e in ei.value.errors] == [
        ("b.txt", "delete", "InvalidObjectState")
    ]
    assert store.current[STATE + MANIFEST_NAME].stored.etag == manifest_before


def test_reapplying_an_applied_plan_writes_nothing(tmp_path):
    public = write_site(tmp_path / "public", {"index.html": "a"})
    store, target = MemoryStore(), _target()
    plan, _ = _deploy(public, target, store)
    store.calls.clear()
    assert apply_plan(plan, public, target, store).status == ApplyStatus.ALREADY_APPLIED
    assert _writes(store) == []


def test_invalidation_is_sent_last_and_waited_for(tmp_path):
    public = write_site(tmp_path / "public", {"index.html": "x", "a/index.html": "a"})
    cdn = MemoryCdn()
    store, target = MemoryStore(cdn=cdn), _target(cloudfront_distribution_id="E1")
    plan = plan_deploy(public, target, store)
    report = apply_plan(plan, public, target, store, wait_invalidation=True)
    assert cdn.invalidations == [("E1", plan.invalidation_paths)]
    assert report.invalidation_id == "I1" and report.invalidation_status == "Completed"
    # a failed invalidation fails the deploy, after the release is recorded
    (public / "index.html").write_text("y")
    cdn.fail = StoreError.for_code("TooManyInvalidationsInProgress", "wait")
    with pytest.raises(TransientError) as ei:
        _deploy(public, target, store)
    assert [e.operation for e in ei.value.errors] == ["invalidate"]
    assert plan_deploy(public, target, store).empty


def test_rollback_restores_the_previous_versions(tmp_path):
    public = write_site(tmp_path / "public")
    store, target = MemoryStore(), _target()
    _deploy(public, target, store)
    v1 = _site_files(store)
    (public / "index.html").write_text("<html>home v2</html>")
    (public / "new/index.html").parent.mkdir()
    (public / "new/index.html").write_text("new page")
    os.remove(public / "robots.txt")
    _, first = _deploy(public, target, store)
    v2 = _site_files(store)
    assert v2 != v1 and len(list_releases(store, target)) == 2
    plan = plan_rollback(target, store)
    assert {i.key for i in plan.restores} == {"index.html", "robots.txt"}
    assert plan.deletes == ["new/index.html"]
    # a dry run checks the versions and writes nothing
    store.calls.clear()
    dry = apply_rollback(plan, target, store, dry_run=True)
    assert dry.status == ApplyStatus.DRY_RUN and _writes(store) == []
    assert sorted(dry.uploaded) == ["index.html", "robots.txt"]
    report = apply_rollback(plan, target, store)
    assert report.status == ApplyStatus.SUCCEEDED and report.deleted == ["new/index.html"]
    assert _site_files(store) == v1
    manifest = json.loads(gzip.decompress(store.body(STATE + MANIFEST_NAME)))
    assert manifest["rolled_back_from"] == first.release_id
    # the rollback is a release too: rolling back again returns to release 2
    apply_rollback(plan_rollback(target, store), target, store)
    assert _site_files(store) == v2


def test_failed_restore_changes_no_release(tmp_path):
    public = write_site(tmp_path / "public", {"index.html": "a", "b.txt": "b"})
    store, target = MemoryStore(), _target()
    _deploy(public, target, store)
    (public / "index.html").write_text("a2")
    _deploy(public, target, store)
    plan = plan_rollback(target, store)
    manifest_before = store.current[STATE + MANIFEST_NAME].stored.etag
    store.fail[("restore", "index.html")] = StoreError.for_code("InternalError", "try again")
    with pytest.raises(TransientError) as ei:
        apply_rollback(plan, target, store)
    assert [(e.key, e.operation) for e in ei.value.errors] == [("index.html", "restore")]
    assert store.current[STATE + MANIFEST_NAME].stored.etag == manifest_before


def test_the_approval_record_goes_into_the_release_manifest(tmp_path):
    """Production's approvals log entry travels with the release (who, code, plan hash, entry hash)."""
    from hugopipe.deploy.state import read_manifest

    public = write_site(tmp_path / "public")
    target, store = _target(), MemoryStore()
    plan = plan_deploy(public, target, store)
    record = {"approver": "Ada", "second_factor": True, "seq": 3, "hash": "ab" * 32}
    apply_plan(plan, public, target, store, approval=record)
    manifest, _ = read_manifest(store, target)
    assert manifest is not None and manifest.approval == record
    # staging and dev releases carry none
    other, other_store = _target(), MemoryStore()
    apply_plan(plan_deploy(public, other, other_store), public, other, other_store)
    assert read_manifest(other_store, other)[0].approval is None
