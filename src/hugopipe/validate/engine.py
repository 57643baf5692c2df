"""Run phase 1 over the output in a process pool, then the whole-site rules in the parent.

Each file is read and parsed exactly once (in a worker). The parent holds only
compact per-page records — ids, head metadata, links — and resolves what needs
the whole site: cross-page fragments, alias links, duplicate titles, sitemap,
robots.txt and publication state.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from hugopipe import outputwalk
from hugopipe.validate import extract
from hugopipe.validate.config import ValidateConfig
from hugopipe.validate.extract import Context, Page
from hugopipe.validate.findings import Finding
from hugopipe.validate.rules import RULES
from hugopipe.validate.urls import Site

HTML_EXT = extract.HTML_EXT
TEXT_EXT = (".xml", ".txt", ".json", ".js", ".mjs", ".webmanifest", ".rss", ".atom", ".svg")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp", ".tif", ".tiff")


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
    # S3/S5: title (description) -> the first indexable page with it; later ones are repeats
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
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
            self.findings.append(_f(rule, path, msg, url=url, line=line))
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
            if p.title:
                first = self.titles.setdefault(p.title, path)
                if first is not path:
                    self.repeated.append(("S3", path, first))
            if p.description:
                first = self.descriptions.setdefault(p.description, path)
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


def walk(public: Path, exclude: list[str], sizes: bool = True) -> dict[str, int]:
    """Every file in the output with its size, less the excluded ones (see ``outputwalk``)."""
    return _exclude(outputwalk.walk(public, sizes), exclude)


def _exclude(files: dict[str, int], exclude: list[str]) -> dict[str, int]:
    if not exclude:
        return files
    import fnmatch

    return {k: v for k, v in files.items() if not any(fnmatch.fnmatchcase(k, g) for g in exclude)}


def _batches(items: list[tuple[str, str]], jobs: int) -> list[list[tuple[str, str]]]:
    """Batches that shrink towards the end (guided scheduling): large ones keep the
    per-task overhead low, small last ones keep one worker from finishing a big batch
    alone while the others wait."""
    out: list[list[tuple[str, str]]] = []
    i, n = 0, len(items)
    while i < n:
        size = max(16, min(256, (n - i) // (jobs * 4)))
        out.append(items[i : i + size])
        i += size
    return out


def _pool_context() -> mp.context.BaseContext:
    # fork shares the file set with workers for free; spawn is the portable fallback.
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _fill_sizes(public: Path, files: dict[str, int]) -> None:
    """Stat the files no worker reads (images, fonts, PDFs): their size is all we need."""
    root = str(public) + "/"
    for rel, size in files.items():
        if size == -1:
            try:
                files[rel] = os.stat(root + rel).st_size
            except OSError:
                files[rel] = 0


def scan(
    public: Path,
    site: Site,
    cfg: ValidateConfig,
    jobs: int | None = None,
    prewalk: outputwalk.Prewalk | None = None,
) -> Scan:
    # No stat in the walk: workers learn the size of what they read, and the parent
    # stats the rest while they work.
    if prewalk is not None:
        files = _exclude(prewalk.files(), cfg.exclude_files)
    else:
        files = walk(public, cfg.exclude_files, sizes=False)
    ctx = Context(
        root=str(public),
        site=site,
        files=frozenset(files),
        lower_files=None,
        skip_fragments=cfg.skip_fragments,
        ignore_urls=cfg.ignore_urls,
        leak_re=extract.leak_pattern(cfg.other_hosts),
        other_hosts=cfg.other_hosts,
        l7=cfg.enabled("L7"),
        check_mixed=site.scheme == "https",
        max_page_bytes=cfg.max_page_kb * 1024,
        title_range=(cfg.title_min, cfg.title_max),
        description_range=(cfg.description_min, cfg.description_max),
    )
    work: list[tuple[str, str]] = []
    text: list[str] = []
    for rel in sorted(files):
        low = rel.lower()
        if low.endswith(HTML_EXT):
            work.append(("html", rel))
            files[rel] = -2  # a worker reads it and reports the size
        elif low.endswith(".css"):
            work.append(("css", rel))
            files[rel] = -2
        elif low.endswith(TEXT_EXT):
            text.append(rel)
    # feeds and other text files are read whole and are the largest items: size them now
    # (the 20 MB cap needs it) and put them first so no worker is left with one at the end
    root = str(public) + "/"
    for rel in text:
        try:
            files[rel] = os.stat(root + rel).st_size
        except OSError:
            files[rel] = 0
    text = [r for r in text if files[r] < 20 * 1024 * 1024]
    text.sort(key=lambda r: -files[r])
    work = [("text", r) for r in text] + work
    result = Scan(site=site, files=files)
    jobs = jobs or cfg.jobs or os.cpu_count() or 1
    if jobs <= 1 or len(work) < 200:
        extract.init_worker(ctx)
        for p in extract.scan_batch(work):
            result.add(p)
        _fill_sizes(public, files)
    else:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=_pool_context(),
            initializer=extract.init_worker,
            initargs=(ctx,),
        ) as ex:
            batches = ex.map(extract.scan_batch, _batches(work, jobs))
            _fill_sizes(public, files)  # overlaps the workers
            for batch in batches:  # in order, each as soon as it is there
                for p in batch:
                    result.add(p)
    return result


def _f(
    rule: str, file: str, message: str, *, url: str | None = None, line: int | None = None
) -> Finding:
    r = RULES[rule]
    return Finding(
        rule=rule,
        severity="error" if r.production == "error" else "warning",
        file=file,
        line=line,
        url=url,
        message=message,
        hint=r.hint,
    )


def _line(public: Path, rel: str, needle: str) -> int | None:
    try:
        return extract.line_of((public / rel).read_text("utf-8", "replace"), needle)
    except OSError:
        return None


def site_rules(sc: Scan, public: Path, cfg: ValidateConfig) -> list[Finding]:
    """Phase 2: rules that need every page (fragments, aliases, duplicates, sizes).

    The per-page S/A/P rules ran in the workers; what is left reads what ``Scan.add``
    filed away.
    """
    out: list[Finding] = []
    pages = sc.pages
    sc.settle_fragments()
    for p, target, frag, raw in sc.broken:
        out.append(
            _f(
                "L2",
                p.path,
                f"{raw}: #{frag} is not an id on {target}",
                url=raw,
                line=_line(public, p.path, raw),
            )
        )
    if cfg.enabled("L4") and sc.aliases:
        # Hugo makes an alias of every list's page/1/: thousands on a big site, so the
        # links of each page are split and looked up (C loops), not searched per alias
        aliases = sc.aliases.keys()
        for p in pages.values():
            if p.alias_url is not None or not p.links:
                continue
            links = p.linked()
            if aliases.isdisjoint(links):
                continue
            for target in sorted(aliases & set(links)):
                out.append(
                    _f(
                        "L4",
                        p.path,
                        f"links to alias page {target}, which redirects to {sc.aliases[target]}",
                        url=sc.site.page_url(target),
                    )
                )
    for rule, path, first in sc.repeated:
        if rule == "S3":
            out.append(_f("S3", path, f"title {pages[path].title!r} is also used by {first}"))
        else:
            out.append(_f("S5", path, f"description is also used by {first}"))
    # P2 sizes
    page_max, image_max = cfg.max_page_kb * 1024, cfg.max_image_kb * 1024
    small = min(page_max, image_max)
    for rel, size in sc.files.items():
        if size <= small:
            continue
        low = rel.lower()
        if low.endswith(HTML_EXT) and size > page_max:
            out.append(_f("P2", rel, f"page is {size // 1024} KB (limit {cfg.max_page_kb} KB)"))
        elif low.endswith(IMAGE_EXT) and size > image_max:
            out.append(_f("P2", rel, f"image is {size // 1024} KB (limit {cfg.max_image_kb} KB)"))
    return out
