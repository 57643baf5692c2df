"""CloudFront invalidations: exactly the URLs that changed, in the forms readers request.

``hugo deploy`` always invalidates ``/*`` (a cold cache after every deploy);
s3deploy sends ``dir/`` only. A reader may have cached ``/foo/`` or
``/foo/index.html``, so a changed ``foo/index.html`` invalidates both. Past a
threshold the exact paths collapse into ``/dir/*`` wildcards (one path each on
the bill; CloudFront's ``*`` is a prefix match) and finally ``/*``.
Fingerprinted assets get new URLs when they change, so they need none.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from urllib.parse import quote

from hugopipe.deploy.headers import is_fingerprinted

#: CloudFront limits (per distribution): paths in one request / in progress, wildcards in progress.
MAX_PATHS_PER_REQUEST = 3000
MAX_WILDCARDS_IN_PROGRESS = 15
#: Characters CloudFront accepts unencoded (RFC 1738 "safe" and "extra", plus the separators).
_SAFE = "/-_.~!$&'()+,;=:@"


def encode_path(path: str) -> str:
    """URL-encode a path for CloudFront: non-ASCII and unsafe characters, never the trailing wildcard."""
    if path.endswith("*"):
        return quote(path[:-1], safe=_SAFE) + "*"
    return quote(path, safe=_SAFE)


def url_forms(path: str, *, strip_index_html: bool = False) -> list[str]:
    """The request paths (unencoded) that may hold a cached copy of the slash path ``path`` in public/."""
    if path == "index.html":
        return ["/", "/index.html"]
    if path.endswith("/index.html"):
        directory = "/" + path[: -len("index.html")]
        return [directory] if strip_index_html else [directory, "/" + path]
    return ["/" + path]


def _covered(path: str, prefixes: set[str]) -> bool:
    """True when a wildcard other than ``path`` itself covers it.

    ``prefixes`` holds each wildcard without its ``*``; checking the prefixes of ``path``
    against that set costs O(len(path)) where scanning every wildcard cost O(wildcards):
    on a first deploy of 6,700 files that was 15 s of CPU before the first upload.
    """
    end = len(path) - 1 if path.endswith("*") else len(path) + 1
    return any(path[:i] in prefixes for i in range(end))


def _dedupe(paths: set[str]) -> set[str]:
    prefixes = {p[:-1] for p in paths if p.endswith("*")}
    if not prefixes:
        return paths
    # a wildcard covered by a shorter wildcard goes too
    return {p for p in paths if not _covered(p, prefixes)}


def _ancestor(path: str, depth: int) -> str | None:
    """The directory prefix of ``path`` with ``depth`` slashes (``/`` has 1), if it has one.

    A directory URL (``/a/b/``) and a wildcard (``/a/b/*``) belong to their own directory.
    """
    idx = -1
    for _ in range(depth):
        idx = path.find("/", idx + 1)
        if idx == -1:
            return None
    return path[: idx + 1]


def collapse(paths: Iterable[str], threshold: int) -> list[str]:
    """Reduce ``paths`` to at most ``threshold`` by replacing the deepest directories with ``/dir/*``.

    Level by level from the deepest, every directory holding two or more paths becomes
    one wildcard; a lone path stays exact. Deterministic, and every input path stays
    covered (exactly or by a prefix wildcard). Past CloudFront's in-progress wildcard
    limit the answer is ``/*``.
    """
    threshold = max(1, min(threshold, MAX_PATHS_PER_REQUEST))
    current = _dedupe(set(paths))
    if len(current) <= threshold:
        return sorted(current)
    depth = max(p.rstrip("*").count("/") for p in current)

    def too_many(ps: set[str]) -> bool:
        wild = sum(1 for p in ps if p.endswith("*"))
        return len(ps) > threshold or wild > MAX_WILDCARDS_IN_PROGRESS

    while too_many(current) and depth > 1:
        groups: dict[str, list[str]] = {}
        for p in current:
            a = _ancestor(p, depth)
            if a is not None:
                groups.setdefault(a, []).append(p)
        nxt = set(current)
        for a, members in groups.items():
            if len(members) >= 2:
                nxt.difference_update(members)
                nxt.add(a + "*")
        current = _dedupe(nxt)
        depth -= 1
    return ["/*"] if too_many(current) else sorted(current)


def invalidation_paths(
    changed_paths: Iterable[str], *, threshold: int, strip_index_html: bool = False
) -> list[str]:
    """Encoded CloudFront paths for the changed or deleted slash paths of a deploy."""
    raw: set[str] = set()
    for p in changed_paths:
        if is_fingerprinted(p):
            continue
        raw.update(url_forms(p, strip_index_html=strip_index_html))
    if not raw:
        return []
    return collapse({encode_path(p) for p in raw}, threshold)


def create_invalidation(
    cloudfront, distribution_id: str, paths: list[str], *, deadline_s: float = 300.0
) -> str:
    """Send one invalidation, backing off while CloudFront reports too many in progress."""
    delay = 1.0
    start = time.monotonic()
    while True:
        try:
            resp = cloudfront.create_invalidation(
                DistributionId=distribution_id,
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    "CallerReference": f"hugopipe-{uuid.uuid4().hex}",
                },
            )
            return resp["Invalidation"]["Id"]
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code != "TooManyInvalidationsInProgress" or time.monotonic() - start > deadline_s:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 30.0)


def wait_invalidation(
    cloudfront,
    distribution_id: str,
    invalidation_id: str,
    *,
    timeout_s: float = 1200.0,
    poll_s: float = 5.0,
) -> str:
    """Poll until CloudFront reports the invalidation completed; returns the last status."""
    deadline = time.monotonic() + timeout_s
    while True:
        status = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)[
            "Invalidation"
        ]["Status"]
        if status.lower() == "completed" or time.monotonic() > deadline:
            return status
        time.sleep(poll_s)
