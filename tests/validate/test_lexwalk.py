"""The C walk (validate/_lexwalk.c) against the Python walk it stands in for.

The Python walk, lexwalk.node_events, defines what a page's events are; the C walk
must give the same list for every page it accepts, and a page it cannot encode must
fall back rather than come out different.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from hugopipe.validate import engine, extract, lexwalk
from hugopipe.validate.urls import Site

from .test_fast_paths import _TRICKY_PAGES

HAVE_CC = bool(shutil.which("cc") or shutil.which("gcc"))

# pieces of markup, joined at random: every wanted tag and attribute, valueless and
# empty attributes, upper case, entities, control characters, invalid UTF-8, foreign
# content, templates, comments, misnested formatting elements and skipped elements
_PIECES = [
    b"<a href=/a/>", b"<a href>", b"<a href='' name=n>", b"<A HREF=/Up/ ID=u>", b"</a>",
    b"<a id>", b"<a href=/x/ data-proofer-ignore id=ig>", b"<area href=#m>",
    b"<link rel=canonical href=/c/>", b"<link rel='Pre connect dns-prefetch' href=//x>",
    b"<link href>", b"<link rel href=/r/>", b"<link rel='' href=/e/>", b"<link rel=stylesheet href=s.css id=k>", b"<link rel=icon>",
    b"<img src=i.png srcset='a.png 1x, b.png 2x'>", b"<img alt>", b"<img src='' alt=''>",
    b"<source srcset=p.webp>", b"<source src=q>", b"<video src=v poster=w>", b"</video>",
    b"<audio src=au>", b"<track src=t>", b"<iframe src=f></iframe>", b"<embed src=e>",
    b"<object data=o></object>", b"<script src=/livereload.js></script>",
    b"<script>var s='<a href=/in-script/>'</script>", b"<base href=/b/>",
    b"<meta name=description content=' d '>", b"<meta property=og:url content=/u/>",
    b"<meta http-equiv=Refresh content='0; url=/r/'>", b"<meta name=ROBOTS content=NoIndex>",
    b"<meta name>", b"<meta content=x>", b"<title> T &amp; t </title>", b"<title></title>",
    b"<title data-proofer-ignore>ignored</title>", b"<svg><title>s<b>b</b></title>",
    b"<svg><a href=/s/ xlink:href=/x/ id=sv></a></svg>", b"<math><mi id=mi>x</mi></math>",
    b"<template><a href=/t/ id=t></a></template>", b"<!-- <a href=/c/> -->",
    b"<p id=p>", b"</p>", b"<div id=''>", b"<div id=\xc3\xa9t\xc3\xa9>", b"<b><i>", b"</b>",
    b"<table><tr><td>", b"<a href=/a/&amp;b?q=1#f>", b"<a href='/\xe9\xff'>", b"\xff\xfe",
    b"<a href=/nul\x00/>",
    b"<p id=p2 data-proofer-ignore><a href=/inside/>", b"<style>a{}</style>", b"text ",
    b"<a href=/one/ href=/two/>", b"<img src=x.png ALT=Alt>", b"<html lang=en>", b"<body id=bd>",
]  # fmt: skip


# values the C walk cannot encode: a page with one must take the Python walk
_SEPARATORS = [b"<a href=/&#x1f;/>", b"<img src=&#x1c;>", b"<a href=/\x1e/>", b"<p id=x\x1d>"]


def _random_pages(n: int, seed: int) -> list[bytes]:
    rnd = random.Random(seed)
    pages = []
    for _ in range(n):
        pieces = rnd.choices(_PIECES, k=rnd.randint(0, 40))
        if rnd.random() < 0.1:
            pieces.insert(rnd.randint(0, len(pieces)), rnd.choice(_SEPARATORS))
        pages.append(b"".join(pieces))
    return pages


def _corpus() -> list[bytes]:
    fixed = [t.encode() for t in _TRICKY_PAGES.values()]
    return list(extract._REUSE_PROBES + extract._WALK_PROBES) + fixed + _random_pages(3000, 11)


def _ctx(root: Path) -> extract.Context:
    return extract.Context(
        root=str(root),
        site=Site.from_base_url("https://example.org/"),
        files=frozenset(engine.walk(root, [], sizes=False)),
        lower_files=None,
        skip_fragments=[],
        ignore_urls=[],
        leak_re=extract.leak_pattern([]),
        other_hosts=[],
        l7=False,
        check_mixed=True,
        max_page_bytes=10**7,
    )


def _events_both_ways(page: bytes) -> tuple[list[str] | None, list[str]]:
    tree, parse, addr, _ = extract._REUSED  # type: ignore[misc]
    assert parse(addr, page, len(page)) == 0
    walk = extract._CWALK
    assert walk is not None
    fast = walk.events(addr, len(page))
    slow = lexwalk.node_events(tree, extract._WANTED_IDS, False, False)
    if fast is not None:  # C leaves the title's text to the node; only the first one counts
        titles = [i for i in range(0, len(fast), 2) if fast[i] == "T"]
        if titles:
            fast[titles[0] + 1] = lexwalk.first_title(tree, extract._TITLE_ID)
        for i in titles[1:]:
            fast[i + 1] = slow[i + 1] if i + 1 < len(slow) else fast[i + 1]
    return fast, slow


@pytest.fixture
def c_walk(tmp_path: Path):
    extract.init_worker(_ctx(tmp_path))
    if extract._CWALK is None:
        pytest.skip("the C walk is not built here (no C compiler)")
    return extract._CWALK


def test_the_c_walk_is_built_and_used_wherever_there_is_a_c_compiler(tmp_path: Path) -> None:
    """The install (hatch_build.py) compiled it, and the start-up check accepted it."""
    if not HAVE_CC:
        pytest.skip("no C compiler on this machine: the Python walk is used")
    assert lexwalk.LIBRARY.exists()
    extract.init_worker(_ctx(tmp_path))
    assert extract._CWALK is not None


def test_the_c_walk_gives_the_python_walks_events_or_steps_aside(c_walk) -> None:
    corpus = _corpus()
    stepped_aside = 0
    for page in corpus:
        fast, slow = _events_both_ways(page)
        if fast is None:
            stepped_aside += 1  # only for a value holding a separator byte
            values = [v for v in slow[1::2] if v != lexwalk.NONE]
            assert any(c in v for v in values for c in "\x1c\x1d\x1e\x1f"), page
            continue
        assert fast == slow, page
    assert 0 < stepped_aside < len(corpus) // 4
    assert sum(1 for p in corpus if b"data-proofer-ignore" in p) > 100


def test_pages_scan_to_the_same_records_with_and_without_the_c_walk(
    tmp_path: Path, monkeypatch
) -> None:
    pages = _random_pages(400, 12) + [t.encode() for t in _TRICKY_PAGES.values()]
    for i, page in enumerate(pages):
        f = tmp_path / f"p{i}" / "index.html"
        f.parent.mkdir()
        f.write_bytes(b"<!doctype html><html><head>" + page)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<title>a</title>")
    ctx = _ctx(tmp_path)
    work = [("html", f"p{i}/index.html") for i in range(len(pages))]
    extract.init_worker(ctx)
    if extract._CWALK is None:
        pytest.skip("the C walk is not built here (no C compiler)")
    fast = extract.scan_batch(work)
    monkeypatch.setattr(extract, "_CWALK", None)
    monkeypatch.setattr(extract, "_cwalk_check", lambda: None)
    extract.init_worker(ctx)
    slow = extract.scan_batch(work)
    assert fast == slow
    assert sum(bool(p.findings) for p in slow) > 100 and sum(bool(p.ids) for p in slow) > 100


def test_a_c_walk_that_disagrees_on_the_probes_is_not_used(c_walk, monkeypatch) -> None:
    real = lexwalk.CWalk.events

    def drops_ignored(self, addr: int, size: int) -> list[str] | None:
        events = real(self, addr, size)
        return None if events is None else events[:-2]

    monkeypatch.setattr(lexwalk.CWalk, "events", drops_ignored)
    assert extract._cwalk_check() is None
    monkeypatch.setattr(lexwalk.CWalk, "events", real)
    assert extract._cwalk_check() is not None
    monkeypatch.setattr(lexwalk, "LIBRARY", Path("/nonexistent/_lexwalk.so"))
    assert extract._cwalk_check() is None
