"""The entry points the CLI and the Prefect tasks call.

They read the site's configuration and hand plain values to ``fastpath``, which runs
the rules (and is where every speed trick of the command lives).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from hugopipe import projectfile
from hugopipe.errors import ConfigError
from hugopipe.validate import fastpath
from hugopipe.validate.findings import ValidationReport
from hugopipe.validate.urls import Site


def _raw_validate(
    site_dir: Path | None, config: dict | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    site_conf = projectfile.read(site_dir) if site_dir is not None else {}
    raw = config if config is not None else (site_conf.get("validate") or {})
    return site_conf, raw


def _base_url(hcfg: dict[str, Any]) -> str:
    return str(hcfg.get("baseURL") or hcfg.get("baseurl") or hcfg.get("BaseURL") or "/")


def _env_names(site_dir: Path, site_conf: dict[str, Any]) -> set[str]:
    names = set((site_conf.get("environments") or {}).keys())
    cfgdir = site_dir / "config"
    if cfgdir.is_dir():
        names |= {p.name for p in cfgdir.iterdir() if p.is_dir() and p.name != "_default"}
    return names


def other_env_hosts(site_dir: Path, env: str, site_conf: dict[str, Any]) -> list[str]:
    """Hosts of the other environments whose URLs must not leak into ``env``.

    For production every other environment's host counts; for the others only
    non-production hosts do (a staging page may link to the live site).
    """
    from hugopipe.hugo import hugo_config

    own = Site.from_base_url(_base_url(hugo_config(site_dir, env))).host
    hosts: set[str] = set()
    prod = projectfile.is_production(env, projectfile.environments(site_conf))
    for name in _env_names(site_dir, site_conf) - {env}:
        if not prod and projectfile.is_production(name, projectfile.environments(site_conf)):
            continue
        try:
            h = Site.from_base_url(_base_url(hugo_config(site_dir, name))).host
        except ConfigError:
            continue
        if h and h != own:
            hosts.add(h)
    return sorted(hosts)


def resolve_base_url(
    public_dir: Path, base_url: str | None, site_dir: Path | None, env: str
) -> tuple[str, str]:
    """(base URL, where from): the one given (``option``), the site's Hugo configuration
    for ``env`` (``hugo config``), else what the output names (``baseurl.infer``)."""
    if base_url is not None:
        return base_url, "option"
    if site_dir is not None:
        from hugopipe.hugo import hugo_config

        return _base_url(hugo_config(Path(site_dir), env)), "hugo config"
    from hugopipe.validate import baseurl

    return baseurl.infer(Path(public_dir)) if Path(public_dir).is_dir() else ("/", "none")


def validate_public(
    public_dir: Path,
    *,
    base_url: str | None = None,
    env: str,
    production: bool,
    config: dict | None = None,
    site_dir: Path | None = None,
    jobs: int | None = None,
) -> ValidationReport:
    """Rules on an output that is already built (no build, no Hugo needed unless site_dir
    is given: then the publication rules compare the output with ``hugo list all``).

    ``base_url`` None: worked out from the output (``baseurl.infer``), and the report says
    from where (``base_url_from``)."""
    _, raw = _raw_validate(site_dir, config)
    base_url, base_url_from = resolve_base_url(Path(public_dir), base_url, site_dir, env)
    return fastpath.public_report(
        Path(public_dir),
        base_url=base_url,
        base_url_from=base_url_from,
        env=env,
        production=production,
        raw=raw,
        site_dir=site_dir,
        jobs=jobs,
    )


def validate_source(site_dir: Path, env: str, config: dict | None = None) -> ValidationReport:
    """Front matter rules over content/ and duplicate URLs (``hugo list all``)."""
    site_dir = Path(site_dir)
    site_conf, raw = _raw_validate(site_dir, config)
    prod = projectfile.is_production(env, projectfile.environments(site_conf))
    return fastpath.source_report(site_dir, env, production=prod, raw=raw)


class SiteInputs(NamedTuple):
    """What ``validate_site`` reads from the site before it checks anything."""

    production: bool  # as the caller asked, else as the site's configuration says
    source_production: bool  # as the site's configuration says (the source rules' severities)
    raw: dict[str, Any]  # the [validate] table, with the other environments' hosts
    base_url: str


def site_inputs(
    site_dir: Path, env: str, production: bool | None = None, config: dict | None = None
) -> SiteInputs:
    from hugopipe.hugo import hugo_config

    site_dir = Path(site_dir)
    site_conf, raw = _raw_validate(site_dir, config)
    source_production = projectfile.is_production(env, projectfile.environments(site_conf))
    if production is None:
        production = source_production
    raw = dict(raw)
    if "other_hosts" not in raw:
        raw["other_hosts"] = other_env_hosts(site_dir, env, site_conf)
    return SiteInputs(production, source_production, raw, _base_url(hugo_config(site_dir, env)))


def validate_site(
    site_dir: Path,
    public_dir: Path,
    env: str,
    *,
    production: bool | None = None,
    config: dict | None = None,
    jobs: int | None = None,
) -> ValidationReport:
    """Source rules plus output rules for a site built into ``public_dir`` for ``env``."""
    site_dir = Path(site_dir)
    inputs = site_inputs(site_dir, env, production, config)
    return fastpath.site_report(
        site_dir,
        Path(public_dir),
        env,
        production=inputs.production,
        source_production=inputs.source_production,
        raw=inputs.raw,
        base_url=inputs.base_url,
        jobs=jobs,
    )
