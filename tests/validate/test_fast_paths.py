"""The speed-ups in phase 1 give exactly what the plain versions gave.

Each shortcut (path join by slicing, leak search from "://", compact page records, sizes
without a stat per page) is compared with the straightforward code it replaced, on
exhaustive or random inputs, so a divergence shows up here rather than as a missed or
invented finding on a real site.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import posixpath
import random
import re
from pathlib import Path

from hugopipe.validate import (
    context,
    engine,
    extract,
    findings,
    leaks,
    lexbor_reuse,
    page_rules,
    records,
    references,
)
from hugopipe.validate.config import load_config
from hugopipe.validate.urls import Site, join


def _normpath_join(page_dir: str, path: str) -> str:
    joined = posixpath.normpath(page_dir + path)
    if path.endswith("/") and not joined.endswith("/"):
        joined += "/"
    if joined.startswith("//"):
        joined = joined[1:]
    return joined


def test_join_matches_normpath_on_every_short_relative_path() -> None:
    dirs = ["/", "/a/", "/a/b/", "/docs/x/y/", "//a/", "/a/./b/", "/a/../b/", "/a//b/", "/a/b"]
    # every page directory of up to two segments drawn from the awkward ones
    segs = ["", ".", "..", "a", ".a", "a.", "..a", "..."]
    dirs += ["/" + "/".join(c) + "/" for k in (1, 2) for c in itertools.product(segs, repeat=k)]
    parts = ["..", ".", "a", "...", "", "x.html", "..a", ".a"]
    n = 0
    for d in dirs:
        for k in range(1, 5):
            for combo in itertools.product(parts, repeat=k):
                for tail in ("", "/"):
                    p = "/".join(combo) + tail
                    if p and not p.startswith("/"):
                        assert join(d, p) == _normpath_join(d, p), (d, p)
                        n += 1
    assert n > 100_000


def _ctx(other_hosts: list[str]) -> context.Context:
    return context.Context(
        root="",
        site=Site.from_base_url("https://example.org/"),
        files=frozenset(),
        lower_files={},
        skip_fragments=[],
        ignore_urls=[],
        leak_re=leaks.leak_pattern(other_hosts),
        other_hosts=other_hosts,
        check_mixed=True,
        max_page_bytes=1 << 20,
    )


def test_leak_search_finds_what_the_full_regex_finds() -> None:
    extract.init_worker(_ctx(["staging.example.org"]))
    full = re.compile(leaks.leak_pattern(["staging.example.org"]), re.I)
    pieces = [
        "http://", "https://", "HTTP://", "hTtPs://", "ftp://", "://", "localhost", "LOCALHOST",
        "127.0.0.1", "10.1.2.3", "example.org", "staging.example.org", "foo.local", ".local",
        ":1313", "/x", "?u=", "#f", " ", '"', "<", ")", "s", "h", "ttp", "&#34;",
        "192.168.1.1", "[::1]", "172.16.0.1",
    ]  # fmt: skip
    rnd = random.Random(7)
    hits = 0
    for _ in range(30_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 12)))
        expected = [(m.group(0), m.group(1)) for m in full.finditer(text)]
        assert leaks.leak_matches(text) == expected, text
        hits += bool(expected)
    assert hits > 1000


def _leaks_of_whole_text(text: str, own: str) -> list[tuple]:
    """E1 the plain way: the full regex over the whole decoded text."""
    full = re.compile(leaks.leak_pattern(["staging.example.org"]), re.I)
    out, seen = [], set()
    for m in full.finditer(text):
        url = leaks._ENTITY.split(m.group(0), 1)[0]
        if url in seen or m.group(1).lower() == own:
            continue
        seen.add(url)
        out.append(("E1", url, f"{url} points at {m.group(1)}", findings.line_of(text, url)))
    return out


def test_non_ascii_folds_are_every_character_re_matches_to_an_ascii_letter() -> None:
    letter = re.compile("(?i)[a-z]")
    found: dict[str, str] = {}
    for cp in range(0x80, 0x110000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000 or not letter.fullmatch(c):
            continue
        ascii_twin = next(a for a in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch("(?i)" + a, c))
        found[ascii_twin] = found.get(ascii_twin, "") + c
    assert found == leaks.NON_ASCII_FOLDS


def test_leak_trigger_lets_through_hosts_in_other_letter_cases() -> None:
    """A host of another environment, with non-ASCII letters or written with the ASCII
    letters' Unicode twins, is found as a search of the decoded text finds it."""
    extract.init_worker(_ctx(["b\u00fccher.example", "Kiosk.example"]))
    lines = [
        "a https://B\u00dcCHER.example/x b",
        "https://bücher.EXAMPLE/",
        "http://\u212a\u0131o\u017fk.example/y",
        "http://KIOSK.example",
    ]
    for line in lines:
        got: list = []
        leaks.scan_leaks(line.encode(), "f.html", got)
        assert [g[1] for g in got] == [u for u, _ in leaks.leak_matches(line)] != [], line


def test_leak_scan_of_trigger_lines_finds_what_the_whole_text_gives() -> None:
    """Only lines holding a trigger are decoded; the findings (urls, order, lines) match a
    search of the whole text, including upper-case hosts and bytes that are not UTF-8."""
    extract.init_worker(_ctx(["staging.example.org"]))
    pieces = [
        "http://", "https://", "HTTP://", "ftp://", "://", "localhost", "LocalHost", "127.0.0.1",
        "10.1.2.3", "example.org", "Staging.Example.org", "foo.local", "FOO.LOCAL", ".local",
        ":1313", "/x", "\n", "\n", " ", '"', "é", "\xff", "&#34;", "[::1]", "172.16.0.1",
        "\u017f", "\u212a", "a-b", ".", "LOCAL",
        # letters Python's re folds to ASCII ones (browsers map them too, UTS #46)
        "\u017ftaging.example.org", "STAG\u0131NG.example.org", "stag\u0130ng.example.org",
        "localho\u017ft", "LOCALHO\u017fT",
    ]  # fmt: skip
    rnd = random.Random(11)
    hits = 0
    for _ in range(20_000):
        raw = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 16)))
        data = raw.encode("utf-8").replace("\xff".encode(), b"\xff")
        expected = _leaks_of_whole_text(data.decode("utf-8", "replace"), "example.org")
        got: list = []
        leaks.scan_leaks(data, "f.xml", got)
        assert got == expected, data
        hits += bool(expected)
    assert hits > 1000


def test_page_records_survive_the_trip_from_a_worker() -> None:
    p = records.Page(
        path="a/index.html",
        size=12,
        ids=records.blob(["x", "y z"]),
        title="T",
        links=records.blob(["b/index.html"]),
        frag_refs=[("b/index.html", "f", "/b/#f")],
        externals=records.blob(["https://x.org/"]),
        findings=[("L1", "/c/", "missing", 3)],
    )
    assert pickle.loads(pickle.dumps(p)) == p
    empty = records.Page(path="e.html")
    assert pickle.loads(pickle.dumps(empty)) == empty


def test_scan_reports_the_same_sizes_as_a_stat_of_every_file(tmp_path: Path) -> None:
    pub = tmp_path / "public"
    (pub / "a").mkdir(parents=True)
    (pub / "index.html").write_text("<!doctype html><html lang=en><body><p>hi é</p></body>")
    (pub / "a" / "index.html").write_text("<html><body><p>a</p></body></html>")
    (pub / "a" / "img.png").write_bytes(b"\x89PNG" + b"0" * 5000)
    (pub / "site.css").write_text("body{background:url(a/img.png)}")
    (pub / "index.xml").write_text("<rss>http://localhost:1313/</rss>")
    cfg = load_config({}, "production", True)
    for jobs in (1, 2):
        sc = engine.scan(pub, Site.from_base_url("https://example.org/"), cfg, jobs=jobs)
        expected = {
            str(p.relative_to(pub)).replace(os.sep, "/"): p.stat().st_size
            for p in pub.rglob("*")
            if p.is_file()
        }
        assert sc.files == expected
        assert [(f.rule, f.file) for f in sc.findings if f.rule == "E1"] == [("E1", "index.xml")]


def test_prewalk_in_a_child_lists_what_a_walk_in_this_process_lists(tmp_path: Path) -> None:
    """The listing crosses a pipe (well over its 64 KiB buffer here) and keeps every name,
    including one that is not UTF-8; ``close()`` stops a child nobody asked."""
    import subprocess
    import sys

    pub = tmp_path / "public"
    for i in range(3000):
        d = pub / f"section-{i % 40}" / f"a-rather-long-page-name-{i:05d}"
        d.mkdir(parents=True)
        (d / "index.html").write_text("<p>x</p>")
    (pub / os.fsdecode(b"caf\xe9.html")).write_bytes(b"x")
    script = f"""
import json, os, sys
from hugopipe.outputwalk import Prewalk, walk
pub = {str(pub)!r}
pw = Prewalk(pub)
forked = pw.pid != 0
got = pw.files()
unused = Prewalk(pub)
pid = unused.pid
unused.close()
try:
    os.kill(pid, 0)
    alive = True
except (ProcessLookupError, PermissionError):
    alive = False
print(json.dumps({{"forked": forked, "same": got == dict.fromkeys(walk(pub, sizes=False), -1),
                  "n": len(got), "alive": alive, "after": pw.pid}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    res = json.loads(out)
    assert res == {"forked": sys.platform == "linux", "same": True, "n": 3001, "alive": False,
                   "after": 0}  # fmt: skip


def test_prewalk_without_a_child_walks_here(tmp_path: Path) -> None:
    from hugopipe.outputwalk import Prewalk, walk

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("x")
    pw = Prewalk(tmp_path)
    pw.close()  # no child (or a stopped one): files() lists in this process
    assert pw.files() == dict.fromkeys(walk(tmp_path, sizes=False), -1) == {"a/index.html": -1}


YAML_FRONT_MATTER = [
    "title: Hello\ndate: 2024-05-01\ndraft: false\n",
    "title: 'Quoted: colon'\ndate: 2024-05-01T10:20:30+02:00\ntags: [a, b]\n",
    'title: "Ünïcödé ✓"\nweight: 3\nratio: 1.5\nempty:\nnull_value: null\n',
    "aliases:\n  - /old/\n  - /older.html\nparams:\n  nested: {a: 1, b: [x, y]}\n",
    "draft: yes\npublishDate: 2024-01-01 12:00:00\nexpiryDate: '2030-01-01'\n",
    "description: >\n  folded\n  text\nsummary: |\n  literal\n  block\n",
    "title: &anchor Shared\nlinkTitle: *anchor\noctal: 010\nsexagesimal: 1:30\n",
    "lastmod: 2024-13-45\n",  # an impossible date: both loaders raise ValueError
    "title: [unclosed\n",  # a syntax error
]


def test_libyaml_front_matter_loads_what_the_pure_python_loader_loads() -> None:
    """The source rules read front matter with libyaml when PyYAML has it; data and errors
    must be what ``yaml.safe_load`` gives (errors are re-parsed by it for their message)."""
    import yaml

    from hugopipe.validate import source

    assert source._FAST_YAML is not None  # the wheel on every CI platform bundles libyaml
    for text in YAML_FRONT_MATTER:
        try:
            expected: object = yaml.safe_load(text)
        except (yaml.YAMLError, ValueError) as exc:
            expected = (type(exc), str(exc))
        try:
            got: object = source._load_yaml(text)
        except (yaml.YAMLError, ValueError) as exc:
            got = (type(exc), str(exc))
        assert got == expected, text


def test_remove_later_deletes_in_a_detached_process_and_keeps_no_output_open(
    tmp_path: Path,
) -> None:
    """The caller reads our stdout to its end: the remover must not hold it open."""
    import subprocess
    import sys
    import time

    tree = tmp_path / "hugopipe-validate-x" / "public"
    for i in range(200):
        (tree / f"p{i}").mkdir(parents=True)
        (tree / f"p{i}" / "index.html").write_text("x")
    script = (
        "import os, threading; from hugopipe.outputwalk import remove_later; "
        f"remove_later({str(tree.parent)!r}); print('returned', threading.active_count())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.split() == ["returned", "1"], proc.stderr
    deadline = time.monotonic() + 60  # the remover is not our child: wait for its result
    while tree.parent.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not tree.parent.exists()


def test_remove_later_with_threads_running_deletes_before_returning(tmp_path: Path) -> None:
    import threading

    from hugopipe.outputwalk import remove_later

    (tmp_path / "t" / "a").mkdir(parents=True)
    (tmp_path / "t" / "a" / "f").write_text("x")
    release = threading.Event()
    th = threading.Thread(target=release.wait)
    th.start()
    try:
        remove_later(tmp_path / "t")
        assert not (tmp_path / "t").exists()
    finally:
        release.set()
        th.join()


def test_walk_shares_together_list_exactly_what_walk_lists(tmp_path: Path) -> None:
    from hugopipe.outputwalk import walk, walk_share

    pub = tmp_path / "public"
    for rel in [
        "index.html", "robots.txt", "posts/index.xml", "posts/a/index.html", "posts/b/index.html",
        "posts/b/img.png", "posts/c/d/e/index.html", "tags/x/index.html", "css/site.css",
        "s/1/index.html", "s/2/index.html", "s/3/index.html", "deep/er/still/more/f.txt",
    ]:  # fmt: skip
        (pub / rel).parent.mkdir(parents=True, exist_ok=True)
        (pub / rel).write_text("x")
    (pub / "link.html").symlink_to(pub / "index.html")
    (pub / "posts" / "dirlink").symlink_to(pub / "tags", target_is_directory=True)
    (pub / "emptydir" / "sub").mkdir(parents=True)
    expected = walk(pub, sizes=False)
    for of in (1, 2, 3, 5):
        shares = [walk_share(pub, i, of) for i in range(of)]
        names = [n for share in shares for n in share]
        assert len(names) == len(set(names)), of  # no file in two shares
        assert dict.fromkeys(names, -1) == expected, of


_TRICKY_PAGES = {
    "index.html": "<!doctype html><html lang=en><head><title>Home</title>"
    '<meta name="description" content="d"><link rel=canonical href="https://example.org/">'
    "<style>.h{background:url(/img/a.png)}</style></head><body><h1 id=top>Hi</h1>"
    '<a href="/a/#x">a</a><a href="/b/"></a><a href="#top"><img src=/img/a.png></a>'
    "<template><a href=/in-template/>t</a></template><svg><a href=/in-svg/>s</a></svg>"
    '<div style="background:url(/img/missing.png)">x</div></body></html>',
    "a/index.html": "<html><head><base href=/b/><title>A</title></head><body>"
    '<p id=x>x<a href="c.html#nope">c</a><img src=a.png srcset="/img/a.png 1x, z.png 2x">'
    "<!-- <a href=/commented/> --><script>var s='<a href=/in-script/>'</script></body></html>",
    "b/index.html": "<p>no html element<table><tr><td><a name=n href=#n>t</a></table>",
    "c/index.html": "<html><head><title>C</title></head><body>   </body></html>",
    "d/index.html": "<html><head><meta http-equiv=refresh content='0; url=/a/'></head></html>",
    "e/index.html": "",
    "f/index.html": "<html lang=fr><body><h1 id=\u00e9t\u00e9>\u00e9t\u00e9</h1>"
    '<a href="#%C3%A9t%C3%A9">e</a><a href=http://localhost:1313/x>l</a></body></html>' * 50,
}


def test_pages_parsed_into_one_reused_document_give_what_fresh_parsers_give(
    tmp_path: Path, monkeypatch
) -> None:
    """The worker parses every page into one lexbor document (lexbor_reuse.parse): in any
    order, each page's record is the one a parser of its own gives."""
    for rel, text in _TRICKY_PAGES.items():
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"png")
    ctx = _ctx(["staging.example.org"])
    ctx.root = str(tmp_path)
    ctx.files = frozenset(engine.walk(tmp_path, [], sizes=False))
    work = [("html", rel) for rel in _TRICKY_PAGES]
    rnd = random.Random(3)
    orders = [rnd.sample(work, len(work)) * 2 for _ in range(5)]
    extract.init_worker(ctx)
    assert lexbor_reuse.REUSED is not None  # this platform and selectolax take the fast path
    fast = [extract.scan_batch(order) for order in orders]
    monkeypatch.setattr(lexbor_reuse, "REUSED", None)
    monkeypatch.setattr(lexbor_reuse, "reuse_check", lambda: None)
    extract.init_worker(ctx)
    plain = [extract.scan_batch(order) for order in orders]
    assert fast == plain
    assert all(any(p.findings for p in b) and any(p.ids for p in b) for b in plain)


def test_unnamed_link_gate_lets_through_every_page_the_text_pattern_would_match() -> None:
    """A2's cheap test runs on the bytes: wherever the decoded text has ">", white space,
    "</a>" (any Unicode white space, any letter case), the test on the bytes passes."""
    text_gate = re.compile(r">\s*</a>", re.I)
    pieces = [
        "<a href=x>", "</a>", "</A>", ">", " ", "\n", "\t", "\x0b", "\x0c", "\x1c", "\x1f",
        "\x85", "\xa0", "\u2003", "\u3000", "\u2028", "é", "x", "<", "/", "a", "\ufffd",
    ]  # fmt: skip
    rnd = random.Random(5)
    hits = 0
    for _ in range(50_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10)))
        if text_gate.search(text):
            hits += 1
            assert page_rules._UNNAMED_GATE.search(text.encode("utf-8")), text
    assert hits > 5000


def test_case_index_for_l6_picks_the_same_file_on_every_run() -> None:
    """L6 names the file a link matches only in another letter case; when several names
    differ only in case, the first in sorted order is named, whatever the set order."""
    for files in (
        {"a/index.html", "B.css", "c/D.png"},
        {"Docs/x.html", "DOCS/x.html", "docs/X.html", "e.html"},
    ):
        for _ in range(5):
            ctx = _ctx([])
            ctx.files, ctx.lower_files = frozenset(files), None
            lower = references.lower_files(ctx)
            assert set(lower) == {f.lower() for f in files}
            for key, f in lower.items():
                assert f == min(g for g in files if g.lower() == key)


def test_reused_document_is_parsed_into_only_by_the_thread_that_made_it(tmp_path: Path) -> None:
    """Another thread (a validation run in-process from a thread pool) gets a parser of
    its own: two threads parsing into one lexbor document would corrupt it."""
    import threading

    extract.init_worker(_ctx([]))
    assert lexbor_reuse.REUSED is not None
    mine = lexbor_reuse.parse(b"<p id=a>")
    assert mine is lexbor_reuse.REUSED[0]
    other: list = []
    t = threading.Thread(target=lambda: other.append(lexbor_reuse.parse(b"<p id=b>")))
    t.start()
    t.join()
    assert other[0] is not lexbor_reuse.REUSED[0]
    assert [n.id for n in other[0].root.traverse() if n.id] == ["b"]
