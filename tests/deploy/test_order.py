"""Issue 19: the upload order and delete safety, table-tested on ``decide`` and on the in-memory store.

After every single PUT or DELETE of an apply, no HTML object in the bucket may link to a
same-site object that is not there: that is what a reader hitting the bucket mid-deploy
(or after a crash) sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.deploy import MemoryStore, apply_plan, plan_deploy
from hugopipe.deploy.headers import Headers
from hugopipe.deploy.links import (
    MAX_NEEDLES,
    PageRefs,
    mentions,
    missing,
    needles,
    page_refs,
    resolve,
)
from hugopipe.deploy.local import LocalFile, LocalTree
from hugopipe.deploy.models import ObjectState, UploadItem
from hugopipe.deploy.order import page_levels
from hugopipe.deploy.plan import decide
from hugopipe.deploy.remote import RemoteState
from hugopipe.deploy.safety import delete_refusal

from .conftest import make_target, write_site

HTML = Headers(content_type="text/html; charset=utf-8")
PNG = Headers(content_type="image/png")
XML = Headers(content_type="application/xml; charset=utf-8")


def _lf(path: str, sha: str = "s") -> LocalFile:
    hd = HTML if path.endswith(".html") else XML if path.endswith(".xml") else PNG
    return LocalFile(path=path, key=path, sha256=sha + path, size=1, headers=hd)


def _remote(paths: list[str]) -> RemoteState:
    return RemoteState(
        files={p: ObjectState(sha256="old" + p, size=1000, headers=_lf(p).headers) for p in paths},
        source="manifest",
        release_id="r0",
        manifest_etag="e0",
    )


def _table(refs: dict[str, set[str]], redirects: frozenset[str] = frozenset()):
    def look(u: UploadItem) -> PageRefs:
        return PageRefs(refs=frozenset(refs.get(u.path, ())), redirect=u.path in redirects)

    return look


def test_order_assets_new_pages_linking_pages_lists_redirects():
    live = ["index.html", "posts/a/index.html", "posts/index.html", "index.xml", "old/index.html"]
    local = LocalTree(
        files={
            p: _lf(p)
            for p in [
                *live,
                "posts/new/index.html",  # new, links to the new image and an existing post
                "posts/newer/index.html",  # new, links to the other new post
                "img/new.png",
                "sitemap.xml",
                "alias/index.html",  # a redirect to the new post
            ]
        }
    )
    refs = {
        "index.html": {"posts/newer/index.html", "posts/index.html"},
        "posts/index.html": {"posts/new/index.html", "posts/newer/index.html"},
        "posts/new/index.html": {"img/new.png", "posts/a/index.html"},
        "posts/newer/index.html": {"posts/new/index.html"},
        "posts/a/index.html": {"index.html"},
        "alias/index.html": {"posts/new/index.html"},
        "old/index.html": set(),
    }
    plan = decide(
        local,
        _remote(live),
        make_target("b", "http://x.invalid", matchers=[]),
        page_refs=_table(refs, frozenset({"alias/index.html"})),
    )
    group = {u.path: u.group for u in plan.uploads}
    assert group["img/new.png"] == 0
    assert group["posts/a/index.html"] == group["posts/new/index.html"] == 1  # link to nothing new
    assert group["posts/newer/index.html"] == 2  # after the new page it links to
    assert group["index.html"] == group["posts/index.html"] == 3
    assert group["index.xml"] == group["sitemap.xml"] == 4
    assert group["alias/index.html"] == 5  # redirects last
    assert [u.group for u in plan.uploads] == sorted(u.group for u in plan.uploads)


def test_cycles_share_a_level_and_long_chains_do_not_recurse():
    assert page_levels({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == {"a": 0, "b": 0, "c": 1}
    chain = {f"p{i}": {f"p{i + 1}"} for i in range(5000)} | {"p5000": set()}
    assert page_levels(chain)["p0"] == 5000
    ring = {f"p{i}": {f"p{(i + 1) % 3000}", f"p{(i - 1) % 3000}"} for i in range(3000)}
    assert set(page_levels(ring).values()) == {0}  # prev/next links: one group, not 3,000


def test_a_delete_an_uploaded_page_links_to_is_held_and_kept():
    live = ["index.html", "gone/index.html", "img/old.png"]
    local = LocalTree(files={p: _lf(p) for p in ["index.html"]})
    plan = decide(
        local,
        _remote(live),
        make_target("b", "http://x.invalid", matchers=[]),
        page_refs=_table({"index.html": {"img/old.png"}}),
    )
    assert [d.key for d in plan.deletes] == ["gone/index.html"]
    assert [d.key for d in plan.held_deletes] == ["img/old.png"] and "img/old.png" in plan.kept
    assert plan.deletes[0].why.startswith("its source page was removed")
    assert "img/old.png" in plan.to_markdown() and "DELETED" in plan.to_markdown()


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ((0, 54, 0, 0), None),
        ((54, 54, 0, 0), "--allow-deletes 54"),  # empty public/
        ((40, 54, 3, 1), "nearly empty"),
        ((300, 2000, 1800, 900), "max-deletes limit of 256"),
        ((30, 100, 70, 40), "more than 25%"),
        ((5, 8, 3, 2), None),  # small: under the share floor
        ((200, 2000, 1800, 900), None),
    ],
)
def test_delete_refusal_table(args, expect):
    got = delete_refusal(*args, max_deletes=256)
    assert (got is None) if expect is None else (expect in got)
    if expect:
        assert delete_refusal(*args, max_deletes=256, allow_deletes=args[0]) is None


def test_links_resolve_like_a_browser():
    base = "https://example.org/blog/"
    assert resolve("/blog/posts/a/", "index.html", base) == "posts/a/index.html"
    assert resolve("https://example.org/blog/img/x.png", "a/index.html", base) == "img/x.png"
    assert resolve("../b/", "posts/a/index.html", base) == "posts/b/index.html"
    assert resolve("https://other.org/x", "index.html", base) is None
    assert resolve("#top", "index.html", base) is None
    raw = b'<a href=/blog/p/>x</a><img srcset="/blog/i.png 1x, /blog/j.png 2x"><meta http-equiv=refresh content="0; url=https://example.org/blog/q/">'
    r = page_refs(raw, "index.html", base)
    assert r.refs == {"p/index.html", "i.png", "j.png", "q/index.html"} and r.redirect
    assert missing(frozenset({"p", "x.png"}), {"p/index.html"}) == ["x.png"]


def test_an_edit_with_no_new_page_and_no_delete_reads_no_page_and_keeps_the_class_groups():
    live = ["index.html", "posts/a/index.html", "img/a.png", "index.xml", "alias/index.html"]
    local = LocalTree(files={p: _lf(p, "new") for p in live})

    def never(u: UploadItem) -> PageRefs:
        raise AssertionError(f"{u.path} was read, but nothing is new and nothing is deleted")

    plan = decide(
        local, _remote(live), make_target("b", "http://x.invalid", matchers=[]), page_refs=never
    )
    group = {u.path: u.group for u in plan.uploads}
    assert group == {
        "img/a.png": 0,
        "alias/index.html": 1,
        "index.html": 1,
        "posts/a/index.html": 1,
        "index.xml": 2,
    }


BASE = "https://example.org/blog/"
PAGES = {
    "posts/p/index.html": b'<a href="https://example.org/blog/tags/t/page/13/">x</a>',
    "tags/t/page/12/index.html": b"<a href=../13/>next</a> <time>2013</time> width=13",
    "tags/t/page/13/sub/index.html": b'<a href="..">up</a>',
    "index.html": b'<img srcset="/blog/img/a.png 1x,/blog/img/b.png 2x"><link href=/blog/index.xml>',
    "r/index.html": b'<meta http-equiv=refresh content="0; url=/blog/posts/new/">',
    "plain/index.html": b"<p>13 posts, tags/t/page/2013/ and new, a.png</p><a href=/blog/x/>x</a>",
    "bare/index.html": b'<a href="/blog/posts/new">n</a> <a href=../tags/t/page/13#top>13</a>',
}
WANTED = [
    frozenset({"tags/t/page/13/index.html"}),
    frozenset({"img/b.png", "index.xml"}),
    frozenset({"posts/new/index.html", "img/a.png"}),
    frozenset({"index.html"}),  # the root has no name: every page is parsed
]


@pytest.mark.parametrize("wanted", WANTED)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_name_filter_never_loses_a_reference(page, wanted):
    full = page_refs(PAGES[page], page, BASE, wanted=wanted)
    fast = page_refs(PAGES[page], page, BASE, wanted=wanted, find=needles(wanted))
    assert fast == full


def test_a_link_without_its_trailing_slash_reaches_the_folder_index():
    wanted = frozenset({"posts/new/index.html", "tags/t/page/13/index.html"})
    page = PAGES["bare/index.html"]
    assert page_refs(page, "bare/index.html", BASE, wanted=wanted).refs == wanted
    # a file name keeps its own path: only suffix-less references become folders
    assert page_refs(b"<a href=/blog/a.png>", "x/index.html", BASE, wanted=wanted).refs == set()


def test_the_name_filter_skips_pages_that_only_mention_the_name_in_text():
    find = needles(frozenset({"tags/t/page/13/index.html"}))
    assert find == (b"13",)
    assert mentions(PAGES["tags/t/page/12/index.html"], b"13")
    assert not mentions(PAGES["plain/index.html"], b"13")
    assert not mentions(b"<img src=/img/ba.png>", b"a.png")
    assert needles(frozenset({"über/index.html"})) is None  # may be percent-encoded: parse all
    many = frozenset(f"posts/p{i}/index.html" for i in range(MAX_NEEDLES + 1))
    assert needles(many) is None and needles(frozenset(sorted(many)[:MAX_NEEDLES])) is not None
    assert page_refs(PAGES["plain/index.html"], "plain/index.html", BASE, find=find).refs == set()


class CheckingStore(MemoryStore):
    """After every write, no HTML object may link to a same-site object that is absent."""

    def __init__(self) -> None:
        super().__init__()
        self.checking = False
        self.violations: list[str] = []
        self.writes = 0

    def _check(self) -> None:
        if not self.checking:
            return
        self.writes += 1
        present = {k for k in self.current if not k.startswith(".hugopipe/")}
        for k in present:
            if k.endswith(".html"):
                refs = page_refs(self.current[k].body, k, None).refs
                self.violations += [f"{k} → {m}" for m in missing(refs, present)]

    def put(self, key, body, headers):
        out = super().put(key, body, headers)
        self._check()
        return out

    def delete(self, keys):
        out = super().delete(keys)
        self._check()
        return out


V1 = {
    "index.html": "<a href=/posts/a/>a</a><a href=/posts/>list</a><a href=/old/>o</a>",
    "posts/index.html": "<a href=/posts/a/>a</a><a href=/>home</a>",
    "posts/a/index.html": "<a href=/>home</a><img src=/img/a.png><a href=/old/>o</a>",
    "old/index.html": "<a href=/>home</a><img src=/img/old.png>",
    "img/a.png": "a",
    "img/old.png": "old",
    "index.xml": "<rss/>",
}
V2 = {
    "index.html": "<a href=/posts/b/>b</a><a href=/posts/a/>a</a><a href=/posts/>list</a>",
    "posts/index.html": "<a href=/posts/b/>b</a><a href=/posts/a/>a</a>",
    "posts/a/index.html": "<a href=/>home</a><img src=/img/a.png><a href=/posts/b/>next</a>",
    "posts/b/index.html": "<a href=/posts/a/>prev</a><img src=/img/b.png>",
    "img/a.png": "a",
    "img/b.png": "b",
    "index.xml": "<rss>b</rss>",
}


def _bare(site: dict[str, str], slash: str) -> dict[str, str]:
    """The site with its links to ``posts/b`` and ``old`` written ``slash``-ended or not."""
    return {
        k: v.replace("/posts/b/>", f"/posts/b{slash}>").replace("/old/>", f"/old{slash}>")
        for k, v in site.items()
    }


@pytest.mark.parametrize("slash", ["/", ""], ids=["folder/", "no-trailing-slash"])
def test_every_moment_of_an_apply_is_link_consistent(tmp_path: Path, slash: str):
    target = make_target("mem", "http://unused.invalid", matchers=[], workers=1)
    store = CheckingStore()
    public = write_site(tmp_path / "v1", _bare(V1, slash))
    apply_plan(plan_deploy(public, target, store), public, target, store)
    store.checking = True
    public2 = write_site(tmp_path / "v2", _bare(V2, slash))
    plan = plan_deploy(public2, target, store)
    assert {d.key for d in plan.deletes} == {"old/index.html", "img/old.png"}
    before = len(store.calls)
    apply_plan(plan, public2, target, store)
    assert store.writes >= 7 and store.violations == []
    calls = store.calls[before:]
    assert calls.index(("put", "posts/b/index.html")) < calls.index(("put", "posts/a/index.html"))
