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
from pathlib import Path
from typing import Any

from hugopipe.cli.exits import Exit, TimedOut, UsageError, for_run_state
from hugopipe.cli.output import emit, info


def submit_cmd(args: argparse.Namespace) -> int:
    from hugopipe.taskfile import (
        OutputCheck,
        TaskFileError,
        checks_text,
        default_site,
        load_task,
    )

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
    _refuse_if_in_progress(path)  # before any note: "submitting it anyway" would be untrue
    for n in notices:
        info(f"note: {n}")
    site: Path | None = None
    if request.params.site_path:  # never a folder outside the workspace (hugopipe.workspace)
        from hugopipe.workspace import inside

        site = inside(request.params.site_path, what="params.site_path", file=str(path))
    elif request.site:  # a site of hugopipe-workspace.toml (the reader checked the name)
        from hugopipe.sites import named

        site = named(request.site).path
    from hugopipe.sites import name_of

    data: dict[str, Any] = {
        "valid": True,
        "task_id": request.task_id,
        "task_type": request.task_type,
        "environment": request.environment,
        "site_name": name_of(str(site or default_site())),
        "notices": notices,
        "started": False,
        "flow_run_id": None,
        "ui_url": None,
        "state": None,
        "result_path": None,
        "expected_outputs": None,
        "passed": None,
        "task_file": None,
        "waiting_for": None,  # the run a task waits behind (exit 7), see errors.RunBusy
    }
    result = None
    code: int = Exit.OK
    timed_out = False

    if not request.runner.startswith("local"):
        _wait_if_busy(path, request, data, json_output=args.json)
    exchange, claimed = _take(path)
    request, _ = load_task(claimed)  # now with its pickup time
    data["task_file"] = str(claimed)
    if request.runner.startswith("local"):
        from hugopipe.exchange.lifecycle import conclude
        from hugopipe.local_task import run_local_task

        info(
            f"running {request.task_type} on {site or default_site()} for {request.environment} "
            "here (no Prefect run needed)"
        )
        result = run_local_task(request, (site or default_site()).resolve())
        _, result_path, result = conclude(claimed, exchange, request, result)
        data["result_path"] = str(result_path)
        data.update(started=True, state=result.status)
        code = Exit.OK if result.status == "success" else Exit.FAILED
    else:
        from hugopipe.errors import RunBusy
        from hugopipe.exchange.folders import requeue
        from hugopipe.exchange.lifecycle import conclude, start_run
        from hugopipe.prefect_rest import PrefectApi, state_of
        from hugopipe.run_control import outcome, wait_for

        with PrefectApi() as api:
            try:
                started = start_run(api, claimed, request)
            except RunBusy as exc:
                # a run started in between (``_wait_if_busy`` asked first): queued, not lost,
                # the intake starts it when the earlier run ends (exit 7)
                waiting = requeue(claimed, exchange.folder("pending") / claimed.name)
                data.update(task_file=str(waiting), state="waiting", waiting_for=exc.run["id"])
                emit(data, json_output=args.json, text=f"task file {waiting}")
                raise
            except BaseException:
                _give_back(path, claimed)  # nothing started: the file is as it was
                raise
        run, dep = started.run, started.deployment
        info(f"started {dep} run {run['name']} ({run['id']}) for task {request.task_id}")
        data.update(started=True, flow_run_id=run["id"])
        if args.wait:
            with PrefectApi() as api:
                run = wait_for(
                    api,
                    run["id"],
                    args.timeout or request.timeout_minutes * 60,
                    on_state=lambda s: info(f"… {s}"),
                    on_stage=lambda line: info(f"  ✓ {line}"),
                )
        o = outcome(run, dep)
        data.update(ui_url=o.ui_url, state=o.state_name)
        stype, _ = state_of(run)
        if stype == "PAUSED":
            info(
                f"waiting for a human ({o.ui_url}): {o.how_to_answer}; "
                f"the intake moves {claimed.name} on when the run ends "
                f"(or `hugopipe result {run['id']} --task-file {claimed}`)"
            )
            code = for_run_state(stype)
        elif stype in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            from hugopipe.run_results import result_of

            with PrefectApi() as api:
                found = result_of(api, run)
                reason = None
                if stype != "COMPLETED":
                    reason = f"the run ended {o.state_name}" + (
                        f": {o.state_message}" if o.state_message else ""
                    )
                    info(reason)  # e.g. which run it yielded to (no duplicate runs)
                request, _ = load_task(claimed) if claimed.exists() else (request, [])
                _, result_path, result = conclude(
                    claimed, exchange, request, found.result, reason=reason
                )
            data["result_path"] = str(result_path)
            code = for_run_state(stype)
        elif args.wait:
            timed_out = True
        else:
            info(
                f"the intake moves {claimed.name} on when the run ends; check it later: "
                f"hugopipe result {run['id']} --task-file {claimed}"
            )

    if result is not None:
        data["task_file"] = _where(exchange, claimed)
    if result is not None and request.expected_outputs:
        checks = [OutputCheck.model_validate(c) for c in result.expected_outputs or []]
        data["expected_outputs"] = [c.model_dump(mode="json") for c in checks]
        data["passed"] = bool(result.expectations_passed)
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
    if data["task_file"]:
        lines.append(f"task file {data['task_file']}")
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


def _take(path: Path) -> tuple[Any, Path]:
    """Put ``path`` into the exchange's ``in-progress/``: a file in ``pending/`` is moved
    (exactly once, racing the intake), one in ``failed/`` is moved back for a retry, any
    other is copied. Exit 2 when it cannot be."""
    from hugopipe.exchange import Exchange, adopt, claim
    from hugopipe.exchange.folders import retry

    exchange = Exchange.of(path)
    state = exchange.state_of(path.resolve())
    in_pending = state in ("pending", "failed")  # moved, not copied
    claimed = (
        claim(path, exchange)
        if state == "pending"
        else retry(path, exchange)
        if state == "failed"
        else adopt(path, exchange)
    )
    if claimed is None:
        raise UsageError(
            f"{path.name}: the intake picked it up first, or a task file of that name is "
            f"already in {exchange.root / 'in-progress'}",
            hint="follow it with `hugopipe runs`; to run it again, give it another file name",
        )
    if not in_pending:
        info(f"copied {path} into {claimed.parent} (the task exchange)")
    return exchange, claimed


def _refuse_if_in_progress(path: Path) -> None:
    """A task file of that name is in progress (this very task, submitted again while its run
    goes, or a namesake): starting or queueing it would run the task twice (exit 2)."""
    from hugopipe.exchange import Exchange

    exchange = Exchange.of(path)
    if (exchange.folder("in-progress") / path.name).exists():
        raise UsageError(
            f"{path.name}: a task file of that name is already in {exchange.root / 'in-progress'}",
            hint="follow it with `hugopipe runs`; to run it again, give it another file name",
        )


def _wait_if_busy(path: Path, request: Any, data: dict[str, Any], *, json_output: bool) -> None:
    """Asked before the file is claimed, as the intake asks: when a run of the same site and
    environment is going, the task waits in ``pending/``, never picked up (exit 7)."""
    from hugopipe.exchange import Exchange
    from hugopipe.exchange.folders import park
    from hugopipe.exchange.lifecycle import busy_with
    from hugopipe.prefect_rest import PrefectApi

    with PrefectApi() as api:
        busy = busy_with(api, path, request)
    if busy is None:
        return
    exchange = Exchange.of(path)
    waiting = park(path, exchange)
    if waiting is None:
        raise UsageError(
            f"{path.name} must wait behind run {busy.run['id']}, but a task file of that name "
            f"already waits in {exchange.folder('pending')}",
            hint="give this task file another name and submit it again",
        )
    data.update(task_file=str(waiting), state="waiting", waiting_for=busy.run["id"])
    emit(data, json_output=json_output, text=f"task file {waiting}")
    raise busy


def _give_back(original: Path, claimed: Path) -> None:
    if original.exists():  # a copy: drop it
        claimed.unlink(missing_ok=True)
    else:  # moved out of pending/: put it back
        claimed.rename(original)


def _where(exchange: Any, claimed: Path) -> str:
    """Where the task file is now (moved on by this command or by the intake)."""
    for state in ("completed", "failed", "in-progress"):
        candidate = exchange.root / state / claimed.name
        if candidate.exists():
            return str(candidate)
    return str(claimed)


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
