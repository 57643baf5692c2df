"""The ``local-model`` task type: read like any task file, routed to the task-file flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from hugopipe.exchange.lifecycle import run_parameters
from hugopipe.taskfile import TaskFileError, load_task

TASK = """---
task_id: 2026-12-05-0300-local-model-logs
task_type: local-model
params:
{params}
expected_outputs:
  - answer: object (present)
---
Classify.
"""


def test_a_local_model_task_is_read_and_routed(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_text(
        TASK.format(
            params="  prompt: classify_log\n  privacy: private\n  inputs:\n    log: x\n    categories: a"
        )
    )
    request, notices = load_task(path)
    assert request.params.prompt == "classify_log" and request.params.privacy == "private"
    assert request.params.inputs == {"log": "x", "categories": "a"}
    assert notices == [] and request.runner == "llm"
    name, params = run_parameters(request, path)
    assert name == "task" and params["task_file"] == str(path.resolve())


def test_a_local_model_task_without_a_prompt_or_with_a_wrong_privacy_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.md"
    path.write_text(TASK.format(params="  privacy: public"))
    with pytest.raises(TaskFileError) as err:
        load_task(path)
    fields = {p.field: p for p in err.value.problems}
    assert "params.prompt" in fields and "prompts/" in fields["params.prompt"].fix
    assert "params.privacy" in fields and fields["params.privacy"].line == 5
