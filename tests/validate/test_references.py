"""Every reference a browser follows, and the severity of each kind when it leads nowhere.

Hand-written outputs (``fixtures.Out``); the same kinds on a real Hugo build are in the
precision corpus (``corpus/svg-sprite``, ``css-fonts``, ``page-references``, ``template-made``).
"""

from __future__ import annotations

import pytest

from hugopipe.validate.extract import srcset_urls, svg_ids
from hugopipe.validate.records import blob_items
from tests.validate.fixtures import Out

SPRITE = (
    '<svg xmlns="http://www.w3.org/2000/svg"><symbol id="icon-a" viewBox="0 0 1 1"/>'
    "<symbol id='icon-b'/><path data-id=\"not-an-id\"/></svg>"
)


def found(out: Out) -> list[tuple[str, str, str | None]]:
    return sorted((f.rule, f.severity, f.url) for f in out.validate().findings)


def test_svg_use_same_page_and_sprite_file(out: Out) -> None:
    out.write("icons/sprite.svg", SPRITE)
    out.add_page(
        "/pics/",
        body='<svg style="display:none"><symbol id="logo"></symbol></svg>'
        '<svg><use href="#logo"></use><use href="#no-symbol"></use></svg>'
        '<svg><use href="/icons/sprite.svg#icon-a"></use>'
        '<use xlink:href="/icons/sprite.svg#icon-b"></use>'
        '<use href="sprite.svg#icon-a"></use>'  # relative to the page's folder: none there
        '<use href="/icons/sprite.svg#icon-gone"></use></svg>',
    )
    assert found(out) == [
        ("L1", "error", "sprite.svg#icon-a"),
        ("L2", "error", "#no-symbol"),
        ("L2", "error", "/icons/sprite.svg#icon-gone"),
    ]


def test_svg_image_and_xlink_anchor(out: Out) -> None:
    out.add_page(
        "/svg/",
        body='<svg><image href="/img/a.png"/><image xlink:href="/img/none.png"/>'
        '<a xlink:href="/about/">ok</a><a xlink:href="/gone/">gone</a></svg>',
    )
    assert found(out) == [("L1", "error", "/gone/"), ("L1", "error", "/img/none.png")]


def test_data_proofer_ignore_on_use(out: Out) -> None:
    out.add_page("/i/", body='<svg><use data-proofer-ignore href="#nothing"></use></svg>')
    assert found(out) == []


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<form action="/search/"><input name=q></form>', [("L1", "error", "/search/")]),
        ('<form method="GET" action="/about/"></form>', []),
        ('<form action=""></form><form></form>', []),  # posts to the page itself
        ('<form method="post" action="/api/send"></form>', [("L10", "warning", "/api/send")]),
        ('<form method="dialog" action="/x/"></form>', []),
    ],
)
def test_form_action(out: Out, html: str, expected: list) -> None:
    out.add_page("/form/", body=f"<p>Write to us</p>{html}")
    assert found(out) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<link rel="preload" href="/fonts/x.woff2" as="font">', "L10"),
        ('<link rel="modulepreload" href="/js/m.js">', "L10"),
        ('<link rel="prefetch" href="/next/">', "L10"),
        ('<link rel="manifest" href="/site.webmanifest">', "L10"),
        ('<link rel="stylesheet" href="/css/none.css">', "L1"),
        ('<link rel="icon" href="/favicon.ico">', "L1"),
        ('<link rel="alternate" hreflang="fr" href="/fr/">', "L1"),
        ('<link rel="preload" href="/FAVICON.PNG" as="image">', "L10"),  # not L6: a hint
    ],
)
def test_link_rel_severity(out: Out, head: str, expected: str) -> None:
    out.write("favicon.png", "png")
    out.add_page("/head/", head=head)
    [(rule, severity, _)] = found(out)
    assert rule == expected
    assert severity == ("warning" if expected == "L10" else "error")


def test_media_and_embeds(out: Out) -> None:
    out.write("media/clip.mp4", "x")
    out.add_page(
        "/media/",
        body='<video src="/media/clip.mp4" poster="/img/none.jpg"><track src="/subs.vtt">'
        '<source src="/media/clip.mp4" srcset="/img/a.png 1x,\n\t/img/b.png 2x"></video>'
        '<audio src="/media/gone.mp3"></audio><object data="/doc.pdf"></object>'
        '<embed src="/media/clip.mp4"><map><area href="/nowhere/" alt="x"></map>',
        head='<meta http-equiv="refresh" content="30; URL=\'/later/\'">',
    )
    assert found(out) == [
        ("L1", "error", "/doc.pdf"),
        ("L1", "error", "/img/b.png"),
        ("L1", "error", "/img/none.jpg"),
        ("L1", "error", "/later/"),
        ("L1", "error", "/media/gone.mp3"),
        ("L1", "error", "/nowhere/"),
        ("L1", "error", "/subs.vtt"),
    ]


def test_css_urls_resolve_relative_to_the_css_file(out: Out) -> None:
    out.write("fonts/a.woff2", "x")
    out.write(
        "css/fonts.css",
        '@font-face{src:url("../fonts/a.woff2") format("woff2"),url(../fonts/a.woff2?#iefix)}\n'
        "@font-face{src:url('../fonts/b.woff2')}\n@import 'more.css';\n",
    )
    out.add_page("/s/", body='<p style="background:url(img/a.png)">x</p>')
    out.add_page("/t/", head="<style>body{background:url(/img/a.png)}</style>")
    assert sorted((f.rule, f.file, f.url, f.line) for f in out.validate().findings) == [
        ("L1", "css/fonts.css", "../fonts/b.woff2", 2),
        ("L1", "css/fonts.css", "more.css", 3),
        ("L1", "s/index.html", "img/a.png", 1),
    ]


def test_srcset_urls_and_svg_ids() -> None:
    assert srcset_urls("a.png 1x,b.png\n2x, c.png ,") == ["a.png", "b.png", "c.png"]
    assert blob_items(svg_ids(SPRITE.encode())) == ["icon-a", "icon-b"]
    assert svg_ids(b"<svg/>") == ""
