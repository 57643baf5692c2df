"""The production approval form, as a pure function: table-tested without Prefect or a bucket."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from hugopipe.approval import form
from hugopipe.approval.source import Commit, source_commit, source_hash
from hugopipe.deploy.headers import Headers
from hugopipe.deploy.models import DeleteItem, DeployPlan, UploadItem, UploadReason

H = Headers(content_type="text/html")


def _up(path: str, reason: UploadReason = UploadReason.NEW, size: int = 100) -> UploadItem:
    return UploadItem(key=path, path=path, reason=reason, sha256="0" * 64, size=size, headers=H)


def _plan(uploads: list[UploadItem], deletes: list[str] = (), **kw) -> DeployPlan:  # type: ignore[assignment]
    return DeployPlan(
        target="production",
        bucket="site-prod",
        endpoint=kw.pop("endpoint", None),
        base_url="https://www.example.com/",
        release_id="r1",
        remote_source="manifest",
        uploads=uploads,
        deletes=[DeleteItem(key=k) for k in deletes],
        invalidation_paths=kw.pop("paths", []),
        **kw,
    )


# A first publish as the issue saw it: 29 pages and a pile of hashed assets, assets first.
ASSETS = [_up(f"img/p{i}.{'a' * 8}.jpg") for i in range(12)] + [
    _up("css/main.1234.css"),
    _up("js/app.99.js"),
    _up("fonts/x.woff2"),
]
PAGES = (
    [_up("index.html")]
    + [_up(f"blog/post-{i:02}/index.html") for i in range(27)]
    + [_up("404.html")]
)
FIRST = _plan(ASSETS + PAGES)
TITLES = {p.path: f"Title of {p.path}" for p in PAGES}


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("index.html", "/"),
        ("blog/index.html", "/blog/"),
        ("blog/", "/blog/"),
        ("404.html", "/404.html"),
        ("sitemap.xml", "/sitemap.xml"),
    ],
)
def test_url_path(path: str, url: str) -> None:
    assert form.url_path(path) == url


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("a/b.c0ffee.jpg", "images"),
        ("x.svg", "images"),
        ("main.css", "stylesheets"),
        ("app.js", "scripts"),
        ("f.woff2", "fonts"),
        ("index.xml", "feeds and sitemaps"),
        ("robots.txt", "other files"),
        ("LICENSE", "other files"),
    ],
)
def test_assets_are_counted_by_kind(path: str, kind: str) -> None:
    assert form.kind_of(path) == kind


def test_the_verdict_counts_what_the_plan_counts() -> None:
    f = form.approval_form("production", FIRST, plan_hash="ab" * 32, titles=TITLES, errors=0)
    # one number, one meaning: 29 HTML pages, 44 files in all
    assert f.verdict.startswith("pages: 29 added, 0 changed, 0 deleted · files: 44 to upload")
    assert "validation: 0 errors, 0 warnings" in f.verdict
    assert f.description.count("29") >= 1 and "37" not in f.description
    assert f"**{f.verdict}**" in f.description.splitlines()[2]  # the first thing under the title


def test_pages_come_before_assets_and_never_get_cut_for_them() -> None:
    f = form.approval_form(
        "production", FIRST, plan_hash="ab" * 32, titles=TITLES, changes_url="http://x/a/1"
    )
    d = f.description
    assert "**Title of index.html** `/`" in d  # the home page is named first, by title
    assert d.index("Title of index.html") < d.index("Other files: 15 added")
    assert "15 added (1 fonts, 12 images, 1 scripts, 1 stylesheets)" in d
    assert "p0.aaaaaaaa.jpg" not in d  # no hashed asset names in the form
    assert f"… and {29 - form.FORM_PAGES} more pages: [full list of changes](http://x/a/1)" in d
    # the artifact names every page with its production URL, and every asset
    for p in PAGES:
        assert f"`https://www.example.com{form.url_path(p.path)}`" in f.changes
    assert "img/p11.aaaaaaaa.jpg" in f.changes


def test_deleted_and_changed_pages_come_first() -> None:
    plan = _plan(
        [_up("new/index.html"), _up("about/index.html", UploadReason.CONTENT)],
        deletes=["old/index.html", "old/pic.png"],
    )
    f = form.approval_form("production", plan, plan_hash="c" * 64)
    order = [p.change for p in f.pages]
    assert order == ["deleted", "changed", "added"]
    assert "- **deleted**: `/old/`" in f.description
    assert "1 deleted (1 images)" in f.description
    assert f.verdict.startswith("pages: 1 added, 1 changed, 1 deleted")


@pytest.mark.parametrize(
    ("context", "present", "absent"),
    [
        (None, [], ["Requested", "Branch", "Files changed"]),
        (
            {"user_request": "Publish the spring promo"},
            ["Requested: “Publish the spring promo”"],
            ["Branch"],
        ),
        (
            {
                "user_request": "x",
                "files_changed": ["content/a.md", "b", "c", "d"],
                "branch": "promo",
            },
            ["Files changed: `content/a.md`, `b`, `c` and 1 more", "Branch: `promo`"],
            [],
        ),
        (
            {"user_request": "[click](http://evil) <b>"},
            ["\\[click\\](http:\\/\\/evil) \\<b\\>"],
            ["[click](http", "http://evil"],
        ),
    ],
)
def test_the_request_it_came_from(context, present: list[str], absent: list[str]) -> None:
    d = form.approval_form("production", FIRST, plan_hash="a" * 64, context=context).description
    for text in present:
        assert text in d
    for text in absent:
        assert text not in d
    if context and context.get("user_request"):
        assert d.index("Requested:") < d.index("**Pages**")


def test_commit_plan_hash_staging_and_warnings() -> None:
    warn = [
        SimpleNamespace(rule=f"seo-{i}", file=f"p{i}.html", line=None, message="short")
        for i in range(5)
    ]
    commit = Commit(
        hash="0123456789abcdef" * 2 + "01234567", author="Ann", subject="Spring promo", dirty=True
    )
    plan = _plan(PAGES[:2], endpoint="http://127.0.0.1:4566", cloudfront_distribution_id="E1")
    f = form.approval_form(
        "production",
        plan,
        plan_hash="f" * 64,
        warnings=warn,
        commit=commit,
        staging_url="https://staging.example.com/",
        staging=form.StagingMatch(state="same", detail="Staging serves this same source."),
    )
    d = f.description
    assert "Commit `0123456789` by Ann: Spring promo (plus uncommitted changes)" in d
    assert "Plan `ffffffffffff` → `s3://site-prod/` at http://127.0.0.1:4566, CloudFront `E1`" in d
    assert "✅ Staging serves this same source." in d
    assert "- Staging preview: https://staging.example.com/" in d
    assert "**Validation warnings (5)**" in d and "- … 3 more" in d
    assert all(f"seo-{i}" in f.changes for i in range(5))
    assert d.rstrip().endswith("To reject, cancel the run.")


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        (dict(release_id=None, served_commit=None, served_source=None), "unknown"),
        (dict(release_id="r1", served_commit="c1", served_source=None), "unknown"),
        (dict(release_id="r1", served_commit="c1", served_source="s1"), "same"),
        (dict(release_id="r1", served_commit="c0", served_source="s1"), "different"),
        (dict(release_id="r1", served_commit="c1", served_source="s0"), "different"),
    ],
)
def test_staging_match(served: dict, expected: str) -> None:
    commit = Commit(hash="c1", author="a", subject="s")
    assert form.staging_match(**served, commit=commit, source="s1").state == expected


def test_titles_come_from_the_built_html(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/index.html").write_text("<html><head><title>\n  Rates &amp; fees\n</title>")
    (tmp_path / "b.html").write_text("<p>no title</p>")
    plan = _plan([_up("a/index.html"), _up("b.html"), _up("c.css")])
    assert form.page_titles(tmp_path, plan) == {"a/index.html": "Rates & fees"}


def test_source_commit_is_absent_outside_git_and_the_hash_follows_sources(tmp_path: Path) -> None:
    assert source_commit(tmp_path) is None
    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_text("a")
    (tmp_path / "hugo.toml").write_text("title='x'")
    first = source_hash(tmp_path)
    (tmp_path / "public").mkdir()
    (tmp_path / "public/index.html").write_text("built")  # outputs do not count
    assert source_hash(tmp_path) == first
    (tmp_path / "content/a.md").write_text("b")
    assert source_hash(tmp_path) != first


@pytest.mark.parametrize(
    ("titles", "suffix"),
    [
        (["About | Acme", "Blog | Acme", "Acme | Home"], " | Acme"),
        (["About | Acme", "Blog | Other"], None),
        (["About | Acme"], None),
        (["About – Acme", "Blog – Acme"], " – Acme"),
        ([], None),
    ],
)
def test_the_site_name_shared_by_titles_is_dropped_in_the_form(titles, suffix) -> None:
    assert form.site_suffix(titles) == suffix


def test_the_form_shows_titles_without_the_site_name_and_the_artifact_with_it() -> None:
    plan = _plan([_up("index.html"), _up("a/index.html"), _up("b/index.html")])
    titles = {
        "index.html": "Acme | Home",
        "a/index.html": "About | Acme",
        "b/index.html": "Blog | Acme",
    }
    f = form.approval_form("production", plan, plan_hash="a" * 64, titles=titles)
    assert "**About** `/a/`" in f.description and "**Acme \\| Home** `/`" in f.description
    assert "**About \\| Acme**" in f.changes


def test_the_form_says_when_the_approval_also_accepts_warnings() -> None:
    """A production run's warnings card answered ``accept`` writes the baseline only once the
    production approval is given; that form says it covers the baseline too."""
    plain = form.approval_form("production", FIRST, plan_hash="a" * 64).description
    assert "baseline" not in plain
    d = form.approval_form("production", FIRST, plan_hash="a" * 64, accepting_warnings=3)
    line = "Approving also accepts 3 validation warning(s) into the site's baseline"
    assert line in d.description
    assert d.description.index(line) < d.description.index("DEPLOY TO PRODUCTION")
