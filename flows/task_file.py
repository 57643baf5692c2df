"""Flow ``task-file``: run a task file whose work needs no deploy (build, validate, content,
local-model).

The intake starts this for ``hugo-build``, ``hugo-validate`` and ``content`` task
files dropped into ``tasks/pending/``, so every task file becomes a run whatever
its type; deploy task files start ``publish`` instead. The work is the same
Prefect-free code ``hugopipe submit`` runs on its own machine
(``hugopipe.local_task``), so both paths write the same result file. The task
file itself is moved by the intake when this run ends, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.runtime import flow_run
from prefect.states import State

from flows.single_run import yielded
from hugopipe.errors import FailureClass, HugopipeError
from hugopipe.exchange.folders import tasks_root
from hugopipe.flows_registry import DEFAULT_SITE
from hugopipe.prefect_rest import ui_url
from hugopipe.results import ResultFile
from hugopipe.sites import of_param
from hugopipe.workspace import inside
from tasks.results import record_result


@task(name="run-task", task_run_name="run-{task_id}", retries=0)
def run_task(task_file: str, site: str, task_id: str) -> ResultFile:
    from hugopipe.local_task import run_local_task
    from hugopipe.taskfile import load_task

    request, _ = load_task(Path(task_file))
    if not request.params.site_path:
        return run_local_task(request, Path(site))
    # the task file's own site_path: the same workspace rule as the parameter
    where = inside(request.params.site_path, what="site_path", file=task_file)
    return run_local_task(request, where)


@flow(name="task-file", flow_run_name="task-{task_id}", retries=0)
def task_file(
    task_file: str = "",
    task_id: str = "",
    site: str = DEFAULT_SITE,
    context: dict[str, Any] | None = None,
) -> dict | State:
    """Run the build/validate/content task in ``task_file``; fail the run when it failed."""
    here = of_param(site)  # a listed name is its folder; never outside the workspace
    site = str(here.path)
    if (duplicate := yielded(here.name)) is not None:  # no second run of the same work
        return duplicate
    if not task_file:
        raise HugopipeError(
            "no task_file given",
            hint="this deployment runs files the intake picked up from tasks/pending/",
            failure_class=FailureClass.CONFIGURATION,
        )
    # the task file stays in the workspace or the task exchange's folder (tasks/ by default)
    task_file = str(inside(task_file, what="the task_file parameter", also=(tasks_root(),)))
    if _is_local_model(task_file):  # answered by a local model (flows/llm_task.py)
        from flows.llm_task import local_model_task

        result = local_model_task(task_file=task_file, task_id=task_id)
    else:
        result = run_task(task_file, site, task_id)
    run_id = str(flow_run.id)
    result = result.model_copy(
        update={
            "flow_run_id": run_id,
            "flow_run_url": ui_url(run_id),
            "context": context,
            "site": result.site or here.name,
        }
    )
    record_result(result)
    if result.status != "success":
        raise HugopipeError(
            f"task {result.task_id} failed: {result.next_step}",
            failure_class=FailureClass(result.failure_class or "unknown"),
        )
    return {"status": result.status, **result.outputs}


def _is_local_model(task_file: str) -> bool:
    from hugopipe.taskfile import load_task

    return load_task(Path(task_file))[0].task_type == "local-model"
