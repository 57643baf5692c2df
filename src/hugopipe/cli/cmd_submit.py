"""``hugopipe submit TASK_FILE``: turn a task file into a run.

Validation comes first and is complete: a malformed file lists every bad field
with its line and starts nothing (exit 2). Then:

* ``hugo-build`` / ``hugo-validate`` run here, without Prefect
  (``hugopipe.local_task``): a build is deterministic, takes seconds and needs no
  credentials, so a round trip through the orchestrator would add latency and
  nothing else. The result file is written in the same format the flow writes.
* ``hugo-deploy-{dev,staging,production}`` start the served ``publish``
  deployment with the task_id (``hugopipe.run_control``, as ``hugopipe run`` does),
  so the flow writes ``results/YYYY-MM-DD/<task_id>.result.md``. Production pauses
  for a human in the UI; a task file can never carry that approval.

``expected_outputs`` are checked against the result's ``outputs`` when the run
ends (with ``--wait`` for deploys; always for local builds).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hugopipe.cli.exits import Exit, TimedOut, for_run_state
from hugopipe.cli.output import emit, info


def submit_cmd(args: argparse.Namespace) -> int:
    from hugopipe.taskfile import TaskFileError, checks_text, default_site, load_task

    path = Path(args.task_file)
    try:
        request, notices = load_task(path)
    except TaskFileError as exc:
        if args.json:
            emit(
                {
                    "valid": False,
                    "started": False,
                    "flow_run_id": None,
                    "problems": [p.model_dump() for p in exc.problems],
                },
                json_output=True,
            )
        raise  # every problem on stderr, exit 2 (3 for a file carrying an approval)
    for n in notices:
        info(f"note: {n}")
    site: Path | None = None
    if request.params.site_path:  # never a folder outside the workspace (hugopipe.workspace)
        from hugopipe.workspace import inside

        site = inside(request.params.site_path, what="params.site_path", file=str(path))
    data: dict[str, Any] = {
        "valid": True,
        "task_id": request.task_id,
        "task_type": request.task_type,
        "environment": request.environment,
        "notices": notices,
        "started": False,
        "flow_run_id": None,
        "ui_url": None,
        "state": None,
        "result_path": None,
        "expected_outputs": None,
        "passed": None,
    }
    result = None
    code: int = Exit.OK
    timed_out = False

    if request.runner.startswith("local"):
        from hugopipe.local_task import run_local_task
        from hugopipe.results import write_result

        info(
            f"building {site or default_site()} for {request.environment} here (no Prefect run needed)"
        )
        result = run_local_task(request, (site or default_site()).resolve())
        data["result_path"] = str(write_result(result))
        data.update(started=True, state=result.status)
        code = Exit.OK if result.status == "success" else Exit.FAILED
    else:
        from hugopipe.prefect_rest import PrefectApi, state_of
        from hugopipe.run_control import outcome, trigger, wait_for

        params: dict[str, Any] = {"env": request.environment, "task_id": request.task_id}
        if site:
            params["site"] = str(site.resolve())
        submitted = datetime.now(UTC)
        run, dep = trigger(
            "publish", params, idempotency_key=f"task:{request.task_id}", tags=["task-file"]
        )
        created = datetime.fromisoformat(str(run.get("created")).replace("Z", "+00:00"))
        if created < submitted.replace(microsecond=0):
            info(f"task {request.task_id} was submitted before; following its existing run")
        info(f"started {dep} run {run['name']} ({run['id']}) for task {request.task_id}")
        data.update(started=True, flow_run_id=run["id"])
        if args.wait:
            with PrefectApi() as api:
                run = wait_for(
                    api,
                    run["id"],
                    args.timeout or request.timeout_minutes * 60,
                    on_state=lambda s: info(f"… {s}"),
                )
        o = outcome(run, dep)
        data.update(ui_url=o.ui_url, state=o.state_name)
        stype, _ = state_of(run)
        if stype == "PAUSED":
            info(
                f"waiting for a human: open {o.ui_url}, menu ⋮ → Resume, type DEPLOY TO PRODUCTION; "
                f"then `hugopipe result {run['id']} --task-file {path}`"
            )
            code = for_run_state(stype)
        elif stype in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            from hugopipe.run_results import result_of

            with PrefectApi() as api:
                found = result_of(api, run)
            result = found.result
            data["result_path"] = str(found.path)
            code = for_run_state(stype)
        elif args.wait:
            timed_out = True
        else:
            info(f"check it later: hugopipe result {run['id']} --task-file {path}")

    if result is not None and request.expected_outputs:
        checks = [e.check(result.outputs) for e in request.expected_outputs]
        data["expected_outputs"] = [c.model_dump(mode="json") for c in checks]
        data["passed"] = all(c.passed for c in checks)
        if not data["passed"] and code == Exit.OK:
            code = Exit.FAILED
    if result is not None:
        data["result"] = result.model_dump(mode="json", exclude={"summary", "logs"})

    lines = [
        f"task      {request.task_id} ({request.task_type}, {request.environment})",
        f"state     {data['state']}",
    ]
    if data["flow_run_id"]:
        lines.append(f"run       {data['flow_run_id']}")
        lines.append(f"ui        {data['ui_url']}")
    if data["result_path"]:
        lines.append(f"result    {data['result_path']}")
    if result is not None and result.next_step:
        lines.append(f"next      {result.next_step}")
    text = "\n".join(lines)
    if data["expected_outputs"] is not None:
        text += "\n\n" + checks_text(checks)
    emit(data, json_output=args.json, text=text)
    if timed_out:
        raise TimedOut(
            f"still {data['state']} after waiting",
            hint=f"follow it with `hugopipe status {data['flow_run_id']}`",
        )
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "submit",
        description="Validate a task file (YAML front matter: task_id, task_type, params, "
        "expected_outputs, …). A malformed file lists every bad field with its line and starts "
        "nothing (exit 2; exit 3 if it tries to carry a production approval). hugo-build and "
        "hugo-validate run here; hugo-deploy-* start the publish deployment.",
    )
    p.add_argument("task_file", help="path to the task file (Markdown with YAML front matter)")
    p.add_argument(
        "--wait",
        action="store_true",
        help="for deploys: wait until the run ends or pauses, then check expected_outputs",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait (default: the task's timeout_minutes)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=submit_cmd)
