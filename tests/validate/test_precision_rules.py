"""Precision of the output rules on hand-written outputs: what a leak is, where the base
URL comes from, and how the output's ``_redirects`` file is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.validate import baseurl, validate_public
from tests.validate.fixtures import BASE, Out, alias, rules


def _e1(out: Out) -> list[tuple[str, int | None]]:
    return [(f.url or "", f.line) for f in out.validate().findings if f.rule == "E1"]


@pytest.mark.parametrize(
    "shown",
    [
        "<pre><code>Web Server is available at http://localhost:1313/</code></pre>",
        "<p>Run it and open <code>http://localhost:1313/</code>.</p>",
        "<p>Type <kbd>http://127.0.0.1:1313/</kbd>.</p>",
        "<p>It prints <samp>http://0.0.0.0:1313/</samp>.</p>",
        "<pre>curl http://192.168.1.20:8080/api</pre>",
        "<!-- screenshot from http://localhost:1313/docs/ -->",
        "<PRE class=x>\n\nhttp://localhost:1313/\n</PRE>",
        "<pre><span>nested</span> <b>http://localhost:1313/</b></pre>",
    ],
)
def test_e1_ignores_urls_shown_as_code_or_in_comments(out: Out, shown: str) -> None:
    out.add_page("/docs/", body=shown)
    assert _e1(out) == []


@pytest.mark.parametrize(
    "used",
    [
        '<p>Open <a href="http://localhost:1313/docs/">the preview</a>.</p>',
        "<p>The preview is at http://localhost:1313/docs/ today.</p>",
        '<pre><a href="http://localhost:1313/docs/">a link inside pre</a></pre>',
        '<script>fetch("http://localhost:1313/docs/")</script>',
        "<pre>sample</pre><p>after the sample: http://localhost:1313/docs/</p>",
        "<!-- a comment --><p>http://localhost:1313/docs/</p>",
        '<img alt="x" src="http://localhost:1313/docs/">',
    ],
)
def test_e1_still_reports_attributes_scripts_and_prose(out: Out, used: str) -> None:
    out.add_page("/docs/", body=used)
    assert [u for u, _ in _e1(out)] == ["http://localhost:1313/docs/"]


def test_e1_reports_a_url_used_after_the_same_url_shown(out: Out) -> None:
    """The first occurrence is a sample; the second, in a link, is the leak and its line."""
    out.add_page(
        "/docs/",
        body="<pre>http://localhost:1313/docs/</pre>\n<p>\n"
        '<a href="http://localhost:1313/docs/">x</a></p>',
    )
    [(url, line)] = _e1(out)
    assert url == "http://localhost:1313/docs/" and line == 3


def test_e1_in_a_feed_ignores_escaped_code(out: Out) -> None:
    out.write(
        "index.xml",
        "<rss><channel><item><description>&lt;pre&gt;&lt;code&gt;http://localhost:1313/"
        "&lt;/code&gt;&lt;/pre&gt; and http://localhost:1313/leak/</description></item>"
        "</channel></rss>",
    )
    found = [f.url for f in out.validate().findings if f.rule == "E1"]
    assert found == ["http://localhost:1313/leak/"]


def test_e1_in_a_feed_each_item_is_judged_on_its_own(out: Out) -> None:
    """A summary cut inside a code block leaves it open; the next item's leak still counts,
    and a sample inside the next item's own code block still does not."""
    out.write(
        "index.xml",
        "<rss><channel>"
        "<item><description>&lt;p&gt;Start with&lt;/p&gt;&lt;pre&gt;&lt;code&gt;hugo server"
        "</description></item>\n"
        "<item><description>&lt;p&gt;Preview at http://localhost:1313/leak/ &lt;/p&gt;"
        "&lt;pre&gt;http://localhost:1313/sample/&lt;/pre&gt;</description></item>\n"
        "<items>http://localhost:1313/not-an-item/</items>"
        "</channel></rss>",
    )
    found = [(f.url, f.line) for f in out.validate().findings if f.rule == "E1"]
    assert found == [
        ("http://localhost:1313/leak/", 2),
        ("http://localhost:1313/not-an-item/", 3),
    ]


def test_e1_in_a_feed_item_inside_a_comment_of_the_feed(out: Out) -> None:
    """An item the feed comments out is not read by anyone: its URL is not a leak."""
    out.write(
        "index.xml",
        "<rss><channel><!-- <item><description>http://localhost:1313/old/</description>"
        "</item> --><item><description>http://localhost:1313/new/</description></item>"
        "</channel></rss>",
    )
    found = [f.url for f in out.validate().findings if f.rule == "E1"]
    assert found == ["http://localhost:1313/new/"]


# -- the base URL, from the output ---------------------------------------------------------


def test_base_url_from_the_sitemap(out: Out) -> None:
    assert baseurl.infer(out.root) == (BASE, "sitemap.xml")


def test_base_url_from_a_sitemap_that_does_not_list_the_home_page(out: Out) -> None:
    out.write(
        "sitemap.xml",
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{BASE}blog/</loc></url><url><loc>{BASE}blog/post/</loc></url></urlset>",
    )
    assert baseurl.infer(out.root) == (BASE, "sitemap.xml")


def test_base_url_under_a_sub_path(tmp_path: Path) -> None:
    out = Out(tmp_path / "public", base="https://example.org/docs/v2/")
    assert baseurl.infer(out.root) == ("https://example.org/docs/v2/", "sitemap.xml")
    report = validate_public(out.root, env="production", production=True, jobs=1)
    assert (report.base_url, report.base_url_from) == (
        "https://example.org/docs/v2/",
        "sitemap.xml",
    )
    # the fixture's root-relative links ignore the sub-path (L1); nothing is "not on the
    # host" or "not in the sitemap"
    assert rules(report) == {"L1"}, report.to_text()


def test_base_url_from_canonical_then_og_url_then_none(out: Out) -> None:
    (out.root / "sitemap.xml").unlink()
    assert baseurl.infer(out.root) == (BASE, "canonical")
    home = (out.root / "index.html").read_text()
    home = home.replace(f'<link rel="canonical" href="{BASE}">', "")
    out.write(
        "index.html", home.replace("</head>", f'<meta property="og:url" content="{BASE}"></head>')
    )
    assert baseurl.infer(out.root) == (BASE, "og:url")
    out.write("index.html", alias(BASE + "en/"))  # a language picker: its canonical is no base
    assert baseurl.infer(out.root) == ("/", "none")
    report = validate_public(out.root, env="production", production=True, jobs=1)
    assert report.base_url_from == "none" and any("--base-url" in n for n in report.notices)


def test_base_url_given_wins(out: Out) -> None:
    report = out.validate()
    assert report.base_url_from == "option" and report.notices == []


# -- _redirects ------------------------------------------------------------------------------


def test_redirects_resolve_links_and_report_missing_targets(out: Out) -> None:
    out.add_page(
        "/news/",
        body='<a href="/old-about/">a</a> <a href="../legacy/post/">b</a> <a href="/nope/">c</a>',
    )
    out.write(
        "_redirects",
        "/old-about/  /about/  301\n/legacy/*  /blog/:splat  302\n/gone/  /removed/  301\n",
    )
    report = out.validate()
    assert [(f.rule, f.url) for f in report.findings if f.rule == "L1"] == [("L1", "/nope/")]
    # the splat resolves ../legacy/post/ to /blog/post, which exists, but S3 serves no splat
    [l11] = [f for f in report.findings if f.rule == "L11"]
    assert (l11.url, l11.severity, l11.file) == ("../legacy/post/", "warning", "news/index.html")
    assert "_redirects line 2" in l11.message and "S3 does not serve" in l11.message
    [l8] = [f for f in report.findings if f.rule == "L8"]
    assert (l8.file, l8.line, l8.severity) == ("_redirects", 3, "error")
    assert len(report.notices) == 1 and "S3 does not read _redirects" in report.notices[0]
    assert "2 plain rule(s)" in report.notices[0]


def test_a_link_redirected_to_a_missing_target_stays_broken(out: Out) -> None:
    """Splat, placeholder and plain rules alike: a reader sent to a page that is not in the
    output meets a 404, so the L1 error stays (the first matching rule decides, as on Netlify)."""
    out.add_page(
        "/news/",
        body='<a href="/legacy/x/">a</a> <a href="/en/old/">b</a> <a href="/gone/">c</a>'
        ' <a href="/de/old/">d</a> <a href="/moved/">e</a>',
    )
    out.write(
        "_redirects",
        "/legacy/*  /blog/:splat  301\n"
        "/:lang/old/  /:lang/new/  301\n"
        "/gone/  /removed/  301\n"
        "/moved/  /about/  308\n",
    )
    report = out.validate()
    l1 = sorted(f.url or "" for f in report.findings if f.rule == "L1")
    assert l1 == ["/de/old/", "/en/old/", "/gone/", "/legacy/x/"]
    assert all(f.severity == "error" for f in report.findings if f.rule == "L1")
    # an exact source with 308 is no plain rule either: it works, but not on S3
    [l11] = [f for f in report.findings if f.rule == "L11"]
    assert (l11.url, l11.severity) == ("/moved/", "warning") and "line 4" in l11.message
    assert [f.line for f in report.findings if f.rule == "L8"] == [3]


def test_a_plain_redirect_to_an_existing_page_reports_nothing(out: Out) -> None:
    out.add_page("/news/", body='<a href="/old-about/">a</a>')
    out.write("_redirects", "/old-about/  /about/  301\n")
    report = out.validate()
    assert {"L1", "L11", "L8"} & set(rules(report)) == set()


def test_no_redirects_file_no_notice(out: Out) -> None:
    report = out.validate()
    assert report.notices == [] and "L8" not in rules(report)


def test_e1_many_samples_and_leaks_in_one_file_in_order(out: Out) -> None:
    """One pass over a file: samples and uses alternate, each judged where it stands."""
    parts = []
    for i in range(50):
        parts.append(f"<pre>http://localhost:1313/s{i}/</pre>")
        if i % 10 == 0:
            parts.append(f'<p><a href="http://localhost:1313/u{i}/">use</a></p>')
        parts.append(f"<!-- http://localhost:1313/c{i}/ --><code>x</code>")
    out.add_page("/docs/", body="\n".join(parts))
    assert [u for u, _ in _e1(out)] == [f"http://localhost:1313/u{i}/" for i in range(0, 50, 10)]
