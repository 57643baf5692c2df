"""``decide`` is pure: a plan from a local tree and a remote state, with no bucket at all."""

from __future__ import annotations

from hugopipe.deploy.headers import Headers
from hugopipe.deploy.local import LocalFile, LocalTree
from hugopipe.deploy.models import DeployPlan, DriftItem, ObjectState, UploadReason
from hugopipe.deploy.plan import decide
from hugopipe.deploy.remote import RemoteState

from .conftest import make_target

HTML = Headers(content_type="text/html; charset=utf-8")
CSS = Headers(content_type="text/css; charset=utf-8")


def _local(files: dict[str, tuple[str, Headers]]) -> LocalTree:
    return LocalTree(
        files={
            k: LocalFile(path=k, key=k, sha256=h, size=len(h), headers=hd)
            for k, (h, hd) in files.items()
        }
    )


def _remote(files: dict[str, tuple[str, Headers]], **kw) -> RemoteState:
    return RemoteState(
        files={
            k: ObjectState(sha256=h, size=len(h), etag="e" + h, headers=hd)
            for k, (h, hd) in files.items()
        },
        source="manifest",
        release_id="r0",
        manifest_etag="etag0",
        **kw,
    )


def test_decide_plans_uploads_deletes_and_derives_the_summary():
    target = make_target("b", "http://unused.invalid", matchers=[])
    local = _local(
        {
            "index.html": ("h1", HTML),
            "new/index.html": ("h2", HTML),
            "a.css": ("h3", CSS),
            "same.css": ("h4", CSS),
            "drifted.css": ("h5", CSS),
        }
    )
    remote = _remote(
        {
            "index.html": ("old", HTML),
            "a.css": ("h3", HTML),  # headers differ
            "same.css": ("h4", CSS),
            "drifted.css": ("h5x", CSS),
            "gone/index.html": ("h6", HTML),
            "gone.png": ("h7", CSS),
        },
        drift=[DriftItem(key="drifted.css", problem="content changed in the bucket")],
        pending={"other.txt"},
    )
    plan = decide(local, remote, target, git_commit="abc")
    assert decide(local, remote, target, git_commit="abc") == plan  # deterministic
    reasons = {u.key: u.reason for u in plan.uploads}
    assert reasons == {
        "a.css": UploadReason.HEADERS,
        "drifted.css": UploadReason.DRIFT,
        "index.html": UploadReason.CONTENT,
        "new/index.html": UploadReason.NEW,
    }
    assert [u.key for u in plan.uploads][:2] == ["a.css", "drifted.css"]  # assets first
    assert [d.key for d in plan.deletes] == ["gone.png", "gone/index.html", "other.txt"]
    assert plan.kept == {"same.css": remote.files["same.css"]} and plan.unchanged == 1
    assert (plan.base_release_id, plan.base_manifest_etag) == ("r0", "etag0")
    assert plan.pending_keys == ["other.txt"] and plan.build_hash == plan.release_id
    s = plan.summary
    assert (s.uploads, s.deletes, s.unchanged, s.local_files) == (4, 3, 1, 5)
    assert (s.pages_added, s.pages_changed, s.pages_deleted) == (1, 1, 1)
    assert (s.files_added, s.files_changed, s.files_deleted) == (0, 2, 2)
    assert s.uploads_by_reason == {
        "headers changed": 1,
        "changed in the bucket by hand": 1,
        "content changed": 1,
        "new": 1,
    }
    assert s.upload_bytes == 8
    # the summary travels in the JSON and is recomputed (never trusted) when read back
    dumped = plan.model_dump(mode="json")
    assert dumped["summary"]["uploads"] == 4
    dumped["summary"]["uploads"] = 99
    assert DeployPlan.model_validate(dumped).summary == s


def test_decide_blocks_past_max_deletes_and_counts_prefixed_pages():
    target = make_target("b", "http://unused.invalid", prefix="site/", strip_index_html=True)
    # one page stays: an output with no pages at all is refused whatever the limit (below)
    local = LocalTree(
        files={"site/": LocalFile(path="index.html", key="site/", sha256="h", size=1, headers=HTML)}
    )
    remote = _remote({"site/": ("h", HTML), "site/a/": ("h", HTML), "site/b.css": ("h", CSS)})
    plan = decide(local, remote, target, max_deletes=1)
    assert plan.blocked and "2 deletes exceed the max-deletes limit of 1" in plan.blocked
    assert (plan.summary.pages_deleted, plan.summary.files_deleted) == (1, 1)
    assert decide(local, remote, target, max_deletes=-1).blocked is None


def test_an_empty_output_never_deletes_without_allow_deletes():
    target = make_target("b", "http://unused.invalid", prefix="site/", strip_index_html=True)
    remote = _remote({"site/a/": ("h", HTML), "site/b.css": ("h", CSS)})
    for limit in (None, 1, 1000, -1):
        plan = decide(_local({}), remote, target, max_deletes=limit)
        assert (
            plan.blocked
            and "--allow-deletes 2" in plan.blocked
            and "2 of the bucket's 2" in plan.blocked
        )
    assert decide(_local({}), remote, target, allow_deletes=1).blocked  # 1 is not enough
    assert decide(_local({}), remote, target, allow_deletes=2).blocked is None
