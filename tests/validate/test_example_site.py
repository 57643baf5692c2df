"""The real example site, built with the pinned Hugo: clean in every environment; defects are caught."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hugopipe.build import build_site
from hugopipe.validate import validate_site
from tests.support import EXAMPLE_SITE, hugopipe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("ex") / "site"
    shutil.copytree(
        EXAMPLE_SITE, s, ignore=shutil.ignore_patterns("public", "resources", ".hugo_build.lock")
    )
    return s


@pytest.mark.parametrize("env", ["dev", "staging", "production"])
def test_example_site_validates_with_no_errors(site: Path, tmp_path: Path, env: str) -> None:
    build = build_site(site, env, destination=tmp_path / "public")
    assert build.success, build.errors
    report = validate_site(site, Path(build.public_dir), env, jobs=1)
    assert report.errors == [], report.to_text()
    assert report.checked["pages"] > 10 and report.checked["content files"] > 10
    assert report.production == (env == "production")


def test_drafts_future_expired_in_production_output_are_errors(site: Path, tmp_path: Path) -> None:
    build = build_site(
        site,
        "production",
        destination=tmp_path / "public",
        extra_args=["--buildDrafts", "--buildFuture", "--buildExpired"],
    )
    assert build.success, build.errors
    report = validate_site(site, Path(build.public_dir), "production", jobs=1)
    d1 = [f for f in report.errors if f.rule == "D1"]
    messages = " ".join(f.message for f in d1)
    assert "a draft" in messages and "in the future" in messages and "expired" in messages, messages
    assert all(f.file.endswith(".html") for f in d1)


def test_cli_json_exit_0(site: Path) -> None:
    proc = hugopipe("validate", "--site", str(site), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data["findings"], list) and data["env"] == "staging"


def test_cli_broken_link_exits_1_and_names_page_and_link(tmp_path: Path, site: Path) -> None:
    s = tmp_path / "broken"
    shutil.copytree(site, s)
    (s / "static" / "legacy").mkdir(parents=True, exist_ok=True)
    (s / "static" / "legacy" / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Legacy offers page</title></head>'
        '<body><p>Old offers: <a href="/offers/2019/">2019</a></p></body></html>'
    )
    proc = hugopipe("validate", "--site", str(s), "--json")
    assert proc.returncode == 1, proc.stderr
    l1 = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "L1"]
    assert [(f["file"], f["url"]) for f in l1] == [("legacy/index.html", "/offers/2019/")]
    assert "legacy/index.html" in proc.stderr and "/offers/2019/" in proc.stderr
    text = hugopipe("validate", "--site", str(s))
    assert (
        text.returncode == 1
        and "legacy/index.html" in text.stdout
        and "/offers/2019/" in text.stdout
    )


def test_cli_public_dir_without_build(tmp_path: Path, site: Path) -> None:
    build = build_site(site, "staging", destination=tmp_path / "public")
    proc = hugopipe("validate", "--site", str(site), "--public", build.public_dir, "--json")
    assert proc.returncode == 0, proc.stderr
    (Path(build.public_dir) / "about" / "index.html").unlink()
    proc = hugopipe("validate", "--site", str(site), "--public", build.public_dir, "--json")
    assert proc.returncode == 1
    assert any(f["rule"] in ("L1", "M2") for f in json.loads(proc.stdout)["findings"])


def test_cli_usage_errors_exit_2(tmp_path: Path, site: Path) -> None:
    assert hugopipe("validate", "--site", str(tmp_path / "nope")).returncode == 2
    proc = hugopipe("validate", "--site", str(site), "--env", "moon")
    assert proc.returncode == 2 and "moon" in proc.stderr
    assert (
        hugopipe("validate", "--public", str(tmp_path / "nope"), "--site", str(site)).returncode
        == 2
    )


def test_cli_front_matter_error_names_file_and_line(tmp_path: Path, site: Path) -> None:
    s = tmp_path / "fm"
    shutil.copytree(site, s)
    (s / "content" / "blog" / "broken.md").write_text(
        "---\ntitle: Broken post title\ntags: [a, b\n---\nx\n"
    )
    proc = hugopipe("validate", "--site", str(s), "--json")
    assert proc.returncode == 1
    f1 = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "F1"]
    assert f1 and f1[0]["file"] == "content/blog/broken.md" and f1[0]["line"] in (3, 4)


@pytest.mark.parametrize("env", ["staging", "production"])
def test_one_hugo_list_all_splits_like_hugos_own_lists(site: Path, env: str) -> None:
    """The publication rules read ``hugo list all`` once and split it into drafts, future
    and expired pages; the split must be exactly what Hugo's own three lists give."""
    import datetime as dt

    from hugopipe.hugo import hugo_list
    from hugopipe.validate.publication import KINDS, by_kind

    split = by_kind(hugo_list(site, env, "all"), dt.datetime.now(dt.UTC))
    for kind in KINDS:
        assert sorted(r["path"] for r in split[kind]) == sorted(
            r["path"] for r in hugo_list(site, env, kind)
        ), kind
    assert all(split[kind] for kind in KINDS)  # the example site has each kind
