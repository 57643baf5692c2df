"""What phase 1 hands the whole-site rules: the records of every file, filed as they arrive.

``engine.scan`` fills a ``Scan``; the whole-site rules (``engine.site_rules``,
``sitemap``, ``robots``, ``publication``) read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from hugopipe.validate.findings import Finding
from hugopipe.validate.page_rules import HTML_EXT
from hugopipe.validate.records import Page
from hugopipe.validate.urls import Site

_LANG_PREFIX = re.compile(r"^([a-z]{2,3}(?:-[a-z0-9]{2,8})?)/", re.I)


def language_of(p: Page) -> str:
    """The language a page is in, for comparing titles: its ``<html lang>`` (lower-cased),
    else the first folder of its path when that looks like a language code (``de/``,
    ``pt-br/``: Hugo's multilingual layout), else "" (one language)."""
    if p.lang:
        return p.lang if p.lang.islower() else p.lang.lower()
    m = _LANG_PREFIX.match(p.path)
    return m.group(1).lower() if m else ""


@dataclass
class Scan:
    """The output of phase 1 for a whole site.

    Besides the records, ``add`` files away what the whole-site rules ask of them as each
    record arrives, while the workers are still busy and the record is still in the CPU's
    cache: after the scan those rules then touch only the few records they report on,
    not all 23,000 of them (which cost 0.1-0.2 s of cache misses at the end).
    """

    site: Site
    files: dict[str, int]  # rel path -> size
    pages: dict[str, Page] = field(default_factory=dict)  # html and css records
    findings: list[Finding] = field(default_factory=list)
    html_pages: int = 0
    aliases: dict[str, str] = field(default_factory=dict)  # alias page -> its refresh URL
    noindex: set[str] = field(default_factory=set)  # documents marked noindex
    indexable: list[str] = field(default_factory=list)  # documents search engines should list
    # S3/S5: (language, title or description) -> the first indexable page with it; later
    # ones are repeats. Pages are compared within one language (``language_of``): the
    # English and the German page may share a product name as their title.
    # (one dict per language: no key object per page on a 20,000-page site)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    descriptions: dict[str, dict[str, str]] = field(default_factory=dict)
    repeated: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, page, first)
    # L2, checked when both ends are here: (page, target, fragment, raw) waiting for a
    # page that has not arrived yet, by that page's path; and what was found missing
    parked: dict[str, list[tuple[Page, str, str, str]]] = field(default_factory=dict)
    broken: list[tuple[Page, str, str, str]] = field(default_factory=list)

    def add(self, p: Page) -> None:
        path = p.path
        self.pages[path] = p
        self.files[path] = p.size
        for rule, url, msg, line in p.findings:
            self.findings.append(Finding.of(rule, path, msg, url=url, line=line))
        if path.endswith(HTML_EXT):
            self.html_pages += 1
        if p.alias_url is not None:
            self.aliases[path] = p.alias_url
        waiting = self.parked.pop(path, None)
        if waiting:
            for ref in waiting:
                self._fragment(*ref)
        for target, frag, raw in p.frag_refs:
            self._fragment(p, target, frag, raw)
        if p.noindex:
            self.noindex.add(path)
        if p.indexable:
            self.indexable.append(path)
            lang = language_of(p)
            if p.title:
                titles = self.titles.get(lang)
                if titles is None:
                    titles = self.titles[lang] = {}
                first = titles.setdefault(p.title, path)
                if first is not path:
                    self.repeated.append(("S3", path, first))
            if p.description:
                descriptions = self.descriptions.get(lang)
                if descriptions is None:
                    descriptions = self.descriptions[lang] = {}
                first = descriptions.setdefault(p.description, path)
                if first is not path:
                    self.repeated.append(("S5", path, first))

    def _fragment(self, p: Page, target: str, frag: str, raw: str, final: bool = False) -> None:
        """L2 for one link of ``p`` to ``target#frag``, or park it until what it needs is here.

        ``final``: every record is in; a target that never came is no page (another rule
        reports the link), and a link to an alias page whose own target never came is
        checked against the alias page itself.
        """
        tp = self.pages.get(target)
        if tp is None:
            if not final:
                self.parked.setdefault(target, []).append((p, target, frag, raw))
            return
        at = tp.alias_target
        if at:
            ap = self.pages.get(at)
            if ap is not None:
                tp = ap
            elif not final:
                self.parked.setdefault(at, []).append((p, target, frag, raw))
                return
        if not (tp.has_id(frag) or tp.has_id(unquote(frag))):
            self.broken.append((p, tp.path, frag, raw))

    def settle_fragments(self) -> None:
        """Check what is still parked once every record is in."""
        parked, self.parked = self.parked, {}
        for refs in parked.values():
            for ref in refs:
                self._fragment(*ref, final=True)
