"""hugopipe.toml has one parser (``projectfile``) and one typed view of it (``ProjectConfig``):
unknown keys and wrong types are errors naming the file and the line, everywhere."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hugopipe import projectfile
from hugopipe.config import EnvironmentConfig, ProjectConfig
from hugopipe.errors import ConfigError
from tests.support import ROOT

READERS = [projectfile.read, ProjectConfig.load]


def write(site: Path, text: str) -> Path:
    path = site / "hugopipe.toml"
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_projectfile_is_stdlib_only() -> None:
    """The Claude Code guard imports it by path under the system python3: no pydantic, no
    site-packages, only ``src/`` on the path."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT / "src")!r})
        from hugopipe import projectfile
        import hugopipe.credentials  # the chain is stdlib until it builds a session
        envs = projectfile.environments(projectfile.parse('[environments.live]\\nproduction = true'))
        assert projectfile.is_production("live", envs)
        assert not projectfile.is_production("dev", envs)
        heavy = sorted(m for m in ("pydantic", "boto3", "botocore", "prefect") if m in sys.modules)
        assert not heavy, heavy
        assert not [p for p in sys.path if "site-packages" in p], sys.path
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("table", ["deploy", "maintenance", "enviroments"])
def test_unknown_top_level_table_is_an_error(tmp_path: Path, read, table: str) -> None:
    path = write(
        tmp_path,
        f"""
        [environments.dev]
        target = "dev"

        [{table}]
        workers = 4
        """,
    )
    with pytest.raises(ConfigError) as info:
        read(tmp_path)
    err = info.value
    assert err.file == str(path) and err.line == 4, str(err)
    assert repr(table) in err.message and "environments, validate" in (err.hint or "")


@pytest.mark.parametrize("read", READERS)
def test_unknown_environment_key_is_an_error(tmp_path: Path, read) -> None:
    path = write(
        tmp_path,
        """
        [environments.staging]
        target = "staging"
        [environments.dev]
        target = "dev"
        verfiy_url = "https://dev.example.org/"
        """,
    )
    with pytest.raises(ConfigError) as info:
        read(tmp_path)
    err = info.value
    assert err.file == str(path) and err.line == 5, str(err)
    assert "environments.dev.verfiy_url" in err.message and "verify_url" in (err.hint or "")


def test_unknown_key_in_an_inline_table_names_its_line(tmp_path: Path) -> None:
    write(tmp_path, '[environments]\ndev = { target = "dev" }\nqa = { tagret = "qa" }\n')
    with pytest.raises(ConfigError) as info:
        projectfile.read(tmp_path)
    assert info.value.line == 3 and "environments.qa.tagret" in info.value.message


def test_wrong_value_type_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [environments.dev]
        verify_paths = "/"
        """,
    )
    with pytest.raises(ConfigError) as info:
        ProjectConfig.load(tmp_path)
    err = info.value
    assert err.file == str(path) and err.line == 2, str(err)
    assert err.message.startswith("environments.dev.verify_paths")


def test_environment_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path, '[environments]\ndev = "dev"\n')
    for read in READERS:
        with pytest.raises(ConfigError) as info:
            read(tmp_path)
        assert info.value.line == 2 and "[environments.dev]" in info.value.message


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "[environments.dev]\ntarget = dev\n")
    for read in READERS:
        with pytest.raises(ConfigError) as info:
            read(tmp_path)
        assert info.value.line == 2 and "not valid TOML" in info.value.message


def test_a_production_string_is_refused_by_the_typed_model_too() -> None:
    # even when a dict skips projectfile (Prefect re-validating a parameter), "true" is no bool
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        EnvironmentConfig.model_validate({"production": "true"})
    assert EnvironmentConfig.model_validate({"production": True}).production is True


def test_the_key_lists_match_the_model() -> None:
    fields = set(EnvironmentConfig.model_fields) - {"name"}  # name is the table's, set on load
    assert fields == set(projectfile.ENVIRONMENT_KEYS)
    top = {f.alias or n for n, f in ProjectConfig.model_fields.items()} - {"path"}
    assert top == set(projectfile.TOP_LEVEL_KEYS)


def test_no_file_means_the_default_environments(tmp_path: Path) -> None:
    cfg = ProjectConfig.load(tmp_path)
    assert list(cfg.environments) == list(projectfile.DEFAULT_ENVIRONMENTS)
    assert [e.target for e in cfg.environments.values()] == ["dev", "staging", "production"]
    assert cfg.environments["dev"].credentials_block == "hugopipe-aws"


def test_the_example_site_loads() -> None:
    cfg = ProjectConfig.load(ROOT / "examples" / "site")
    assert cfg.is_production("production") and not cfg.is_production("staging")


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("environments", "live", "production"), 5),
        (("environments", "production"), 2),
        (("environments", "qa", "production"), 7),
        (("environments", "x", "y"), 8),
        (("validate", "severity", "L3"), 10),
        (("validate", "severity", "L9"), 9),  # not set: the enclosing table's header
        (("deploy",), None),
    ],
)
def test_line_of(path: tuple[str, ...], line: int | None) -> None:
    text = (
        "# comment\n[environments.production]\ntarget = 'p'\n[ environments . \"live\" ]\n"
        'production = "true"\n[environments]\nqa = { production = 1 }\n"x".y = 2\n'
        "[validate.severity]\nL3 = 'error'\n"
    )
    assert projectfile.line_of(text, *path) == line


def test_deploy_refuses_production_before_importing_pydantic(tmp_path: Path) -> None:
    """``hugopipe deploy`` is a start-up-critical path: the refusal comes from projectfile."""
    write(tmp_path, '[environments.live]\ntarget = "www"\nproduction = true\n[environments.pre]\n')
    code = textwrap.dedent(
        f"""
        import sys
        from hugopipe.cli.main import main
        for argv in (["--target", "www"], ["--target", "production"], ["--target", "x", "--env", "live"]):
            assert main(["deploy", "--site", {str(tmp_path)!r}, *argv]) == 3, argv
        heavy = sorted(m for m in ("pydantic", "boto3", "botocore") if m in sys.modules)
        assert not heavy, heavy
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
    assert "refuses the production target 'www'" in out.stderr


@pytest.mark.parametrize("command", [["deploy", "--target", "dev"], ["rollback", "--env", "dev"]])
def test_commands_report_an_unknown_key_with_file_and_line(tmp_path: Path, command) -> None:
    path = write(tmp_path, '[environments.dev]\ntarget = "dev"\nproduktion = true\n')
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from hugopipe.cli.main import main; "
         f"sys.exit(main({[*command, '--site', str(tmp_path)]!r}))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:3" in proc.stderr and "environments.dev.produktion" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[validate]\nmax_page_kb = 1\nbogus_key = 1\n", 3, "[validate].bogus_key"),
        ("[validate.environments.staging]\ntitel_min = 5\n", 2, "staging].titel_min"),
        ('validate = "strict"\n', 1, "[validate] must be a table"),
        ("[validate]\nenvironments = 3\n", 2, "[validate.environments] must be a table"),
    ],
)
def test_a_bad_validate_key_fails_at_load(
    tmp_path: Path, read, text: str, line: int, words: str
) -> None:
    """Misspelled ``[validate]`` keys fail when hugopipe.toml is read, not after the build."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        read(tmp_path)
    assert info.value.location() == f"{path}:{line}", str(info.value)
    assert words in info.value.message, str(info.value)


def test_plan_rejects_a_bad_validate_key_before_building(tmp_path: Path) -> None:
    from tests.conftest import copy_site

    site = copy_site(tmp_path)  # without a public/ or resources/ a local build left behind
    path = site / "hugopipe.toml"
    line = len(path.read_text().splitlines()) + 3
    with path.open("a") as f:
        f.write("\n[validate]\nbogus_key = 1\n")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from hugopipe.cli.main import main; "
         f"sys.exit(main(['plan', '--site', {str(site)!r}, '--env', 'staging']))"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert f"{path}:{line}: unknown key [validate].bogus_key" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (site / "public").exists() and not (site / "resources").exists()  # nothing built
