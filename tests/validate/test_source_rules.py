"""Front matter rules on content/: every error names the content file and the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hugopipe.validate import validate_source
from tests.support import EXAMPLE_SITE

SITE_TOML = 'baseURL = "https://www.example.org/"\ntitle = "T"\n'


@pytest.fixture
def site(tmp_path: Path) -> Path:
    s = tmp_path / "site"
    (s / "content" / "blog").mkdir(parents=True)
    (s / "hugo.toml").write_text(SITE_TOML)
    (s / "static" / "img").mkdir(parents=True)
    (s / "static" / "img" / "ok.png").write_bytes(b"png")
    (s / "content" / "blog" / "good.md").write_text(
        "---\ntitle: Good post\ndate: 2024-02-03\nimages: [/img/ok.png]\n---\nBody\n"
    )
    return s


def _write(site: Path, rel: str, text: str) -> None:
    p = site / "content" / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def test_good_source_has_no_findings(site: Path) -> None:
    report = validate_source(site, "production", config={})
    assert report.findings == [], report.to_text()


def test_f1_yaml_error_names_file_and_line(site: Path) -> None:
    _write(site, "blog/bad.md", "---\ntitle: Bad\ntags: [a, b\ndate: 2024-01-01\n---\nx\n")
    [f] = validate_source(site, "production", config={}).findings
    assert (f.rule, f.file) == ("F1", "content/blog/bad.md")
    assert f.line in (4, 5)  # PyYAML reports where the flow sequence breaks (line 4 in the file)


def test_f1_yaml_error_line_counts_opening_delimiter(site: Path) -> None:
    _write(site, "blog/bad.md", '---\ntitle: ok\ndescription: "unterminated\n---\nx\n')
    [f] = validate_source(site, "production", config={}).findings
    assert f.rule == "F1" and f.file == "content/blog/bad.md" and f.line is not None and f.line >= 3


def test_f1_toml_error_names_file_and_line(site: Path) -> None:
    _write(site, "blog/t.md", '+++\ntitle = "T"\ndate = = 2024\n+++\nx\n')
    [f] = validate_source(site, "production", config={}).findings
    assert (f.rule, f.file, f.line) == ("F1", "content/blog/t.md", 3)


def test_f1_unclosed_front_matter(site: Path) -> None:
    _write(site, "blog/u.md", "---\ntitle: never closed\nbody\n")
    [f] = validate_source(site, "production", config={}).findings
    assert (f.rule, f.line) == ("F1", 1)


def test_toml_front_matter_is_read(site: Path) -> None:
    _write(site, "blog/t.md", '+++\ntitle = "T is here"\ndate = 2024-01-01\n+++\nx\n')
    assert validate_source(site, "production", config={}).findings == []


def test_f2_impossible_and_non_dates(site: Path) -> None:
    _write(site, "blog/d1.md", "---\ntitle: D\ndate: 2020-13-45\n---\nx\n")
    _write(site, "blog/d2.md", "---\ntitle: D\npublishDate: next tuesday\n---\nx\n")
    found = {
        (f.file, f.line)
        for f in validate_source(site, "production", config={}).findings
        if f.rule == "F2"
    }
    assert found == {("content/blog/d1.md", 3), ("content/blog/d2.md", 3)}


def test_f3_required_keys_per_section_and_layout(site: Path) -> None:
    _write(site, "blog/nodesc.md", "---\ntitle: No description\n---\nx\n")
    _write(site, "promo.md", "---\ntitle: Promo\nlayout: landing\n---\nx\n")
    cfg = {"required": {"blog": ["title", "date"], "layout:landing": ["form_id"]}}
    found = {
        (f.file, f.message.split("'")[1])
        for f in validate_source(site, "production", config=cfg).findings
    }
    assert found == {("content/blog/nodesc.md", "date"), ("content/promo.md", "form_id")}


def test_f4_non_canonical_draft(site: Path) -> None:
    _write(site, "blog/y.md", "---\ntitle: Yes draft\ndraft: yes\n---\nx\n")
    _write(site, "blog/s.md", '---\ntitle: String draft\ndraft: "true"\n---\nx\n')
    _write(site, "blog/ok.md", "---\ntitle: Real draft\ndraft: true\n---\nx\n")
    found = {
        (f.file, f.line)
        for f in validate_source(site, "production", config={}).findings
        if f.rule == "F4"
    }
    assert found == {("content/blog/y.md", 3), ("content/blog/s.md", 3)}


def test_f5_duplicate_url_and_alias(site: Path) -> None:
    _write(site, "blog/a.md", "---\ntitle: A\nurl: /same/\n---\nx\n")
    _write(site, "blog/b.md", "---\ntitle: B\nurl: /same/\n---\nx\n")
    _write(site, "blog/c.md", "---\ntitle: C\naliases: [/blog/good/]\n---\nx\n")
    _write(site, "blog/d.md", "---\ntitle: D\naliases: [/blog/d/, /moved/]\n---\nx\n")
    _write(site, "blog/e.md", "---\ntitle: E\naliases: [/moved/]\n---\nx\n")
    found = validate_source(site, "production", config={}).findings
    f5 = [f for f in found if f.rule == "F5"]
    # two pages on one URL, two pages claiming one alias, and an alias that is another
    # page's URL (Hugo writes the redirect over that page): each loses a page (error).
    # An alias that is the page's own URL is harmless: nothing.
    assert {(f.file, f.url, f.severity) for f in f5} == {
        ("content/blog/b.md", "/same/", "error"),
        ("content/blog/c.md", "/blog/good/", "error"),
        ("content/blog/e.md", "/moved/", "error"),
    }, f5


def test_f6_missing_front_matter_image(site: Path) -> None:
    _write(
        site,
        "blog/i.md",
        "---\ntitle: I\nimages: [/img/nope.png, https://cdn.example.net/x.png]\n---\nx\n",
    )
    [f] = validate_source(site, "production", config={}).findings
    assert (f.rule, f.url, f.line) == ("F6", "/img/nope.png", 3)


def test_f6_page_bundle_image(site: Path) -> None:
    _write(site, "blog/b/index.md", "---\ntitle: Bundle\nimages: [cover.jpg]\n---\nx\n")
    assert [f.rule for f in validate_source(site, "production", config={}).findings] == ["F6"]
    (site / "content/blog/b/cover.jpg").write_bytes(b"jpg")
    assert validate_source(site, "production", config={}).findings == []


def test_example_site_source_is_clean(tmp_path: Path) -> None:
    s = tmp_path / "site"
    shutil.copytree(EXAMPLE_SITE, s, ignore=shutil.ignore_patterns("public", "resources"))
    for env in ("dev", "staging", "production"):
        report = validate_source(s, env)
        assert report.errors == [], report.to_text()
