"""A site's ``_redirects`` rules as S3 website redirects: zero-byte objects with a Location.

S3 never reads ``_redirects`` (Netlify and Cloudflare Pages do, so the file itself still
uploads). The S3 *website* endpoint answers a request for a key whose object carries
``x-amz-website-redirect-location`` with a 301 to that location, so each *plain* rule
(``hugopipe.redirects``: exact source, 301/302, no placeholders or conditions) becomes
such an object. Which keys: the website endpoint serves ``/old`` from the key ``old``
and ``/old/`` from ``old/index.html`` (the index document), and Netlify ignores a
trailing slash on the source, so a source without a file suffix gets both keys; a
source with one (``/feed.rss``, ``/old.html``) gets just that key.

A rule is not applied (and the plan says why) when a key is a file of the build (the
page wins, as on Netlify without ``!``), an earlier rule has the same source, the
target is not ``/path`` or an ``http(s)://`` URL (what S3 accepts), or the key is
outside the target's include/exclude. The objects enter the plan as local files with
``redirect`` set, so the ordinary diff uploads, keeps, re-uploads (a changed target
changes their hash) and deletes them (a removed rule) under the same safety rules as
pages. A build without ``_redirects`` costs one dict lookup.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from hugopipe import redirects
from hugopipe.deploy.headers import Headers
from hugopipe.deploy.local import LocalFile, LocalTree
from hugopipe.deploy.models import RedirectItem
from hugopipe.deploy.targets import DeployTarget

#: What S3 stores with a redirect object (the website endpoint sends a 301 instead).
REDIRECT_HEADERS = Headers(content_type="text/html; charset=utf-8")
#: S3 refuses a longer ``x-amz-website-redirect-location``.
MAX_LOCATION = 2048


def redirect_hash(location: str) -> str:
    """The "source hash" of a redirect object: its Location, so a new target re-uploads it."""
    return hashlib.sha256(b"hugopipe-website-redirect\0" + location.encode()).hexdigest()


def base_path(base_url: str | None) -> str:
    """The path part of Hugo's ``baseURL`` (``/`` when there is none), with both slashes."""
    path = urlsplit(base_url or "").path.strip("/")
    return f"/{path}/" if path else "/"


def source_paths(source: str, base: str = "/") -> list[str]:
    """Slash paths in ``public/`` that serve ``source`` on the S3 website endpoint.

    On a sub-path site (``base`` ``/sub/``) ``public/`` is served under ``/sub/`` (the target
    prefix holds it), so a source written with the base path (``/sub/old/``, the address a
    reader uses) names ``old/`` in ``public/``: the base path is stripped, as the validator
    does (``hugopipe.validate.redirect_rules``), or the key would carry it twice.
    """
    path = source.split("#", 1)[0]
    if base != "/" and (path + "/").startswith(base):
        path = path[len(base) - 1 :]
    path = path.strip("/")
    if not path:
        return ["index.html"]
    if "." in path.rsplit("/", 1)[-1]:
        return [path]
    return [path, path + "/index.html"]


def _why_not(rule: redirects.RedirectRule) -> str | None:
    target = rule.target
    if not (target.startswith("/") or target.startswith(("http://", "https://"))):
        return "S3 takes a target that starts with /, http:// or https://"
    if len(target) > MAX_LOCATION:
        return f"the target is longer than S3's {MAX_LOCATION} characters"
    return None


def website_redirects(
    rules: list[redirects.RedirectRule], files: dict[str, LocalFile], target: DeployTarget
) -> tuple[list[LocalFile], list[RedirectItem]]:
    """The redirect objects of ``rules`` over the build's ``files`` (by key), and every
    plain rule with what became of it (sorted by line)."""
    objects: list[LocalFile] = []
    items: list[RedirectItem] = []
    claimed: dict[str, int] = {}  # key → the line of the rule that made it
    base = base_path(target.base_url)
    for rule in rules:
        if not rule.plain:
            continue
        paths = source_paths(rule.source, base)
        keys = [target.key_for(p) for p in paths]
        why = _why_not(rule)
        if why is None:
            pages = [p for p, k in zip(paths, keys, strict=True) if k in files]
            earlier = [claimed[k] for k in keys if k in claimed]
            if pages:
                why = (
                    f"public/{pages[0]} is a file of the build: S3 serves it "
                    "(Netlify too, unless the rule is forced with !)"
                )
            elif earlier:
                why = f"the rule on line {earlier[0]} already redirects this path"
            elif not all(target.selected(p) for p in paths):
                why = "outside the target's include/exclude"
        items.append(
            RedirectItem(
                source=rule.source,
                target=rule.target,
                status=rule.status,
                line=rule.line,
                keys=[] if why else keys,
                not_applied=why,
            )
        )
        if why:
            continue
        for path, key in zip(paths, keys, strict=True):
            claimed[key] = rule.line
            objects.append(
                LocalFile(
                    path=path,
                    key=key,
                    sha256=redirect_hash(rule.target),
                    size=0,
                    headers=REDIRECT_HEADERS,
                    redirect=rule.target,
                )
            )
    return objects, items


def add_website_redirects(tree: LocalTree, target: DeployTarget) -> None:
    """Read the build's ``_redirects`` (when there is one) and add its redirect objects to
    ``tree`` (``tree.files`` and ``tree.redirects``)."""
    own = tree.files.get(target.key_for(redirects.FILE_NAME))
    if own is None or not own.fs_path:
        return
    rules, _problems = redirects.parse(
        Path(own.fs_path).read_text(encoding="utf-8", errors="replace")
    )  # lines that are no rule are the validator's to report, with their line
    objects, tree.redirects = website_redirects(rules, tree.files, target)
    for lf in objects:
        tree.files[lf.key] = lf
