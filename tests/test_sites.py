"""Several sites, one control plane: the workspace file (hugopipe.sitesfile) and which site a
command, task file or run means (hugopipe.sites); the bucket rule across sites (projectfile)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hugopipe import projectfile, sitesfile
from hugopipe.errors import ConfigError
from hugopipe.sites import UnknownSite, chosen, key_of, name_of, named, of_param, tag_of
from tests.support import ROOT

GOOD = """\
default = "www"

[sites.www]
path = "a"

[sites.docs]
path = "b"
"""


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two empty site folders ``a``/``b`` and a workspace file naming them; the env var
    points at it, so the repository's own file is out of the way."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    f = tmp_path / sitesfile.FILE_NAME
    f.write_text(GOOD)
    monkeypatch.setenv(sitesfile.ENV, str(f))
    monkeypatch.delenv("HUGOPIPE_SITE", raising=False)
    return f


# -- the reader: a bad file is one error with its file and line ---------------------------

BAD = [
    # (case, text, line, words in the message)
    ("toml", 'default = "www\n[sites.www]\npath = "a"\n', 1, "not valid TOML"),
    ("top key", 'colour = "red"\n[sites.www]\npath = "a"\n', 1, "unknown key 'colour'"),
    ("no sites", 'default = "www"\n', None, "lists no sites"),
    ("bad name", '[sites.WWW]\npath = "a"\n', 1, "not a lowercase name"),
    ("not a table", '[sites]\nwww = "a"\n', 2, "must be a table"),
    ("site key", '[sites.www]\npath = "a"\nenvironments = ["dev"]\n', 3, "sites.www.environments"),
    ("git", '[sites.www]\ngit = "https://example.com/x.git"\n', 2, "not supported yet"),
    ("no path", "[sites.www]\n", 1, "sites.www.path must be a folder"),
    ("path type", "[sites.www]\npath = 3\n", 2, "sites.www.path must be a folder"),
    ("missing folder", '[sites.www]\npath = "nowhere"\n', 2, "no such folder"),
    ("same folder", '[sites.www]\npath = "a"\n[sites.two]\npath = "./a"\n', 4, "same folder"),
    ("default", 'default = "shop"\n[sites.www]\npath = "a"\n', 1, "default 'shop'"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_workspace_file_is_refused_with_its_line(
    ws: Path, case: str, text: str, line: int | None, words: str
) -> None:
    ws.write_text(text)
    with pytest.raises(ConfigError) as ei:
        sitesfile.load()
    err = ei.value
    assert words in err.message, (case, err.message)
    assert err.file == str(ws) and err.line == line, (case, err.location())
    assert err.hint


def test_a_good_file_lists_its_sites_resolved_against_its_folder(ws: Path) -> None:
    loaded = sitesfile.load()
    assert loaded is not None
    assert loaded.names() == ["www", "docs"] and loaded.default == "www"
    assert [s.path for s in loaded.sites] == [ws.parent / "a", ws.parent / "b"]
    assert loaded.containing(ws.parent / "b" / "content" / "x").name == "docs"
    assert loaded.containing(ws.parent) is None


def test_the_file_is_found_upwards_or_named_or_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / sitesfile.FILE_NAME).write_text(GOOD)
    monkeypatch.delenv(sitesfile.ENV, raising=False)
    assert sitesfile.find(tmp_path / "a" / "deep") == tmp_path / sitesfile.FILE_NAME
    monkeypatch.setenv(sitesfile.ENV, "")
    assert sitesfile.find(tmp_path / "a") is None and sitesfile.load() is None
    monkeypatch.setenv(sitesfile.ENV, str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        sitesfile.load()


def test_the_repository_workspace_lists_both_example_sites() -> None:
    loaded = sitesfile.parse((ROOT / sitesfile.FILE_NAME).read_text(), ROOT / sitesfile.FILE_NAME)
    assert {s.name: s.path for s in loaded.sites} == {
        "www": ROOT / "examples" / "site",
        "docs": ROOT / "examples" / "site-docs",
    }
    assert loaded.default == "www"


# -- which site a value means -------------------------------------------------------------

NAMED = [
    # (value, name, listed)
    ("www", "www", True),
    ("docs", "docs", True),
    ("b", "docs", True),  # a listed site's folder is that site
    ("c", "c", False),  # a folder the file does not list: named by its folder
]


@pytest.mark.parametrize(("value", "name", "listed"), NAMED)
def test_a_site_is_named_by_the_workspace_or_by_its_folder(
    ws: Path, monkeypatch: pytest.MonkeyPatch, value: str, name: str, listed: bool
) -> None:
    (ws.parent / "c").mkdir()
    monkeypatch.chdir(ws.parent)
    site = named(value)
    assert (site.name, site.listed) == (name, listed)
    assert site.tag == f"site:{name}"
    assert site.param == (name if listed else str(ws.parent / "c"))


def test_an_unknown_site_lists_the_known_ones(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ws.parent)
    with pytest.raises(UnknownSite) as ei:
        named("shop")
    assert "unknown site 'shop'" in ei.value.message and "www, docs" in (ei.value.hint or "")
    with pytest.raises(UnknownSite):
        of_param("shop")


def test_without_a_workspace_file_a_path_is_taken_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sitesfile.ENV, "")
    assert named(str(tmp_path / "nowhere")).name == "nowhere"  # fails where it is read, as before
    assert key_of("examples/site") == "examples/site"


DEFAULTS = [
    # (cwd under the workspace folder, cwd_first, $HUGOPIPE_SITE, expected name)
    ("b/content", False, None, "docs"),  # the listed site holding the current directory
    ("", False, None, "www"),  # the workspace's default
    ("", False, "b", "docs"),  # $HUGOPIPE_SITE
    ("c", True, None, "c"),  # validate/rollback: "." as before
    ("a", True, None, "www"),
]


@pytest.mark.parametrize(("cwd", "cwd_first", "env", "expected"), DEFAULTS)
def test_the_default_site(
    ws: Path,
    monkeypatch: pytest.MonkeyPatch,
    cwd: str,
    cwd_first: bool,
    env: str | None,
    expected: str,
) -> None:
    (ws.parent / "b" / "content").mkdir()
    (ws.parent / "c").mkdir()
    monkeypatch.chdir(ws.parent / cwd)
    if env:
        monkeypatch.setenv("HUGOPIPE_SITE", str(ws.parent / env))
    assert chosen(None, cwd_first=cwd_first).name == expected


def test_runs_name_their_site_by_tag_or_parameter(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ws.parent)
    assert tag_of(["hugopipe", "site:docs"]) == "docs" and tag_of(["hugopipe"]) is None
    assert name_of("www") == "www" and name_of(str(ws.parent / "b")) == "docs"
    assert name_of("/srv/elsewhere/site") == "site"  # a worker's path: its folder's name
    assert key_of(str(ws.parent / "a")) == key_of("www") == "www"


# -- production is a bucket, across the workspace ------------------------------------------


def _two_sites(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(ROOT / "examples" / "site", a, ignore=shutil.ignore_patterns("public"))
    shutil.copytree(ROOT / "examples" / "site-docs", b, ignore=shutil.ignore_patterns("public"))
    return a, b


def _repoint(site: Path, old: str, new: str) -> None:
    """Point the target writing to bucket ``old`` at bucket ``new`` (endpoint unchanged)."""
    f = site / "config" / "_default" / "hugo.toml"
    text = f.read_text()
    assert f"s3://{old}?" in text
    f.write_text(text.replace(f"s3://{old}?", f"s3://{new}?"))


def test_a_bucket_that_is_production_in_one_site_is_production_in_every_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _two_sites(tmp_path)
    # site b's staging target re-pointed at site a's production bucket
    _repoint(b, "hugopipe-docs-staging", "hugopipe-example-production")
    envs_b = projectfile.environments(projectfile.read(b))
    f = tmp_path / sitesfile.FILE_NAME
    f.write_text('[sites.www]\npath = "a"\n[sites.docs]\npath = "b"\n')

    monkeypatch.setenv(sitesfile.ENV, "")  # one site alone cannot know a's buckets
    assert not projectfile.is_production("staging", envs_b, site=b)

    monkeypatch.setenv(sitesfile.ENV, str(f))
    assert projectfile.is_production("staging", envs_b, site=b)
    assert not projectfile.is_production("dev", envs_b, site=b)
    # site a is unchanged: its staging is still staging
    envs_a = projectfile.environments(projectfile.read(a))
    assert not projectfile.is_production("staging", envs_a, site=a)
    assert projectfile.is_production("production", envs_a, site=a)


def test_a_folder_the_workspace_does_not_list_still_knows_its_production_buckets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy of a site beside the listed ones, its staging target re-pointed at a listed
    site's production bucket: production, listed or not."""
    _, b = _two_sites(tmp_path)
    _repoint(b, "hugopipe-docs-staging", "hugopipe-example-production")
    f = tmp_path / sitesfile.FILE_NAME
    f.write_text('[sites.www]\npath = "a"\n')  # b is not listed
    monkeypatch.setenv(sitesfile.ENV, str(f))
    envs_b = projectfile.environments(projectfile.read(b))
    assert projectfile.is_production("staging", envs_b, site=b)


def test_a_malformed_workspace_file_stops_the_production_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = _two_sites(tmp_path)
    f = tmp_path / sitesfile.FILE_NAME
    f.write_text('[sites.www]\npath = "a"\nbucket = "x"\n')
    monkeypatch.setenv(sitesfile.ENV, str(f))
    envs = projectfile.environments(projectfile.read(a))
    with pytest.raises(ConfigError, match=r"unknown key sites\.www\.bucket"):
        projectfile.is_production("staging", envs, site=a)


# -- notifications can differ per site ------------------------------------------------------


def test_a_site_with_its_own_notify_block_gets_automations_for_its_runs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uuid import uuid4

    from deployments.automations import FAILED, WAITING, definitions, site_blocks

    _, b = _two_sites(tmp_path)
    (b / "hugopipe.toml").write_text(
        'notify_block = "slack-webhook/docs-team"\n' + (b / "hugopipe.toml").read_text()
    )
    f = tmp_path / sitesfile.FILE_NAME
    f.write_text('[sites.www]\npath = "a"\n[sites.docs]\npath = "b"\n')
    monkeypatch.setenv(sitesfile.ENV, str(f))
    assert site_blocks() == [("docs", "slack-webhook/docs-team")]

    waiting, failed = definitions(uuid4(), "docs")
    assert (waiting.name, failed.name) == (f"{WAITING} (site docs)", f"{FAILED} (site docs)")
    for auto in (waiting, failed):
        related = auto.trigger.match_related
        specs = related if isinstance(related, list) else [related]
        assert any(
            getattr(s, "root", s).get("prefect.resource.id") == "prefect.tag.site:docs"
            for s in specs
        ), related
    # the operator's pair still sees every run
    waiting, failed = definitions(uuid4())
    assert (waiting.name, failed.name) == (WAITING, FAILED)
