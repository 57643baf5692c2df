"""The entry points the CLI and the Prefect tasks call."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hugopipe import projectfile
from hugopipe.errors import ConfigError
from hugopipe.hugo import HugoList
from hugopipe.outputwalk import Prewalk
from hugopipe.validate.config import load_config
from hugopipe.validate.engine import scan, site_rules
from hugopipe.validate.extract import no_cyclic_gc
from hugopipe.validate.findings import ValidationReport
from hugopipe.validate.publication import publication_rules
from hugopipe.validate.robots import robots_rules
from hugopipe.validate.sitemap import sitemap_rules
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


def validate_public(
    public_dir: Path,
    *,
    base_url: str,
    env: str,
    production: bool,
    config: dict | None = None,
    site_dir: Path | None = None,
    jobs: int | None = None,
    prewalk: Prewalk | None = None,
    listing: HugoList | None = None,
    keep: list[object] | None = None,
) -> ValidationReport:
    """Rules on an output that is already built (no build, no Hugo needed unless site_dir is given).

    ``prewalk``: the listing of ``public_dir``, already started (see ``hugopipe.outputwalk``).
    ``listing``: ``hugo list all`` for ``env``, already started; with ``site_dir`` and no
    listing, one is started here, so Hugo lists the pages while the output is scanned.
    ``keep``: for a caller that ends its process right after the report (the CLI, with the
    cyclic collector off): the page records go into it instead of being freed one by one,
    which costs 0.03-0.05 s on 20,000 pages for memory the exit hands back anyway.
    """
    t0 = time.perf_counter()
    public_dir = Path(public_dir)
    if not public_dir.is_dir():
        raise ConfigError(
            f"output directory not found: {public_dir}",
            hint="build the site first or pass --public DIR",
        )
    _, raw = _raw_validate(site_dir, config)
    cfg = load_config(raw, env, production)
    site = Site.from_base_url(base_url)
    own_listing = listing is None and site_dir is not None
    if own_listing:
        listing = HugoList(Path(site_dir), env, "all")  # Hugo lists while the output is scanned
    try:
        # The page records from the workers are unpickled in this process: no cyclic
        # collector while they live. They are dropped before it runs again, or its first
        # pass would walk every one of them (0.1 s on 20,000 pages).
        with no_cyclic_gc():
            sc = scan(public_dir, site, cfg, jobs=jobs, prewalk=prewalk)
            findings = sc.findings + site_rules(sc, public_dir, cfg)
            findings += sitemap_rules(sc, public_dir, production)
            findings += robots_rules(sc, public_dir, cfg)
            if site_dir is not None and listing is not None:
                findings += publication_rules(sc, Path(site_dir), env, rows=listing.rows())
            checked = {"files": len(sc.files), "pages": sc.html_pages}
            if keep is not None:
                keep.append(sc)
            del sc
    finally:
        if own_listing and listing is not None:
            listing.close()
    report = ValidationReport(
        env=env,
        production=production,
        site_dir=str(site_dir) if site_dir else None,
        public_dir=str(public_dir),
        base_url=base_url,
        findings=cfg.apply(findings),
        checked=checked,
    )
    report.sort()
    report.duration_s = time.perf_counter() - t0
    return report


def validate_source(
    site_dir: Path, env: str, config: dict | None = None, listing: HugoList | None = None
) -> ValidationReport:
    """Front matter rules over content/ and duplicate URLs (``hugo list all``).

    ``listing``: ``hugo list all`` for ``env``, already started (``validate_site`` shares
    one run between these rules and the publication rules).
    """
    from hugopipe.validate.source import source_rules  # yaml: only the source rules need it

    t0 = time.perf_counter()
    site_dir = Path(site_dir)
    site_conf, raw = _raw_validate(site_dir, config)
    prod = projectfile.is_production(env, projectfile.environments(site_conf))
    cfg = load_config(raw, env, prod, source=str(site_dir / "hugopipe.toml"))

    own_listing = listing is None
    if listing is None:
        try:
            listing = HugoList(site_dir, env, "all")  # Hugo lists while the front matter is read
        except ConfigError:
            listing = None  # not a site Hugo can read: the front matter rules still run

    def rows() -> list[dict[str, str]] | None:
        if listing is None:
            return None
        try:
            return listing.rows()
        except ConfigError:
            return None  # a front matter error stops Hugo; our own parse names the file and line

    try:
        findings, n = source_rules(site_dir, cfg, rows)
    finally:
        if own_listing and listing is not None:
            listing.close()
    report = ValidationReport(
        env=env,
        production=prod,
        site_dir=str(site_dir),
        findings=cfg.apply(findings),
        checked={"content files": n},
    )
    report.sort()
    report.duration_s = time.perf_counter() - t0
    return report


def validate_site(
    site_dir: Path,
    public_dir: Path,
    env: str,
    *,
    production: bool | None = None,
    config: dict | None = None,
    jobs: int | None = None,
    keep: list[object] | None = None,
) -> ValidationReport:
    """Source rules plus output rules for a site built into ``public_dir`` for ``env``
    (``keep``: see ``validate_public``)."""
    from hugopipe.hugo import hugo_config

    site_dir = Path(site_dir)
    site_conf, raw = _raw_validate(site_dir, config)
    if production is None:
        production = projectfile.is_production(env, projectfile.environments(site_conf))
    raw = dict(raw)
    if "other_hosts" not in raw:
        raw["other_hosts"] = other_env_hosts(site_dir, env, site_conf)
    base_url = _base_url(hugo_config(site_dir, env))
    listing = HugoList(site_dir, env, "all")  # one Hugo run for the source and publication rules
    try:
        report = validate_source(site_dir, env, config=raw, listing=listing)
        report.production = production
        out = validate_public(
            public_dir,
            base_url=base_url,
            env=env,
            production=production,
            config=raw,
            site_dir=site_dir,
            jobs=jobs,
            listing=listing,
            keep=keep,
        )
    finally:
        listing.close()
    report.merge(out)
    report.env, report.production = env, production
    return report
