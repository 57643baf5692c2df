"""The deploy stage: an incremental, ordered, fail-safe S3 + CloudFront deployer.

``load_target`` reads the site's own Hugo ``[deployment]`` config,
``plan_deploy`` decides (writes nothing), ``apply_plan`` applies exactly that
plan; ``plan_rollback``/``apply_rollback`` restore an earlier release.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from hugopipe.deploy.apply import apply_plan
    from hugopipe.deploy.headers import Headers, Matcher, default_content_type
    from hugopipe.deploy.models import (
        ApplyReport,
        ApplyStatus,
        ObjectError,
        ObjectState,
        ReleaseManifest,
        UploadItem,
        UploadReason,
    )
    from hugopipe.deploy.plan import DeployPlan, plan_deploy
    from hugopipe.deploy.releases import RollbackPlan, apply_rollback, list_releases, plan_rollback
    from hugopipe.deploy.store import Clients, connect
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
    "DeployPlan": "plan",
    "plan_deploy": "plan",
    "RollbackPlan": "releases",
    "apply_rollback": "releases",
    "list_releases": "releases",
    "plan_rollback": "releases",
    "Clients": "store",
    "connect": "store",
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
    "Clients",
    "DeployPlan",
    "DeployTarget",
    "Headers",
    "Matcher",
    "ObjectError",
    "ObjectState",
    "ReleaseManifest",
    "RollbackPlan",
    "UploadItem",
    "UploadReason",
    "apply_plan",
    "apply_rollback",
    "connect",
    "default_content_type",
    "list_releases",
    "load_target",
    "plan_deploy",
    "plan_rollback",
    "target_from_config",
]
