"""The build stage against the real pinned Hugo and the example site."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hugopipe.build import PURPOSES, build_site, hash_tree, parse_messages
from hugopipe.errors import FailureClass
from tests.conftest import copy_site
from tests.support import EXAMPLE_SITE, ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("env", ["dev", "staging", "production"])
def test_build_report_describes_the_output(tmp_path: Path, env: str) -> None:
    report = build_site(EXAMPLE_SITE, env, destination=tmp_path / "public")
    assert report.success, report.errors
    assert report.environment == env
    assert re.match(r"v0\.168\.0", report.hugo_version)
    files = [p for p in (tmp_path / "public").rglob("*") if p.is_file()]
    assert report.files == len(files) > 20
    assert report.bytes == sum(p.stat().st_size for p in files)
    assert report.pages > 10
    assert report.errors == [] and report.warnings == []
    assert report.duration_seconds > 0
    assert report.content_hash == hash_tree(tmp_path / "public")[0]
    assert "--minify" in report.command and "--cleanDestinationDir" in report.command


def test_content_hash_is_stable_across_builds_and_changes_with_content(tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    first = build_site(site, "staging", destination=tmp_path / "a")
    second = build_site(site, "staging", destination=tmp_path / "b")
    assert first.content_hash == second.content_hash
    post = next((site / "content" / "blog").rglob("*.md"))
    post.write_text(post.read_text() + "\nOne more sentence.\n")
    third = build_site(site, "staging", destination=tmp_path / "a")
    assert third.content_hash != first.content_hash


def test_clean_destination_removes_stale_files(tmp_path: Path) -> None:
    dest = tmp_path / "public"
    dest.mkdir()
    (dest / "stale.html").write_text("old")
    report = build_site(EXAMPLE_SITE, "dev", destination=dest)
    assert report.success
    assert not (dest / "stale.html").exists()


def test_base_url_override_is_used(tmp_path: Path) -> None:
    report = build_site(
        EXAMPLE_SITE, "staging", destination=tmp_path / "p", base_url="https://preview.example.org/"
    )
    assert report.success
    html = (tmp_path / "p" / "index.html").read_text()
    assert "https://preview.example.org/" in html


def test_broken_template_fails_with_hugos_message_file_and_line(tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    layout = next(p for p in (site / "layouts").rglob("*.html") if "baseof" in p.name)
    lines = layout.read_text().splitlines()
    lines.insert(2, "{{ .Site.NoSuchThing.Broken }")
    layout.write_text("\n".join(lines))
    report = build_site(site, "staging", destination=tmp_path / "out")
    assert not report.success
    assert report.failure_class == FailureClass.TEMPLATE
    err = report.errors[0]
    assert err.file and err.file.endswith(layout.name) and err.file.startswith("layouts")
    assert err.line == 3
    assert "unexpected" in err.message or "parse" in err.message
    assert report.content_hash == "" and report.files == 0


def test_front_matter_error_is_a_content_error_with_line(tmp_path: Path) -> None:
    site = copy_site(tmp_path)
    page = site / "content" / "about.md"
    if not page.exists():
        page = next((site / "content").glob("*.md"))
    text = page.read_text().split("\n")
    text.insert(1, "title: [unclosed")
    page.write_text("\n".join(text))
    report = build_site(site, "dev", destination=tmp_path / "out")
    assert not report.success
    assert report.failure_class == FailureClass.CONTENT
    assert report.errors[0].file == str(page.relative_to(site))
    assert report.errors[0].line in (2, 3)  # Hugo names the line where its YAML parser noticed


def test_missing_site_is_a_clear_error(tmp_path: Path) -> None:
    from hugopipe.errors import ConfigError
    from hugopipe.hugo import hugo_config

    with pytest.raises(ConfigError, match="not a Hugo site"):
        hugo_config(tmp_path, "dev")


@pytest.mark.parametrize(
    ("line", "cls", "file", "lineno"),
    [
        (
            'ERROR error building site: "/s/layouts/home.html:1:1": parse of template failed',
            FailureClass.TEMPLATE,
            "layouts/home.html",
            1,
        ),
        (
            'ERROR error building site: "/s/content/a.md:3:7": [2:7] sequence end',
            FailureClass.CONTENT,
            "content/a.md",
            3,
        ),
        (
            'ERROR error building site: "/s/hugo.toml:4:1": bad key',
            FailureClass.CONFIGURATION,
            "hugo.toml",
            4,
        ),
        ("ERROR something without a place", FailureClass.UNKNOWN, None, None),
    ],
)
def test_parse_messages_classifies_by_place(
    line: str, cls: FailureClass, file: str | None, lineno: int | None
) -> None:
    [msg] = parse_messages(line, Path("/s"), "ERROR")
    assert (msg.failure_class, msg.file, msg.line) == (cls, file, lineno)


def test_template_errorf_lines_name_the_page_and_summary_lines_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "about.md").write_text("---\ntitle: About\n---\n")
    text = (
        'ERROR content/about.md: link "/offers/2019/" does not point at a page of this site\n'
        "ERROR error building site: logged 1 error(s)\n"
        "ERROR nowhere/missing.md: not a file of this site\n"
    )
    first, second = parse_messages(text, tmp_path, "ERROR")
    assert (first.file, first.line, first.failure_class) == (
        "content/about.md",
        None,
        FailureClass.CONTENT,
    )
    assert first.message.startswith('link "/offers/2019/"')
    assert second.file is None and second.message.startswith("nowhere/missing.md")


def test_hash_tree_keeps_to_its_plain_definition(tmp_path: Path) -> None:
    """The fast walk hashes the same files in the same order as the pathlib definition:
    hidden files count, symlinks do not, and "a/x" sorts before "a-b/x" (path parts)."""
    from hugopipe.build import _hash_tree_plain

    root = tmp_path / "public"
    for rel, data in {
        "a/x": b"1",
        "a-b/x": b"2",
        "a.b": b"3",
        ".well-known/security.txt": b"4",
        ".hidden": b"",
        "deep/er/still/index.html": b"<p>5</p>" * 1000,
        "Z/upper": b"6",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "link.html").symlink_to(root / "a" / "x")
    (root / "dirlink").symlink_to(root / "deep", target_is_directory=True)
    assert hash_tree(root) == _hash_tree_plain(root)
    assert hash_tree(root)[1] == 7
    (root / "a-b" / "x").write_bytes(b"changed")
    assert hash_tree(root) == _hash_tree_plain(root)


def test_progress_hears_hugo_done_with_its_page_count(tmp_path: Path) -> None:
    heard: list[tuple[float, str]] = []
    report = build_site(
        EXAMPLE_SITE,
        "staging",
        destination=tmp_path / "public",
        progress=lambda pct, line: heard.append((pct, line)),
    )
    assert report.success
    assert heard == [(50.0, heard[0][1])]
    assert f"Hugo rendered {report.pages} pages" in heard[0][1]


@pytest.mark.server
def test_build_task_leaves_a_progress_artifact_read_over_the_api(
    prefect_server: str, tmp_path: Path
) -> None:
    from prefect import flow

    from hugopipe.prefect_rest import PrefectApi
    from tasks.build import build

    @flow(name="build-progress-test")
    def just_build(site: str) -> int:
        return build(site, "staging").pages

    site = copy_site(tmp_path)
    state = just_build(str(site), return_state=True)
    assert state.is_completed()
    pages = state.result()
    with PrefectApi() as api:
        arts = api.artifacts(str(state.state_details.flow_run_id))
    (bar,) = [a for a in arts if a["type"] == "progress"]
    assert bar["data"] == 100.0
    assert bar["description"].startswith(f"Hugo build for staging: {pages} pages, ")
    assert any(a["key"] == "build-staging" for a in arts)  # the report is still there


def test_no_other_build_empties_the_folder_a_publish_reads(tmp_path: Path) -> None:
    """Maintenance, the links check, `hugopipe plan` and local tasks build elsewhere: a
    publish that is reviewing or uploading ``.hugopipe/public/<env>`` never sees it emptied
    under it."""
    site = copy_site(tmp_path)
    publish = build_site(site, "staging")
    assert Path(publish.public_dir) == site / ".hugopipe" / "public" / "staging"
    in_use = Path(publish.public_dir) / "index.html"
    before = in_use.stat()
    folders = {publish.public_dir}
    others = [p for p in PURPOSES if p != "publish"]
    for purpose in others:
        other = build_site(site, "staging", purpose=purpose)
        assert other.success and other.content_hash == publish.content_hash
        folders.add(other.public_dir)
        now = in_use.stat()  # the same file, never rewritten (Hugo's clean would remove it)
        assert (now.st_ino, now.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), purpose
    assert len(folders) == len(PURPOSES)


def test_every_flow_build_names_its_purpose() -> None:
    """Only the publish flow builds into the publish folder: every other flow's build call
    names its purpose (a missed one rebuilt the folder under a waiting publish)."""
    import ast

    calls = 0
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "build":
                calls += 1
                purpose = {k.arg: k.value for k in node.keywords}.get("purpose")
                named = purpose.value if isinstance(purpose, ast.Constant) else "publish"
                assert (named == "publish") == (path.name == "publish.py"), (path.name, named)
    assert calls >= 3  # publish, maintenance, links
