"""One failing and one passing fixture per output rule, on small hand-written outputs."""

from __future__ import annotations

import pytest

from hugopipe.validate import RULES
from tests.validate.fixtures import BASE, DESC, Out, alias, page, rules


def test_good_site_has_no_findings(out: Out) -> None:
    report = out.validate()
    assert report.findings == [], report.to_text()
    assert report.ok


def test_l1_broken_link_names_page_and_link(out: Out) -> None:
    out.add_page("/news/", body='<a href="/no-such-page/">gone</a> <a href="/about/">ok</a>')
    report = out.validate()
    [f] = [f for f in report.findings if f.rule == "L1"]
    assert f.file == "news/index.html" and f.url == "/no-such-page/" and f.severity == "error"
    assert not report.ok


@pytest.mark.parametrize(
    "html",
    [
        '<img src="missing.png" alt="x">',
        '<img src="/img/a.png" srcset="/img/a.png 1x, /img/b.png 2x" alt="x">',
        '<script src="/js/missing.js"></script>',
        '<video poster="/img/poster.jpg"></video>',
        '<iframe src="/embed/"></iframe>',
        '<div style="background:url(/img/bg.png)">x</div>',
        "<a href='https://www.example.org/gone/'>absolute to own host</a>",
    ],
)
def test_l1_covers_assets_srcset_css_and_absolute(out: Out, html: str) -> None:
    out.add_page("/assets/", body=f"<p>text</p>{html}")
    assert "L1" in rules(out.validate())


def test_l1_css_url_in_stylesheet(out: Out) -> None:
    out.write("css/site.css", "body{background:url(../img/none.png)}")
    [f] = [f for f in out.validate().findings if f.rule == "L1"]
    assert f.file == "css/site.css" and "none.png" in f.url


def test_l1_passes_relative_index_query_and_base_href(out: Out) -> None:
    out.add_page(
        "/x/",
        body='<a href="../about/">a</a> <a href="../blog/post/index.html">b</a> '
        f'<a href="/blog/?q=1">c</a> <a href="{BASE}about/">d</a> <a href="//www.example.org/blog/">e</a>',
    )
    out.add_page("/y/", body='<a href="about/">relative to base</a>', head='<base href="/">')
    report = out.validate()
    assert "L1" not in rules(report), report.to_text()


def test_l1_subpath_base_url(tmp_path) -> None:
    """A site served under /docs/: Hugo writes public/ without the prefix, links carry it."""
    base = "https://host.example/docs/"
    o = Out(tmp_path / "p", base=base)
    for rel in ("index.html", "about/index.html", "blog/index.html", "blog/post/index.html"):
        p = o.root / rel
        p.write_text(
            p.read_text().replace('href="/', 'href="/docs/').replace('src="/', 'src="/docs/')
        )
    o.add_page("/x/", body='<a href="/docs/about/">in</a> <a href="../blog/">rel</a>')
    report = o.validate()
    assert report.findings == [], report.to_text()
    o.add_page("/z/", body='<a href="/about/">forgot the prefix</a>')
    [f] = [f for f in o.validate().findings if f.rule == "L1"]
    assert f.url == "/about/" and "base path" in f.message


def test_l2_fragment(out: Out) -> None:
    out.add_page("/f/", body='<a href="/blog/post/#nope">x</a> <a href="#self-missing">y</a>')
    found = [f for f in out.validate().findings if f.rule == "L2"]
    assert {f.url for f in found} == {"/blog/post/#nope", "#self-missing"}


def test_l2_passes_name_anchor_encoded_top_and_text_fragment(out: Out) -> None:
    out.add_page(
        "/f/",
        body='<h2 id="über">U</h2><a name="legacy"></a><a href="#%C3%BCber">u</a>'
        '<a href="#legacy">l</a><a href="#top">t</a><a href="#">h</a>'
        '<a href="/blog/post/#:~:text=Part">tf</a><a href="/blog/post/#part-2">p</a>',
    )
    assert "L2" not in rules(out.validate())


def test_l2_skip_fragments_config(out: Out) -> None:
    out.add_page("/app/", body='<a href="#/route/1">client route</a>')
    assert "L2" in rules(out.validate())
    assert "L2" not in rules(out.validate(config={"skip_fragments": ["^#/"]}))


def test_l3_slashless_directory_is_warning(out: Out) -> None:
    out.add_page("/s/", body='<a href="/about">about</a>')
    [f] = [f for f in out.validate().findings if f.rule == "L3"]
    assert f.severity == "warning"
    out.add_page("/s2/", body='<a href="/about/">about</a>')
    assert len([f for f in out.validate().findings if f.rule == "L3"]) == 1


def test_l4_alias_page_link_and_alias_excluded_from_page_rules(out: Out) -> None:
    out.write("old/index.html", alias(BASE + "about/"))
    report = out.validate()
    assert rules(report) == set(), report.to_text()  # alias page: no S/A/M findings
    out.add_page("/l/", body='<a href="/old/">old</a>')
    assert "L4" in rules(out.validate())


def test_l4_alias_to_missing_target_is_l1(out: Out) -> None:
    out.write("old/index.html", alias(BASE + "gone/"))
    assert "L1" in rules(out.validate())


def test_l5_empty_href(out: Out) -> None:
    out.add_page("/e/", body='<a href="">empty</a>')
    assert "L5" in rules(out.validate())


def test_l6_case_mismatch(out: Out) -> None:
    out.add_page("/c/", body='<a href="/About/">About</a>')
    report = out.validate()
    assert "L6" in rules(report) and "L1" not in rules(report)


def test_l7_off_by_default_and_enabled_by_config(out: Out) -> None:
    out.add_page("/abs/", body=f'<a href="{BASE}about/">about</a>')
    assert "L7" not in rules(out.validate())
    report = out.validate(config={"severity": {"L7": "warning"}})
    assert [(f.rule, f.file) for f in report.findings] == [("L7", "abs/index.html")]


def test_e1_localhost_and_other_env_host(out: Out) -> None:
    out.add_page("/dev/", body='<a href="http://localhost:1313/about/">dev</a>')
    [f] = [f for f in out.validate().findings if f.rule == "E1"]
    assert f.severity == "error" and "localhost:1313" in f.url
    staging = out.validate(env="staging", production=False)
    assert [f.severity for f in staging.findings if f.rule == "E1"] == ["warning"]
    out.add_page("/st/", body='<a href="https://staging.example.org/x/">st</a>')
    assert "E1" not in {f.rule for f in out.validate().findings if "staging" in (f.url or "")}
    cfg = {"other_hosts": ["staging.example.org"]}
    assert any(
        "staging" in (f.url or "") for f in out.validate(config=cfg).findings if f.rule == "E1"
    )


def test_e1_private_address_in_css_and_xml(out: Out) -> None:
    out.write("css/site.css", "body{background:url(http://192.168.1.20/x.png)}")
    out.write("index.xml", "<rss><link>http://10.0.0.5:8080/feed</link></rss>")
    files = {f.file for f in out.validate().findings if f.rule == "E1"}
    assert files == {"css/site.css", "index.xml"}


def test_e1_own_localhost_base_is_not_a_leak(tmp_path) -> None:
    o = Out(tmp_path / "p", base="http://localhost:1313/")
    report = o.validate(env="dev", production=False)
    assert "E1" not in rules(report), report.to_text()


def test_e2_livereload(out: Out) -> None:
    out.write("livereload.js", "x")
    out.add_page("/lr/", head='<script src="/livereload.js?port=1313"></script>')
    assert "E2" in rules(out.validate())


def test_e3_canonical_on_other_host(out: Out) -> None:
    out.write("index.html", page("/", base="https://staging.example.org/"))
    assert "E3" in rules(out.validate()) or "E1" in rules(out.validate())
    out.write(
        "sitemap.xml",
        out.root.joinpath("sitemap.xml")
        .read_text()
        .replace("www.example.org", "staging.example.org"),
    )
    assert "E3" in rules(out.validate())


def test_e4_mixed_content(out: Out) -> None:
    out.add_page("/m/", body='<img src="http://cdn.example.net/a.png" alt="a">')
    assert "E4" in rules(out.validate())
    out.add_page("/m2/", body='<a href="http://other.example.net/">plain link is fine</a>')
    assert [f.file for f in out.validate().findings if f.rule == "E4"] == ["m/index.html"]


def test_e5_production_home_noindex(out: Out) -> None:
    out.write("index.html", page("/", head='<meta name="robots" content="noindex">'))
    assert "E5" in rules(out.validate())
    assert "E5" not in rules(out.validate(env="staging", production=False))


def test_r1_disallow_all_in_production(out: Out) -> None:
    out.write("robots.txt", "User-agent: *\nDisallow: /\n")
    assert "R1" in rules(out.validate())
    out.write(
        "robots.txt",
        "User-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /private/\nSitemap: https://www.example.org/sitemap.xml\n",
    )
    assert "R1" not in rules(out.validate())


def test_r2_missing_robots(out: Out) -> None:
    (out.root / "robots.txt").unlink()
    assert "R2" in rules(out.validate())


def test_r3_staging_must_not_be_indexable_when_configured(out: Out) -> None:
    cfg = {"environments": {"staging": {"indexable": False}}}
    report = out.validate(env="staging", production=False, config=cfg)
    assert [f.severity for f in report.findings if f.rule == "R3"] == ["error"]
    out.write("robots.txt", "User-agent: *\nDisallow: /\n")
    assert "R3" not in rules(out.validate(env="staging", production=False, config=cfg))


def test_m1_sitemap_missing_and_malformed(out: Out) -> None:
    (out.root / "sitemap.xml").unlink()
    assert "M1" in rules(out.validate())
    out.write("sitemap.xml", "<urlset><url>")
    assert "M1" in rules(out.validate())


def test_m2_sitemap_url_missing(out: Out) -> None:
    out.pages.append("/ghost/")
    out.refresh_sitemap()
    [f] = [f for f in out.validate().findings if f.rule == "M2"]
    assert f.url == BASE + "ghost/"


def test_m3_page_not_in_sitemap(out: Out) -> None:
    out.write("extra/index.html", page("/extra/"))
    [f] = [f for f in out.validate().findings if f.rule == "M3"]
    assert f.file == "extra/index.html"
    out.write("404.html", page("/404.html", title="Page not found here"))
    out.write("blog/page/2/index.html", page("/blog/page/2/", title="Blog page two of many"))
    assert len([f for f in out.validate().findings if f.rule == "M3"]) == 1


def test_m_sitemap_index(out: Out) -> None:
    child = out.root.joinpath("sitemap.xml").read_text()
    out.write("en/sitemap.xml", child)
    out.write(
        "sitemap.xml",
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{BASE}en/sitemap.xml</loc></sitemap></sitemapindex>",
    )
    assert out.validate().findings == []


def test_s1_title_missing(out: Out) -> None:
    out.add_page("/t/", title="")
    assert "S1" in rules(out.validate())


def test_s2_title_length(out: Out) -> None:
    out.add_page("/t/", title="Short")
    assert "S2" in rules(out.validate())


def test_s3_duplicate_title(out: Out) -> None:
    out.add_page("/t1/", title="The same title twice")
    out.add_page("/t2/", title="The same title twice")
    [f] = [f for f in out.validate().findings if f.rule == "S3"]
    assert "t1/index.html" in f.message


def test_s4_description_missing_and_s5_duplicate(out: Out) -> None:
    out.add_page("/d/", description=None)
    assert "S4" in rules(out.validate())
    out.write("d/index.html", page("/d/").replace('/d/">', '/about/">'))
    report = out.validate()
    assert "S4" not in rules(report) and "S5" in rules(report)


def test_s6_lang_and_doctype(out: Out) -> None:
    out.add_page("/l/", lang="")
    assert "S6" in rules(out.validate())


def test_s7_canonical_missing(out: Out) -> None:
    out.add_page("/c/", canonical=False)
    assert "S7" in rules(out.validate())


def test_a1_img_without_alt_and_decorative_empty_alt_ok(out: Out) -> None:
    out.add_page("/i/", body='<p>x</p><img src="/img/a.png" alt="">')
    assert "A1" not in rules(out.validate())
    out.add_page("/i2/", body='<p>x</p><img src="/img/a.png">')
    assert "A1" in rules(out.validate())


def test_a2_link_without_name(out: Out) -> None:
    out.add_page(
        "/a/",
        body='<p>x</p><a href="/about/" aria-label="About">  </a><a href="/about/"><img src="/img/a.png" alt="About"></a>',
    )
    assert "A2" not in rules(out.validate())
    out.add_page("/a2/", body='<p>x</p><a href="/about/"><img src="/img/a.png" alt=""></a>')
    assert "A2" in rules(out.validate())


def test_p1_empty_page(out: Out) -> None:
    out.add_page("/empty/", body="  ")
    assert "P1" in rules(out.validate())


def test_p2_file_size(out: Out) -> None:
    out.write("img/big.png", "x" * 3000)
    assert "P2" in rules(out.validate(config={"max_image_kb": 2}))
    assert "P2" not in rules(out.validate(config={"max_image_kb": 4}))


def test_verification_file_is_not_a_page(out: Out) -> None:
    out.write("google1234.html", "google-site-verification: google1234.html")
    assert out.validate().findings == []


def test_data_proofer_ignore(out: Out) -> None:
    out.add_page("/ig/", body='<p>x</p><a href="/nope/" data-proofer-ignore>skip</a>')
    assert "L1" not in rules(out.validate())


def test_accepting_a_finding_keeps_it_but_unblocks(out: Out) -> None:
    out.add_page("/news/", body='<a href="/legacy-shop/">shop</a>')
    cfg = {"accept": [{"rule": "L1", "url": "/legacy-shop/*", "reason": "served by the old app"}]}
    report = out.validate(config=cfg)
    [f] = [f for f in report.findings if f.rule == "L1"]
    assert f.accepted and f.accepted_reason == "served by the old app"
    assert report.ok and report.errors == []
    expired = {"accept": [{**cfg["accept"][0], "until": __import__("datetime").date(2000, 1, 1)}]}
    assert not out.validate(config=expired).ok


def test_severity_override_per_environment(out: Out) -> None:
    out.add_page("/s/", body='<a href="/about">about</a>')
    cfg = {"environments": {"production": {"severity": {"L3": "error"}}}}
    assert not out.validate(config=cfg).ok
    assert out.validate(env="staging", production=False, config=cfg).ok


def test_unknown_rule_in_config_is_a_config_error(out: Out) -> None:
    from hugopipe.errors import ConfigError

    with pytest.raises(ConfigError, match="Z9"):
        out.validate(config={"severity": {"Z9": "off"}})


def test_renderings(out: Out) -> None:
    out.add_page("/news/", body='<a href="/gone/">gone | pipe</a>')
    report = out.validate()
    rows = report.to_table_rows()
    assert rows[0]["rule"] == "L1" and rows[0]["file"] == "news/index.html"
    md = report.to_markdown()
    assert "| error | L1 | `news/index.html:1` | /gone/ |" in md
    data = report.model_dump(mode="json")
    assert data["findings"][0]["url"] == "/gone/"


def test_every_rule_has_a_hint() -> None:
    assert all(r.hint for r in RULES.values())


def test_process_pool_gives_same_result_as_single_process(out: Out) -> None:
    """The whole-site rules read what the parent files away as each worker's records
    arrive (L2, L4, S3, S5, M2, M3): in a pool they must see what one process sees."""
    from hugopipe.validate import validate_public

    n = 220
    for i in range(n):
        out.add_page(
            f"/bulk/p{i}/",
            body=f'<h2 id="h{i}">H</h2><a href="/bulk/p{(i + 1) % n}/">next</a>'
            f'<a href="/bulk/missing{i % 3}/">x</a>'
            f'<a href="/bulk/p{(i * 7) % n}/#h{(i * 7) % n}">ok</a>'
            f'<a href="/bulk/p{(i * 11) % n}/#nope">bad</a>'
            f'<a href="/bulk/old{i % 5}/#h{i % 5}">old</a>'  # alias before its target
            f'<a href="/bulk/zz/{"#h1" if i % 10 else "#nope"}">zz</a>',  # alias after it
            title="Same title" if i % 50 == 0 else None,
            description=None if i % 60 == 0 else DESC,
            head=('<meta name="description" content="Same description for these pages">' if i % 60 == 0 else "")
            + ('<meta name="robots" content="noindex">' if i % 70 == 0 else ""),
        )  # fmt: skip
    for j in range(5):
        out.write(f"bulk/old{j}/index.html", alias(f"/bulk/p{j}/"))
    out.write("bulk/zz/index.html", alias("/bulk/p1/"))
    out.pages = [u for u in out.pages if u != "/bulk/p3/"] + ["/bulk/old0/"]
    out.refresh_sitemap()
    one = validate_public(out.root, base_url=BASE, env="production", production=True, jobs=1)
    two = validate_public(out.root, base_url=BASE, env="production", production=True, jobs=2)
    assert [f.model_dump() for f in one.findings] == [f.model_dump() for f in two.findings]
    assert one.checked == two.checked
    count = {r: sum(f.rule == r for f in two.findings) for r in ("L1", "L2", "L4", "S3", "S5")}
    # same title: p0/50/100/150/200, same description: p0/60/120/180; p0 is noindex
    assert count == {"L1": n, "L2": n + n // 10, "L4": 2 * n, "S3": 3, "S5": 2}
    m2 = [f.message for f in two.findings if f.rule == "M2"]
    assert sum("alias" in m for m in m2) == 1  # old0 in the sitemap
    assert sum("noindex" in m for m in m2) == 4  # p0/70/140/210
    m3 = [f.file for f in two.findings if f.rule == "M3"]
    assert m3 == ["bulk/p3/index.html"]


def test_cli_in_process_keeps_no_records_and_leaves_the_collector_on(
    out: Out, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only the console script, which ends with os._exit, keeps the page records unfreed
    and turns the cyclic collector off; ``main`` run in-process must leave neither."""
    import gc
    import json

    from hugopipe.cli import cmd_validate
    from hugopipe.cli.main import main

    code = main(["validate", "--public", str(out.root), "--base-url", BASE, "--env", "production", "--json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out)["checked"]["pages"] == 4
    assert gc.isenabled()
    assert cmd_validate._KEEP == []
