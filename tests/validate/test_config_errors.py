"""Errors in ``[validate]`` name hugopipe.toml and the line of the bad key or value."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from hugopipe import projectfile
from hugopipe.errors import ConfigError
from hugopipe.validate import config as vconfig
from hugopipe.validate.config import load_config

TOML = """
[environments.staging]
target = "staging"

[validate]
max_page_kb = 512
[validate.severity]
L3 = "error"
[validate.environments.staging]
title_min = 5
[validate.environments.staging.severity]
S4 = "off"
[[validate.accept]]
rule = "L1"
reason = "served by the legacy app"
[[validate.accept]]
rule = "L2"
reason = "client-side routes"
until = 2027-01-31
"""


def error(tmp_path: Path, edit: tuple[str, str], env: str = "staging") -> ConfigError:
    """Load ``[validate]`` after replacing ``edit[0]`` by ``edit[1]`` in TOML; return the error."""
    old, new = edit
    assert old in TOML
    path = tmp_path / "hugopipe.toml"
    path.write_text(textwrap.dedent(TOML.replace(old, new, 1)).lstrip())
    raw = tomllib.loads(path.read_text())["validate"]
    with pytest.raises(ConfigError) as info:
        load_config(raw, env, False, source=str(path))
    assert info.value.file == str(path), str(info.value)
    return info.value


def test_the_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "hugopipe.toml"
    path.write_text(TOML)
    cfg = load_config(tomllib.loads(TOML)["validate"], "staging", False, source=str(path))
    assert cfg.title_min == 5 and cfg.max_page_kb == 512 and len(cfg.accept) == 2


@pytest.mark.parametrize(
    ("edit", "line", "words"),
    [
        (("max_page_kb = 512", "max_page_kb = 512\nbogus_key = 1"), 6, "[validate].bogus_key"),
        (("title_min = 5", "title_min = 5\ntitel_max = 9"), 10, "staging].titel_max"),
        (('L3 = "error"', 'L3 = "error"\nZ9 = "off"'), 8, "unknown rule 'Z9'"),
        (('S4 = "off"', 'Q1 = "off"'), 11, "unknown rule 'Q1'"),
        (('L3 = "error"', 'L3 = "fatal"'), 7, "severity.L3"),
        (('S4 = "off"', 'S4 = "quiet"'), 11, "severity.S4"),
        (("max_page_kb = 512", 'max_page_kb = "big"'), 5, "max_page_kb"),
        (("title_min = 5", 'title_min = "x"'), 9, "title_min"),  # the override's line
        (('reason = "client-side routes"', 'reason = "no"'), 17, "accept.1.reason"),
        (("until = 2027-01-31", 'until = "soon"'), 18, "accept.1.until"),
        (('reason = "served by the legacy app"\n', ""), 12, "accept.0.reason"),  # its header
        (('[validate.severity]\nL3 = "error"', 'severity = "L3"'), 6, "severity must be a table"),
    ],
)
def test_each_error_names_file_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, words: str
) -> None:
    err = error(tmp_path, edit)
    assert err.line == line, str(err)
    assert words in err.message, str(err)


def test_an_accepted_finding_in_an_environment_names_its_own_entry(tmp_path: Path) -> None:
    extra = '[[validate.environments.staging.accept]]\nrule = "L4"\nreason = "x"\n'
    err = error(tmp_path, ("[[validate.accept]]", extra + "[[validate.accept]]"))
    assert err.line == 14 and "accept.2.reason" in err.message, str(err)  # its reason


def test_without_a_source_the_error_names_hugopipe_toml_and_no_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_config({"bogus_key": 1}, "staging", False)
    assert info.value.location() == "hugopipe.toml"


def test_validate_source_names_the_line(tmp_path: Path) -> None:
    from hugopipe.validate import validate_source

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://www.example.org/"\n')
    (site / "hugopipe.toml").write_text("[validate]\ntitle_min = 5\ntitle_max = []\n")
    with pytest.raises(ConfigError) as info:
        validate_source(site, "staging", config={"title_min": 5, "title_max": []})
    assert info.value.location() == f"{site / 'hugopipe.toml'}:3", str(info.value)


def test_the_loader_knows_the_same_keys() -> None:
    """projectfile repeats the key list so it needs no pydantic or rule catalogue at start-up."""
    assert projectfile.VALIDATE_KEYS == vconfig.KEYS
    assert projectfile.VALIDATE_ENV_KEYS == vconfig.ENV_KEYS


def test_item_line() -> None:
    text = "[[a.b]]\nx = 1\n[[a.b]]\ny = 2\n[c]\n[[a.b]]\nz = 3\n"
    assert projectfile.item_line(text, ("a", "b"), 0, "x") == 2
    assert projectfile.item_line(text, ("a", "b"), 1, "x") == 3  # not set: the header
    assert projectfile.item_line(text, ("a", "b"), 2, "z") == 7
    assert projectfile.item_line("[a]\nb = [{x = 1}]\n", ("a", "b"), 0, "x") == 2  # inline
