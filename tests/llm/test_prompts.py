"""Prompt files: front matter checked, variables exact, the hash tracks every edit."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.llm.prompts import PromptError, load_prompt, prompt_digest, prompts_dir

ROOT_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"


@pytest.mark.parametrize("name", sorted(p.stem for p in ROOT_PROMPTS.glob("*.md")))
def test_every_shipped_prompt_loads(name: str) -> None:
    p = load_prompt(name)
    assert p.spec.name == name and p.spec.variables
    assert p.answer_model().model_json_schema()["type"] == "object"


def _write(tmp: Path, text: str) -> None:
    (tmp / "p.md").write_text(text)


HEAD = "---\nname: p\nrole: worker\nvariables: [a]\nanswer_schema:\n  type: object\n  properties:\n    x: {type: integer}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEAD + "---\nSay $a and $b\n",
            "the body uses ['a', 'b'] but the front matter declares ['a']",
        ),
        (HEAD + "temprature: 1\n---\n$a\n", "temprature: Extra inputs are not permitted"),
        (HEAD.replace("integer", "date") + "---\n$a\n", "unsupported JSON schema type 'date'"),
        ("no front matter $a\n", "name: Field required"),
    ],
)
def test_bad_prompt_files_fail_with_the_file_and_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.setenv("HUGOPIPE_PROMPTS", str(tmp_path))
    _write(tmp_path, text)
    with pytest.raises(PromptError) as err:
        load_prompt("p")
    assert message in str(err.value) and err.value.file == str(tmp_path / "p.md")


def test_variables_must_be_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUGOPIPE_PROMPTS", str(tmp_path))
    _write(tmp_path, HEAD + "---\nSay $a\n")
    p = load_prompt("p")
    assert p.render({"a": "hi"}) == "Say hi"
    assert p.render({"a": {"k": 1}}).startswith("Say {")  # structured inputs as JSON
    with pytest.raises(PromptError, match="missing a"):
        p.render({})
    with pytest.raises(PromptError, match="unexpected b"):
        p.render({"a": "x", "b": "y"})
    assert prompts_dir() == tmp_path


def test_digest_changes_with_front_matter_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUGOPIPE_PROMPTS", str(tmp_path))
    _write(tmp_path, HEAD + "---\n$a\n")
    before = prompt_digest("p")
    assert load_prompt("p").digest == before
    _write(tmp_path, HEAD.replace("role: worker", "role: worker\ntemperature: 0.7") + "---\n$a\n")
    assert prompt_digest("p") != before


def test_broken_yaml_in_a_prompt_names_the_file_and_line_and_the_note_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hugopipe.llm.client import consult
    from hugopipe.llm.settings import LLMSettings

    monkeypatch.setenv("HUGOPIPE_PROMPTS", str(tmp_path))
    _write(tmp_path, "---\nname: p\nrole: worker: x\nvariables: [a]\nanswer_schema: {}\n---\n$a\n")
    with pytest.raises(PromptError) as err:
        load_prompt("p")
    assert err.value.file == str(tmp_path / "p.md") and err.value.line == 3
    assert "not valid YAML" in err.value.message
    asked = consult(LLMSettings(model="m"), "p", {"a": "x"})
    assert asked.answer is None and f"{tmp_path / 'p.md'}:{err.value.line}:" in str(asked.note)
