"""One task file's life: start its run, follow it, and finish the file when the run ends.

The intake (``hugopipe.exchange.intake``), ``hugopipe submit`` and the maintenance
sweep all call these same functions, so a task file moves the same way whoever
notices first; ``folders.finish`` makes the finishing move happen once.

Finishing a file means: read the run's result file (the one the flow wrote, or one
assembled from the API), check the task's ``expected_outputs`` against it, write
the checks into the result file (its status turns ``failed`` when one fails), then
move the task file to ``completed/`` or ``failed/`` with the run id, the result
path and, for a failure, the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hugopipe.errors import RunBusy
from hugopipe.exchange.folders import Exchange, State, finish, now, update_file
from hugopipe.prefect_rest import TERMINAL, NotFound, state_of, ui_url

if TYPE_CHECKING:
    from hugopipe.results import ResultFile
    from hugopipe.taskfile import TaskRequest

#: task priority → the work queue its run goes to when the deployment has a work pool.
#: Create the queues once with these priorities (1 is served first):
#: ``prefect work-queue create urgent --pool hugopipe --priority 1`` … ``low … --priority 4``.
#: Under ``serve`` (no pool) priority orders the intake's pickup instead.
PRIORITY_QUEUES: dict[str, tuple[str, int]] = {
    "urgent": ("urgent", 1),
    "high": ("high", 2),
    "normal": ("normal", 3),
    "low": ("low", 4),
}


@dataclass
class Started:
    run: dict[str, Any]
    deployment: str


def run_parameters(request: TaskRequest, task_file: Path) -> tuple[str, dict[str, Any]]:
    """(registry name, parameters) of the run a task file starts."""
    context = request.context.model_dump(mode="json", exclude_none=True) or None
    site = request.params.site_path
    params: dict[str, Any] = {"task_id": request.task_id}
    if request.site:  # a listed site travels by name (hugopipe.sites)
        params["site"] = request.site
    elif site:
        params["site"] = str(Path(site).expanduser().resolve())
    if context:
        params["context"] = context
    if request.runner == "publish":
        if request.requires_approval:  # a person approves it whatever its size (flows/gates.py)
            params["ask_a_person"] = True
        return "publish", {"env": request.environment, **params}
    return "task", {"task_file": str(task_file.resolve()), **params}


def _target(
    api: Any, path: Path, request: TaskRequest
) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The deployment's "flow/name", the deployment, the run's own parameters and those
    merged over the deployment's."""
    from hugopipe.run_control import check_environment, deployment_names

    name, params = run_parameters(request, path)
    flow_name, dep_name = deployment_names(name)
    dep = api.deployment_by_name(flow_name, dep_name)
    merged = {**(dep.get("parameters") or {}), **params}
    check_environment(merged)
    return f"{flow_name}/{dep_name}", dep, params, merged


def _busy(
    api: Any, path: Path, deployment: str, dep: dict[str, Any], merged: dict[str, Any]
) -> RunBusy | None:
    from hugopipe.run_control import earlier_run

    probe = {"id": "", "deployment_id": dep["id"], "parameters": merged, "created": "~"}
    if (other := earlier_run(api, probe)) is None:
        return None
    _, sname = state_of(other)
    return RunBusy(
        f"{deployment} run {other.get('name')} ({other['id']}) of the same site "
        f"and environment is {sname}; {path.name} waits in pending/ until it ends",
        run=other,
        hint=(
            f"approve or reject it at {ui_url(other['id'])}; the intake then starts this task"
            if sname == "Paused" or (other.get("state") or {}).get("type") == "PAUSED"
            else "the intake starts this task when that run ends"
        ),
    )


def busy_with(api: Any, path: Path, request: TaskRequest) -> RunBusy | None:
    """Why the task must wait, or None: a run of the same deployment, site and environment
    is going (e.g. a production run waiting for its approval). A new run would only yield
    to it and the task would end "failed"; instead the task waits in pending/ until it ends.
    The intake asks this before it claims a file, so a waiting file stays in pending/."""
    deployment, dep, _, merged = _target(api, path, request)
    return _busy(api, path, deployment, dep, merged)


def start_run(api: Any, path: Path, request: TaskRequest) -> Started:
    """Start the run for the in-progress file ``path`` and write its id into the file.
    Raises RunBusy when it would only wait behind another run (``busy_with``).

    The idempotency key includes the pickup time: a retried POST cannot start a
    second run, and the same task id picked up again later (after a failure) can.
    """
    from hugopipe.run_control import work_queue_for
    from hugopipe.sites import TAG_PREFIX, name_of

    deployment, dep, params, merged = _target(api, path, request)
    if (busy := _busy(api, path, deployment, dep, merged)) is not None:
        raise busy
    queue = work_queue_for(api, dep, merged, PRIORITY_QUEUES[request.priority][0])
    picked = request.picked_up_at.isoformat() if request.picked_up_at else str(now())
    tags = ["task-file", f"priority:{request.priority}"]
    if merged.get("site"):  # the run names its site: `hugopipe runs --site` filters on it
        tags.append(f"{TAG_PREFIX}{name_of(merged['site'])}")
    run = api.create_run(
        dep["id"],
        params,
        idempotency_key=f"task:{request.task_id}:{picked}",
        tags=tags,
        work_queue_name=queue,
    )
    update_file(path, {"flow_run_id": run["id"], "flow_run_url": ui_url(run["id"])})
    return Started(run, deployment)


def check_expectations(result: ResultFile, request: TaskRequest) -> ResultFile:
    """The result with each expected output checked (outputs first, then top-level
    fields); a successful result whose expectations fail becomes ``failed``."""
    if not request.expected_outputs:
        return result
    fields = result.model_dump(mode="json", exclude={"outputs", "summary", "logs"})
    checks = [e.check(result.outputs, fields) for e in request.expected_outputs]
    passed = all(c.passed for c in checks)
    update: dict[str, Any] = {
        "expected_outputs": [c.model_dump(mode="json") for c in checks],
        "expectations_passed": passed,
    }
    if not passed and result.status == "success":
        failed = ", ".join(c.name for c in checks if not c.passed)
        update["status"] = "failed"
        update["next_step"] = (
            f"The run succeeded but expected outputs failed ({failed}); read the checks in this "
            "file, fix the task or the site, and submit again."
        )
    from hugopipe.taskfile import checks_text

    update["summary"] = (result.summary.rstrip() + "\n\n" + checks_text(checks)).strip()
    return result.model_copy(update=update)


def conclude(
    path: Path,
    exchange: Exchange,
    request: TaskRequest | None,
    result: ResultFile,
    *,
    reason: str | None = None,
) -> tuple[Path | None, Path, ResultFile]:
    """Check expectations, write the result file, move the task file. Returns (the task
    file's new path, or None when another finisher did it; the result file's path; the
    result as written)."""
    from hugopipe.results import write_result

    if request is not None:
        result = check_expectations(result, request)
        if result.context is None:
            context = request.context.model_dump(mode="json", exclude_none=True)
            result = result.model_copy(update={"context": context or None})
    target: State = "completed" if result.status == "success" else "failed"
    result = result.model_copy(update={"task_file": str(exchange.root / target / path.name)})
    result_path = write_result(result)
    updates: dict[str, Any] = {"result_path": str(result_path)}
    if result.flow_run_id:
        updates["flow_run_id"] = result.flow_run_id
    if target == "failed":
        updates["failure_reason"] = reason or _reason(result)
    return finish(path, exchange, target, updates), result_path, result


def _reason(result: ResultFile) -> str:
    errors = result.outputs.get("errors") or []
    first = errors[0] if errors else None
    if isinstance(first, dict):
        first = first.get("message")
    parts = [f"result status {result.status}"]
    if result.failure_class:
        parts.append(f"failure class {result.failure_class}")
    if first:
        parts.append(str(first))
    elif result.next_step:
        parts.append(result.next_step)
    return "; ".join(parts)


def settle(api: Any, path: Path, exchange: Exchange, request: TaskRequest) -> Path | None:
    """Finish ``path`` if its run has ended; cancel a run past the task's
    ``timeout_minutes`` (time paused for a person does not count). Returns the task
    file's new path once finished, else None."""
    from hugopipe.run_results import result_of

    if not request.flow_run_id:
        return None
    try:
        run = api.flow_run(request.flow_run_id)
    except NotFound:
        return vanished(path, exchange, request, "its flow run no longer exists on the server")
    stype, sname = state_of(run)
    if stype not in TERMINAL:
        limit = request.timeout_minutes * 60
        ran = float(run.get("estimated_run_time") or 0)
        if stype == "RUNNING" and ran > limit:
            api.set_state(
                run["id"],
                "CANCELLING",
                f"Timed out: ran {ran / 60:.1f} min, longer than the task's "
                f"timeout_minutes ({request.timeout_minutes})",
            )
        return None
    found = result_of(api, run)
    result = found.result
    reason = None
    if stype != "COMPLETED":
        message = api.stop_message(run) or (run.get("state") or {}).get("message") or ""
        reason = f"the run ended {sname}" + (f": {message}" if message else "")
        if result.status in {"paused", "running", "pending"}:
            # the flow's last file was written before it died (a paused run's, say)
            result = result.model_copy(
                update={
                    "status": "cancelled" if stype == "CANCELLED" else "crashed",
                    "completed_at": now(),
                    "next_step": f"{reason[0].upper()}{reason[1:]}. Nothing more was done; "
                    "check the worker, then submit the task again.",
                }
            )
    moved, _, _ = conclude(path, exchange, request, result, reason=reason)
    return moved


def vanished(path: Path, exchange: Exchange, request: TaskRequest, why: str) -> Path | None:
    """A task whose run is gone (deleted, or its process killed): failed, with the reason."""
    from hugopipe.results import ResultFile

    result = ResultFile(
        task_id=request.task_id,
        task_type=request.task_type,
        status="failed",
        environment=request.environment,
        site=request.site,
        completed_at=now(),
        flow_run_id=request.flow_run_id,
        flow_run_url=request.flow_run_url,
        failure_class="unknown",
        context=request.context.model_dump(mode="json", exclude_none=True) or None,
        next_step="The run vanished before it finished; check the worker, then submit the task again.",
        outputs={"errors": [{"message": why}]},
        summary=f"## Task {request.task_id}\n\nThe run vanished: {why}.",
    )
    moved, _, _ = conclude(path, exchange, None, result, reason=why)
    return moved
