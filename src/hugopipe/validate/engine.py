"""Check a built output: phase 1 in a process pool, then the whole-site rules in the parent.

Each file is read and parsed exactly once (in a worker). The parent holds only
compact per-page records — ids, head metadata, links — and resolves what needs
the whole site: cross-page fragments, alias links, duplicate titles, sitemap,
robots.txt and publication state.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from hugopipe import outputwalk
from hugopipe.validate import extract, leaks, redirect_rules
from hugopipe.validate.config import ValidateConfig
from hugopipe.validate.context import Context
from hugopipe.validate.findings import Finding, line_of
from hugopipe.validate.page_rules import HTML_EXT
from hugopipe.validate.publication import publication_rules
from hugopipe.validate.robots import robots_rules
from hugopipe.validate.sitemap import sitemap_rules
from hugopipe.validate.sitescan import Scan
from hugopipe.validate.urls import Site

TEXT_EXT = (".xml", ".txt", ".json", ".js", ".mjs", ".webmanifest", ".rss", ".atom", ".svg")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp", ".tif", ".tiff")


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
    files: dict[str, int] | None = None,
    jobs: int | None = None,
) -> Scan:
    """Phase 1: a record of every file of ``public`` worth reading, and their sizes.

    ``files``: the output's files as ``outputwalk.walk(public, sizes=False)`` lists them
    (before ``cfg.exclude_files``); walked here when not given. No stat in the walk:
    workers learn the size of what they read, and the parent stats the rest while they
    work.
    """
    if files is None:
        files = outputwalk.walk(public, sizes=False)
    files = _exclude(files, cfg.exclude_files)
    ctx = Context(
        root=str(public),
        site=site,
        files=frozenset(files),
        lower_files=None,
        skip_fragments=cfg.skip_fragments,
        ignore_urls=cfg.ignore_urls,
        leak_re=leaks.leak_pattern(cfg.other_hosts),
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


Rows = list[dict[str, str]]


def check_output(
    public: Path,
    site: Site,
    cfg: ValidateConfig,
    *,
    production: bool,
    env: str,
    files: dict[str, int] | None = None,
    jobs: int | None = None,
    site_dir: Path | None = None,
    rows: Callable[[], Rows] | None = None,
    notices: list[str] | None = None,
) -> tuple[Scan, list[Finding]]:
    """Every output rule over ``public``: the scan, then the rules that need the whole site.

    ``files``: the output's listing (see ``scan``). ``site_dir``: the Hugo site it was
    built from, for the publication rules (drafts, future and expired pages), which
    compare the output with ``hugo list all``: ``rows`` gives that listing and is asked
    only once the scan is done (without it, Hugo is run here). ``notices``: where what the
    report says once goes (that S3 does not read the output's ``_redirects``).
    """
    sc = scan(public, site, cfg, files=files, jobs=jobs)
    findings = sc.findings + site_rules(sc, public, cfg)
    findings += sitemap_rules(sc, public, production)
    findings += robots_rules(sc, public, cfg)
    if site_dir is not None:
        findings += publication_rules(sc, site_dir, env, rows=rows() if rows else None)
    findings, said = redirect_rules.check(public, site, sc.files, findings)
    if notices is not None:
        notices += said
    return sc, findings


def _line(public: Path, rel: str, needle: str) -> int | None:
    try:
        return line_of((public / rel).read_text("utf-8", "replace"), needle)
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
            Finding.of(
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
                    Finding.of(
                        "L4",
                        p.path,
                        f"links to alias page {target}, which redirects to {sc.aliases[target]}",
                        url=sc.site.page_url(target),
                    )
                )
    for rule, path, first in sc.repeated:
        if rule == "S3":
            out.append(
                Finding.of("S3", path, f"title {pages[path].title!r} is also used by {first}")
            )
        else:
            out.append(Finding.of("S5", path, f"description is also used by {first}"))
    # P2 sizes
    page_max, image_max = cfg.max_page_kb * 1024, cfg.max_image_kb * 1024
    small = min(page_max, image_max)
    for rel, size in sc.files.items():
        if size <= small:
            continue
        low = rel.lower()
        if low.endswith(HTML_EXT) and size > page_max:
            out.append(
                Finding.of("P2", rel, f"page is {size // 1024} KB (limit {cfg.max_page_kb} KB)")
            )
        elif low.endswith(IMAGE_EXT) and size > image_max:
            out.append(
                Finding.of("P2", rel, f"image is {size // 1024} KB (limit {cfg.max_image_kb} KB)")
            )
    return out
