"""An approval covers one plan: its hash changes with anything it covers, and a plan made
again after the approval must hash the same, or nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.deploy import MemoryStore, apply_plan, plan_deploy
from hugopipe.deploy.binding import ApprovalMismatch, check_approved, plan_hash
from hugopipe.errors import ConfigError

from .conftest import make_target, write_site


def _setup(tmp_path: Path):
    public = write_site(tmp_path / "public")
    target = make_target("prod", "http://127.0.0.1:4566", cloudfront_distribution_id=None)
    store = MemoryStore()
    return public, target, store


def test_the_same_inputs_give_the_same_hash(tmp_path: Path) -> None:
    public, target, store = _setup(tmp_path)
    a = plan_deploy(public, target, store)
    b = plan_deploy(public, target, store)
    assert plan_hash(a) == plan_hash(b) and len(plan_hash(a)) == 64
    check_approved(a, plan_hash(a), b)  # nothing changed: no refusal


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("output", "the built output changed (index.html)"),
        ("bucket", "the target changed from s3://prod/ to s3://other/"),
        ("endpoint", "the target changed"),
        ("distribution", "the target changed"),
        ("deleted file", "the built output changed (robots.txt)"),
    ],
)
def test_a_change_after_the_approval_is_refused_and_writes_nothing(
    tmp_path: Path, change: str, why: str
) -> None:
    public, target, store = _setup(tmp_path)
    approved = plan_deploy(public, target, store)
    digest = plan_hash(approved)
    if change == "output":
        (public / "index.html").write_text("<html>edited after the approval</html>")
    elif change == "deleted file":
        (public / "robots.txt").unlink()
    elif change == "bucket":
        target = make_target("other", "http://127.0.0.1:4566")
    elif change == "endpoint":
        target = make_target("prod", "https://s3.example.net")
    else:
        target = make_target("prod", "http://127.0.0.1:4566", cloudfront_distribution_id="E2")
    now = plan_deploy(public, target, store)
    with pytest.raises(ApprovalMismatch) as exc:
        check_approved(approved, digest, now)
    assert why in str(exc.value) and "nothing was written" in (exc.value.hint or "")
    assert exc.value.failure_class.value == "configuration"
    assert not [c for c in store.calls if c[0] in {"put", "delete"}]


def test_a_plan_other_than_the_approved_one_is_refused(tmp_path: Path) -> None:
    public, target, store = _setup(tmp_path)
    approved = plan_deploy(public, target, store)
    with pytest.raises(ApprovalMismatch, match="not the approved plan"):
        check_approved(approved, "0" * 64, approved)


def test_apply_refuses_a_plan_for_another_endpoint(tmp_path: Path) -> None:
    public, target, store = _setup(tmp_path)
    plan = plan_deploy(public, target, store)
    moved = make_target("prod", "https://s3.elsewhere.example")
    with pytest.raises(ConfigError, match="not dev"):
        apply_plan(plan, public, moved, store)
    assert not [c for c in store.calls if c[0] in {"put", "delete"}]


def _two_releases(tmp_path: Path):
    """A bucket with two releases (the second changed index.html and deleted robots.txt)."""
    from hugopipe.deploy import plan_deploy as plan

    public, target, store = _setup(tmp_path)
    first = {"seq": 1, "approver": "whoever approved release one"}
    apply_plan(plan(public, target, store), public, target, store, approval=first)
    (public / "index.html").write_text("<html>release two</html>")
    (public / "robots.txt").unlink()
    apply_plan(plan(public, target, store), public, target, store)
    return public, target, store


def test_a_rollback_plan_has_a_hash_and_a_change_after_the_approval_is_refused(
    tmp_path: Path,
) -> None:
    """A production rollback is bound like a deploy: planned again at apply time, it must
    hash to what the person approved; another release landing in between writes nothing."""
    from hugopipe.deploy import apply_rollback, plan_rollback
    from hugopipe.deploy.binding import check_rollback_approved, rollback_plan_hash

    public, target, store = _two_releases(tmp_path)
    approved = plan_rollback(target, store)
    digest = rollback_plan_hash(approved)
    assert len(digest) == 64 and digest == rollback_plan_hash(plan_rollback(target, store))
    check_rollback_approved(approved, digest, plan_rollback(target, store))  # unchanged: passes
    with pytest.raises(ApprovalMismatch, match="not the approved one"):
        check_rollback_approved(approved, "0" * 64, approved)
    # the same rollback to another bucket or endpoint is another plan
    moved = approved.model_copy(update={"bucket": "other"})
    assert rollback_plan_hash(moved) != digest
    with pytest.raises(ApprovalMismatch, match="the target changed from s3://prod/ to s3://other/"):
        check_rollback_approved(approved, digest, moved)
    assert (
        rollback_plan_hash(approved.model_copy(update={"endpoint": "https://x.example"})) != digest
    )

    # a third release lands after the approval: the same rollback, planned again, differs
    (public / "index.html").write_text("<html>release three</html>")
    apply_plan(plan_deploy(public, target, store), public, target, store)
    store.calls.clear()
    again = plan_rollback(target, store, approved.to_release_id)
    with pytest.raises(ApprovalMismatch, match="the bucket's release changed") as exc:
        check_rollback_approved(approved, digest, again)
    assert "nothing was written" in (exc.value.hint or "")
    assert not [c for c in store.calls if c[0] in {"put", "delete", "restore"}]

    # the approval record is the rollback's own, not the one of the release it restores
    assert again.to_release.approval == {"seq": 1, "approver": "whoever approved release one"}
    entry = {"seq": 7, "plan_hash": rollback_plan_hash(again), "approver": "Ada"}
    apply_rollback(again, target, store, approval=entry)
    from hugopipe.deploy.state import read_manifest

    manifest, _ = read_manifest(store, target)
    assert manifest is not None and manifest.approval == entry
    assert manifest.release_id == again.new_release_id
