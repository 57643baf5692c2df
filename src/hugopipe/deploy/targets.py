"""Deployment targets, read from the site's own Hugo ``[deployment]`` section.

A site set up for ``hugo deploy`` needs nothing new: we ask Hugo for its merged
configuration (``hugo config --environment ENV --format json``: config
directories, environments and ``HUGO_*`` variables already applied) and read the
same keys and the same target-URL query parameters as Hugo's gocloud opener.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hugopipe.deploy.headers import Matcher
from hugopipe.errors import ConfigError
from hugopipe.hugo import site_config_file  # re-exported: callers name the config file with it

#: Query parameters gocloud.dev v0.45 (Hugo 0.168) accepts on an ``s3://`` URL; anything else
#: is a hard error in Hugo, so it is here too (a typo must not silently deploy elsewhere).
KNOWN_URL_PARAMS = {
    "prefix",
    "key",
    "region",
    "endpoint",
    "profile",
    "use_path_style",
    "s3ForcePathStyle",
    "disable_https",
    "dualstack",
    "fips",
    "accelerate",
    "anonymous",
    "hostname_immutable",
    "rate_limiter_capacity",
    "request_checksum_calculation",
    "response_checksum_validation",
    "ssetype",
    "kmskeyid",
    "awssdk",
}

#: Where hugopipe keeps its own state in the bucket (under the target prefix); never deleted.
STATE_DIR = ".hugopipe/"


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Translate a gobwas glob (Hugo's include/exclude, separator ``/``) to a regex.

    ``*`` stays inside one path segment, ``**`` crosses segments, ``?`` is one
    character, ``[...]`` a class and ``{a,b}`` alternatives.
    """
    out: list[str] = []
    i, depth = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$")


class DeployTarget(BaseModel):
    """Everything the deployer needs to know about one ``[[deployment.targets]]`` entry."""

    model_config = ConfigDict(extra="forbid")

    name: str
    url: str
    bucket: str
    prefix: str = ""
    region: str | None = None
    endpoint: str | None = None
    path_style: bool = False
    profile: str | None = None
    anonymous: bool = False
    sse_type: str | None = None
    kms_key_id: str | None = None
    accelerate: bool = False
    dualstack: bool = False
    fips: bool = False
    cloudfront_distribution_id: str | None = None
    include: str | None = None
    exclude: str | None = None
    strip_index_html: bool = False
    matchers: list[Matcher] = Field(default_factory=list)
    order: list[str] = Field(default_factory=list)
    max_deletes: int = 256
    workers: int = 10
    invalidate_cdn: bool = True
    force: bool = False
    #: Collapse exact invalidation paths to wildcards once there are more than this many.
    invalidation_threshold: int = 30
    #: Files at least this large go up as multipart uploads (our hash in metadata keeps them comparable).
    multipart_threshold: int = 64 * 1024 * 1024
    environment: str | None = None
    config_file: str | None = None
    #: Hugo's ``baseURL``: absolute links on this host are same-site (``links``).
    base_url: str | None = None

    @cached_property
    def include_re(self) -> re.Pattern[str] | None:
        return glob_to_regex(self.include) if self.include else None

    @cached_property
    def exclude_re(self) -> re.Pattern[str] | None:
        return glob_to_regex(self.exclude) if self.exclude else None

    @cached_property
    def order_res(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.order]

    def selected(self, path: str) -> bool:
        """Hugo's include/exclude: a path outside them is neither uploaded nor deleted."""
        if self.include_re is not None and not self.include_re.match(path):
            return False
        return not (self.exclude_re is not None and self.exclude_re.match(path))

    def key_for(self, path: str) -> str:
        """Remote key for a slash path in ``public/`` (``stripIndexHTML`` maps ``dir/index.html`` → ``dir/``)."""
        if self.strip_index_html and path.endswith("/index.html"):
            path = path[: -len("index.html")]
        return self.prefix + path

    def path_for(self, key: str) -> str:
        """Inverse of :meth:`key_for`."""
        path = key[len(self.prefix) :]
        if self.strip_index_html and path.endswith("/"):
            path += "index.html"
        return path

    @property
    def state_prefix(self) -> str:
        return self.prefix + STATE_DIR


def parse_target_url(url: str, *, where: str | None = None) -> dict[str, Any]:
    """Split a Hugo/gocloud target URL into DeployTarget fields, rejecting what Hugo rejects."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ConfigError(
            f"deployment target URL {url!r} is not s3:// (hugopipe deploys to S3 and S3-compatible stores)",
            file=where,
            hint="use s3://BUCKET?region=...; for MinIO/R2/moto add endpoint=https://host&use_path_style=true",
        )
    if not parts.netloc:
        raise ConfigError(f"deployment target URL {url!r} has no bucket name", file=where)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(params) - KNOWN_URL_PARAMS)
    if unknown:
        raise ConfigError(
            f"unknown query parameter(s) {', '.join(unknown)} in deployment target URL {url!r}",
            file=where,
            hint="Hugo rejects these too; valid ones include endpoint, region, use_path_style, disable_https, prefix",
        )
    fields: dict[str, Any] = {"bucket": parts.netloc, "prefix": params.get("prefix") or ""}
    endpoint = params.get("endpoint") or None
    if endpoint:
        if "://" not in endpoint:
            scheme = "http" if _truthy(params.get("disable_https", "false")) else "https"
            endpoint = f"{scheme}://{endpoint}"
        fields["endpoint"] = endpoint
    fields["region"] = params.get("region") or None
    fields["profile"] = params.get("profile") or None
    fields["path_style"] = _truthy(params.get("use_path_style", "")) or _truthy(
        params.get("s3ForcePathStyle", "")
    )
    for flag in ("anonymous", "accelerate", "dualstack", "fips"):
        fields[flag] = _truthy(params.get(flag, ""))
    fields["sse_type"] = params.get("ssetype") or None
    fields["kms_key_id"] = params.get("kmskeyid") or None
    return fields


def target_from_config(
    config: dict[str, Any],
    target_name: str,
    *,
    environment: str | None = None,
    config_file: str | None = None,
) -> DeployTarget:
    """Build a DeployTarget from a merged Hugo config (the ``hugo config --format json`` dict)."""
    deployment = {str(k).lower(): v for k, v in (config.get("deployment") or {}).items()}
    targets = deployment.get("targets") or []
    names = [str(t.get("name", "")) for t in targets]
    raw = next((t for t in targets if str(t.get("name", "")) == target_name), None)
    if raw is None:
        raise ConfigError(
            f"no [[deployment.targets]] named {target_name!r}"
            + (f" for environment {environment!r}" if environment else "")
            + (
                f" (targets: {', '.join(names)})"
                if names
                else " (the site has no deployment targets)"
            ),
            file=config_file,
            hint="add a [[deployment.targets]] entry with name and url (s3://BUCKET?region=...)",
        )
    t = {str(k).lower(): v for k, v in raw.items()}
    if not t.get("url"):
        raise ConfigError(f"deployment target {target_name!r} has no url", file=config_file)
    fields = parse_target_url(str(t["url"]), where=config_file)
    try:
        matchers = [
            Matcher.model_validate({str(k).lower(): v for k, v in m.items()})
            for m in deployment.get("matchers") or []
        ]
        for m in matchers:
            _ = m.regex
        order = [str(o) for o in deployment.get("order") or []]
        for o in order:
            re.compile(o)
    except (ValidationError, re.error) as exc:
        raise ConfigError(
            f"invalid [deployment] matchers/order: {exc}",
            file=config_file,
            hint="patterns are regular expressions (RE2 syntax), matched against the slash path in public/",
        ) from exc
    max_deletes = deployment.get("maxdeletes", 256)
    try:
        return DeployTarget(
            name=target_name,
            url=str(t["url"]),
            cloudfront_distribution_id=t.get("cloudfrontdistributionid") or None,
            include=t.get("include") or None,
            exclude=t.get("exclude") or None,
            strip_index_html=bool(t.get("stripindexhtml", False)),
            matchers=matchers,
            order=order,
            max_deletes=int(max_deletes),
            workers=int(deployment.get("workers", 10) or 10),
            invalidate_cdn=bool(deployment.get("invalidatecdn", True)),
            force=bool(deployment.get("force", False)),
            environment=environment,
            config_file=config_file,
            base_url=str(config.get("baseurl") or config.get("baseURL") or "") or None,
            **fields,
        )
    except (ValidationError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"invalid deployment target {target_name!r}: {exc}", file=config_file
        ) from exc


def load_target(
    site_dir: Path, target_name: str, *, environment: str | None = None
) -> DeployTarget:
    """The target ``target_name`` as ``hugo deploy --target NAME`` would see it in ``environment``.

    ``environment`` defaults to the environment in ``hugopipe.toml`` whose target is
    ``target_name``, else to ``target_name`` itself (dev, staging, production).
    """
    from hugopipe.hugo import hugo_config

    site_dir = Path(site_dir)
    if environment is None:
        environment = _environment_for_target(site_dir, target_name)
    config = hugo_config(site_dir, environment)
    return target_from_config(
        config, target_name, environment=environment, config_file=site_config_file(site_dir)
    )


def _environment_for_target(site_dir: Path, target_name: str) -> str:
    try:
        from hugopipe.config import ProjectConfig

        project = ProjectConfig.load(site_dir)
    except ConfigError:
        raise
    except Exception:  # pragma: no cover - the lead's module is optional here
        return target_name
    for name, env in project.environments.items():
        if env.target == target_name:
            return name
    return target_name
