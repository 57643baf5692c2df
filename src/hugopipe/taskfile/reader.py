"""Reading a task file: front matter, every problem with its line, and the checks a schema cannot say.

A malformed file must start nothing and say, for EVERY bad field, the line it
is on and what to write instead, so Claude can fix the file in one edit instead
of one error per attempt. The front matter is split off and loaded (YAML's safe
loader) by ``python-frontmatter``; line numbers come from the YAML node tree
(``yaml.compose``), not from guessing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import ValidationError

from hugopipe.taskfile.expected import ExpectedOutput, parse_expected
from hugopipe.taskfile.model import TASK_TYPES, Problem, TaskFileError, TaskRequest
from hugopipe.taskfile.sites import (
    default_site,
    environment_is_production,
    named_folder,
    site_environments,
    site_problems,
)

_FRONT_MATTER = frontmatter.YAMLHandler()  # `---` fences, YAML's safe loader


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, file line of the front matter's first line).

    The front matter starts right after the opening fence, so its line 0 is the rest
    of the fence's line (or, when the fence regex took a blank line with it, the
    next one): ``first`` + a YAML node's 0-based line is the node's line in the file.
    """
    opening = _FRONT_MATTER.FM_BOUNDARY.match(text)
    if opening is None:
        raise ValueError("a task file starts with a `---` line, then YAML front matter, then `---`")
    try:
        front, body = _FRONT_MATTER.split(text)
    except ValueError:
        raise ValueError("the YAML front matter is not closed by a second `---` line") from None
    return front, body, text.count("\n", 0, opening.end()) + 1


def load_front_matter(front: str) -> Any:
    """The front matter's data, read with YAML's safe loader (no Python tags) within limits.

    A few hundred bytes of nested aliases expand to billions of nodes (a "billion laughs"
    file ran 25 s into a MemoryError), so size, nesting depth, aliases and the expanded
    node count are capped (``safeyaml``); a file over a limit fails as bad YAML, with its line.
    """
    from hugopipe.safeyaml import load_limited

    return load_limited(front)


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
    except UnicodeDecodeError as exc:
        raise TaskFileError(
            shown,
            [
                Problem(
                    field="(file)",
                    line=None,
                    message=f"is not UTF-8 text (byte {exc.start})",
                    fix="save the task file as UTF-8",
                )
            ],
        ) from exc
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
        data = load_front_matter(front) or {}
        lines = key_lines(front, first)
    except yaml.YAMLError as exc:
        # PyYAML marks where it gave up; for an unclosed quote or bracket that is the end
        # of the front matter, and the line to edit is where the construct *started*
        # (its context mark), so that line is reported and the problem says both.
        mark = getattr(exc, "problem_mark", None)
        context = getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if context is not None and (what := getattr(exc, "context", None)):
            problem = f"{problem} {what} (opened on line {context.line + first})"
            mark = context
        line = mark.line + first if mark is not None else None
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
                    line=first + len(front) - len(front.lstrip("\n")),
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
    raw_params = data.get("params")
    params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    env = params.get("environment")
    out += site_problems(data, lambda loc: _line_for(loc, lines))
    site = named_folder(data)  # params.site_path, or the folder of the listed `site:`
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
    if runner == "llm":
        from hugopipe.taskfile.local_model import local_model_problems

        out += local_model_problems(params, lambda loc: _line_for(loc, lines))
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
    elif isinstance(site, str) and site:
        from hugopipe.errors import ConfigError
        from hugopipe.workspace import inside

        try:  # the one workspace check, here so `submit` and the intake refuse before a run
            inside(site, what="site_path")
        except ConfigError as exc:
            out.append(
                Problem(
                    field="params.site_path",
                    line=_line_for(("params", "site_path"), lines),
                    message=exc.message,
                    fix=exc.hint or "use a path inside the workspace",
                )
            )
    if (
        request is not None
        and data.get("requires_approval") is False
        and environment_is_production(
            request.environment, Path(site).expanduser() if isinstance(site, str) and site else None
        )
    ):
        out.append(
            Problem(
                field="requires_approval",
                line=_line_for(("requires_approval",), lines),
                message="a production task always requires a human approval in the Prefect UI",
                fix="set requires_approval: true (or remove the line)",
            )
        )
    if task_type == "content":
        from hugopipe.workspace import escape_reason

        page = params.get("page")
        why = escape_reason(page) if isinstance(page, str) else "is required for a content task"
        if why:
            out.append(
                Problem(
                    field="params.page",
                    line=_line_for(("params", "page"), lines),
                    message=why,
                    fix="give the page relative to the site's content/ folder, e.g. "
                    "`page: blog/new-post.md`",
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
