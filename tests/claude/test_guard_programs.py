"""``guard.programs``: ``hugo deploy``, the ``prefect`` CLI and the ``hugopipe`` CLI, word by word.

The end-to-end hook tests (test_guard.py and the corpora) cover the common commands;
these pin each rule: the plain production forms are blocked, reads and staging pass, and
a value only known at run time is left to the credentials.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import HUGO_TOML, HUGOPIPE_TOML, guard_module, make_project

programs = guard_module("programs")
config = guard_module("config")
lexer = guard_module("lexer")
Block = guard_module("main").Block
RUN = "3f1c2a9e-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    """``site/`` (default target dev, plus a `canary` environment on the live target) and
    ``prodsite/`` (``[deployment] target = "live"``)."""
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-programs-") as tmp:
        root = make_project(
            Path(tmp), hugopipe_toml=HUGOPIPE_TOML + '[environments.canary]\ntarget = "live"\n'
        )
        prod = root / "prodsite"
        (prod / "content").mkdir(parents=True)
        (prod / "hugo.toml").write_text(
            HUGO_TOML.replace("[deployment]\n", '[deployment]\ntarget = "live"\n')
        )
        yield root


@pytest.fixture(scope="module")
def project(root: Path):
    return config.Project(str(root), str(root))


def run(project, command: str, cwd: Path | None = None, env_target: str | None = None) -> None:
    (cmd,) = lexer.lex(command)
    prog, rest = lexer.basename(cmd.argv[0].text), cmd.argv[1:]
    if prog == "hugo":
        target = lexer.Word(env_target) if env_target is not None else None
        programs.hugo(project, rest, str(cwd) if cwd else None, command, target)
    else:
        getattr(programs, prog)(rest, command, project)


@pytest.mark.parametrize(
    "command",
    [
        "hugo",
        "hugo server --port 1313",
        "hugo build --environment production",  # building is not deploying
        "hugo -d deploy --target live",  # -d takes a value: a build into ./deploy
        "hugo deploy --target staging",
        "hugo deploy --target=dev --dryRun",
        "hugo --environment production deploy --target staging",  # Hugo goes by --target
        "hugo deploy --source site",  # site's default: dev
        "hugo deploy --target",  # no value: Hugo's own usage error
        "hugo deploy --target $T",  # run-time: left to the credentials
        "prefect api GET /flow_runs/abc",
        "prefect api POST /flow_runs/filter --data '{}'",
        "prefect flow-run ls --limit 5",
        "prefect flow-run cancel abc",
        "prefect deployment run publish/site --param env=staging",
        "prefect server start",
        "hugopipe validate --site site --json",
        "hugopipe run publish --env live --wait",  # pauses for the person
        # a production rollback run waits for the same approval as a publish
        "hugopipe run rollback --env live --wait",
        "hugopipe run rollback --env live --param to_release=r0123456789abcde --wait",
        "hugopipe deploy --site site --env staging --dry-run",
        f"hugopipe approve {RUN} --note ok",  # the CLI refuses a production run itself
        "hugopipe plan --env live --json",
        "hugopipe --help",
    ],
)
def test_allowed(project, root: Path, command: str) -> None:
    run(project, command, cwd=root / "site")


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("hugo deploy --target live", "production target 'live'"),
        ("hugo deploy --target=LIVE", "production target 'LIVE'"),  # names are case-blind
        ("hugo deploy --target production", "production target 'production'"),
        ("hugo --minify deploy --target live", "production target 'live'"),
        ("hugo deploy --target staging --target live", "production target 'live'"),  # last wins
        ("hugo deploy --source ../prodsite", "default target 'live' is production"),
        ("prefect api POST /flow_runs/abc/resume", "writes through `prefect api`"),
        ("prefect api PATCH /flow_runs/abc", "writes through `prefect api`"),
        ("prefect flow-run resume abc", "a human's step"),
        ("prefect deployment run publish/site --param env=live", "production deployment (live)"),
        (
            "prefect deployment run publish/site --param env=canary",
            "production deployment (canary)",
        ),
        (f"hugopipe approve {RUN} --input env=live", "approves a production run"),
        ("hugopipe deploy --site site --env live", "outside the approval flow"),
        ("hugopipe deploy --site site --target LIVE", "outside the approval flow"),
        ("hugopipe rollback --env production", "outside the approval flow"),
        ("hugopipe run maintenance --env live", "outside the approval flow"),
        ("hugopipe run rollback --env live --deployment x", "plain `uv run hugopipe run rollback"),
        ("hugopipe run rollback --env live --param skip=1", "plain `uv run hugopipe run rollback"),
        ("hugopipe run rollback --env live --param", "plain `uv run hugopipe run rollback"),
        ("hugopipe run publish --env live --param skip_approval=true", "plain `uv run hugopipe"),
        ("hugopipe run publish --env canary --deployment x", "plain `uv run hugopipe"),
    ],
)
def test_blocked(project, root: Path, command: str, why: str) -> None:
    with pytest.raises(Block, match=why.replace("(", r"\(").replace(")", r"\)")):
        run(project, command, cwd=root / "site")


def test_the_environment_variable_is_the_target_without_target(project, root: Path) -> None:
    with pytest.raises(Block, match="production target 'live'"):
        run(project, "hugo deploy", cwd=root / "site", env_target="live")
    run(project, "hugo deploy", cwd=root / "site", env_target="staging")
    run(project, "hugo deploy --target staging", cwd=root / "site", env_target="live")


def test_without_source_the_working_directory_picks_the_site(project, root: Path) -> None:
    run(project, "hugo deploy", cwd=root / "site")
    run(project, "hugo deploy", cwd=root / "site" / "content")  # inside the site
    for cwd in (root / "prodsite", root, None):  # above both sites: either may deploy
        with pytest.raises(Block, match="default target 'live' is production"):
            run(project, "hugo deploy", cwd=cwd)


def test_an_unreadable_config_blocks_every_deploy(tmp_path: Path) -> None:
    root = make_project(tmp_path, hugo_toml=HUGO_TOML + "\n[[deployment.targets]\n")
    project = config.Project(str(root), str(root))
    with pytest.raises(Block, match="deploy configuration could not be read"):
        run(project, "hugo deploy --target staging", cwd=root / "site")
    run(project, "hugo server", cwd=root / "site")  # not a deploy: allowed


def test_names_any_is_whole_words() -> None:
    words = lexer.lex("run publish --env=live --note 'alive and lively'")[0].argv
    assert programs.names_any(words, {"live"}) == "live"
    assert programs.names_any(words[:2], {"live"}) is None
    assert programs.names_any(lexer.lex("x live-2 relive")[0].argv, {"live"}) is None
