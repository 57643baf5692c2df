"""The project's own configuration: ``hugopipe.toml`` next to the site's Hugo config.

Hugo's config already says how the site builds and where it deploys
(``[deployment]``); this file adds only what Hugo has no word for: which
environment is production, where to verify a deploy, which credentials block
to use, and the validate/deploy knobs.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hugopipe.errors import ConfigError, ProductionRefused
from hugopipe.production import is_production_target

CONFIG_NAME = "hugopipe.toml"
DEFAULT_ENVIRONMENTS = ("dev", "staging", "production")


class EnvironmentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    target: str = Field(
        "", description="[[deployment.targets]] name; defaults to the environment name"
    )
    production: bool = False
    verify_url: str | None = Field(
        None, description="Base URL verify GETs; '{endpoint}' is replaced by the S3 endpoint in use"
    )
    verify_paths: list[str] = Field(default_factory=lambda: ["/"])
    index_document: str | None = Field(
        None,
        description="Append this to directory paths when the host has no index documents (S3 REST)",
    )
    credentials_block: str = Field(
        "hugopipe-aws", description="prefect-aws AwsCredentials block name"
    )
    base_url: str | None = Field(None, description="Override Hugo's baseURL for this environment")

    @property
    def is_production(self) -> bool:
        return self.production or self.name == "production"

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
    deploy: dict[str, Any] = Field(default_factory=dict)
    maintenance: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def load(cls, site: Path) -> ProjectConfig:
        """Read ``<site>/hugopipe.toml``; a site without one gets dev/staging/production defaults."""
        path = Path(site) / CONFIG_NAME
        raw: dict[str, Any] = {}
        if path.exists():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as exc:
                m = re.search(r"line (\d+)", str(exc))
                raise ConfigError(
                    f"not valid TOML: {exc}",
                    file=str(path),
                    line=int(m.group(1)) if m else None,
                    hint="fix the TOML syntax at that line (strings need quotes, tables need [brackets])",
                ) from exc
        try:
            cfg = cls.model_validate({**raw, "path": str(path)})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"{where}: {first['msg']}",
                file=str(path),
                hint="see docs/configuration.md for the keys hugopipe.toml accepts",
            ) from exc
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
        """Production by name or mark, or deploying to a target a production environment uses."""
        raw = {
            n: {"production": e.production, "target": e.target}
            for n, e in self.environments.items()
        }
        env = self.environments.get(name)
        return is_production_target(env.target if env else name, name, raw)

    def refuse_production(self, name: str, what: str) -> None:
        """Every path except the publish flow's approval step calls this before touching an environment."""
        if self.is_production(name):
            raise ProductionRefused(
                f"{what} refuses the production environment {name!r}",
                hint=(
                    "production is published only by the approval flow: run "
                    "`hugopipe run publish --env production` and have a human type "
                    "DEPLOY TO PRODUCTION in the Prefect UI (/v2/runs/flow-run/<id>)"
                ),
            )
