"""``guard.hugo``: which target a ``hugo deploy`` goes to, and whether that is allowed.

The end-to-end hook tests (test_guard.py) cover the common commands; these pin each
function of the module: option parsing, the default target per site, the
``HUGO_DEPLOYMENT_TARGET`` variable, and the text scan for CI files and Makefiles.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import HUGO_TOML, guard_module, make_project

hugo = guard_module("hugo")
config = guard_module("config")
lexer = guard_module("lexer")
Block = guard_module("main").Block

LIVE_DEFAULT = HUGO_TOML.replace("[deployment]\n", '[deployment]\ntarget = "live"\n')


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    """One site (``site/``, default target dev) and one whose default is production
    (``prodsite/``, ``[deployment] target = "live"``)."""
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-hugo-") as tmp:
        root = make_project(Path(tmp))
        prod = root / "prodsite"
        (prod / "content").mkdir(parents=True)
        (prod / "hugo.toml").write_text(LIVE_DEFAULT)
        yield root


@pytest.fixture
def project(root: Path):
    return config.Project(str(root), str(root))


def run(project, command: str, cwd: Path | None = None, env_target: str | None = None) -> None:
    (cmd,) = lexer.lex(command)
    assert lexer.basename(cmd.argv[0].text) == "hugo"
    env = lexer.Word(env_target, False) if env_target is not None else None
    hugo.check(project, cmd.argv[1:], str(cwd) if cwd else None, command, env)


# -- check: the words after `hugo` ------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "hugo",
        "hugo --minify",
        "hugo server --port 1313",
        "hugo build --environment production",  # building is not deploying
        "hugo -d deploy --target live",  # -d takes a value: a build into ./deploy
        "hugo --destination=deploy",
        "hugo deploy --target staging",
        "hugo deploy --target=dev",
        "hugo deploy --dryRun --target staging",
        "hugo --source site deploy --target staging",
        "hugo deploy --target staging --source site",
        "hugo --environment production deploy --target staging",  # Hugo goes by --target
        "hugo deploy --source site",  # site's default: dev
        "hugo deploy --target",  # no value: Hugo's own usage error, nothing deployed
    ],
)
def test_allowed(project, root: Path, command: str) -> None:
    run(project, command, cwd=root / "site")


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("hugo deploy --target live", "production target 'live'"),
        ("hugo deploy --target=live", "production target 'live'"),
        ("hugo deploy --target LIVE", "production target 'LIVE'"),  # names are case-blind
        ("hugo deploy --target production", "production target 'production'"),
        ("hugo --minify deploy --target live", "production target 'live'"),
        ("hugo -e staging deploy --target live", "production target 'live'"),
        ("hugo deploy --target staging --target live", "production target 'live'"),  # last wins
        ("hugo deploy --target nowhere", "which no Hugo config in the project defines"),
        ("hugo deploy --target $T", "target is computed at run time"),
        ("hugo deploy --target=$T", "target is computed at run time"),
        ("hugo $SUB --target live", "subcommand is computed at run time"),
        ("hugo deploy --source $S --target staging", "--source is computed at run time"),
        ("hugo deploy --config $C --target staging", "--config is computed at run time"),
        ("hugo deploy --source ../prodsite", "default target 'live' is production"),
    ],
)
def test_blocked(project, root: Path, command: str, why: str) -> None:
    with pytest.raises(Block, match=why.replace("$", r"\$")):
        run(project, command, cwd=root / "site")


def test_the_environment_variable_is_the_target_without_target(project, root: Path) -> None:
    with pytest.raises(Block, match="production target 'live'"):
        run(project, "hugo deploy", cwd=root / "site", env_target="live")
    run(project, "hugo deploy", cwd=root / "site", env_target="staging")
    run(project, "hugo deploy --target staging", cwd=root / "site", env_target="live")
    with pytest.raises(Block, match="production target 'live'"):
        run(project, "hugo deploy --target live", cwd=root / "site", env_target="staging")


def test_without_source_the_working_directory_picks_the_site(project, root: Path) -> None:
    run(project, "hugo deploy", cwd=root / "site")
    run(project, "hugo deploy", cwd=root / "site" / "content")  # inside the site
    with pytest.raises(Block, match="default target 'live' is production"):
        run(project, "hugo deploy", cwd=root / "prodsite")
    with pytest.raises(Block, match="default target 'live' is production"):
        run(project, "hugo deploy", cwd=root)  # above both sites: either may deploy
    with pytest.raises(Block, match="default target 'live' is production"):
        run(project, "hugo deploy")  # no working directory: every site's default


def test_a_source_outside_the_project_is_learned(project, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "hugo.toml").write_text(
        HUGO_TOML.replace('name = "live"', 'name = "outside"').replace("[deployment]\n", "")
    )
    run(project, f"hugo deploy --source {other} --target staging")
    with pytest.raises(Block, match="production target 'outside'"):  # same bucket as live
        run(project, f"hugo deploy --source {other} --target outside")


def test_an_unreadable_config_blocks_every_deploy(tmp_path: Path) -> None:
    root = make_project(tmp_path, hugo_toml="[deployment\nbroken")
    project = config.Project(str(root), str(root))
    with pytest.raises(Block, match="deploy configuration could not be read"):
        run(project, "hugo deploy --target staging", cwd=root / "site")
    run(project, "hugo server", cwd=root / "site")  # not a deploy: allowed


def test_disagreeing_defaults_are_unknown(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    env_dir = root / "site" / "config" / "staging"
    env_dir.mkdir(parents=True)
    (env_dir / "deployment.toml").write_text('target = "staging"\n')
    project = config.Project(str(root), str(root))
    with pytest.raises(Block, match="default target is unknown"):
        run(project, "hugo deploy", cwd=root / "site")


# -- check_target / check_default ---------------------------------------------------------------


def test_check_target(project) -> None:
    hugo.check_target(project, "staging", "where")
    hugo.check_target(project, "Dev", "where")
    with pytest.raises(Block, match=r"^where deploys to the production target 'live'$"):
        hugo.check_target(project, "live", "where")
    with pytest.raises(Block, match="target 'qa', which no Hugo config"):
        hugo.check_target(project, "qa", "where")


def test_check_default(project, root: Path) -> None:
    hugo.check_default(project, str(root / "site"), "where")
    with pytest.raises(Block, match=r"^where runs `hugo deploy` without --target; the default"):
        hugo.check_default(project, str(root / "prodsite"), "where")
    with pytest.raises(Block, match="default target 'live'"):
        hugo.check_default(project, None, "where")
    with pytest.raises(Block, match="default target 'live'"):  # not a site: every default
        hugo.check_default(project, "/nowhere/else", "where")


def test_check_default_without_any_site(tmp_path: Path) -> None:
    project = config.Project(str(tmp_path), str(tmp_path))
    with pytest.raises(Block, match="default target is unknown"):
        hugo.check_default(project, None, "where")


# -- check_text: hugo deploy inside a file or a script ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hugo deploy --target staging",
        "run: hugo --minify deploy --target=staging",
        'subprocess.run(["hugo", "deploy", "--target", "dev"])',
        "hugo server\nhugo --minify",
        "# deploy with hugo later\n",  # 'deploy' before 'hugo'
        "hugo; deploy --target live",  # another command after ';'
        "hugo | deploy --target live",
        "hugo deploy --target staging\nhugo deploy --target dev",
        "hugo deploy --target staging # then --target live on another line\n",
    ],
)
def test_text_allowed(project, text: str) -> None:
    hugo.check_text(project, text, "where")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("hugo deploy --target live", "production target 'live'"),
        ("  - run: hugo --gc deploy --target=live\n", "production target 'live'"),
        ('subprocess.run(["hugo", "deploy", "--target", "live"])', "production target 'live'"),
        ("deploy:\n\thugo deploy --target 'live'\n", "production target 'live'"),
        ("hugo deploy --target staging\nhugo deploy --target live", "production target 'live'"),
        ("hugo deploy --target qa", "no Hugo config in the project defines"),
        ("hugo deploy --maxDeletes 0", "default target 'live' is production"),  # every site
    ],
)
def test_text_blocked(project, text: str, why: str) -> None:
    with pytest.raises(Block, match=why):
        hugo.check_text(project, text, "where")
