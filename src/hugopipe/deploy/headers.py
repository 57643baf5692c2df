"""HTTP headers for each uploaded file: Content-Type, Cache-Control, Content-Encoding, metadata.

Hugo's deployer takes Content-Type from Hugo's media types, which sends every
``.xml`` file (``sitemap.xml`` included) as ``application/rss+xml`` and never adds
a charset; aws-cli depends on the host's ``/etc/mime.types``. We keep one table
here so the result does not depend on the machine, and let the site's own
``[[deployment.matchers]]`` override it exactly as ``hugo deploy`` would.
"""

from __future__ import annotations

import base64
import re
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

UTF8 = "; charset=utf-8"

#: Suffix → Content-Type. Text types carry ``charset=utf-8`` because Hugo writes UTF-8.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html" + UTF8,
    ".htm": "text/html" + UTF8,
    ".css": "text/css" + UTF8,
    ".js": "text/javascript" + UTF8,
    ".mjs": "text/javascript" + UTF8,
    ".map": "application/json" + UTF8,
    ".json": "application/json" + UTF8,
    ".jsonld": "application/ld+json" + UTF8,
    ".xml": "application/xml" + UTF8,
    ".rss": "application/rss+xml" + UTF8,
    ".atom": "application/atom+xml" + UTF8,
    ".svg": "image/svg+xml" + UTF8,
    ".webmanifest": "application/manifest+json" + UTF8,
    ".txt": "text/plain" + UTF8,
    ".md": "text/markdown" + UTF8,
    ".csv": "text/csv" + UTF8,
    ".ics": "text/calendar" + UTF8,
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".wasm": "application/wasm",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

#: Metadata keys written on every object (S3 stores them as ``x-amz-meta-*``).
META_SHA256 = "hugopipe-sha256"  # SHA-256 of the source bytes: survives gzip and multipart ETags
META_HUGO_MD5 = (
    "md5chksum"  # what hugo deploy reads (MD5 of the stored bytes), so it never re-downloads
)

#: The header that makes an object an S3 website redirect (``siteredirects``).
WEBSITE_REDIRECT = "x-amz-website-redirect-location"

#: Feeds by name: Hugo names its RSS output ``index.xml``; these are feeds, not generic XML.
_FEED_NAMES = {"index.xml", "feed.xml", "rss.xml", "atom.xml"}

#: Hugo's ``resources.Fingerprint`` puts a hex digest (md5 32 … sha512 128) before the suffix.
_FINGERPRINT = re.compile(r"\.[0-9a-f]{32,128}(\.[A-Za-z0-9]+)+$")


def default_content_type(key: str) -> str:
    """Content-Type for ``key`` when no matcher sets one."""
    name, suffix = _name_suffix(key)
    if name in _FEED_NAMES:
        return "application/rss+xml" + UTF8
    return CONTENT_TYPES.get(suffix, DEFAULT_CONTENT_TYPE)


def _name_suffix(key: str) -> tuple[str, str]:
    """Lowercased file name and suffix (string ops: this runs once per file on every deploy)."""
    name = key[key.rfind("/") + 1 :].lower()
    dot = name.rfind(".")
    return name, (name[dot:] if dot > 0 else "")


def is_fingerprinted(key: str) -> bool:
    """A fingerprinted asset's URL changes with its content, so it never needs an invalidation."""
    return bool(_FINGERPRINT.search(key))


class UploadClass:
    """Upload groups in the order a reader must never see them half-done."""

    ASSET = 0  # css, js, images, fonts: referenced by pages, so they go first
    HTML = 1  # pages reference assets
    FEED = 2  # sitemaps and feeds announce pages, so they go last


def upload_class(key: str) -> int:
    name, suffix = _name_suffix(key)
    if suffix in {".html", ".htm"} or key.endswith("/") or key == "":
        return UploadClass.HTML
    if suffix in {".xml", ".rss", ".atom"} or name in _FEED_NAMES or name.startswith("sitemap"):
        return UploadClass.FEED
    return UploadClass.ASSET


class Headers(BaseModel):
    """The headers that are stored with an object (and so compared on every deploy)."""

    model_config = ConfigDict(frozen=True)

    content_type: str
    cache_control: str | None = None
    content_encoding: str | None = None


def header_changes(old: Headers, new: Headers) -> list[str]:
    """Each stored header that differs, as ``name: old → new`` (for the plan and drift)."""
    out = []
    for field in ("content_type", "cache_control", "content_encoding"):
        a, b = getattr(old, field), getattr(new, field)
        if a != b:
            out.append(f"{field.replace('_', '-')}: {a or '-'} → {b or '-'}")
    return out


class Matcher(BaseModel):
    """One ``[[deployment.matchers]]`` entry, with Hugo's field names (lowercased by ``hugo config``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    pattern: str
    cache_control: str | None = Field(None, alias="cachecontrol")
    content_type: str | None = Field(None, alias="contenttype")
    content_encoding: str | None = Field(None, alias="contentencoding")
    gzip: bool = False
    force: bool = False

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def matches(self, path: str) -> bool:
        return self.regex.search(path) is not None


def first_matcher(matchers: list[Matcher], path: str) -> Matcher | None:
    """Hugo's rule: the first matcher whose pattern matches the slash path wins."""
    for m in matchers:
        if m.matches(path):
            return m
    return None


def headers_for(path: str, matcher: Matcher | None) -> Headers:
    content_type = (matcher.content_type if matcher else None) or default_content_type(path)
    encoding = None
    if matcher:
        encoding = "gzip" if matcher.gzip else (matcher.content_encoding or None)
    return Headers(
        content_type=content_type,
        cache_control=(matcher.cache_control or None) if matcher else None,
        content_encoding=encoding,
    )


def object_headers(
    headers: Headers,
    sha256: str,
    stored_md5: bytes,
    *,
    sse_type: str | None = None,
    kms_key_id: str | None = None,
    redirect: str | None = None,
) -> dict[str, str]:
    """The HTTP headers of one uploaded object: the one list both PUT paths send.

    ``stored_md5`` is the MD5 digest of the bytes stored (after gzip): ``Content-MD5`` lets
    the server refuse a corrupted body, and ``md5chksum`` is what ``hugo deploy`` compares.
    """
    out = {
        "Content-Type": headers.content_type,
        "Content-MD5": base64.b64encode(stored_md5).decode(),
        f"x-amz-meta-{META_SHA256}": sha256,
        f"x-amz-meta-{META_HUGO_MD5}": stored_md5.hex(),
    }
    if headers.cache_control:
        out["Cache-Control"] = headers.cache_control
    if headers.content_encoding:
        out["Content-Encoding"] = headers.content_encoding
    if redirect is not None:
        out[WEBSITE_REDIRECT] = redirect
    if sse_type:
        out["x-amz-server-side-encryption"] = sse_type
        if kms_key_id:
            out["x-amz-server-side-encryption-aws-kms-key-id"] = kms_key_id
    return out
