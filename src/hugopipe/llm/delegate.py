"""Job 4, a delegated local-model task: a task file names a prompt, its inputs and a
privacy level; the structured answer goes into the result file.

This is the seeds' "log parsing and classification — use a local model" and "sensitive
customer data — no hosted model allowed": Claude Code writes the task file, a worker
runs it. ``privacy`` defaults to ``local-only`` (the prompt and inputs never leave this
machine); ``private`` allows the configured private networks; ``any`` allows a remote
host only where its role has ``allow_remote``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hugopipe.errors import NEXT_STEP, FailureClass, HugopipeError
from hugopipe.llm.client import Asker, consult
from hugopipe.llm.settings import LLMSettings, Privacy
from hugopipe.results import ResultFile


def run_delegated(
    settings: LLMSettings | Callable[[], LLMSettings],
    task_id: str,
    prompt: str,
    inputs: dict[str, Any],
    privacy: Privacy = "local-only",
    *,
    asker: Asker | None = None,
) -> ResultFile:
    """Ask the prompt's model; a result file however it goes (a bad prompt, a refused host,
    no model or no usable answer is a failed result that says why, never a traceback).
    ``settings`` may be a loader, so invalid settings are such a result too."""
    started = datetime.now(UTC)
    outputs: dict[str, Any] = {"prompt": prompt, "privacy": privacy, "answer": None}
    failure: FailureClass | None = None
    next_step = "Read `outputs.answer` (it fits the prompt's answer_schema) and act on it."
    try:
        if not isinstance(settings, LLMSettings):
            settings = settings()
        asked = consult(settings, prompt, inputs, privacy=privacy, asker=asker, strict=True)
        outputs.update(asked.record())
        outputs["answer"] = asked.answer
        if asked.answer is None:
            failure = FailureClass.TRANSIENT if asked.note else FailureClass.CONFIGURATION
            outputs.setdefault(
                "note", "no model is configured for this prompt's role (see `hugopipe doctor`)"
            )
            next_step = (
                f"The local model gave no answer ({outputs['note']}). Run `hugopipe doctor`, "
                "then submit the task again — or do the work yourself if the data may leave "
                "the machine."
            )
    except HugopipeError as exc:  # a bad prompt or inputs, a refused host
        failure = exc.failure_class
        outputs["note"] = exc.message
        next_step = f"{exc.message}. {exc.hint or NEXT_STEP[failure]}"
        if exc.file:
            outputs["prompt_file"] = exc.file
    done = datetime.now(UTC)
    answer = outputs["answer"]
    summary = [f"## Local-model task `{prompt}` ({privacy})", ""]
    summary += (
        ["```json", _json(answer), "```"]
        if answer is not None
        else [f"No answer: {outputs['note']}"]
    )
    return ResultFile(
        task_id=task_id,
        task_type="local-model",
        status="failed" if failure else "success",
        started_at=started,
        completed_at=done,
        duration_seconds=round((done - started).total_seconds(), 2),
        failure_class=str(failure) if failure else None,
        next_step=next_step,
        outputs=outputs,
        summary="\n".join(summary),
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2)
