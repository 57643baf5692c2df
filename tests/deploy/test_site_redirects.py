"""Issue 18: a site's ``_redirects`` plain rules become S3 website redirects in the deploy plan.

On the in-memory store: which keys, what the plan says (applied or not, and why), the
summary counts, no-change, a changed target, a removed rule, an empty build. Against
moto's S3 server: the object's ``WebsiteRedirectLocation`` read back, through both PUT
paths (the lean signed PUT and botocore).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe import redirects
from hugopipe.deploy import MemoryStore, apply_plan, connect, plan_deploy
from hugopipe.deploy.models import UploadReason
from hugopipe.deploy.siteredirects import source_paths

from .conftest import make_target, write_site

RULES = """\
# moved posts
/old-post      /posts/first/   301
/feed.rss      /index.xml      302
/posts/first   /elsewhere/     301
/old-post/     /posts/second/  301
/blog/*        /posts/:splat   301
/relative      other-page      301
/gone          https://example.org/new  301
"""

SITE = {
    "index.html": "<a href=/posts/first/>first</a>",
    "posts/first/index.html": "first",
    "posts/second/index.html": "second",
    "index.xml": "<rss/>",
    "_redirects": RULES,
}


def _site(root: Path, files: dict[str, str]) -> Path:
    return write_site(root, dict(files))


def test_source_paths_follow_the_website_endpoint():
    assert source_paths("/old-post") == ["old-post", "old-post/index.html"]
    assert source_paths("/old-post/") == ["old-post", "old-post/index.html"]
    assert source_paths("/a/b.html") == ["a/b.html"]
    assert source_paths("/feed.rss") == ["feed.rss"]


def test_sub_path_site_keys_carry_the_prefix_once(tmp_path: Path):
    """baseURL ``/sub/``, prefix ``sub/``: ``/sub/old/`` is ``sub/old``, not ``sub/sub/old``,
    and a file of the build at ``/sub/posts/first/`` still wins over a rule for it."""
    assert source_paths("/sub/old/", "/sub/") == ["old", "old/index.html"]
    assert source_paths("/sub", "/sub/") == ["index.html"]
    assert source_paths("/subway", "/sub/") == ["subway", "subway/index.html"]
    target = make_target(
        "mem",
        "http://unused.invalid",
        matchers=[],
        prefix="sub/",
        base_url="https://example.org/sub/",
    )
    rules = "/sub/old/  /sub/posts/first/  301\n/sub/posts/first/  /sub/  301\n"
    public = _site(tmp_path / "p", {**SITE, "_redirects": rules})
    plan = plan_deploy(public, target, MemoryStore())
    by_line = {r.line: r for r in plan.redirects}
    assert by_line[1].keys == ["sub/old", "sub/old/index.html"] and not by_line[1].not_applied
    assert by_line[2].keys == [] and "public/posts/first/index.html is a file" in (
        by_line[2].not_applied or ""
    )
    assert {u.key for u in plan.uploads if u.redirect} == {"sub/old", "sub/old/index.html"}


def test_plain_rules_become_redirect_objects_in_the_plan(tmp_path: Path):
    target = make_target("mem", "http://unused.invalid", matchers=[], workers=2)
    store = MemoryStore()
    public = _site(tmp_path / "v1", SITE)
    plan = plan_deploy(public, target, store)

    by_line = {r.line: r for r in plan.redirects}
    assert [r.line for r in plan.redirects] == [2, 3, 4, 5, 7, 8]  # plain rules only, by line
    assert by_line[2].keys == ["old-post", "old-post/index.html"] and not by_line[2].not_applied
    assert by_line[3].keys == ["feed.rss"] and by_line[3].status == 302
    assert by_line[4].keys == [] and "public/posts/first/index.html is a file" in (
        by_line[4].not_applied or ""
    )
    assert "line 2 already redirects" in (by_line[5].not_applied or "")
    assert "starts with /" in (by_line[7].not_applied or "")
    assert by_line[8].keys == ["gone", "gone/index.html"]

    redirect_uploads = {u.key: u.redirect for u in plan.uploads if u.redirect is not None}
    assert redirect_uploads == {
        "old-post": "/posts/first/",
        "old-post/index.html": "/posts/first/",
        "feed.rss": "/index.xml",
        "gone": "https://example.org/new",
        "gone/index.html": "https://example.org/new",
    }
    assert "_redirects" in {u.key for u in plan.uploads}  # Netlify and Cloudflare read it
    s = plan.summary
    assert (s.redirects, s.redirects_not_applied, s.redirect_uploads) == (3, 3, 5)
    assert s.pages_added == 3 and s.files_added == 2  # three pages; index.xml and _redirects
    last = max(u.group for u in plan.uploads)
    assert {u.key for u in plan.uploads if u.group == last} == set(redirect_uploads)
    text = plan.to_markdown()
    assert "`/old-post` → `/posts/first/`" in text and "not applied: public/posts/first" in text

    apply_plan(plan, public, target, store)
    assert store.body("old-post") == b"" and store.current["old-post"].stored.website_redirect == (
        "/posts/first/"
    )
    assert store.current["gone/index.html"].stored.website_redirect == "https://example.org/new"
    assert store.current["index.html"].stored.website_redirect is None

    # nothing changed: nothing to do, redirects included
    again = plan_deploy(_site(tmp_path / "v1b", SITE), target, store)
    assert again.empty and len(again.redirects) == 6

    # a changed target re-uploads both objects of the rule; a removed rule deletes its object
    rules2 = RULES.replace("/old-post      /posts/first/", "/old-post      /posts/second/")
    rules2 = rules2.replace("/feed.rss      /index.xml      302\n", "")
    public2 = _site(tmp_path / "v2", {**SITE, "_redirects": rules2})
    plan2 = plan_deploy(public2, target, store)
    changed = {u.key: (u.reason, u.redirect) for u in plan2.uploads if u.redirect is not None}
    assert changed == {
        "old-post": (UploadReason.CONTENT, "/posts/second/"),
        "old-post/index.html": (UploadReason.CONTENT, "/posts/second/"),
    }
    assert [d.key for d in plan2.deletes] == ["feed.rss"]
    assert "website redirect" in plan2.deletes[0].why
    apply_plan(plan2, public2, target, store)
    assert store.current["old-post"].stored.website_redirect == "/posts/second/"
    assert "feed.rss" not in store.current


def test_a_removed_redirect_a_page_still_links_to_is_held(tmp_path: Path):
    target = make_target("mem", "http://unused.invalid", matchers=[], workers=2)
    store = MemoryStore()
    public = _site(tmp_path / "v1", SITE)
    apply_plan(plan_deploy(public, target, store), public, target, store)
    site2 = {**SITE, "index.html": "<a href=/gone/>old link</a>", "_redirects": "/x /y 301\n"}
    plan = plan_deploy(_site(tmp_path / "v2", site2), target, store)
    assert {d.key for d in plan.held_deletes} == {"gone/index.html"}  # same rule as for pages
    assert "gone" in {d.key for d in plan.deletes}


def test_a_site_without_redirects_never_reads_rules(tmp_path: Path, monkeypatch):
    def boom(text: str):
        raise AssertionError("parsed _redirects on a site without one")

    monkeypatch.setattr(redirects, "parse", boom)
    target = make_target("mem", "http://unused.invalid", matchers=[])
    plan = plan_deploy(_site(tmp_path / "p", {"index.html": "x"}), target, MemoryStore())
    assert plan.redirects == [] and plan.summary.redirects == 0


def test_redirect_objects_do_not_make_an_empty_build_look_complete(tmp_path: Path):
    target = make_target("mem", "http://unused.invalid", matchers=[])
    store = MemoryStore()
    public = _site(tmp_path / "v1", SITE)
    apply_plan(plan_deploy(public, target, store), public, target, store)
    only_rules = _site(tmp_path / "v2", {"_redirects": "/a /b 301\n/c /d 301\n"})
    plan = plan_deploy(only_rules, target, store)
    assert plan.blocked and "no pages" in plan.blocked


@pytest.mark.parametrize("fast_put", ["1", "0"])
def test_moto_serves_the_redirect_location(
    tmp_path, s3, bucket, moto_endpoint, monkeypatch, fast_put
):
    monkeypatch.setenv("HUGOPIPE_FAST_PUT", fast_put)
    target = make_target(bucket, moto_endpoint)
    store = connect(target)
    public = _site(tmp_path / "public", SITE)
    report = apply_plan(plan_deploy(public, target, store), public, target, store)
    assert report.ok and "old-post" in report.uploaded
    for key, location in [
        ("old-post", "/posts/first/"),
        ("old-post/index.html", "/posts/first/"),
        ("feed.rss", "/index.xml"),
        ("gone", "https://example.org/new"),
    ]:
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["WebsiteRedirectLocation"] == location and head["ContentLength"] == 0
    assert "WebsiteRedirectLocation" not in s3.head_object(Bucket=bucket, Key="index.html")
    assert s3.get_object(Bucket=bucket, Key="_redirects")["Body"].read().decode() == RULES
    assert plan_deploy(public, target, store).empty  # read back from the manifest: no change
