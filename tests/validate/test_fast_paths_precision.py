"""The speed-ups of the precision rules give exactly what the plain versions gave.

The code-sample walk of E1 (``leaks.Shown``), the sitemap read without a tree
(``sitemap.plain_locs``) and the <loc> lookup without ``urls.to_path`` are each compared
with the straightforward code they replaced, on random or enumerated inputs (tricks 6
and 7 of ``hugopipe.validate.fastpath``).
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hugopipe.validate import leaks, sitemap, urls

# -- E1: the code-sample walk ----------------------------------------------------------------

_FIRST_SHOWN = re.compile(
    rb"(?:<|&lt;)(/?)(pre|code|samp|kbd|xmp)(?=[\s>/&])|(<!--|&lt;!--)|(-->|--&gt;)", re.I
)


class _PlainShown:
    """The first version: one regex tried at every offset, from the start of the file."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.depth, self.in_comment = data, 0, 0, False

    def __call__(self, at: int) -> bool:
        for m in _FIRST_SHOWN.finditer(self.data, self.pos, at):
            if m.group(3):
                self.in_comment = True
            elif m.group(4):
                self.in_comment = False
            elif not self.in_comment:
                self.depth = max(0, self.depth + (-1 if m.group(1) else 1))
        self.pos = at
        if self.in_comment:
            return True
        lt, gt = self.data.rfind(b"<", 0, at), self.data.rfind(b">", 0, at)
        return False if lt > gt else self.depth > 0


PIECES = [
    b"<pre>", b"</pre>", b"<PRE class=x>", b"<code>", b"</CODE>", b"&lt;pre&gt;",
    b"&LT;/pre&gt;", b"&lt;code&gt;", b"&lt;/code&gt;", b"<!--", b"-->", b"&lt;!--",
    b"--&gt;", b"<p>", b"</p>", b'<a href="', b'">', b"text ", b"<kbd>", b"</kbd>",
    b"<samp>", b"<xmp>", b"</xmp>", b"<precode>", b"-", b"&", b"<", b">", b"U",
]  # fmt: skip


def test_code_sample_walk_answers_what_the_first_version_answered() -> None:
    rng = random.Random(18)
    asked = 0
    for _ in range(5000):
        data = b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30)))
        offsets = sorted(rng.sample(range(len(data) + 1), min(4, len(data) + 1)))
        plain, fast = _PlainShown(data), leaks.Shown(data)
        for at in offsets:
            assert fast(at) == plain(at), (data, at)
            asked += 1
    assert asked > 15000


BALANCED = [
    b"&lt;p&gt;text&lt;/p&gt;",
    b"&lt;pre&gt;&lt;code&gt;sample&lt;/code&gt;&lt;/pre&gt;",
    b"&lt;code&gt;x&lt;/code&gt;",
    b"&lt;!-- note --&gt;",
    b'&lt;a href="/x/"&gt;link&lt;/a&gt;',
    b"prose - with -- dashes &amp; amps",
]


def test_feed_items_judged_alone_agree_with_the_whole_feed_when_each_item_is_closed() -> None:
    """Where no item leaves a code block or comment open, starting at the item changes no
    answer: only the speed. (Asked where a URL can start: between the pieces, never inside
    a tag or a comment delimiter.)"""
    rng = random.Random(7)
    asked = 0
    for _ in range(500):
        data, bounds = b"<rss><channel>", []
        for _ in range(rng.randint(1, 6)):
            data += b"<item><description>"
            for _ in range(rng.randint(0, 5)):
                bounds.append(len(data))
                data += rng.choice(BALANCED)
            bounds.append(len(data))
            data += b"</description></item>\n"
        data += b"</channel></rss>"
        offsets = sorted(set(rng.sample(bounds, min(6, len(bounds)))))
        whole, feed = leaks.Shown(data), leaks.Shown(data, feed=True)
        for at in offsets:
            assert feed(at) == whole(at), (data, at)
            asked += 1
    assert asked > 1000


def test_last_comment_opener_is_what_rfind_finds() -> None:
    rng = random.Random(3)
    pieces = [b"<", b"!", b"-", b"a", b"<!--", b"!--", b"<!-"]
    for _ in range(20000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        lo = rng.randint(0, len(data))
        hi = rng.randint(lo, len(data))
        assert leaks._last_comment_open(data, lo, hi) == data.rfind(b"<!--", lo, hi), data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<rss><item>a</item><item>b", 19),
        (b"<rss><item>a</item><items>b", 5),
        (b"<feed><entry>a</entry><entry xml:lang=en>b", 22),
        (b"<rss><itemx>a", -1),
        (b"", -1),
    ],
)
def test_last_item_start_tag(data: bytes, expected: int) -> None:
    assert leaks._last_item(data, 0, len(data)) == expected


# -- the sitemap, read without a tree ------------------------------------------------------

NS_ATTR = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
SITEMAPS = [
    # Hugo's own form: the fast path must take it
    f'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<urlset {NS_ATTR}\n'
    '  xmlns:xhtml="http://www.w3.org/1999/xhtml">\n  <url>\n    <loc>https://e.org/a/</loc>\n'
    "    <lastmod>2024-01-01T00:00:00+00:00</lastmod>\n  </url><url>\n"
    "    <loc>  https://e.org/b/ </loc>\n  </url>\n</urlset>\n",
    f"<sitemapindex {NS_ATTR}><sitemap><loc>https://e.org/en/sitemap.xml</loc></sitemap></sitemapindex>",
    "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>https://e.org/q/</loc></url></urlset>",
    f"<urlset {NS_ATTR}><url><loc>https://e.org/\u00e9t\u00e9/</loc></url></urlset>",
    f"<urlset {NS_ATTR}/>",
    # the tree decides these
    f"<urlset {NS_ATTR}><url><loc>https://e.org/a?x=1&amp;y=2</loc></url></urlset>",
    f"<urlset {NS_ATTR}><url><loc><![CDATA[https://e.org/c/]]></loc></url></urlset>",
    f"<urlset {NS_ATTR}><!-- <url><loc>https://e.org/hidden/</loc></url> -->"
    "<url><loc>https://e.org/d/</loc></url></urlset>",
    '<sm:urlset xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:url>'
    "<sm:loc>https://e.org/p/</sm:loc></sm:url></sm:urlset>",
    f'<urlset {NS_ATTR}><url><loc>https://e.org/a/</loc><x xmlns="urn:other">'
    "<loc>https://e.org/other/</loc></x></url></urlset>",
    f"<urlset {NS_ATTR}><url><loc/><loc></loc><loc>x<b/>y</loc></url></urlset>",
    f"<urlset {NS_ATTR}><url><loc>https://e.org/a/</loc></url>",
    "<urlset><url><loc>https://e.org/a/</loc></url></urlset>",
    '<urlset xmlns="urn:x"><url><loc>https://e.org/a/</loc></url></urlset>',
    f"<urlset {NS_ATTR}><url><loc>https://e.org/a/</loc><locale>en</locale></url></urlset>",
    f"<urlset {NS_ATTR}><url><loc>https://e.org/a/\r\n</loc></url></urlset>",
    f"<urlset {NS_ATTR}><?pi <loc>https://e.org/pi/</loc>?><url><loc>https://e.org/a/</loc></url></urlset>",
    f"  <urlset {NS_ATTR}><url><loc>https://e.org/a/</loc></url></urlset>",
    f'<urlset {NS_ATTR} xmlns:x="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<x:loc>https://e.org/x/</x:loc></urlset>",
    f"<urlset {NS_ATTR}><url><loc >https://e.org/sp/</loc></url></urlset>",
    f'<urlset {NS_ATTR} xmlns ="urn:y"><url><loc>https://e.org/y/</loc></url></urlset>',
]


def _tree(data: bytes) -> tuple[str, list[str]] | None:
    """What ``parse`` gave before the fast path (None: not a sitemap)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    if not root.tag.startswith(sitemap.NS):
        return None
    return root.tag[len(sitemap.NS) :], [
        (e.text or "").strip() for e in root.iter(sitemap.NS + "loc")
    ]


@pytest.mark.parametrize("text", SITEMAPS)
def test_sitemap_without_a_tree_reads_what_the_tree_reads(text: str) -> None:
    data = text.encode()
    fast = sitemap.plain_locs(data)
    assert fast is None or fast == _tree(data)
    parsed = sitemap.parse(data, "sitemap.xml")
    assert (None if isinstance(parsed, str) else parsed) == _tree(data)


def test_sitemap_fast_path_takes_hugos_form_and_leaves_the_rest_to_the_tree() -> None:
    taken = [sitemap.plain_locs(t.encode()) is not None for t in SITEMAPS]
    assert taken == [True] * 5 + [False] * (len(SITEMAPS) - 5)
    latin = f'<?xml version="1.0" encoding="ISO-8859-1"?><urlset {NS_ATTR}><url><loc>https://e.org/\xe9/</loc></url></urlset>'
    assert sitemap.plain_locs(latin.encode("latin-1")) is None
    assert sitemap.parse(latin.encode("latin-1"), "s.xml") == ("urlset", ["https://e.org/\xe9/"])


def _resolve_through_to_path(site: urls.Site, files, locs: list[str]):
    out = []
    for loc in locs:
        k, path, _ = urls.to_path(site, "/", loc, None)
        if k == urls.EXTERNAL:
            out.append((loc, "external", ""))
        elif k != urls.OK or not loc.lower().startswith(("http://", "https://")):
            out.append((loc, "relative", ""))
        else:
            st, f = urls.path_to_file(site, path, files)
            out.append((loc, "ok" if st in (urls.OK, urls.SLASHLESS) else "missing", f))
    return out


@pytest.mark.parametrize(
    "base", ["https://e.org/", "https://e.org/docs/", "http://e.org", "/", "https://e.org:8443/"]
)
def test_locs_on_the_own_origin_resolve_as_through_to_path(base: str, tmp_path: Path) -> None:
    files = {"index.html", "a/index.html", "docs/index.html", "docs/b/index.html", "f.pdf", "c"}
    paths = ["", "a/", "a", "docs/", "docs/b/", "docs/b", "f.pdf", "c", "nope/", "%61/", "a/#x"]
    locs = [
        prefix + p
        for prefix in (
            "https://e.org/",
            "http://e.org/",
            "HTTPS://E.ORG/",
            "https://e.org:8443/",
            "https://other.org/",
            "/",
            "",
        )
        for p in paths
    ] + ["https://e.org", "https://e.org/a/?q=1", "https://e.org/docs"]
    site = urls.Site.from_base_url(base)
    assert sitemap.resolve_locs(site, files, ("urlset", locs)) == (
        "urlset",
        _resolve_through_to_path(site, files, locs),
    )


# -- the source map: permalinks of ``hugo list all`` -----------------------------------------


def _output_file_through_urlsplit(site: urls.Site, permalink: str) -> str:
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(permalink).path or "/")
    if path.startswith(site.base_path):
        path = path[len(site.base_path) :]
    path = path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


PERMALINKS = [
    "https://e.org/", "https://e.org", "https://e.org/a/", "https://e.org/docs/a/b.html",
    "https://e.org/%C3%A9t%C3%A9/", "https://e.org/a b/", "https://e.org/a/ ",
    "https://e.org/a/?x=1", "https://e.org/a/#f", "https://e.org:8080/a/", "https://e.orgx/a/",
    "http://e.org/a/", "/a/", "", "https://e.org/a\tb/", "https://e.org//a/", "https://e.org/docs",
    "https://E.ORG/a/", "https://e.org/a%2Fb/", "https://e.org/docs/%64/",
]  # fmt: skip


@pytest.mark.parametrize(
    "base",
    ["https://e.org/", "https://e.org/docs/", "/", "http://e.org:8080/", "https://e.org:8080"],
)
def test_output_file_of_a_permalink_is_what_urlsplit_gives(base: str) -> None:
    from hugopipe.validate.sourcemap import output_file

    site = urls.Site.from_base_url(base)
    for link in PERMALINKS:
        assert output_file(site, link) == _output_file_through_urlsplit(site, link), link
