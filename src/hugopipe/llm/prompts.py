"""Prompts as versioned files: ``prompts/<name>.md``, Markdown with YAML front matter.

The front matter says what the prompt needs and what it answers (name, version, the
model or the role whose model answers it, temperature, the variables it takes, the
JSON schema of the answer); the body is a ``string.Template`` (``$plan``). A prompt
is data, so a changed wording or schema needs no code change, and its content hash
goes into every cache key and every recorded answer: an edited prompt is never
answered from a stale cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from string import Template
from typing import Any, Literal

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from hugopipe.errors import FailureClass, HugopipeError

PROMPTS = Path(__file__).resolve().parents[3] / "prompts"


class PromptError(HugopipeError, KeyError):
    """A prompt file that cannot be used, or values that do not fit it (a ``KeyError`` too,
    as ``string.Template`` raises for a missing value)."""

    failure_class = FailureClass.CONFIGURATION

    def __str__(self) -> str:  # KeyError would quote the message
        return HugopipeError.__str__(self)


class PromptSpec(BaseModel):
    """A prompt file's front matter."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = Field(1, ge=1)
    #: the role whose configured model answers (``reviewer``…), unless ``model`` names one
    role: Literal["summarizer", "reviewer", "explainer", "worker"] = "worker"
    model: str | None = None
    temperature: float = Field(0.0, ge=0, le=2)
    #: Ollama endpoint: ``chat`` (one user message) or ``generate`` (a plain completion)
    api: Literal["chat", "generate"] = "chat"
    variables: list[str] = Field(default_factory=list)
    #: the answer's JSON schema, sent as ``format=`` and checked when the answer arrives
    answer_schema: dict[str, Any]


class Prompt(BaseModel):
    spec: PromptSpec
    body: str
    digest: str  # sha256 of the whole file (front matter included), first 16 hex digits
    path: str

    def render(self, values: dict[str, Any]) -> str:
        """The prompt text; a missing or an unexpected variable is an error, never a hole."""
        given, wanted = set(values), set(self.spec.variables)
        if given != wanted:
            parts = []
            if wanted - given:
                parts.append("missing " + ", ".join(sorted(wanted - given)))
            if given - wanted:
                parts.append("unexpected " + ", ".join(sorted(given - wanted)))
            raise PromptError(
                f"prompt {self.spec.name!r}: {'; '.join(parts)}",
                file=self.path,
                hint="give exactly the variables listed in the prompt's front matter: "
                + (", ".join(self.spec.variables) or "(none)"),
            )
        return Template(self.body).substitute({k: _text(v) for k, v in values.items()})

    def answer_model(self) -> type[BaseModel]:
        return _model_for(self.spec.name, json.dumps(self.spec.answer_schema, sort_keys=True))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, default=str)


def prompts_dir() -> Path:
    return Path(os.environ.get("HUGOPIPE_PROMPTS", PROMPTS))


def prompt_path(name: str) -> Path:
    return prompts_dir() / f"{name}.md"


def prompt_digest(name: str) -> str:
    return hashlib.sha256(prompt_path(name).read_bytes()).hexdigest()[:16]


def load_prompt(name: str) -> Prompt:
    """Read and check ``prompts/<name>.md``: front matter, and a body whose ``$names`` are
    exactly the declared variables."""
    path = prompt_path(name)
    if not path.is_file():
        have = sorted(p.stem for p in prompts_dir().glob("*.md"))
        raise PromptError(
            f"no prompt named {name!r}",
            file=str(path),
            hint="use one of: " + (", ".join(have) or "(none)"),
        )
    return _parse(path.read_bytes(), str(path))


@functools.lru_cache(maxsize=64)
def _parse(raw: bytes, path_text: str) -> Prompt:
    """One parse per distinct file content: a review asks per page, and an edited file is
    new bytes, so it is parsed again."""
    path = Path(path_text)
    text = raw.decode("utf-8", errors="replace")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        # the YAML text begins with the rest of the opening `---` line (as in taskfile/reader.py)
        opening = frontmatter.YAMLHandler.FM_BOUNDARY.search(text)
        start = text.count("\n", 0, opening.end()) + 1 if opening else 1
        line = mark.line + start if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PromptError(
            f"prompt front matter is not valid YAML: {what}",
            file=str(path),
            line=line,
            hint="fix the YAML between the two `---` lines (docs/local-models.md#prompts)",
        ) from None
    try:
        spec = PromptSpec.model_validate(post.metadata)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "front matter"
        raise PromptError(
            f"prompt front matter: {where}: {first['msg']}",
            file=str(path),
            hint="docs/local-models.md#prompts lists the fields a prompt file has",
        ) from None
    used = set(Template(post.content).get_identifiers())
    if used != set(spec.variables):
        raise PromptError(
            f"the body uses {sorted(used)} but the front matter declares {sorted(spec.variables)}",
            file=str(path),
            hint="list every $name the body uses under `variables:`, and no other",
        )
    try:
        schema_model(spec.name, spec.answer_schema)
    except ValueError as exc:
        raise PromptError(f"answer_schema: {exc}", file=str(path)) from None
    return Prompt(
        spec=spec,
        body=post.content,
        digest=hashlib.sha256(raw).hexdigest()[:16],
        path=str(path),
    )


@functools.lru_cache(maxsize=64)
def _model_for(name: str, schema_json: str) -> type[BaseModel]:
    return schema_model(name, json.loads(schema_json))


_SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}


def schema_model(name: str, schema: dict[str, Any]) -> type[BaseModel]:
    """A pydantic model for a JSON schema of the small kind a prompt answers with: an object
    of strings, numbers, booleans, enums, arrays and nested objects. pydantic then checks
    the answer exactly as the schema sent to the model says (``ValueError`` otherwise)."""
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise ValueError("the answer is a JSON object with `properties`")
    required = set(schema.get("required", list(schema["properties"])))
    fields: dict[str, Any] = {}
    for key, sub in schema["properties"].items():
        typ = _field_type(f"{name}_{key}", sub)
        constraints = {
            k: sub[k]
            for k in ("minimum", "maximum", "minLength", "maxLength", "maxItems")
            if k in sub
        }
        kwargs = {
            {"minimum": "ge", "maximum": "le", "minLength": "min_length"}.get(k, "max_length"): v
            for k, v in constraints.items()
        }
        default = ... if key in required else None
        fields[key] = (typ if key in required else typ | None, Field(default, **kwargs))
    return create_model(name.replace("-", "_"), __config__=ConfigDict(extra="ignore"), **fields)


def _field_type(name: str, sub: dict[str, Any]) -> Any:
    if "enum" in sub:
        return Literal.__getitem__(tuple(sub["enum"]))
    typ = sub.get("type")
    if typ in _SCALARS:
        return _SCALARS[typ]
    if typ == "array":
        item = _field_type(name, sub.get("items", {"type": "string"}))
        return list.__class_getitem__(item)
    if typ == "object":
        return schema_model(name, sub)
    raise ValueError(f"unsupported JSON schema type {typ!r} in {name}")


def render_prompt(name: str, **values: Any) -> str:
    """``load_prompt(name).render(values)``: a missing or extra value is a ``PromptError``."""
    return load_prompt(name).render(values)
