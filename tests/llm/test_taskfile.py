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


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ("  prompt: no_such_prompt\n  inputs:\n    log: x", "params.prompt", "no prompt named"),
        ("  prompt: ../../etc/passwd", "params.prompt", "not a prompt name"),
        ("  prompt: classify_log\n  inputs:\n    log: x", "params.inputs", "missing categories"),
        (
            "  prompt: classify_log\n  inputs:\n    log: x\n    categories: a\n    extra: 1",
            "params.inputs",
            "unexpected extra",
        ),
    ],
)
def test_a_local_model_task_with_an_unknown_prompt_or_unfitting_inputs_is_refused(
    tmp_path: Path, params: str, field: str, words: str
) -> None:
    path = tmp_path / "t.md"
    path.write_text(TASK.format(params=params))
    with pytest.raises(TaskFileError) as err:
        load_task(path)
    problem = next(p for p in err.value.problems if p.field == field)
    assert words in problem.message and problem.fix and problem.line is not None


def test_submit_refuses_a_local_model_task_with_missing_inputs_with_exit_2(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    path = tmp_path / "t.md"
    path.write_text(TASK.format(params="  prompt: classify_log\n  inputs:\n    log: x"))
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("hugopipe")), "submit", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "missing categories" in proc.stderr and "t.md:" in proc.stderr
