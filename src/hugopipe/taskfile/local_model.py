"""The checks a ``local-model`` task file needs before a run: its prompt exists and fits.

``submit`` must refuse a task the flow would fail at its first step, so the prompt
named in ``params.prompt`` is loaded here (``hugopipe.llm.prompts``) and
``params.inputs`` compared with the variables its front matter declares. The name
is restricted to ``[a-z0-9_-]+`` first: it becomes a path under ``prompts/`` and must
never reach outside it (``../``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hugopipe.taskfile.model import Problem

PROMPT_NAME = re.compile(r"[a-z0-9_-]+")

LineFor = Callable[[tuple[Any, ...]], int | None]


def local_model_problems(params: dict[str, Any], line_for: LineFor) -> list[Problem]:
    """Every problem with ``params.prompt`` / ``params.inputs`` of a local-model task."""
    name = params.get("prompt")
    if not (isinstance(name, str) and name):
        return [
            Problem(
                field="params.prompt",
                line=line_for(("params",)),
                message="is required for a local-model task",
                fix="name a prompt file in prompts/ (without .md), e.g. `prompt: classify_log`",
            )
        ]
    if not PROMPT_NAME.fullmatch(name):
        return [
            Problem(
                field="params.prompt",
                line=line_for(("params", "prompt")),
                message=f"{name!r} is not a prompt name (lowercase letters, digits, '_' or '-')",
                fix="name a prompt file in prompts/ without its .md and without a folder, "
                "e.g. `prompt: classify_log`",
            )
        ]
    from hugopipe.llm.prompts import PromptError, load_prompt

    try:
        prompt = load_prompt(name)
    except PromptError as exc:
        where = f" ({exc.location()})" if exc.file else ""
        return [
            Problem(
                field="params.prompt",
                line=line_for(("params", "prompt")),
                message=f"{exc.message}{where}",
                fix=exc.hint or "fix the prompt file or name another prompt",
            )
        ]
    raw_inputs = params.get("inputs")
    inputs = raw_inputs if isinstance(raw_inputs, dict) else {}
    wanted, given = set(prompt.spec.variables), set(inputs)
    parts = []
    if wanted - given:
        parts.append("missing " + ", ".join(sorted(wanted - given)))
    if given - wanted:
        parts.append("unexpected " + ", ".join(sorted(given - wanted)))
    if not parts:
        return []
    return [
        Problem(
            field="params.inputs",
            line=line_for(("params", "inputs")),
            message=f"do not fit prompt {name!r}: {'; '.join(parts)}",
            fix="give exactly the prompt's variables under `inputs:`: "
            + (", ".join(prompt.spec.variables) or "(none)"),
        )
    ]
