"""What the guard learns a project's production is: projectfile's rule plus Hugo's buckets."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.claude.support import HUGO_TOML, HUGOPIPE_TOML, guard_module, make_project

config = guard_module("config")
sites = guard_module("sites")
yamlish = guard_module("yamlish")


def know_of(root: Path):
    return config.Project(str(root), str(root)).know


def test_production_names_buckets_and_distributions(tmp_path: Path) -> None:
    know = know_of(make_project(tmp_path))
    assert know.prod_envs == {"production", "live"}
    assert know.prod_targets == {"production", "live"}
    assert know.prod_buckets == {"acme-prod-www"}
    assert know.prod_dists == {"E2ACMEPROD123"}
    assert know.known_target("staging") and not know.known_target("elsewhere")
    assert know.is_production("live") and know.is_production("LIVE")
    assert not know.is_production("staging") and not know.errors


def test_the_rule_is_projectfiles(tmp_path: Path) -> None:
    """An environment re-using the production target is production (hugopipe's own rule)."""
    toml = HUGOPIPE_TOML + '\n[environments.canary]\ntarget = "live"\n'
    know = know_of(make_project(tmp_path, hugopipe_toml=toml))
    assert know.is_production("canary") and "canary" in know.prod_envs


def test_without_hugopipe_toml_the_default_environments_apply(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.toml").write_text(HUGO_TOML.replace('"live"', '"production"'))
    know = know_of(tmp_path)
    assert know.is_production("production") and not know.is_production("staging")
    assert know.prod_buckets == {"acme-prod-www"}


def test_a_target_sharing_the_production_bucket_is_production(tmp_path: Path) -> None:
    """Re-point staging at the production bucket: staging's target and environment are production."""
    hugo = HUGO_TOML.replace("s3://acme-staging-www", "s3://acme-prod-www")
    know = know_of(make_project(tmp_path, hugo_toml=hugo))
    assert know.is_prod_target("staging")
    assert know.is_production("staging")


def test_bad_hugopipe_toml_is_an_error_that_names_the_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, hugopipe_toml=HUGOPIPE_TOML + "\n[deploy]\nx = 1\n")
    know = know_of(root)
    assert know.env_errors and "hugopipe.toml" in know.env_errors[0]
    assert "unknown key 'deploy'" in know.env_errors[0]
    assert know.errors == know.env_errors


def test_unreadable_hugo_config_is_an_error(tmp_path: Path) -> None:
    know = know_of(make_project(tmp_path, hugo_toml=HUGO_TOML + "\n[[deployment.targets]\n"))
    assert know.errors and "hugo.toml" in know.errors[0] and not know.env_errors


def test_a_bucket_outside_a_readable_target_is_an_error(tmp_path: Path) -> None:
    """The cross-check: a YAML layout the reader misreads fails closed."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "hugo.yaml").write_text("params:\n  mirror: s3://acme-prod-www\n")
    know = know_of(tmp_path)
    assert know.errors and "acme-prod-www" in know.errors[0]
    (site / "hugo.yaml").write_text("deployment:\n  targets: [{name: live, url: 's3://x'}]\n")
    assert know_of(tmp_path).errors  # a flow list it cannot read: not silently empty


def test_yaml_subset() -> None:
    data = yamlish.parse_yaml(
        "# comment\ntitle: Acme\ndeployment:\n  target: live\n  targets:\n"
        '  - name: live\n    url: "s3://b?region=x"  # trailing\n    enabled: true\n'
        "  - name: dev\n"
    )
    assert data == {
        "title": "Acme",
        "deployment": {
            "target": "live",
            "targets": [
                {"name": "live", "url": "s3://b?region=x", "enabled": True},
                {"name": "dev"},
            ],
        },
    }


def test_site_discovery_prunes_content_and_reads_config_dirs(tmp_path: Path) -> None:
    (tmp_path / "web" / "config" / "_default").mkdir(parents=True)
    (tmp_path / "web" / "config" / "_default" / "deployment.yaml").write_text("targets: []\n")
    (tmp_path / "web" / "content" / "deep").mkdir(parents=True)
    (tmp_path / "web" / "content" / "deep" / "hugo.toml").write_text("")
    found = [Path(p).relative_to(tmp_path).as_posix() for _s, p in sites.site_files(str(tmp_path))]
    assert found == ["web/config/_default/deployment.yaml"]


def test_committed_config_is_read_from_git_head(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "site"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], check=True)
    committed = {rel for _site, rel, _text in sites.head_files(str(root))}
    assert committed == {"site/hugopipe.toml", "site/hugo.toml"}
    (root / "site" / "hugopipe.toml").write_text(HUGOPIPE_TOML.replace("production = true\n", ""))
    assert know_of(root).is_production("live")


def test_head_files_outside_git_is_empty(tmp_path: Path) -> None:
    assert list(sites.head_files(str(tmp_path))) == []


def test_sites_listed_in_the_workspace_file_count_even_outside_the_project(
    tmp_path: Path, monkeypatch
) -> None:
    """hugopipe-workspace.toml (issue 21) may list a site outside the project: its
    production bucket is production for the guard too; a malformed file blocks writes."""
    monkeypatch.delenv("HUGOPIPE_WORKSPACE_FILE", raising=False)
    root = make_project(tmp_path / "project")
    other = tmp_path / "elsewhere" / "docs"
    (other / "content").mkdir(parents=True)
    (other / "hugo.toml").write_text(
        HUGO_TOML.replace("acme-prod-www", "docs-prod-www").replace("E2ACMEPROD123", "E9DOCS")
    )
    (other / "hugopipe.toml").write_text(HUGOPIPE_TOML)
    ws = root / "hugopipe-workspace.toml"
    ws.write_text(f'[sites.www]\npath = "site"\n[sites.docs]\npath = "{other}"\n')
    know = know_of(root)
    assert {"acme-prod-www", "docs-prod-www"} <= know.prod_buckets and not know.errors
    assert "E9DOCS" in know.prod_dists
    ws.write_text('[sites.www]\npath = "site"\nbucket = "x"\n')
    know = know_of(root)
    assert know.errors and "hugopipe-workspace.toml" in know.errors[0]
