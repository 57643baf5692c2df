"""Findings on built pages mapped back to content files and layouts (``validate.sourcemap``).

The rows are shaped as ``hugo list all`` prints them; the corpus cases check the same on
real Hugo builds (``corpus/template-made`` and the ``source`` of every other case).
"""

from __future__ import annotations

from pathlib import Path

from hugopipe.validate.findings import Finding
from hugopipe.validate.sourcemap import (
    attach,
    content_by_output,
    needles,
    output_file,
    prose_line,
)
from hugopipe.validate.urls import Site

SITE = Site.from_base_url("https://docs.example.org/")
ROWS = [
    {"path": "content/_index.md", "permalink": "https://docs.example.org/"},
    {"path": "content/docs/install.md", "permalink": "https://docs.example.org/docs/install/"},
    {"path": "content/docs/api.md", "permalink": "https://docs.example.org/docs/api/"},
    {
        "path": "content/fr/docs/install.md",
        "permalink": "https://docs.example.org/fr/docs/install/",
    },
]
PAGES = [
    "index.html",
    "docs/install/index.html",
    "docs/api/index.html",
    "fr/docs/install/index.html",
]


def site_dir(tmp_path: Path) -> Path:
    (tmp_path / "content/docs").mkdir(parents=True)
    (tmp_path / "content/docs/install.md").write_text(
        "---\ntitle: Install\n---\nIntro.\n\nSee [the API](/docs/api/#auth) and [old](/docs/gone/).\n"
    )
    (tmp_path / "layouts/partials").mkdir(parents=True)
    (tmp_path / "layouts/partials/head.html").write_text(
        '<head>\n<meta charset="utf-8">\n<script src="{{ "js/app.js" | relURL }}"></script>\n</head>\n'
    )
    (tmp_path / "themes/ink/layouts/_default").mkdir(parents=True)
    (tmp_path / "themes/ink/layouts/_default/baseof.html").write_text(
        '<html>\n{{ partial "head.html" . }}\n<link rel="preload" href="/fonts/ink.woff2">\n</html>\n'
    )
    (tmp_path / "static/css").mkdir(parents=True)
    (tmp_path / "static/css/site.css").write_text("a{}\nb{background:url(../img/x.png)}\n")
    return tmp_path


def test_output_file_of_a_permalink() -> None:
    assert output_file(SITE, "https://docs.example.org/") == "index.html"
    assert output_file(SITE, "https://docs.example.org/a/b/") == "a/b/index.html"
    assert output_file(SITE, "https://docs.example.org/feed.xml") == "feed.xml"
    assert output_file(SITE, "https://docs.example.org/caf%C3%A9/") == "café/index.html"
    sub = Site.from_base_url("https://example.org/docs/")
    assert output_file(sub, "https://example.org/docs/a/") == "a/index.html"
    # a permalink on another host (hugo list ran with another baseURL): its path still maps
    assert output_file(SITE, "http://localhost:1313/a/") == "a/index.html"
    assert (
        content_by_output(SITE, ROWS)["fr/docs/install/index.html"] == "content/fr/docs/install.md"
    )


def test_needles_strict_for_content_loose_for_layouts() -> None:
    f = Finding.of("L1", "a/index.html", "m", url="https://docs.example.org/css/x.css?v=1")
    assert needles(f) == [
        "https://docs.example.org/css/x.css?v=1",
        "/css/x.css",
        "https://docs.example.org/css/x.css",
    ]
    assert needles(f, loose=True)[-2:] == ["css/x.css", "x.css"]
    assert needles(Finding.of("S7", "a/index.html", "canonical missing")) == ["<head"]
    assert needles(Finding.of("P1", "a/index.html", "empty")) == []


def test_source_names_content_file_and_line(tmp_path: Path) -> None:
    d = site_dir(tmp_path)
    findings = [
        Finding.of("L2", "docs/install/index.html", "m", url="/docs/api/#auth", line=40),
        Finding.of("L1", "docs/install/index.html", "m", url="/docs/gone/", line=41),
        Finding.of("L1", "css/site.css", "m", url="../img/x.png", line=2),
        Finding.of("L1", "tags/index.html", "m", url="/x/"),  # no content file made it
        Finding.of("F1", "content/docs/install.md", "m", line=3),  # a source finding: as is
    ]
    attach(findings, SITE, d, ROWS, documents=100)
    got = [(f.source.path, f.source.line) if f.source else None for f in findings]
    assert got == [
        ("content/docs/install.md", 6),
        ("content/docs/install.md", 6),
        ("static/css/site.css", 2),
        None,
        None,
    ]
    assert all(f.template is None for f in findings)
    assert findings[0].line == 40  # the built file's line is kept


DOC = """---
title: Run
---
```sh
Web Server is available at http://localhost:1313/
```

The server listens on `http://localhost:1313/` by default.

~~~
http://localhost:1313/ again
~~~

Open [the preview](http://localhost:1313/) now.
"""


def test_a_leak_maps_to_the_line_outside_code() -> None:
    url = "http://localhost:1313/"
    assert prose_line(DOC, url) == 14  # not the fenced samples (5, 11) nor the backticks (8)
    assert prose_line("`x http://localhost:1313/`\n", url) == 1  # only in code: the first
    assert prose_line("nothing here\n", url) is None


def test_attach_maps_e1_to_prose_and_other_rules_to_the_first_line(tmp_path: Path) -> None:
    d = site_dir(tmp_path)
    (d / "content/docs/install.md").write_text(DOC)
    e1 = Finding.of("E1", "docs/install/index.html", "m", url="http://localhost:1313/")
    l1 = Finding.of("L1", "docs/install/index.html", "m", url="http://localhost:1313/")
    attach([e1, l1], SITE, d, ROWS, documents=100)
    assert e1.source is not None and e1.source.line == 14
    assert l1.source is not None and l1.source.line == 5


def test_same_finding_on_nearly_every_page_names_the_layout(tmp_path: Path) -> None:
    d = site_dir(tmp_path)
    script = [Finding.of("L1", p, "m", url="/js/app.js") for p in PAGES]
    hint = [Finding.of("L10", p, "m", url="/fonts/ink.woff2") for p in PAGES[:3]]
    canon = [Finding.of("S7", p, "canonical link missing") for p in PAGES]
    rare = [Finding.of("L1", p, "m", url="/only/here/") for p in PAGES[:2]]
    attach(script + hint + canon + rare, SITE, d, ROWS, documents=4)
    t = script[0].template
    assert t is not None and (t.path, t.line, t.pages) == ("layouts/partials/head.html", 3, 4)
    assert all(f.template == t for f in script)
    assert script[1].source is not None and script[1].source.line is None  # not in content
    # 3 of 4 pages is under 90 %: not a template finding
    assert all(f.template is None for f in hint + rare)
    c = canon[0].template
    assert c is not None and (c.path, c.line, c.pages) == ("layouts/partials/head.html", 1, 4)


def test_template_in_a_theme_and_text_in_no_layout(tmp_path: Path) -> None:
    d = site_dir(tmp_path)
    hint = [Finding.of("L10", p, "m", url="/fonts/ink.woff2") for p in PAGES]
    odd = [Finding.of("L1", p, "m", url="/generated/by/js/") for p in PAGES]
    attach(hint + odd, SITE, d, ROWS, documents=4)
    t = hint[0].template
    assert t is not None and (t.path, t.line) == ("themes/ink/layouts/_default/baseof.html", 3)
    o = odd[0].template
    assert o is not None and (o.path, o.line, o.pages) == (None, None, 4)


def test_findings_serialise_source_and_template(tmp_path: Path) -> None:
    d = site_dir(tmp_path)
    fs = [Finding.of("L1", p, "m", url="/js/app.js") for p in PAGES]
    attach(fs, SITE, d, ROWS, documents=4)
    dumped = fs[1].model_dump(mode="json")
    assert dumped["source"] == {"path": "content/docs/install.md", "line": None}
    assert dumped["template"] == {"path": "layouts/partials/head.html", "line": 3, "pages": 4}
    assert Finding.of("L1", "a.html", "m").model_dump()["source"] is None
