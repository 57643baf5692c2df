"""robots.txt and indexability: production must be indexable, other environments must not be."""

from __future__ import annotations

from pathlib import Path

from hugopipe.validate import urls
from hugopipe.validate.config import ValidateConfig
from hugopipe.validate.findings import Finding
from hugopipe.validate.sitescan import Scan


def parse_robots(text: str) -> tuple[dict[str, list[str]], list[str]]:
    """Disallow rules per user-agent, and the Sitemap lines."""
    groups: dict[str, list[str]] = {}
    sitemaps: list[str] = []
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (s.strip() for s in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
            for a in agents:
                groups.setdefault(a, [])
        elif key in ("disallow", "allow"):
            in_rules = True
            if key == "disallow":
                for a in agents:
                    groups.setdefault(a, []).append(value)
        elif key == "sitemap":
            sitemaps.append(value)
    return groups, sitemaps


def robots_rules(sc: Scan, public: Path, cfg: ValidateConfig) -> list[Finding]:
    out: list[Finding] = []
    disallow_all = False
    if "robots.txt" in sc.files:
        text = (public / "robots.txt").read_text("utf-8", "replace")
        groups, sitemaps = parse_robots(text)
        disallow_all = "/" in groups.get("*", [])
        if disallow_all and cfg.production:
            out.append(
                Finding.of(
                    "R1",
                    "robots.txt",
                    "User-agent: * has Disallow: / (the site is hidden from search)",
                )
            )
        if cfg.production and not sitemaps and not disallow_all:
            out.append(Finding.of("R2", "robots.txt", "robots.txt has no Sitemap: line"))
        for sm in sitemaps:
            k, path, _ = urls.to_path(sc.site, "/", sm, None)
            if k == urls.EXTERNAL:
                out.append(
                    Finding.of(
                        "E3", "robots.txt", f"Sitemap: {sm} is not on {sc.site.origin}", url=sm
                    )
                )
            elif k == urls.OK:
                st, _ = urls.path_to_file(sc.site, path, sc.files)
                if st != urls.OK:
                    out.append(
                        Finding.of(
                            "R2", "robots.txt", f"Sitemap: {sm} is not in the output", url=sm
                        )
                    )
    elif cfg.production:
        out.append(Finding.of("R2", "robots.txt", "the output has no robots.txt"))
    home = sc.pages.get("index.html")
    home_noindex = bool(home and home.noindex)
    if cfg.production and home_noindex:
        out.append(
            Finding.of(
                "E5",
                "index.html",
                "the production home page has <meta name=robots content=noindex>",
            )
        )
    if not cfg.production and cfg.indexable is not True and not disallow_all and not home_noindex:
        r3 = Finding.of(
            "R3",
            "robots.txt" if "robots.txt" in sc.files else "index.html",
            f"environment {cfg.env!r} is indexable: robots.txt allows crawling and the home page has no noindex",
        )
        if cfg.indexable is False and "R3" not in cfg.severity:
            r3.severity = "error"
            cfg.severity["R3"] = "error"
        out.append(r3)
    return out
