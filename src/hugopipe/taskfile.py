"""Task requests in the user's task-file format (seed 002 §1.2), validated field by field.

A task file is Markdown with YAML front matter that Claude Code writes and
``hugopipe submit`` turns into a run. A malformed file must start nothing and
say, for EVERY bad field, the line it is on and what to write instead — so
Claude can fix the file in one edit instead of one error per attempt. Line
numbers come from the YAML node tree (``yaml.compose``), not from guessing.

A task file can never approve production: production is approved by a human
typing ``DEPLOY TO PRODUCTION`` in the Prefect UI. ``approval_confirmation``
(the user's template names the phrase) is ignored; ``approval_confirmed``
(seed 002 §4.4's "CC writes approval_confirmed: true") is refused.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: task_type → (what runs, the environment it implies or None for "any")
TASK_TYPES: dict[str, tuple[str, str | None]] = {
    "hugo-build": ("local-build", None),
    "hugo-validate": ("local-validate", None),
    "hugo-deploy-dev": ("publish", "dev"),
    "hugo-deploy-staging": ("publish", "staging"),
    "hugo-deploy-production": ("publish", "production"),
}

APPROVAL_PHRASE = "DEPLOY TO PRODUCTION"

_TYPES = {
    "boolean": "boolean",
    "bool": "boolean",
    "integer": "integer",
    "int": "integer",
    "float": "float",
    "number": "float",
    "string": "string",
    "str": "string",
    "array": "array",
    "list": "array",
    "object": "object",
    "dict": "object",
    "any": "any",
}
_SPEC = re.compile(r"^\s*(?P<type>[A-Za-z_]+)?\s*(?:\((?P<constraint>[^)]*)\))?\s*$")
_CMP = re.compile(r"^\s*(?P<op>>=|<=|==|!=|>|<|=)\s*(?P<num>-?\d+(?:\.\d+)?)\s*$")
_WORD_CONSTRAINTS = {"empty", "non-empty", "not empty", "nonempty", "present", "true", "false"}


class TaskFileError(Exception):
    """A task file that cannot start anything: every problem, each with its line."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)")


class Problem(BaseModel):
    field: str
    line: int | None
    message: str
    fix: str

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.field}: {self.message}\n  fix: {self.fix}"


class ExpectedOutput(BaseModel):
    """``file_count: integer (>100)`` → name, type and constraint, checked when the run ends."""

    name: str
    type: str | None = None
    constraint: str | None = None

    def check(self, outputs: dict[str, Any]) -> OutputCheck:
        if self.name not in outputs:
            return OutputCheck(
                name=self.name,
                expected=self.describe(),
                passed=False,
                reason="missing from outputs",
            )
        value = outputs[self.name]
        ok, reason = _type_ok(self.type, value)
        if ok and self.constraint:
            ok, reason = _constraint_ok(self.constraint, value)
        return OutputCheck(
            name=self.name, expected=self.describe(), actual=value, passed=ok, reason=reason
        )

    def describe(self) -> str:
        text = self.type or "present"
        return f"{text} ({self.constraint})" if self.constraint else text


class OutputCheck(BaseModel):
    name: str
    expected: str
    actual: Any = None
    passed: bool
    reason: str = ""


def _type_ok(kind: str | None, value: Any) -> tuple[bool, str]:
    checks = {
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    check = checks.get(kind or "")
    if check is None or check(value):
        return True, ""
    return False, f"expected {kind}, got {type(value).__name__}"


def _constraint_ok(constraint: str, value: Any) -> tuple[bool, str]:
    c = constraint.strip().lower()
    if c in {"empty"}:
        ok = hasattr(value, "__len__") and len(value) == 0
        return ok, "" if ok else f"expected empty, has {_size(value)}"
    if c in {"non-empty", "not empty", "nonempty"}:
        ok = hasattr(value, "__len__") and len(value) > 0
        return ok, "" if ok else "expected non-empty"
    if c == "present":
        return value is not None, "" if value is not None else "is null"
    if c in {"true", "false"}:
        ok = value is (c == "true")
        return ok, "" if ok else f"expected {c}"
    m = _CMP.match(constraint)
    if not m:
        return False, f"cannot evaluate constraint {constraint!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False, f"{value!r} is not a number"
    num = float(m.group("num"))
    op = m.group("op")
    ok = {
        ">": value > num,
        "<": value < num,
        ">=": value >= num,
        "<=": value <= num,
        "==": value == num,
        "=": value == num,
        "!=": value != num,
    }[op]
    return ok, "" if ok else f"{value} is not {op} {m.group('num')}"


def _size(value: Any) -> str:
    try:
        return f"{len(value)} item(s)"
    except TypeError:
        return repr(value)


def parse_expected(item: Any) -> ExpectedOutput:
    """Accept ``- name``, ``- name: type (constraint)`` and ``- "name: type (constraint)"``."""
    if isinstance(item, str):
        name, sep, spec = item.partition(":")
        item = {name.strip(): spec.strip()} if sep else {item.strip(): None}
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError("each expected output is `name` or `name: type (constraint)`")
    ((name, spec),) = item.items()
    name = str(name).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"output name {name!r} must be a plain identifier like file_count")
    if spec is None or spec == "":
        return ExpectedOutput(name=name)
    m = _SPEC.match(str(spec))
    if not m:
        raise ValueError(f"cannot read {spec!r}; write `type (constraint)`, e.g. `integer (>100)`")
    kind = m.group("type")
    if kind and kind.lower() not in _TYPES:
        raise ValueError(
            f"unknown type {kind!r}; use one of {', '.join(sorted(set(_TYPES.values())))}"
        )
    constraint = (m.group("constraint") or "").strip() or None
    if constraint and constraint.lower() not in _WORD_CONSTRAINTS and not _CMP.match(constraint):
        raise ValueError(
            f"unknown constraint {constraint!r}; use >N, <N, >=N, <=N, ==N, empty, non-empty or present"
        )
    return ExpectedOutput(
        name=name, type=_TYPES[kind.lower()] if kind else None, constraint=constraint
    )


class TaskContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    user_request: str | None = None
    branch: str | None = None
    files_changed: list[str] = Field(default_factory=list)


class TaskParams(BaseModel):
    """Known parameters are typed; others (bucket, cloudfront_id…) are kept and reported as ignored."""

    model_config = ConfigDict(extra="allow")

    site_path: str | None = None
    environment: str | None = None
    base_url: str | None = None
    minify: bool = True
    clean: bool = True

    @field_validator("environment")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[a-z][a-z0-9_-]*", v):
            raise ValueError("an environment is a lowercase name like dev, staging or production")
        return v


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    task_type: Literal[
        "hugo-build",
        "hugo-validate",
        "hugo-deploy-dev",
        "hugo-deploy-staging",
        "hugo-deploy-production",
    ]
    created_at: datetime | None = None
    created_by: str | None = None
    status: Literal["pending", "in-progress", "completed", "failed"] = "pending"
    worker_type: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    timeout_minutes: int = Field(30, ge=1, le=1440)
    context: TaskContext = Field(default_factory=TaskContext)
    params: TaskParams = Field(default_factory=TaskParams)
    expected_outputs: list[ExpectedOutput] = Field(default_factory=list)
    requires_approval: bool | None = None
    approval_confirmation: str | None = None
    approval_confirmed: bool | None = None
    description: str = Field("", description="the Markdown body under the front matter")

    @field_validator("task_id", "created_by", "worker_type", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        # YAML reads `task_id: 2026-01-19` as a date and `task_id: 42` as an int.
        return str(v) if v is not None and not isinstance(v, str | dict | list) else v

    @field_validator("expected_outputs", mode="before")
    @classmethod
    def _expected(cls, v: Any) -> Any:
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError("expected_outputs is a YAML list (`- file_count: integer (>100)`)")
        return [
            parse_expected(item) if not isinstance(item, ExpectedOutput) else item for item in v
        ]

    @property
    def runner(self) -> str:
        return TASK_TYPES[self.task_type][0]

    @property
    def environment(self) -> str:
        implied = TASK_TYPES[self.task_type][1]
        return self.params.environment or implied or "dev"


# -- reading a file -----------------------------------------------------------------


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, line number of the first front-matter line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ValueError("a task file starts with a `---` line, then YAML front matter, then `---`")
    for i in range(1, len(lines)):
        if lines[i].strip() in {"---", "..."}:
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), 2
    raise ValueError("the YAML front matter is not closed by a second `---` line")


def key_lines(front: str, first_line: int) -> dict[tuple[Any, ...], int]:
    """Every key path in the YAML (``("params", "environment")``, ``("expected_outputs", 2)``) → file line."""
    lines: dict[tuple[Any, ...], int] = {}
    root = yaml.compose(front)

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                p = (*path, key.value)
                lines[p] = key.start_mark.line + first_line
                walk(value, p)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                p = (*path, i)
                lines[p] = item.start_mark.line + first_line
                walk(item, p)

    if root is not None:
        walk(root, ())
    return lines


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """The line of the deepest key that exists (a missing field points at its parent)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


_FIXES: dict[str, str] = {
    "task_id": "use letters, digits, '.', '-' or '_' (it becomes the result file name), "
    "e.g. task_id: 2026-01-19-1430-hugo-build-staging",
    "task_type": "use one of: " + ", ".join(TASK_TYPES),
    "status": "use pending (or omit it)",
    "priority": "use low, normal, high or urgent",
    "timeout_minutes": "a whole number of minutes between 1 and 1440",
    "created_at": "an ISO 8601 time such as 2026-01-19T14:30:00Z",
    "requires_approval": "true or false",
    "expected_outputs": "a list like `- file_count: integer (>100)` or `- build_success`",
    "params.environment": "dev, staging or production (an environment in the site's hugopipe.toml)",
    "params.minify": "true or false",
    "params.clean": "true or false",
    "context": "a mapping with user_request, branch and files_changed",
    "context.files_changed": "a YAML list of paths",
}


def _fix(field_path: str, msg: str) -> str:
    if "Extra inputs are not permitted" in msg:
        top = field_path.split(".")[0]
        return f"remove `{top}` or fix its spelling; known fields: " + ", ".join(
            k for k in TaskRequest.model_fields if k != "description"
        )
    for key in (field_path, field_path.split(".")[0]):
        if key in _FIXES:
            return _FIXES[key]
    return "see docs/cli.md#task-files for the format"


def _problems_from(exc: ValidationError, lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # errors inside an expected_outputs item's validator come back on the list
        field_path = ".".join(str(p) for p in loc) or "(front matter)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "extra_forbidden":
            msg = "is not a task-file field"
        elif "input" in err and err["type"] not in {"value_error"}:
            msg = f"{msg} (got {err['input']!r})"
        out.append(
            Problem(
                field=field_path,
                line=_line_for(loc, lines),
                message=msg,
                fix=_fix(field_path, err["msg"]),
            )
        )
    return out


def _expected_problems(data: dict[str, Any], lines: dict[tuple[Any, ...], int]) -> list[Problem]:
    """Check each expected output on its own so every bad item gets its own line."""
    items = data.get("expected_outputs")
    if not isinstance(items, list):
        return []
    out: list[Problem] = []
    good: list[ExpectedOutput] = []
    for i, item in enumerate(items):
        try:
            good.append(parse_expected(item))
        except ValueError as exc:
            out.append(
                Problem(
                    field=f"expected_outputs.{i}",
                    line=_line_for(("expected_outputs", i), lines),
                    message=str(exc),
                    fix=_FIXES["expected_outputs"],
                )
            )
    data["expected_outputs"] = good if not out else []
    return out


def load_task(path: Path, environments: list[str] | None = None) -> tuple[TaskRequest, list[str]]:
    """Parse and validate a task file; raise ``TaskFileError`` listing every problem.

    Returns the request and notices (fields accepted but ignored, with why).
    ``environments`` are the site's known environment names, when known.
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TaskFileError(
            shown,
            [
                Problem(
                    field="(file)",
                    line=None,
                    message=str(exc.strerror or exc),
                    fix="check the path",
                )
            ],
        ) from exc
    try:
        front, body, first = split_front_matter(text)
    except ValueError as exc:
        raise TaskFileError(
            shown,
            [
                Problem(
                    field="(front matter)",
                    line=1,
                    message=str(exc),
                    fix="see docs/cli.md#task-files",
                )
            ],
        ) from exc
    try:
        data = yaml.safe_load(front) or {}
        lines = key_lines(front, first)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaskFileError(
            shown,
            [
                Problem(
                    field="(YAML)",
                    line=line,
                    message=f"not valid YAML: {problem}",
                    fix="check indentation and quote values containing ': ' or '#'",
                )
            ],
        ) from exc
    if not isinstance(data, dict):
        raise TaskFileError(
            shown,
            [
                Problem(
                    field="(front matter)",
                    line=first,
                    message="is not a mapping",
                    fix="write `key: value` lines",
                )
            ],
        )

    notices: list[str] = []
    if "task_id" not in data:
        data["task_id"] = Path(path).stem
        notices.append(f"task_id missing; using the file name: {data['task_id']}")
    problems = _expected_problems(data, lines)
    data["description"] = body.strip()
    request: TaskRequest | None = None
    try:
        request = TaskRequest.model_validate(data)
    except ValidationError as exc:
        problems += [
            p for p in _problems_from(exc, lines) if not p.field.startswith("expected_outputs.")
        ]

    problems += _semantic_problems(data, request, lines, environments)
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.field))
        raise TaskFileError(shown, problems)
    assert request is not None
    notices += _notices(request)
    return request, notices


def _semantic_problems(
    data: dict[str, Any],
    request: TaskRequest | None,
    lines: dict[tuple[Any, ...], int],
    environments: list[str] | None,
) -> list[Problem]:
    """Rules a schema cannot say: the environment must match the task type, be known, etc."""
    out: list[Problem] = []
    task_type = data.get("task_type")
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    env = params.get("environment")
    site = params.get("site_path")
    implied = TASK_TYPES.get(task_type, (None, None))[1] if isinstance(task_type, str) else None
    if implied and isinstance(env, str) and env != implied:
        out.append(
            Problem(
                field="params.environment",
                line=_line_for(("params", "environment"), lines),
                message=f"{env!r} contradicts task_type {task_type} (which deploys to {implied})",
                fix=f"set environment: {implied}, or use task_type: hugo-deploy-{env}",
            )
        )
    if environments is None and isinstance(site, str) and site:
        environments = site_environments(Path(site).expanduser())
    if (
        environments
        and isinstance(env, str)
        and env not in environments
        and not (implied and env != implied)
    ):
        out.append(
            Problem(
                field="params.environment",
                line=_line_for(("params", "environment"), lines),
                message=f"unknown environment {env!r}",
                fix="use one of: " + ", ".join(environments),
            )
        )
    runner = TASK_TYPES.get(task_type, ("", None))[0] if isinstance(task_type, str) else ""
    if runner.startswith("local") and not site and not default_site().is_dir():
        out.append(
            Problem(
                field="params.site_path",
                line=_line_for(("params",), lines),
                message=f"is required for {task_type} (no site at the default {default_site()})",
                fix="add `site_path: /path/to/hugo/site` under params",
            )
        )
    if isinstance(site, str) and site and not Path(site).expanduser().is_dir():
        out.append(
            Problem(
                field="params.site_path",
                line=_line_for(("params", "site_path"), lines),
                message=f"no such directory: {site}",
                fix="give the Hugo site's directory (the one with hugo.toml or config/), or omit it "
                "to use the deployment's default site",
            )
        )
    if (
        request is not None
        and request.environment == "production"
        and data.get("requires_approval") is False
    ):
        out.append(
            Problem(
                field="requires_approval",
                line=_line_for(("requires_approval",), lines),
                message="a production task always requires a human approval in the Prefect UI",
                fix="set requires_approval: true (or remove the line)",
            )
        )
    confirmed = data.get("approval_confirmed")
    if confirmed not in (None, False):
        out.append(
            Problem(
                field="approval_confirmed",
                line=_line_for(("approval_confirmed",), lines),
                message="a task file cannot approve a deploy; approval is typed by a human in the Prefect UI",
                fix="remove approval_confirmed; submit the task and ask the user to open the run's "
                "/v2/runs/flow-run/<id> link and type DEPLOY TO PRODUCTION there",
            )
        )
    return out


def default_site() -> Path:
    """The site a task without ``params.site_path`` means (the deployment's default, too)."""
    import os

    return Path(os.environ.get("HUGOPIPE_SITE", "examples/site"))


def site_environments(site: Path) -> list[str] | None:
    """Environment names from the site's hugopipe.toml, or None when it cannot be read."""
    from hugopipe.config import CONFIG_NAME, ProjectConfig
    from hugopipe.errors import HugopipeError

    if not (site / CONFIG_NAME).is_file():
        return None
    try:
        return sorted(ProjectConfig.load(site).environments)
    except HugopipeError:
        return None


def _notices(req: TaskRequest) -> list[str]:
    out: list[str] = []
    if req.approval_confirmation is not None:
        out.append(
            "approval_confirmation is ignored: the phrase DEPLOY TO PRODUCTION is typed by a human in "
            "the Prefect UI, never taken from a file"
        )
    extra = sorted((req.params.model_extra or {}).keys())
    if extra:
        out.append(
            "params ignored (the project's hugopipe.toml and Hugo [deployment] decide these): "
            + ", ".join(extra)
        )
    if req.runner == "publish":
        unused = [k for k in ("base_url",) if getattr(req.params, k)]
        if unused:
            out.append(
                "params ignored by the publish flow (set in Hugo's config per environment): "
                + ", ".join(unused)
            )
    if req.status != "pending":
        out.append(f"status is {req.status!r}; submitting it anyway as a new run")
    return out
