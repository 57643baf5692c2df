"""An approval covers one plan: its hash, and the production check made again at apply time.

A person approves what the form showed them, so the approval is bound to the plan's
content, not to the run: :func:`plan_hash` is the SHA-256 of the plan's canonical JSON
(every uploaded key with its hash, size and headers, every delete, the invalidation
paths, the base release, and the bucket, endpoint, prefix and distribution written to).
At apply time the deploy task plans again from the same ``public/`` and the target as the
configuration *now* names it; :func:`check_approved` refuses unless that plan has the
approved hash, so a changed output, a changed bucket or a configuration edited during the
pause writes nothing.

"Production" is a bucket, not a name: :func:`production_resources` is every bucket (on
its endpoint) and distribution a production environment writes to, by the site's config
files (``projectfile``, the rule every caller shares) and by Hugo's own merged
configuration (which also sees YAML files and ``HUGO_*`` overrides).

A production rollback is bound the same way: :func:`rollback_plan_hash` covers every
object it restores (key and S3 version), every delete, the release it starts from and
the one it restores, and where it writes; :func:`check_rollback_approved` compares the
rollback planned again at apply time.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hugopipe import projectfile, sitetargets
from hugopipe.deploy.models import DeployPlan
from hugopipe.deploy.targets import DeployTarget
from hugopipe.errors import ConfigError, ProductionRefused

if TYPE_CHECKING:  # only its fields are read here; the module pulls in the apply machinery
    from hugopipe.deploy.releases import RollbackPlan

#: How many hex digits of the hash the form shows (the full hash is in the run's record).
SHORT = 12


class ApprovalMismatch(ProductionRefused):
    """The plan about to be applied is not the plan a person approved: nothing is written."""


def canonical(plan: DeployPlan) -> dict[str, object]:
    """What an approval covers, as plain data (no counts, ids or timings derived from it)."""
    return {
        "bucket": plan.bucket,
        "endpoint": sitetargets.endpoint_key(plan.endpoint),
        "prefix": plan.prefix,
        "distribution": plan.cloudfront_distribution_id,
        "base_release": plan.base_release_id,
        "uploads": [
            [u.key, u.sha256, u.size, u.gzip, u.headers.model_dump(mode="json"), u.redirect]
            for u in sorted(plan.uploads, key=lambda u: u.key)
        ],
        "deletes": sorted(d.key for d in plan.deletes),
        "invalidate": sorted(plan.invalidation_paths),
    }


def _digest(value: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``value`` as JSON, keys sorted, no whitespace."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _resources(bucket: str, endpoint: str | None, distribution: str | None) -> set[str]:
    """A bucket and distribution as ``sitetargets`` keys (what "is production" compares)."""
    out = {sitetargets.bucket_key(bucket, endpoint)}
    if distribution:
        out.add(f"cloudfront:{distribution}")
    return out


def plan_hash(plan: DeployPlan) -> str:
    """SHA-256 (hex) of :func:`canonical`, keys sorted, no whitespace."""
    return _digest(canonical(plan))


def plan_resources(plan: DeployPlan) -> set[str]:
    """The bucket and distribution the plan writes to (``sitetargets`` keys)."""
    return _resources(plan.bucket, plan.endpoint, plan.cloudfront_distribution_id)


def target_resources(target: DeployTarget) -> set[str]:
    return _resources(target.bucket, target.endpoint, target.cloudfront_distribution_id)


def production_resources(site: Path | str) -> set[str]:
    """Every production bucket and distribution of ``site``, by its files and by Hugo."""
    from hugopipe.deploy.targets import load_target

    envs = projectfile.environments(projectfile.read(site))
    out = projectfile.production_resources(site, envs)
    for name in envs:
        if not projectfile.is_production(name, envs):
            continue
        try:
            tgt = load_target(Path(site), projectfile.target_of(name, envs), environment=name)
        except ConfigError:
            continue  # a production environment with no target writes nowhere
        out |= target_resources(tgt)
    return out


def check_approved(approved: DeployPlan, approved_hash: str, now: DeployPlan) -> None:
    """Refuse unless ``now`` (planned again at apply time) is the plan that was approved."""
    if plan_hash(approved) != approved_hash:
        raise ApprovalMismatch(
            "the plan handed to apply is not the approved plan "
            f"(approved {approved_hash[:SHORT]}, got {plan_hash(approved)[:SHORT]})",
            hint="nothing was written; start the run again and approve the new plan",
        )
    got = plan_hash(now)
    if got == approved_hash:
        return
    raise ApprovalMismatch(
        f"{what_changed(approved, now)} since the approval (approved plan "
        f"{approved_hash[:SHORT]}, the deploy would now be {got[:SHORT]})",
        hint="nothing was written; start the run again and approve the new plan",
    )


def what_changed(before: DeployPlan, after: DeployPlan) -> str:
    """One phrase for the refusal: which part of the approved plan no longer holds."""
    if plan_resources(before) != plan_resources(after) or before.prefix != after.prefix:
        return (
            f"the target changed from s3://{before.bucket}/{before.prefix} to "
            f"s3://{after.bucket}/{after.prefix}"
            + (f" ({after.endpoint})" if after.endpoint != before.endpoint else "")
        )
    if before.base_release_id != after.base_release_id:
        return (
            f"the bucket's release changed from {before.base_release_id or 'none'} "
            f"to {after.base_release_id or 'none'}"
        )
    a = {u.key: u.sha256 for u in before.uploads}
    b = {u.key: u.sha256 for u in after.uploads}
    moved = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    moved += sorted({d.key for d in before.deletes} ^ {d.key for d in after.deletes})
    if moved:
        more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
        return f"the built output changed ({', '.join(moved[:3])}{more})"
    return "the plan changed (headers or invalidation paths)"


def rollback_canonical(plan: RollbackPlan) -> dict[str, object]:
    """What an approval of a rollback covers, as plain data."""
    return {
        "rollback": True,  # never the hash of a deploy plan
        "bucket": plan.bucket,
        "endpoint": sitetargets.endpoint_key(plan.endpoint),
        "prefix": plan.prefix,
        "distribution": plan.cloudfront_distribution_id,
        "from_release": [plan.current_release_id, plan.current_manifest_etag],
        "to_release": plan.to_release_id,
        "restores": sorted([i.key, i.version_id] for i in plan.restores),
        "deletes": sorted(plan.deletes),
        "invalidate": sorted(plan.invalidation_paths),
    }


def rollback_plan_hash(plan: RollbackPlan) -> str:
    """SHA-256 (hex) of :func:`rollback_canonical`, keys sorted, no whitespace."""
    return _digest(rollback_canonical(plan))


def rollback_resources(plan: RollbackPlan) -> set[str]:
    """The bucket and distribution the rollback writes to (``sitetargets`` keys)."""
    return _resources(plan.bucket, plan.endpoint, plan.cloudfront_distribution_id)


def check_rollback_approved(approved: RollbackPlan, approved_hash: str, now: RollbackPlan) -> None:
    """Refuse unless ``now`` (the rollback planned again at apply time) is the approved one."""
    if rollback_plan_hash(approved) != approved_hash:
        raise ApprovalMismatch(
            "the rollback handed to apply is not the approved one (approved "
            f"{approved_hash[:SHORT]}, got {rollback_plan_hash(approved)[:SHORT]})",
            hint="nothing was written; start the rollback again and approve the new plan",
        )
    got = rollback_plan_hash(now)
    if got == approved_hash:
        return
    if rollback_resources(approved) != rollback_resources(now) or approved.prefix != now.prefix:
        what = (
            f"the target changed from s3://{approved.bucket}/{approved.prefix} to "
            f"s3://{now.bucket}/{now.prefix}"
        )
    elif approved.current_release_id != now.current_release_id:
        what = (
            f"the bucket's release changed from {approved.current_release_id} "
            f"to {now.current_release_id}"
        )
    else:
        what = "the rollback plan changed"
    raise ApprovalMismatch(
        f"{what} since the approval (approved rollback {approved_hash[:SHORT]}, it would now "
        f"be {got[:SHORT]})",
        hint="nothing was written; start the rollback again and approve the new plan",
    )
