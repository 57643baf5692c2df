"""Flow ``local-model-task``: a ``local-model`` task file answered by a local model.

The task-file flow (flows/task_file.py) runs it as a subflow, so the intake needs no
new route: the task file names a prompt, its inputs and a privacy level, and the
structured answer goes into the result file (``hugopipe.llm.delegate``). The model
call is the cached ``ask-local-model`` task: the same prompt, model and inputs are
answered from Prefect's cache.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from hugopipe.results import ResultFile
from tasks.llm import cached_ask, settings


@flow(name="local-model-task", flow_run_name="local-model-{task_id}", retries=0)
def local_model_task(task_file: str, task_id: str) -> ResultFile:
    """The result of the task file's prompt; a failed result (never a raise) says why."""
    from hugopipe.llm.delegate import run_delegated
    from hugopipe.taskfile import load_task

    request, _ = load_task(Path(task_file))
    p = request.params
    return run_delegated(
        lambda: settings(strict=True),
        request.task_id,
        p.prompt or "",
        p.inputs or {},
        p.privacy or "local-only",
        asker=cached_ask,
    )
