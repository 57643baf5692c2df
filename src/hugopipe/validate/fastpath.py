"""How ``hugopipe validate`` runs fast: the speed tricks of the command, in one place.

The rules and the scan (``engine``, ``extract``, ``source``) take their inputs as plain
values; this module decides *when* those inputs are made and what is left undone
because the process is about to end. ``api`` (the library entry points the Prefect
tasks call) and ``hugopipe.cli.cmd_validate`` both run through it; only the command
passes ``prewalk`` and ``keep``.

Gains measured on the generated 5,000-page site (``bench/validate/gen_site.py 5000``,
5,938 files) on this project's 2-core VM: medians of 12-15 interleaved runs with the
trick on and off (``hugopipe validate --public``: 0.52 s wall, 0.85 s CPU):

1. **Pre-walk in forked children** (``outputwalk.Prewalk``): two children list the
   output's folders while the parent imports pydantic and the rules. The command
   starts it before it imports this package (``cmd_validate.run``), which is why the
   class lives in the light ``outputwalk``. Gain: 0.03 s wall (0.55 -> 0.52 s) for
   0.01 s more CPU.
2. **No cyclic garbage collector during the scan** (``no_cyclic_gc``): the parent
   unpickles a record per file and keeps them all; none forms a cycle, yet the
   collector would walk them again and again. The pool's workers are forked inside the
   pause and inherit it. Gain on the library path: 0.035 s wall, 0.045 s CPU (the
   console script turns the collector off for the whole command, ``cli.main.entry``).
3. **Kept records** (``keep``, the command's ``cmd_validate._KEEP``): when the process
   ends with ``os._exit`` right after the report (``cli.main.entry``), the records go
   into a list that outlives the run instead of being freed one by one. Gain: 0.01 s
   on 5,000 pages (in the noise), 0.03-0.05 s on 20,000.
4. **``hugo list all`` started before the scan** (``HugoList``): the publication rules
   compare the output with Hugo's listing; Hugo lists while the workers scan, and one
   listing serves both the source and the publication rules of ``site_report``. Gain
   with ``site_dir`` on the 5,000-page site: 0.085 s wall (0.94 -> 0.855 s).
5. **The temporary build removed in the background** (``outputwalk.remove_later``,
   used by the command after it built the site): deleting the 5,938 files took 1.04 s,
   handing them to a detached grandchild 0.016 s.

Tricks 6-9 won back what the precision rules of issue 18 cost. Counted in instructions
(callgrind, ``PYTHONHASHSEED=0``, ``--jobs 1``, the main process): the 5,000-page site took
13.50 G with those rules against 5.60 G before them (3209b46), and 5.58 G with 6-8; the
20,000-page site's feeds, sitemap and other text files took 3.32 G before, 3.01 G now.
Each trick sits in the module it speeds up, and ``tests/validate/test_fast_paths_precision.py``
compares each with the plain code it replaced:

6. **The code-sample walk of E1** (``leaks.Shown``), which tells a dev URL shown in
   ``<pre>``/``<code>`` or a comment from one a reader follows. Its regex starts every
   alternative with a byte that has no letter case (``<``, ``&``, ``-``), so the regex
   engine skips to those bytes in C (5x faster); in a feed it starts at the ``<item>``
   that holds the URL instead of the top of the file, and looks for the feed's own
   comments from the last ``!`` (memrchr). The leak near the end of the 5,000-page
   site's 7.4 MB feed cost 0.27 s of CPU, now 0.1 ms; on the 20,000-page site (whose
   leaks sit in a 1.5 MB and a 0.6 MB feed) 36 ms, now 0.04 ms.
7. **The sitemap without a tree** (``sitemap.plain_locs``, ``sitemap.resolve_locs``):
   for a sitemap in Hugo's plain form, expat checks the file is well-formed without
   calling back into Python and the ``<loc>`` texts are cut from the bytes; own-origin
   ``<loc>``s skip ``urls.to_path``. The 20,000-URL sitemap: parse 65 -> 26 ms, lookups
   38 -> 20 ms (one scan worker, fastest of 7, loaded machine). Any other sitemap goes
   through ElementTree as before.
8. **Permalinks of ``hugo list all`` cut without urlsplit** (``sourcemap.output_file``),
   for the source map of a ``--site`` run with findings: 20,000 rows 75 -> 22 ms.
9. **The baseline module imported only with a site** (``_apply_baseline``): a ``--public``
   run without ``--site`` has no baseline file, and its models cost 1.5-2.5 ms of imports.
   (The parent of a pooled 5,000-page run counted 1.08 G instructions against 1.04 G
   before issue 18, mostly imports of the new rules; its workers 6.39 G against 6.40 G.)

On the 20,000-page benchmark (``bench/validate_bench.py --sizes 20000 --runs 7 --peers ""
--baseline <3209b46>``, interleaved, load average 9-11): CPU 3.51 s against 3.62 s before
issue 18, 13/13 planted defects, 0 false alarms.

Inside the scan, kept where they act (each is documented there): the walk lists names
without a stat and the parent stats the files no worker reads while the workers run
(``engine.scan``); batches shrink towards the end (``engine._batches``); records travel
as flat tuples with NUL-joined sets (``records``); each worker parses every page into
one lexbor document (``lexbor_reuse``); the leak rule searches the bytes for triggers
before decoding anything (``leaks``).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hugopipe import outputwalk
from hugopipe.errors import ConfigError
from hugopipe.hugo import HugoList
from hugopipe.validate import engine
from hugopipe.validate.config import load_config
from hugopipe.validate.findings import Finding, ValidationReport
from hugopipe.validate.page_rules import HTML_EXT
from hugopipe.validate.sitescan import Scan
from hugopipe.validate.urls import Site


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (trick 2).

    Scanning a site allocates hundreds of thousands of small containers that all stay
    alive (page records, their sets and lists) and form no cycles; the collector would
    walk them again and again for nothing. They are dropped before it runs again, or
    its first pass would walk every one of them (0.1 s on 20,000 pages).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def public_report(
    public_dir: Path,
    *,
    base_url: str,
    env: str,
    production: bool,
    raw: dict[str, Any],
    site_dir: Path | None = None,
    jobs: int | None = None,
    prewalk: outputwalk.Prewalk | None = None,
    listing: HugoList | None = None,
    keep: list[object] | None = None,
    base_url_from: str | None = None,
) -> ValidationReport:
    """The output rules over ``public_dir`` as a report (see ``api.validate_public``).

    ``raw``: the ``[validate]`` table. ``prewalk``: the listing of ``public_dir``,
    already started (trick 1). ``listing``: ``hugo list all`` for ``env``, already
    started; with ``site_dir`` and no listing, one is started here (trick 4). ``keep``:
    where the records go when the process ends right after the report (trick 3).
    ``base_url_from``: where ``base_url`` came from, for the report.
    """
    t0 = time.perf_counter()
    public_dir = Path(public_dir)
    if not public_dir.is_dir():
        raise ConfigError(
            f"output directory not found: {public_dir}",
            hint="build the site first or pass --public DIR",
        )
    source = str(Path(site_dir) / "hugopipe.toml") if site_dir is not None else None
    cfg = load_config(raw, env, production, source=source)
    site = Site.from_base_url(base_url)
    own_listing = listing is None and site_dir is not None
    if listing is None and site_dir is not None:
        listing = HugoList(Path(site_dir), env, "all")  # Hugo lists while the output is scanned
    notices: list[str] = []
    if base_url_from == "none":
        notices.append(
            "no base URL given and none found in the output (sitemap.xml, canonical, og:url): "
            "links were checked as root-relative; pass --base-url for the host checks"
        )
    try:
        with no_cyclic_gc():
            sc, findings = engine.check_output(
                public_dir,
                site,
                cfg,
                production=production,
                env=env,
                files=prewalk.files() if prewalk is not None else None,
                jobs=jobs,
                site_dir=Path(site_dir) if site_dir is not None else None,
                rows=listing.rows if listing is not None else None,
                notices=notices,
            )
            checked = {"files": len(sc.files), "pages": sc.html_pages}
            if listing is not None and site_dir is not None and findings:
                _map_sources(findings, sc, site, Path(site_dir), listing)
            if keep is not None:
                keep.append(sc)
            del sc
    finally:
        if own_listing and listing is not None:
            listing.close()
    report = ValidationReport(
        env=env,
        production=production,
        site_dir=str(site_dir) if site_dir else None,
        public_dir=str(public_dir),
        base_url=base_url,
        base_url_from=base_url_from,
        notices=notices,
        findings=cfg.apply(findings),
        checked=checked,
    )
    _apply_baseline(report, site_dir)  # the site's validation-baseline.json, if any
    report.sort()
    report.duration_s = time.perf_counter() - t0
    return report


def _apply_baseline(report: ValidationReport, site_dir: Path | None) -> None:
    """``baseline.apply``, imported only when there is a site to hold the file: its models
    cost a ``--public`` run without ``--site`` 1.5-2.5 ms of imports for nothing."""
    if site_dir is not None:
        from hugopipe.validate import baseline

        baseline.apply(report, site_dir)


def _map_sources(
    findings: list[Finding], sc: Scan, site: Site, site_dir: Path, listing: HugoList
) -> None:
    """``source`` and ``template`` on the findings (``sourcemap``), from the listing the
    publication rules already read: no second Hugo run."""
    from hugopipe.validate import sourcemap

    try:
        rows = listing.rows()
    except ConfigError:
        return  # Hugo could not list the site: the findings keep their built-file names
    documents = sum(
        1
        for p in sc.pages.values()
        if p.is_doc and p.alias_url is None and p.path.endswith(HTML_EXT)
    )
    sourcemap.attach(findings, site, site_dir, rows, documents)


def source_report(
    site_dir: Path,
    env: str,
    *,
    production: bool,
    raw: dict[str, Any],
    listing: HugoList | None = None,
) -> ValidationReport:
    """The front matter rules over content/ as a report (see ``api.validate_source``).

    ``listing``: ``hugo list all`` for ``env``, already started (trick 4); without one,
    it is started here, before the front matter is read.
    """
    from hugopipe.validate.source import source_rules  # yaml: only the source rules need it

    t0 = time.perf_counter()
    site_dir = Path(site_dir)
    cfg = load_config(raw, env, production, source=str(site_dir / "hugopipe.toml"))
    own_listing = listing is None
    if listing is None:
        try:
            listing = HugoList(site_dir, env, "all")  # Hugo lists while the front matter is read
        except ConfigError:
            listing = None  # not a site Hugo can read: the front matter rules still run

    def rows() -> list[dict[str, str]] | None:
        if listing is None:
            return None
        try:
            return listing.rows()
        except ConfigError:
            return None  # a front matter error stops Hugo; our own parse names the file and line

    try:
        findings, n = source_rules(site_dir, cfg, rows)
    finally:
        if own_listing and listing is not None:
            listing.close()
    report = ValidationReport(
        env=env,
        production=production,
        site_dir=str(site_dir),
        findings=cfg.apply(findings),
        checked={"content files": n},
    )
    _apply_baseline(report, site_dir)
    report.sort()
    report.duration_s = time.perf_counter() - t0
    return report


def site_report(
    site_dir: Path,
    public_dir: Path,
    env: str,
    *,
    production: bool,
    source_production: bool,
    raw: dict[str, Any],
    base_url: str,
    jobs: int | None = None,
    keep: list[object] | None = None,
) -> ValidationReport:
    """Source and output rules with one ``hugo list all`` for both (trick 4); see
    ``api.validate_site``. ``source_production``: what the site's configuration says of
    ``env``, which picks the source rules' severities."""
    listing = HugoList(site_dir, env, "all")
    try:
        report = source_report(
            site_dir, env, production=source_production, raw=raw, listing=listing
        )
        report.production = production
        out = public_report(
            public_dir,
            base_url=base_url,
            env=env,
            production=production,
            raw=raw,
            site_dir=site_dir,
            jobs=jobs,
            listing=listing,
            keep=keep,
            base_url_from="hugo config",
        )
    finally:
        listing.close()
    report.merge(out)
    report.env, report.production = env, production
    return report
