"""HTTP health of a live URL: status, response time, redirects, and TLS days left.

The certificate is read on its own connection that does not verify it, so an
expired or self-signed certificate still reports its days left (and
``tls_trusted: false``) instead of only "handshake failed": the night's report
should say *when* a certificate runs out, not just that it already has.
"""

from __future__ import annotations

import socket
import ssl
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

#: certificate days left below which the report asks a person to act
TLS_WARN_DAYS = 14


def tls_days_left(host: str, port: int = 443, timeout: float = 10) -> tuple[float, bool]:
    """(days until the certificate expires, whether the system trust store accepts it)."""
    from cryptography import x509

    raw = ssl.create_default_context()
    raw.check_hostname = False
    raw.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        raw.wrap_socket(sock, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError("the server sent no certificate")
    cert = x509.load_der_x509_certificate(der)
    days = (cert.not_valid_after_utc - datetime.now(UTC)).total_seconds() / 86400
    trusted = True
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            ssl.create_default_context().wrap_socket(sock, server_hostname=host),
        ):
            pass
    except ssl.SSLError:
        trusted = False
    return round(days, 1), trusted


def env_urls(base: str | None, paths: list[str], index_document: str | None) -> list[str]:
    """The URLs ``verify`` GETs after a deploy (a folder path gets the index document, as
    an S3 endpoint without website hosting needs), checked nightly as well."""
    from urllib.parse import urljoin

    out = []
    for path in paths if base else []:
        rel = path.lstrip("/")
        if index_document and (rel == "" or rel.endswith("/")):
            rel += index_document
        out.append(urljoin(str(base).rstrip("/") + "/", rel))
    return out


def check_url(url: str, timeout: float = 15, verify: bool = True) -> dict[str, Any]:
    """One GET, redirects followed; what a person would want to know about the URL."""
    out: dict[str, Any] = {"url": url, "status": None, "ok": False}
    t0 = time.perf_counter()
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout, verify=verify) as client:
            resp = client.get(url)
        out.update(
            status=resp.status_code,
            ok=resp.status_code < 400,
            response_ms=round((time.perf_counter() - t0) * 1000),
            redirects=[str(r.headers.get("location", "")) for r in resp.history],
            final_url=str(resp.url),
        )
    except httpx.HTTPError as exc:
        out.update(error=f"{exc.__class__.__name__}: {exc}")
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        try:
            days, trusted = tls_days_left(parts.hostname, parts.port or 443)
            out.update(tls_days_left=days, tls_trusted=trusted)
            if days < TLS_WARN_DAYS:
                out["ok"] = False
        except (OSError, ssl.SSLError, ValueError) as exc:
            out.update(tls_error=f"{exc.__class__.__name__}: {exc}", ok=False)
    return out


def health_markdown(env: str, checks: list[dict[str, Any]]) -> str:
    lines = [f"### Health of {env}", ""]
    for c in checks:
        mark = "ok" if c["ok"] else "**needs attention**"
        text = f"- {mark} {c['url']}: {c.get('status') or c.get('error')}"
        if c.get("response_ms") is not None:
            text += f" in {c['response_ms']} ms"
        if c.get("redirects"):
            text += f", {len(c['redirects'])} redirect(s) to {c.get('final_url')}"
        if "tls_days_left" in c:
            text += f"; TLS certificate: {c['tls_days_left']} days left"
            text += "" if c.get("tls_trusted") else " (not trusted by this machine)"
        if c.get("tls_error"):
            text += f"; TLS: {c['tls_error']}"
        lines.append(text)
    return "\n".join(lines)
