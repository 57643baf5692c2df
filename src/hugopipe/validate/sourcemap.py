"""Map findings on built pages back to the files a person edits.

A finding names a built file (``docs/install/index.html:939``); what Claude or a writer
has to change is a content file, or a layout when every page carries the same problem.
Hugo's own page list (``hugo list all``, which the validator has already run for the
publication rules: ``fastpath.HugoList``) pairs each content file with its permalink, so
no second Hugo call and no guess from file names is needed:

- ``Finding.source``: the content file that produced the built page, and the line where
  the finding's reference text (its URL, or the leaked text) first appears in it. A built
  file no content file made (a taxonomy page, a file copied from ``static/``) gets the
  ``static/`` file of the same path when there is one, else nothing.
- ``Finding.template``: when the same finding (same rule and same URL, or same message
  when it has no URL) is on at least ``TEMPLATE_SHARE`` of the site's documents (and on
  at least ``TEMPLATE_MIN_PAGES``), it comes from a template. Each of those findings then
  names the layout file (``layouts/`` first, then ``themes/*/layouts/``) that holds the
  reference text, and how many pages share it; the grouped text report shows one line for
  them instead of one per page. For head rules (S*) without a URL, the layout holding
  ``<head`` is named.

Only the findings are looked at (a few files read, once each), never every page: a
clean 20,000-page site costs nothing here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hugopipe.validate.findings import Finding, SourceRef, TemplateRef, line_of
from hugopipe.validate.page_rules import HTML_EXT
from hugopipe.validate.rules import RULES
from hugopipe.validate.urls import Site

TEMPLATE_SHARE = 0.9  # "nearly every page": 90 % of the documents ...
TEMPLATE_MIN_PAGES = 3  # ... and at least this many (two pages alike are a coincidence)
LAYOUT_EXT = (".html", ".xml", ".txt", ".json", ".css", ".js")


def output_file(site: Site, permalink: str) -> str:
    """The built file a permalink of ``hugo list`` is served from (``/a/`` → ``a/index.html``)."""
    origin = site.origin
    if (
        origin
        and permalink.startswith(origin)
        and permalink[len(origin) : len(origin) + 1] in ("/", "")
        and "?" not in permalink
        and "#" not in permalink
        and permalink.isprintable()
        and not permalink[-1].isspace()
    ):
        # what urlsplit gives for Hugo's usual absolute permalink, without its parse:
        # 20,000 rows cost 75 ms through urlsplit (``fastpath``, trick 8)
        path = permalink[len(origin) :] or "/"
        if "%" in path:
            path = unquote(path)
    else:
        path = unquote(urlsplit(permalink).path or "/")
    if path.startswith(site.base_path):
        path = path[len(site.base_path) :]
    path = path.lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    return path


def content_by_output(site: Site, rows: Iterable[dict[str, str]]) -> dict[str, str]:
    """Built file -> content file, from the rows of ``hugo list all``."""
    out: dict[str, str] = {}
    for row in rows:
        link, path = row.get("permalink") or "", row.get("path") or ""
        if link and path:
            out.setdefault(output_file(site, link), path)
    return out


def needles(f: Finding, loose: bool = False) -> list[str]:
    """What to look for in a source file: the URL as written, its path, the URL without
    its query and fragment; ``loose`` (layouts) adds shorter forms, since a template often
    builds the URL (``{{ "css/x.css" | relURL }}``)."""
    out: list[str] = []
    if f.url:
        url = f.url
        out.append(url)
        parts = urlsplit(url)
        if parts.netloc and parts.path not in ("", "/"):
            out.append(parts.path)
        bare = url.split("#", 1)[0].split("?", 1)[0]
        if bare and bare != url:
            out.append(bare)
        short = (parts.path if parts.netloc else bare).strip("/")
        if loose and short:
            out.append(short)
            last = short.rsplit("/", 1)[-1]
            if len(last) >= 4:
                out.append(last)
    elif f.rule.startswith("S"):
        out.append("<head")  # title, description, canonical, lang: written in the <head>
    return list(dict.fromkeys(n for n in out if n))


_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def prose_line(text: str, needle: str) -> int | None:
    """The line of the first ``needle`` outside a fenced block and outside backticks (the
    one a reader follows: E1 skips code samples), else of the first one at all. Run only
    for the few leak findings, on their content file."""
    first = line_of(text, needle)
    if first is None:
        return None
    fence = ""
    for n, line in enumerate(text.splitlines(), start=1):
        m = _FENCE.match(line)
        if m:
            fence = "" if fence and m.group(1) == fence else (fence or m.group(1))
            continue
        if fence or n < first:
            continue
        at = line.find(needle)
        while at >= 0:
            if line.count("`", 0, at) % 2 == 0:
                return n
            at = line.find(needle, at + 1)
    return first


class _Reader:
    """Source files read on first need, once each."""

    def __init__(self, site_dir: Path) -> None:
        self.site_dir = site_dir
        self._texts: dict[str, str | None] = {}
        self._layouts: list[str] | None = None

    def text(self, rel: str) -> str | None:
        if rel not in self._texts:
            try:
                self._texts[rel] = (self.site_dir / rel).read_text("utf-8", "replace")
            except OSError:
                self._texts[rel] = None
        return self._texts[rel]

    def find(self, rel: str, wanted: list[str], prose: bool = False) -> int | None:
        """The line of the first needle found; with ``prose`` (a leak: docs show the same
        URL in code samples), the first occurrence outside code, else the first one."""
        text = self.text(rel)
        if text is None:
            return None
        for n in wanted:
            line = prose_line(text, n) if prose else line_of(text, n)
            if line is not None:
                return line
        return None

    def layouts(self) -> list[str]:
        """The site's layout files, then every theme's, each in sorted order."""
        if self._layouts is None:
            roots = [self.site_dir / "layouts"]
            themes = self.site_dir / "themes"
            if themes.is_dir():
                roots += sorted(t / "layouts" for t in themes.iterdir() if t.is_dir())
            found: list[str] = []
            for root in roots:
                if root.is_dir():
                    found += sorted(
                        p.relative_to(self.site_dir).as_posix()
                        for p in root.rglob("*")
                        if p.is_file() and p.name.endswith(LAYOUT_EXT)
                    )
            self._layouts = found
        return self._layouts

    def layout_of(self, wanted: list[str]) -> tuple[str, int] | None:
        """The first layout holding the most specific needle (the whole URL before a part of it)."""
        for n in wanted:
            for rel in self.layouts():
                text = self.text(rel)
                line = line_of(text, n) if text is not None else None
                if line is not None:
                    return rel, line
        return None


def attach(
    findings: list[Finding],
    site: Site,
    site_dir: Path,
    rows: Iterable[dict[str, str]],
    documents: int,
) -> None:
    """Set ``source`` and ``template`` on the output findings (see the module docstring).

    ``documents``: how many built pages are documents (not alias pages), the base of the
    "nearly every page" share.
    """
    out = [f for f in findings if f.rule in RULES and RULES[f.rule].scope == "output"]
    if not out:
        return
    by_output = content_by_output(site, rows)
    reader = _Reader(Path(site_dir))
    for f in out:
        content = by_output.get(f.file)
        if content is None:
            static = f"static/{f.file}"
            if (reader.site_dir / static).is_file():
                content = static
            else:
                continue
        leak = f.rule in ("E1", "E6")
        f.source = SourceRef(path=content, line=reader.find(content, needles(f), prose=leak))
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in out:
        if f.file.endswith(HTML_EXT):
            groups.setdefault((f.rule, f.url or f.message), []).append(f)
    threshold = max(TEMPLATE_MIN_PAGES, math.ceil(TEMPLATE_SHARE * documents))
    for same in groups.values():
        pages = len({f.file for f in same})
        if pages < threshold:
            continue
        hit = reader.layout_of(needles(same[0], loose=True))
        ref = TemplateRef(path=hit[0] if hit else None, line=hit[1] if hit else None, pages=pages)
        for f in same:
            f.template = ref
