"""The deploy stage: an incremental, ordered, fail-safe S3 + CloudFront deployer.

``load_target`` reads the site's own Hugo ``[deployment]`` config, ``connect``
opens its ``Store`` (the bucket seam: S3, a dry run, or a dict in tests),
``plan_deploy`` gathers local and remote state and ``decide``s (writes nothing),
``apply_plan`` applies exactly that plan to the store;
``plan_rollback``/``apply_rollback`` restore an earlier release.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from hugopipe.deploy.apply import apply_plan
    from hugopipe.deploy.botostore import BotoStore, Clients, connect
    from hugopipe.deploy.dryrun import DryRunStore
    from hugopipe.deploy.headers import Headers, Matcher, default_content_type
    from hugopipe.deploy.memstore import MemoryCdn, MemoryStore
    from hugopipe.deploy.models import (
        ApplyReport,
        ApplyStatus,
        DeployPlan,
        ObjectError,
        ObjectState,
        ReleaseManifest,
        UploadItem,
        UploadReason,
    )
    from hugopipe.deploy.plan import decide, plan_deploy
    from hugopipe.deploy.releases import RollbackPlan, apply_rollback, list_releases, plan_rollback
    from hugopipe.deploy.store import Cdn, Store, StoreError
    from hugopipe.deploy.targets import DeployTarget, load_target, target_from_config

# Lazy exports: importing a light submodule (``hugopipe.deploy.scan``) must not pull in
# boto3 and pydantic, so the CLI can start hashing public/ while they import.
_EXPORTS = {
    "apply_plan": "apply",
    "Headers": "headers",
    "Matcher": "headers",
    "default_content_type": "headers",
    "ApplyReport": "models",
    "ApplyStatus": "models",
    "ObjectError": "models",
    "ObjectState": "models",
    "ReleaseManifest": "models",
    "UploadItem": "models",
    "UploadReason": "models",
    "DeployPlan": "models",
    "decide": "plan",
    "plan_deploy": "plan",
    "RollbackPlan": "releases",
    "apply_rollback": "releases",
    "list_releases": "releases",
    "plan_rollback": "releases",
    "BotoStore": "botostore",
    "Clients": "botostore",
    "connect": "botostore",
    "DryRunStore": "dryrun",
    "MemoryCdn": "memstore",
    "MemoryStore": "memstore",
    "Cdn": "store",
    "Store": "store",
    "StoreError": "store",
    "DeployTarget": "targets",
    "load_target": "targets",
    "target_from_config": "targets",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ApplyReport",
    "ApplyStatus",
    "BotoStore",
    "Cdn",
    "Clients",
    "DeployPlan",
    "DeployTarget",
    "DryRunStore",
    "Headers",
    "Matcher",
    "MemoryCdn",
    "MemoryStore",
    "ObjectError",
    "ObjectState",
    "ReleaseManifest",
    "RollbackPlan",
    "Store",
    "StoreError",
    "UploadItem",
    "UploadReason",
    "apply_plan",
    "apply_rollback",
    "connect",
    "decide",
    "default_content_type",
    "list_releases",
    "load_target",
    "plan_deploy",
    "plan_rollback",
    "target_from_config",
]
