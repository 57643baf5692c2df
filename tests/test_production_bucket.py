"""Production is a bucket, not a name: ``projectfile.is_production`` with the site compares the
buckets (on their endpoints) and distributions the site's Hugo config files name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hugopipe import projectfile, sitetargets
from hugopipe.config import ProjectConfig

PROD = "s3://site-prod?region=us-east-1&endpoint=http://127.0.0.1:4566&use_path_style=true"
STAGE = "s3://site-stage?region=us-east-1&endpoint=http://127.0.0.1:4566&use_path_style=true"
TOML_ENVS = """
[environments.staging]
target = "staging"
[environments.live]
target = "www"
production = true
"""


def _site(tmp_path: Path, staging_url: str, *, dist: str = "", override: str | None = None) -> Path:
    (tmp_path / "hugopipe.toml").write_text(TOML_ENVS)
    d = f'\ncloudFrontDistributionID = "{dist}"' if dist else ""
    (tmp_path / "hugo.toml").write_text(
        f"""baseURL = "https://x/"
[[deployment.targets]]
name = "staging"
url = "{staging_url}"{d}
[[deployment.targets]]
name = "www"
url = "{PROD}"
cloudFrontDistributionID = "EPROD"
"""
    )
    if override is not None:
        (tmp_path / "config/staging").mkdir(parents=True)
        (tmp_path / "config/staging/hugo.json").write_text(
            json.dumps({"deployment": {"targets": [{"name": "staging", "URL": override}]}})
        )
    return tmp_path


@pytest.mark.parametrize(
    ("staging_url", "dist", "override", "expected"),
    [
        (STAGE, "", None, False),
        (PROD, "", None, True),  # re-pointed at production's bucket
        (
            PROD.replace("127.0.0.1", "localhost"),
            "",
            None,
            True,
        ),  # the same endpoint spelled otherwise
        (
            "s3://SITE-PROD?endpoint=http://127.0.0.1:4566",
            "",
            None,
            True,
        ),  # bucket names are lower case
        (PROD.replace("4566", "4567"), "", None, False),  # another endpoint: another bucket
        (
            PROD.replace("&endpoint=http://127.0.0.1:4566", ""),
            "",
            None,
            False,
        ),  # AWS, not the local one
        (STAGE, "EPROD", None, True),  # production's distribution
        (STAGE + "&prefix=preview/", "", None, False),
        (STAGE, "", PROD, True),  # config/staging/hugo.json overrides the target
        (PROD, "", STAGE, False),
    ],
)
def test_an_environment_is_production_by_its_bucket(
    tmp_path: Path, staging_url: str, dist: str, override: str | None, expected: bool
) -> None:
    site = _site(tmp_path, staging_url, dist=dist, override=override)
    envs = projectfile.environments(projectfile.read(site))
    assert projectfile.is_production("staging", envs, site=site) is expected
    assert projectfile.is_production("staging", envs) is False  # by name alone it is not
    assert ProjectConfig.load(site).is_production("staging") is expected  # the same rule
    assert projectfile.is_production("live", envs, site=site) is True


def test_the_example_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = Path(__file__).parents[1] / "examples" / "site"
    envs = projectfile.environments(projectfile.read(site))
    monkeypatch.setenv("HUGOPIPE_WORKSPACE_FILE", "")  # the site alone
    assert projectfile.production_resources(site, envs) == {
        "s3://hugopipe-example-production@loopback:4566"
    }
    assert [n for n in envs if projectfile.is_production(n, envs, site=site)] == ["production"]
    # in the repository's workspace (issue 21) the other example's production bucket counts too
    monkeypatch.delenv("HUGOPIPE_WORKSPACE_FILE")
    monkeypatch.chdir(Path(__file__).parents[1])
    assert projectfile.production_resources(site, envs) == {
        "s3://hugopipe-example-production@loopback:4566",
        "s3://hugopipe-docs-production@loopback:4566",
    }
    assert [n for n in envs if projectfile.is_production(n, envs, site=site)] == ["production"]


@pytest.mark.parametrize(
    ("endpoint", "key"),
    [
        (None, "aws"),
        ("http://127.0.0.1:4566", "loopback:4566"),
        ("localhost:4566", "loopback:4566"),
        ("https://S3.Example.NET/", "s3.example.net"),
    ],
)
def test_endpoint_key(endpoint: str | None, key: str) -> None:
    assert sitetargets.endpoint_key(endpoint) == key


def test_unreadable_config_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "hugo.toml").write_text("not = [valid")
    assert sitetargets.site_targets(tmp_path, "staging") == {}
