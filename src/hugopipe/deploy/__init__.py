"""The deploy stage: an incremental, ordered, fail-safe S3 + CloudFront deployer.

``load_target`` reads the site's own Hugo ``[deployment]`` config,
``plan_deploy`` decides (writes nothing), ``apply_plan`` applies exactly that
plan; ``plan_rollback``/``apply_rollback`` restore an earlier release.
"""

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
