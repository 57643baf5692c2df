"""The project's own configuration: ``hugopipe.toml`` next to the site's Hugo config.

Hugo's config already says how the site builds and where it deploys
(``[deployment]``); this file adds only what Hugo has no word for: which
environment is production, where to verify a deploy, which credentials block
to use, and the validator's knobs (``[validate]``, resolved by
``hugopipe.validate.config``).

The file is parsed once, by ``hugopipe.projectfile`` (stdlib only, so start-up-critical
commands and the Claude Code guard can share it); this module types what it returns.
"Is this production?" is ``projectfile.is_production`` here too, so every caller gets
the same answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from hugopipe import projectfile
from hugopipe.credentials import DEFAULT_BLOCK
from hugopipe.errors import ConfigError
from hugopipe.projectfile import CONFIG_NAME, DEFAULT_ENVIRONMENTS

__all__ = ["CONFIG_NAME", "DEFAULT_ENVIRONMENTS", "EnvironmentConfig", "ProjectConfig"]


class EnvironmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    target: str = Field(
        "", description="[[deployment.targets]] name; defaults to the environment name"
    )
    production: bool = Field(False, strict=True)  # "true" in quotes is an error, as in projectfile
    verify_url: str | None = Field(
        None, description="Base URL verify GETs; '{endpoint}' is replaced by the S3 endpoint in use"
    )
    verify_paths: list[str] = Field(default_factory=lambda: ["/"])
    index_document: str | None = Field(
        None,
        description="Append this to directory paths when the host has no index documents (S3 REST)",
    )
    credentials_block: str = Field(
        DEFAULT_BLOCK,
        description="prefect-aws AwsCredentials block name (hugopipe.credentials has the order)",
    )
    base_url: str | None = Field(None, description="Override Hugo's baseURL for this environment")
    require_staging_match: bool = Field(
        False,
        strict=True,
        description="Production only: stop before asking anyone anything (the warnings card "
        "included) unless staging serves the same source commit and content as the build",
    )
    # -- who says yes (hugopipe.approval_rules reads these; production always asks) -----------
    approve_automatically_up_to_pages: int | None = Field(
        None,
        ge=0,
        description="A non-production publish that adds, changes or deletes at most this many "
        "pages goes without asking; a larger one waits for an approve/reject card. "
        "Unset: never asks (unless the task file says requires_approval: true).",
    )
    approve_automatically_with_deletes: bool = Field(
        False,
        strict=True,
        description="With approve_automatically_up_to_pages: whether a change that deletes "
        "files may still go without asking",
    )
    approval_expires_after: str | int = Field(
        "24h",
        description="How long a run waits for a person (approval or decision), counted from "
        "its first question, before it expires without deploying: seconds, or a number "
        "with s, m, h or d",
    )
    ask_about_warnings: Literal["never", "when-approving", "always"] = Field(
        "when-approving",
        description="When validation finds only warnings not yet accepted: ask proceed / abort / "
        "accept before deploying — never, only when the run asks a person anyway, or always",
    )
    ask_about_review: Literal["when-approving", "always"] = Field(
        "always",
        description="When the second-pass review scores changed pages under review_min_score "
        "(hugopipe.llm.review): always — a publish that would go on its own asks proceed / "
        "abort first; when-approving — the pages show only in an approval the run asks anyway",
    )

    @field_validator("approval_expires_after")
    @classmethod
    def _duration(cls, v: str | int) -> str | int:
        from hugopipe.approval_rules import parse_duration

        parse_duration(v)  # a bad duration fails when the file is read, with its line
        return v

    def verify_base(self, endpoint: str | None) -> str | None:
        if not self.verify_url:
            return None
        if "{endpoint}" in self.verify_url:
            if not endpoint:
                return None
            return self.verify_url.replace("{endpoint}", endpoint.rstrip("/"))
        return self.verify_url


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    environments: dict[str, EnvironmentConfig] = Field(default_factory=dict)
    validate_: dict[str, Any] = Field(default_factory=dict, alias="validate")
    #: the Prefect notification block this site's waiting and failed runs are told through,
    #: besides ``$HUGOPIPE_NOTIFY_BLOCK`` (deployments/automations.py); None: that one only
    notify_block: str | None = None
    #: The site directory when loaded from one: the production rule then compares buckets too.
    _site: Path | None = PrivateAttr(None)

    @classmethod
    def load(cls, site: Path | str) -> ProjectConfig:
        """Read ``<site>/hugopipe.toml``; a site without one gets dev/staging/production defaults."""
        path = projectfile.path_of(site)
        cfg = cls.from_raw(projectfile.read(site), str(path))
        cfg._site = Path(site)
        return cfg

    @classmethod
    def from_raw(cls, raw: dict[str, Any], source: str = CONFIG_NAME) -> ProjectConfig:
        """Type what ``projectfile.read``/``parse`` returned; value errors name ``source`` and line."""
        try:
            cfg = cls.model_validate({**raw, "path": source})
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = [str(p) for p in first["loc"]]
            raise ConfigError(
                f"{'.'.join(loc)}: {first['msg']}",
                file=source,
                line=projectfile.locate(source, *loc),
                hint=projectfile.HINT,
            ) from None
        if not cfg.environments:
            cfg.environments = {n: EnvironmentConfig() for n in DEFAULT_ENVIRONMENTS}
        for name, env in cfg.environments.items():
            env.name = name
            env.target = env.target or name
        return cfg

    def environment(self, name: str) -> EnvironmentConfig:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(sorted(self.environments))
            raise ConfigError(
                f"unknown environment {name!r} (known: {known})",
                file=self.path,
                hint=f"use one of: {known}, or add [environments.{name}] to hugopipe.toml",
            ) from None

    def is_production(self, name: str) -> bool:
        """``projectfile.is_production`` over these environments: by name, by mark, by
        deploying to a target a production environment uses, or (loaded from a site) by
        writing to a bucket or distribution a production environment uses."""
        return projectfile.is_production(name, self.raw_environments(), site=self._site)

    def raw_environments(self) -> dict[str, dict[str, Any]]:
        """The environments as ``projectfile`` sees them (what its production rule reads)."""
        return {
            n: {"target": e.target, "production": e.production}
            for n, e in self.environments.items()
        }
