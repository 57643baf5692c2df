"""The one production rule every refusing path shares (table-tested, no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.config import ProjectConfig
from hugopipe.production import is_production_env, is_production_target

ENVS = {
    "dev": {"target": "dev"},
    "staging": {"target": "staging"},
    "live": {"target": "www", "production": True},  # production under another name
    "preview": {"target": "www"},  # shares the production target
    "production": {"target": "prod-bucket"},
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("production", True),
        ("live", True),
        ("staging", False),
        ("preview", False),
        ("unknown", False),
    ],
)
def test_environment_rule(name: str, expected: bool) -> None:
    assert is_production_env(name, ENVS) is expected


@pytest.mark.parametrize(
    ("target", "env", "expected"),
    [
        ("www", None, True),  # deployed to by "live"
        (
            "www",
            "preview",
            True,
        ),  # same bucket as production: refused even via a non-production env
        ("prod-bucket", None, True),
        ("staging", None, False),
        ("production", None, True),  # the name alone
        ("scratch", "live", True),
        ("scratch", None, False),
    ],
)
def test_target_rule(target: str, env: str | None, expected: bool) -> None:
    assert is_production_target(target, env, ENVS) is expected


def test_project_config_uses_the_same_rule(tmp_path: Path) -> None:
    (tmp_path / "hugopipe.toml").write_text(
        '[environments.live]\ntarget = "www"\nproduction = true\n[environments.staging]\n'
        '[environments.preview]\ntarget = "www"\n'
    )
    cfg = ProjectConfig.load(tmp_path)
    assert cfg.is_production("live") and cfg.is_production("production")
    assert cfg.is_production(
        "preview"
    )  # same target as production: the publish flow pauses for it too
    assert not cfg.is_production("staging")
