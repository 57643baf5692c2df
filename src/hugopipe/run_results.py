"""What a finished (or stopped, or crashed) run did, read back over Prefect's REST API.

``hugopipe retries``, ``result`` and ``submit --wait`` all need the same answers: every
attempt of every task, and the result file of a run (the one the flow wrote, or one
assembled from the API when the flow wrote none). ``api`` is a
``hugopipe.prefect_rest.PrefectApi`` (tests pass stand-ins with the same methods).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hugopipe.prefect_rest import all_logs, state_of, ui_url
from hugopipe.sites import name_of, tag_of

if TYPE_CHECKING:
    from hugopipe.results import ResultFile, Status


def duration(run: dict[str, Any]) -> float | None:
    total = run.get("total_run_time")
    return round(float(total), 1) if total is not None else None


def collect_retries(api: Any, run_id: str) -> dict[str, Any]:
    """Every task run's attempts, plus the flow run's own state and failure class."""
    from hugopipe.retries import classify, inspect_task, next_step

    run = api.flow_run(run_id)
    task_runs = api.task_runs(run_id)
    states = {t["id"]: api.task_run_states(t["id"]) for t in task_runs}
    # Errors of retried attempts exist only in the engine's log lines: fetch logs only for
    # task runs that retried or failed, and only the lines that can carry them.
    need = [
        t["id"]
        for t in task_runs
        if (t.get("run_count") or 0) > 1
        or (t.get("state") or {}).get("type") in {"FAILED", "CRASHED"}
    ]
    messages: dict[str, list[str]] = {}
    if need:
        for lg in all_logs(api, {"task_run_id": {"any_": need}, "level": {"ge_": 20}}):
            msg = lg.get("message") or ""
            if "Task run failed with" in msg:
                messages.setdefault(lg.get("task_run_id") or "", []).append(msg)
    tasks = [inspect_task(t, states[t["id"]], messages.get(t["id"])).to_dict() for t in task_runs]
    stype, sname = state_of(run)
    flow_message = (run.get("state") or {}).get("message")
    flow_class = None
    if stype in {"FAILED", "CRASHED"}:
        flow_class = str(classify(flow_message))
    return {
        "flow_run_id": run["id"],
        "flow_run_name": run.get("name"),
        "state": sname,
        "state_type": stype,
        "state_message": flow_message,
        "failure_class": flow_class,
        "next_step": next_step(classify(flow_message)) if flow_class else None,
        "ui_url": ui_url(run["id"]),
        "tasks": tasks,
    }


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RESULT_LOG = re.compile(r"result file: (?P<path>\S+\.result\.md)")


def find_result_file(api: Any, run: dict[str, Any]) -> Path | None:
    """The file the flow wrote last: its path is in the run's log; else search the results folder."""
    from hugopipe.results import results_root

    logs = all_logs(api, {"flow_run_id": {"any_": [run["id"]]}, "level": {"ge_": 20}})
    for lg in reversed(logs):  # the last file written: a paused run's final one is written later
        m = _RESULT_LOG.search(lg.get("message") or "")
        if m and Path(m.group("path")).is_file():
            return Path(m.group("path"))
    task_id = (run.get("parameters") or {}).get("task_id")
    root = results_root()
    if not root.is_dir():
        return None
    if task_id:
        hits = sorted(root.glob(f"*/{task_id}.result.md"))
        if hits:
            return hits[-1]
    # logs expired or deleted: the file names its run in its front matter. A file lands in
    # the folder of the day it was written, so a run that crossed midnight has its final
    # file in the next day's folder (and its paused one in the start day's): later first,
    # and what the flow wrote before what `result` assembled (run-<id>.result.md).
    mark = f"\nflow_run_id: {run['id']}\n".encode()
    day = str(run.get("start_time") or run.get("expected_start_time") or "")[:10]
    folders = (
        sorted(
            p for p in root.iterdir() if p.is_dir() and _DAY.fullmatch(p.name) and p.name >= day
        )[:2]
        if day
        else []
    )  # day folders only: results/latest/ holds links to files found here anyway
    for folder in reversed(folders):
        files = sorted(
            folder.glob("*.result.md"), key=lambda p: (p.name.startswith("run-"), p.name)
        )
        for path in files:
            try:
                with path.open("rb") as fh:
                    head = fh.read(2048)
            except OSError:
                continue
            if mark in head:
                return path
    return None


_STATUS: dict[str, Status] = {
    "COMPLETED": "success",
    "FAILED": "failed",
    "CRASHED": "crashed",
    "CANCELLED": "cancelled",
    "CANCELLING": "cancelled",
    "PAUSED": "paused",
    "RUNNING": "running",
    "PENDING": "pending",
    "SCHEDULED": "pending",
}


def assemble_result(api: Any, run: dict[str, Any]) -> ResultFile:
    """A result file built from the API when the flow wrote none (crashed, or still running)."""
    from hugopipe.results import ResultFile
    from hugopipe.retries import classify, next_step

    stype, sname = state_of(run)
    params = run.get("parameters") or {}
    env = params.get("env")
    retries = collect_retries(api, run["id"])
    outputs: dict[str, Any] = {"environment": env, "task_states": {}}
    for t in retries["tasks"]:
        outputs["task_states"][t["task_name"]] = t["final_state"]
    message = (run.get("state") or {}).get("message")
    failure = None
    if stype in {"FAILED", "CRASHED"}:
        failure = classify(message)
        outputs["errors"] = [message] if message else []
    artifacts = api.artifacts(run["id"])
    summary_parts = [f"## Run {run.get('name')}: {sname}", ""]
    if message:
        summary_parts += [f"State message: {message}", ""]
    for art in artifacts:
        if art.get("type") == "markdown" and art.get("data"):
            summary_parts += [str(art["data"]).strip(), ""]
    if stype == "PAUSED":
        summary_parts += [
            "## Next Steps",
            f"Waiting for approval: open {ui_url(run['id'])}, menu ⋮ → Resume.",
        ]

    def when(v: Any) -> datetime | None:
        return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None

    flow_label = f"hugo-deploy-{env}" if env else (run.get("name") or "run").rsplit("-", 1)[0]
    return ResultFile(
        task_id=params.get("task_id") or f"run-{run['id']}",
        task_type=flow_label,
        status=_STATUS.get(stype, "failed"),
        environment=env,
        site=tag_of(run.get("tags")) or name_of(params.get("site")),
        started_at=when(run.get("start_time")),
        completed_at=when(run.get("end_time")),
        duration_seconds=duration(run),
        flow_run_id=run["id"],
        flow_run_url=ui_url(run["id"]),
        failure_class=str(failure) if failure else None,
        next_step=next_step(failure) if failure else None,
        outputs=outputs,
        summary="\n".join(summary_parts),
    )


def read_result(path: Path) -> tuple[str, ResultFile]:
    """A result file's text and value; a damaged one raises ``ConfigError`` naming it and the repair."""
    import yaml

    from hugopipe.errors import ConfigError
    from hugopipe.results import ResultFile

    line = None
    try:
        text = path.read_text(encoding="utf-8")
        return text, ResultFile.parse(text)
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (byte {exc.start})"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = f"its front matter is not valid YAML: {getattr(exc, 'problem', None) or exc}"
    except ValueError as exc:  # pydantic's ValidationError too: fields of the wrong type
        problem = str(exc).splitlines()[0] if "validation error" not in str(exc) else str(exc)
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror or exc}"
    raise ConfigError(
        f"the result file is damaged: {problem}",
        file=str(path),
        line=line,
        hint="move it aside (or delete it) and run `hugopipe result` again: it assembles a new "
        "one from the Prefect API",
    )


@dataclass
class RunResult:
    path: Path
    text: str  # the file as written
    result: ResultFile
    assembled: bool  # the flow wrote none: built from the API and written now


def result_of(api: Any, run: dict[str, Any]) -> RunResult:
    """The result file the flow wrote for ``run``, or one assembled from the API and written."""
    from hugopipe.results import write_result
    from hugopipe.suspended import settle

    path = find_result_file(api, run)
    path = settle(run, path) or path  # a run that ended while suspended says so first
    if path is not None:
        return RunResult(path, *read_result(path), assembled=False)
    result = assemble_result(api, run)
    return RunResult(write_result(result), result.render(), result, assembled=True)
