"""Verify a deploy the way a reader would: GET the environment's URLs and record what came back."""

from __future__ import annotations

import time
from urllib.parse import urljoin

import httpx
from pydantic import BaseModel, Field

from hugopipe.config import EnvironmentConfig
from hugopipe.errors import ConfigError, ContentError, TransientError


class UrlCheck(BaseModel):
    url: str
    status: int | None = None
    ok: bool
    seconds: float
    error: str | None = None


class VerifyReport(BaseModel):
    base_url: str | None
    checks: list[UrlCheck] = Field(default_factory=list)
    skipped_reason: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_markdown(self) -> str:
        if self.skipped_reason:
            return f"Verify skipped: {self.skipped_reason}"
        rows = ["| URL | status | time |", "|---|---|---|"]
        rows += [f"| {c.url} | {c.status or c.error} | {c.seconds:.2f} s |" for c in self.checks]
        return "\n".join(rows)


def verify_urls(env: EnvironmentConfig, base: str | None, timeout: float = 10.0) -> VerifyReport:
    """GET ``env.verify_paths`` under ``base``, the environment's resolved verify URL."""
    if not base:
        return VerifyReport(
            base_url=None, skipped_reason="no verify_url for this environment in hugopipe.toml"
        )
    if not base.startswith(("http://", "https://")):
        raise ConfigError(
            f"verify_url {base!r} is not an http(s) URL", hint="fix [environments.<env>].verify_url"
        )
    report = VerifyReport(base_url=base)
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for path in env.verify_paths:
            rel = path.lstrip("/")
            if env.index_document and (rel == "" or rel.endswith("/")):
                rel += env.index_document
            url = urljoin(base.rstrip("/") + "/", rel)
            started = time.perf_counter()
            try:
                resp = client.get(url)
                report.checks.append(
                    UrlCheck(
                        url=url,
                        status=resp.status_code,
                        ok=resp.status_code < 400,
                        seconds=time.perf_counter() - started,
                    )
                )
            except httpx.HTTPError as exc:
                report.checks.append(
                    UrlCheck(
                        url=url,
                        ok=False,
                        seconds=time.perf_counter() - started,
                        error=exc.__class__.__name__,
                    )
                )
    return report


def raise_for(report: VerifyReport) -> None:
    """Connection errors and 5xx are worth a retry; a 404 after a deploy is not."""
    bad = [c for c in report.checks if not c.ok]
    if not bad:
        return
    listing = ", ".join(f"{c.url} → {c.status or c.error}" for c in bad)
    if any(c.status is None or c.status >= 500 for c in bad):
        raise TransientError(
            f"verify failed: {listing}", hint="retrying; check the site's endpoint if it persists"
        )
    raise ContentError(
        f"verify failed: {listing}",
        hint="the deployed site is missing these URLs; check the deploy plan and verify_paths",
    )
