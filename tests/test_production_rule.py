"""The one production rule every refusing path shares (table-tested, no I/O), and proof that
``ProjectConfig`` (pydantic, the flows and most commands) answers exactly as ``projectfile``
(stdlib, the fast paths and the Claude Code guard) on the same inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe import projectfile
from hugopipe.config import ProjectConfig

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
def test_environment_mark_rule(name: str, expected: bool) -> None:
    # deploying to a target no environment uses, only the name and the mark count
    assert projectfile.is_production(name, ENVS, target="scratch") is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("production", True),
        ("live", True),
        ("staging", False),
        ("preview", True),  # its own target is production's: production for every caller
        ("dev", False),
        ("unknown", False),
    ],
)
def test_environment_rule(name: str, expected: bool) -> None:
    assert projectfile.is_production(name, ENVS) is expected


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
    assert projectfile.is_production(env or target, ENVS, target=target) is expected


def test_production_targets() -> None:
    assert projectfile.production_targets(ENVS) == {"www", "prod-bucket", "production"}


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


AGREEMENT_CASES = {
    "no file": None,
    "empty file": "",
    "validate only": "[validate]\nmax_page_kb = 512\n",
    "names": "[environments.dev]\n[environments.staging]\n[environments.production]\n",
    "mark": "[environments.live]\nproduction = true\n[environments.qa]\n",
    "mark false": "[environments.production]\nproduction = false\n[environments.qa]\n",
    "target reuse": (
        '[environments.live]\ntarget = "www"\nproduction = true\n'
        '[environments.preview]\ntarget = "www"\n[environments.staging]\n'
    ),
    "reuse of production's own name": '[environments.shadow]\ntarget = "production"\n',
    "production elsewhere": (
        '[environments.production]\ntarget = "prod-bucket"\n'
        '[environments.canary]\ntarget = "prod-bucket"\n[environments.dev]\ntarget = "dev"\n'
    ),
    "empty target means the name": '[environments.live]\ntarget = ""\nproduction = true\n',
    "a target named like another environment": (
        '[environments.live]\ntarget = "staging"\nproduction = true\n[environments.staging]\n'
    ),
}
NAMES = ["dev", "staging", "production", "live", "preview", "qa", "shadow", "canary", "www"]
NAMES += ["prod-bucket", "unknown"]


@pytest.mark.parametrize("case", sorted(AGREEMENT_CASES))
def test_projectfile_and_project_config_agree(tmp_path: Path, case: str) -> None:
    text = AGREEMENT_CASES[case]
    if text is not None:
        (tmp_path / "hugopipe.toml").write_text(text)
    envs = projectfile.environments(projectfile.read(tmp_path))
    cfg = ProjectConfig.load(tmp_path)
    assert sorted(envs) == sorted(cfg.environments)  # the same defaults when none are named
    for name in NAMES:
        assert cfg.is_production(name) is projectfile.is_production(name, envs), name
        for env in cfg.environments.values():  # and what each names as its target
            assert env.target == projectfile.target_of(env.name, envs)
    # `hugopipe deploy --target T [--env E]` asks about a pair: the typed environments answer alike
    typed = cfg.raw_environments()
    for target in NAMES:
        for env_name in [projectfile.environment_for(target, envs), *NAMES]:
            fast = projectfile.is_production(env_name, envs, target=target)
            assert fast is projectfile.is_production(env_name, typed, target=target)
    assert projectfile.production_targets(envs) == projectfile.production_targets(typed)


def test_production_must_be_a_boolean(tmp_path: Path) -> None:
    from hugopipe.errors import ConfigError

    (tmp_path / "hugopipe.toml").write_text(
        '[environments.production]\ntarget = "p"\n[environments.live]\nproduction = "true"\n'
    )
    for load in (projectfile.read, ProjectConfig.load):
        with pytest.raises(ConfigError) as info:
            load(tmp_path)
        assert "environments.live.production must be true or false" in info.value.message
        assert info.value.line == 4 and info.value.file == str(tmp_path / "hugopipe.toml")
        assert "no quotes" in (info.value.hint or "")
