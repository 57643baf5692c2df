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
