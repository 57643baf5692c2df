"""What the guard learns a project's production is: hugopipe.projectfile's rule over the
sites it finds, with buckets and distributions from hugopipe.sitetargets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.claude.support import HUGO_TOML, HUGOPIPE_TOML, guard_module, make_project

config = guard_module("config")


@pytest.fixture(autouse=True)
def _no_workspace_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    """These projects are their own: the repository's hugopipe-workspace.toml (found from
    the working directory) would add the example sites' production buckets."""
    monkeypatch.setenv("HUGOPIPE_WORKSPACE_FILE", "")


def know_of(root: Path):
    return config.Project(str(root), str(root)).know


def test_production_names_buckets_and_distributions(tmp_path: Path) -> None:
    know = know_of(make_project(tmp_path))
    assert know.envs == {"production", "live"}
    assert know.targets == {"production", "live"}
    assert know.buckets == {"acme-prod-www"}
    assert know.dists == {"E2ACMEPROD123"}
    assert know.defaults == {str(tmp_path / "site"): "dev"}  # the first target
    assert not know.errors


def test_the_rule_is_projectfiles(tmp_path: Path) -> None:
    """An environment re-using the production target is production (hugopipe's own rule)."""
    toml = HUGOPIPE_TOML + '\n[environments.canary]\ntarget = "live"\n'
    assert "canary" in know_of(make_project(tmp_path, hugopipe_toml=toml)).envs


def test_without_hugopipe_toml_the_default_environments_apply(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").write_text(HUGO_TOML.replace('"live"', '"production"'))
    know = know_of(tmp_path)
    assert know.buckets == {"acme-prod-www"} and "staging" not in know.names()


def test_a_target_sharing_the_production_bucket_is_production(tmp_path: Path) -> None:
    """Re-point staging at the production bucket: staging's target and environment are production."""
    hugo = HUGO_TOML.replace("s3://acme-staging-www", "s3://acme-prod-www")
    know = know_of(make_project(tmp_path, hugo_toml=hugo))
    assert "staging" in know.targets and "staging" in know.envs


def test_production_under_any_name_is_its_bucket(tmp_path: Path) -> None:
    """The production environment is called `www` and deploys to target `blue`: the bucket
    and both names are learned, whatever they are called."""
    toml = '[environments.www]\ntarget = "blue"\nproduction = true\n[environments.staging]\n'
    hugo = HUGO_TOML.replace('name = "live"', 'name = "blue"')
    know = know_of(make_project(tmp_path, hugopipe_toml=toml, hugo_toml=hugo))
    assert know.buckets == {"acme-prod-www"} and {"www", "blue"} <= know.names()


def test_the_deployment_target_key_is_the_default(tmp_path: Path) -> None:
    hugo = HUGO_TOML.replace("[deployment]\n", '[deployment]\ntarget = "live"\n')
    assert know_of(make_project(tmp_path, hugo_toml=hugo)).defaults == {
        str(tmp_path / "site"): "live"
    }


def test_bad_hugopipe_toml_is_an_error_that_names_the_file(tmp_path: Path) -> None:
    know = know_of(make_project(tmp_path, hugopipe_toml=HUGOPIPE_TOML + "\n[deploy]\nx = 1\n"))
    assert know.errors and "hugopipe.toml" in know.errors[0]
    assert "unknown key 'deploy'" in know.errors[0]


def test_unreadable_hugo_config_is_an_error(tmp_path: Path) -> None:
    know = know_of(make_project(tmp_path, hugo_toml=HUGO_TOML + "\n[[deployment.targets]\n"))
    assert know.errors and "hugo.toml" in know.errors[0]


def test_site_discovery_prunes_content_and_config_dirs(tmp_path: Path) -> None:
    (tmp_path / "web" / "config" / "_default").mkdir(parents=True)
    (tmp_path / "web" / "config" / "_default" / "hugo.toml").write_text("")
    (tmp_path / "web" / "content" / "deep").mkdir(parents=True)
    (tmp_path / "web" / "content" / "deep" / "hugo.toml").write_text("")
    (tmp_path / ".venv" / "x").mkdir(parents=True)
    (tmp_path / ".venv" / "x" / "hugopipe.toml").write_text("")
    assert config.find_sites(str(tmp_path)) == [str(tmp_path / "web")]


def test_a_working_directory_outside_the_project_is_read_too(tmp_path: Path) -> None:
    other = make_project(tmp_path / "other")
    know = config.Project(str(tmp_path / "empty"), str(other)).know
    assert know.buckets == {"acme-prod-www"}


def test_sites_listed_in_the_workspace_file_count_even_outside_the_project(
    tmp_path: Path, monkeypatch
) -> None:
    """hugopipe-workspace.toml may list a site outside the project: its production bucket
    is production for the guard too; a malformed file blocks storage writes."""
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("HUGOPIPE_WORKSPACE_FILE", str(root / "hugopipe-workspace.toml"))
    other = tmp_path / "elsewhere" / "docs"
    (other / "content").mkdir(parents=True)
    (other / "hugo.toml").write_text(
        HUGO_TOML.replace("acme-prod-www", "docs-prod-www").replace("E2ACMEPROD123", "E9DOCS")
    )
    (other / "hugopipe.toml").write_text(HUGOPIPE_TOML)
    ws = root / "hugopipe-workspace.toml"
    ws.write_text(f'[sites.www]\npath = "site"\n[sites.docs]\npath = "{other}"\n')
    know = know_of(root)
    assert {"acme-prod-www", "docs-prod-www"} <= know.buckets and not know.errors
    assert "E9DOCS" in know.dists
    ws.write_text('[sites.www]\npath = "site"\nbucket = "x"\n')
    know = know_of(root)
    assert know.errors and "hugopipe-workspace.toml" in know.errors[0]


def test_a_default_target_in_a_file_without_targets_is_read(tmp_path: Path) -> None:
    """``config/production/deployment.toml`` holding only ``target = "live"``: that is the
    target a bare `hugo deploy` takes, though the file lists no targets."""
    root = make_project(tmp_path)
    site = root / "site"
    (site / "config" / "production").mkdir(parents=True)
    (site / "config" / "production" / "deployment.toml").write_text('target = "live"\n')
    assert know_of(root).defaults == {str(site): "live"}


def test_only_the_first_root_config_file_counts_as_hugo_reads_it(tmp_path: Path) -> None:
    """Hugo reads hugo.toml and ignores a config.toml beside it: so does the default target."""
    hugo = HUGO_TOML.replace("[deployment]\n", '[deployment]\ntarget = "live"\n')
    root = make_project(tmp_path, hugo_toml=hugo)
    site = root / "site"
    (site / "config.toml").write_text(
        '[deployment]\ntarget = "dev"\n[[deployment.targets]]\nname = "dev"\nurl = "s3://old"\n'
    )
    assert know_of(root).defaults == {str(site): "live"}
