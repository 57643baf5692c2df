"""Resolve the references of one page: the link and asset rules that need only this page.

For each href/src/srcset/url() the scan worker finds, ``Resolver.ref`` decides whether it
resolves to a file of the output and reports what does not (L1, L3, L5, L6, L7, E3, E4,
and L2 for fragments on the same page). What needs another page is handed on in the
record: the html files linked (L4), the fragments on other pages (L2) and external URLs.

A reference that does not depend on the page's own URL (root-relative, absolute,
mailto:) has the same outcome on every page: the first outcome is kept per worker and
replayed with one dict lookup (menus, assets, cross links, canonical images).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from hugopipe.validate import urls
from hugopipe.validate.context import Context
from hugopipe.validate.findings import line_of
from hugopipe.validate.records import Page, blob

FRAGMENT_EXEMPT = {"", "top"}
_CACHE: dict[str, tuple[int, str]] = {}  # path -> what urls.path_to_file said
# kind -> reference -> its outcome on any page (link, fragment target, fragment, external)
_SEEN: dict[str, dict[str, tuple[str, str, str | None, str]]] = {
    "nav": {}, "res": {}, "meta": {}, "self": {}, "hint": {}, "use": {}
}  # fmt: skip
_SEEN_MAX = 500_000  # per kind: bounds a worker's memory on a very large site
_NOTHING: tuple[str, str, str | None, str] = ("", "", None, "")
_SKIP_FRAGMENTS: list[re.Pattern[str]] = []
_IGNORE_URLS: list[re.Pattern[str]] = []


def configure(ctx: Context) -> None:
    """Forget what an earlier run resolved and compile ``ctx``'s patterns (once per worker)."""
    global _SKIP_FRAGMENTS, _IGNORE_URLS
    _CACHE.clear()
    for known in _SEEN.values():
        known.clear()
    _SKIP_FRAGMENTS = [re.compile(p) for p in ctx.skip_fragments]
    _IGNORE_URLS = [re.compile(p) for p in ctx.ignore_urls]


class Resolver:
    """Resolve references of one page; results for repeated targets are cached per worker."""

    def __init__(
        self,
        ctx: Context,
        page: Page,
        page_dir: str,
        base_href: str | None,
        content: bytes | str,
        own_url: str | None = None,
    ):
        self.ctx, self.page, self.page_dir, self.base = ctx, page, page_dir, base_href
        self._content = content  # decoded when a finding needs its line
        self._text = content if isinstance(content, str) else None
        self.skip_frag, self.ignore = _SKIP_FRAGMENTS, _IGNORE_URLS
        self.same_page: list[tuple[str, str]] = []  # checked once all ids are known
        # ordered sets (dicts): the page's blobs come out the same on every run
        self.ids: dict[str, None] = {}
        self.links: dict[str, None] = {}
        self.externals: dict[str, None] = {}
        self.own = own_url  # the page's own absolute URL, as canonical and og:url give it

    @property
    def text(self) -> str:
        """The page's text, decoded on first need (most pages never are)."""
        if self._text is None:
            assert isinstance(self._content, bytes)
            self._text = self._content.decode("utf-8", "replace")
        return self._text

    def add(self, rule: str, url: str | None, msg: str) -> None:
        self.page.findings.append((rule, url, msg, line_of(self.text, url)))

    def close(self) -> None:
        """Hand the page its blobs."""
        page = self.page
        page.ids, page.links, page.externals = (
            blob(self.ids),
            blob(self.links),
            blob(self.externals),
        )

    def ref(self, raw: str, kind: str, tag: str) -> None:
        """kind: 'nav' (a/area: L3/L4 apply), 'res' (subresource), 'use' (SVG <use>: a
        subresource whose fragment names an id in an SVG file too), 'meta' (og:image, meta
        refresh, other <link>s, GET form actions), 'hint' (preload/prefetch/manifest, POST
        form actions: missing is L10, a warning), 'self' (canonical/og:url)."""
        if kind == "self" and raw == self.own:
            return  # canonical/og:url naming the page itself: a new string on every page
        # Fast path: what a reference that does not depend on the page's own URL (root-
        # relative, absolute, mailto:) did on an earlier page of this worker, replayed with
        # one dict lookup: menus, assets, cross links, canonical images, outside links.
        known = _SEEN[kind]
        hit = known.get(raw)
        if hit is not None and self.base is None:
            link, target, frag, ext = hit
            if link:
                self.links[link] = None
            if frag is not None:
                if target == self.page.path:
                    self.same_page.append((frag, raw))
                else:
                    self.page.frag_refs.append((target, frag, raw))
            if ext:
                self.externals[ext] = None
            return
        before = len(self.page.findings)
        outcome = self._resolve(raw, kind, tag)
        if (
            outcome is not None
            and self.base is None
            and len(self.page.findings) == before
            and len(known) < _SEEN_MAX
        ):
            known[raw] = outcome

    def _resolve(self, raw: str, kind: str, tag: str) -> tuple[str, str, str | None, str] | None:
        """Resolve one reference; returns its outcome (link, fragment target, fragment,
        external URL) when that outcome is the same from every page, else None."""
        ctx = self.ctx
        if self.ignore and any(p.search(raw) for p in self.ignore):
            return _NOTHING
        k, path, frag = urls.to_path(ctx.site, self.page_dir, raw, self.base)
        if k == urls.EMPTY:
            self.add("L5", raw, f"empty reference in <{tag}>")
            return None
        if k == urls.SKIP:
            return _NOTHING
        if k == urls.EXTERNAL:
            if kind == "self":
                self.add("E3", raw, f"{tag} {raw} is not on {ctx.site.origin}")
                return None
            res = kind == "res" or kind == "use"
            if ctx.check_mixed and res and path.startswith("http://"):
                self.add("E4", raw, f"<{tag}> loads {raw} over http:// on an https site")
            if kind == "nav" or res:
                ext = path.split("#", 1)[0]
                self.externals[ext] = None
                return ("", "", None, ext)
            return _NOTHING
        if path == "":
            if frag is not None:
                self.same_page.append((frag, raw))
            return None
        hit = _CACHE.get(path)
        if hit is None:
            hit = urls.path_to_file(ctx.site, path, ctx.files)
            _CACHE[path] = hit
        status, f = hit
        if status == urls.OK:
            pass
        elif status == urls.SLASHLESS:
            if kind == "nav":
                self.add(
                    "L3",
                    raw,
                    f"{raw} is a directory; link to {path}/ (it works only through a redirect)",
                )
        elif status == urls.OUTSIDE:
            rule = "L10" if kind == "hint" else "L1"
            self.add(rule, raw, f"{raw} is outside the site's base path {ctx.site.base_path}")
            return None
        else:
            lower = lower_files(ctx)
            other = lower.get(f.lower()) or lower.get((f + "/index.html").lower())
            if kind == "hint":
                where = f" (only {other} differs in letter case)" if other else ""
                self.add(
                    "L10", raw, f"<{tag}> {raw} does not resolve: {f} is not in the output{where}"
                )
            elif other:
                self.add("L6", raw, f"{raw} matches {other} only with different letter case")
            else:
                self.add("L1", raw, f"<{tag}> {raw} does not resolve: {f} is not in the output")
            return None
        link = ""
        if kind == "nav" and f.endswith(".html"):
            link = f
            self.links[f] = None
        if kind == "nav" and raw[:1] != "/" and "//" in raw[:8] and ctx.l7:
            self.add("L7", raw, f"{raw} is this site's own URL written absolutely")
        target = ""
        if frag is not None and (f.endswith(".html") or (kind == "use" and f.endswith(".svg"))):
            if self._frag_exempt(frag, raw):
                frag = None
            elif f == self.page.path:
                self.same_page.append((frag, raw))
                target = f
            else:
                self.page.frag_refs.append((f, frag, raw))
                target = f
        else:
            frag = None
        # the same outcome from any page: root-relative, or this site's own absolute URL
        # (canonical, og:url, og:image); a relative reference depends on the page's folder
        stripped = raw.lstrip()
        if stripped[:1] == "/" or stripped[:8].lower().startswith(("http://", "https://")):
            return (link, target, frag, "")
        return None

    def _frag_exempt(self, frag: str, raw: str) -> bool:
        if frag in FRAGMENT_EXEMPT or frag.startswith(":~:"):
            return True
        return bool(self.skip_frag) and any(p.search(raw) for p in self.skip_frag)

    def fragment(self, f: str, frag: str, raw: str, same_page: bool) -> None:
        if self._frag_exempt(frag, raw):
            return
        if frag in self.ids:
            return
        if unquote(frag) in self.ids:
            return
        self.add("L2", raw, f"#{frag} is not an id on this page")


def lower_files(ctx: Context) -> dict[str, str]:
    """For L6 (a link that matches a file only in another letter case): built by the worker
    on its first broken link, so a site without any costs nothing. Where names differ only
    in case, the first in sorted order wins, so a clash resolves the same way on every run."""
    if ctx.lower_files is None:
        lower = {f.lower(): f for f in ctx.files}
        if len(lower) != len(ctx.files):  # names that differ only in case: sort, first wins
            lower = {}
            for f in sorted(ctx.files):
                lower.setdefault(f.lower(), f)
        ctx.lower_files = lower
    return ctx.lower_files
