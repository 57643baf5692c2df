"""Read runs: ``runs``, ``logs``, ``retries``, ``result``.

Everything goes through Prefect's REST API (``hugopipe.prefect_rest``), never
``import prefect``, and ``runs``, ``logs`` and ``retries`` import neither pydantic
nor the pipeline, so an agent can poll them in a loop. What a run did (its
attempts, its result file) is read by ``hugopipe.run_results``, which ``submit``
shares.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hugopipe.cli.exits import CommandFailed, Exit, UsageError
from hugopipe.cli.output import emit, info, table

STATE_TYPES = {
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "CRASHED",
    "PAUSED",
    "CANCELLING",
}


# -- runs ------------------------------------------------------------------------------


#: Prefect's state names (``--state`` takes one of these or a type, in any case)
STATE_NAMES = (
    "Scheduled", "Late", "AwaitingRetry", "AwaitingConcurrencySlot", "Resuming", "Pending",
    "Submitting", "InfrastructurePending", "NotReady", "Running", "Retrying", "Paused",
    "Suspended", "Completed", "Cached", "RolledBack", "Failed", "Crashed", "Cancelled",
    "Cancelling", "TimedOut",
)  # fmt: skip
#: the states of a run that has yet to start (a type, or names of that type): soonest first
NOT_YET = {"SCHEDULED", "Late", "AwaitingRetry", "AwaitingConcurrencySlot", "Resuming"}


def state_filter(states: list[str]) -> dict[str, Any]:
    """A state type (``FAILED``, ``paused``: any case) filters by type, a state name
    (``AwaitingRetry``, ``suspended``) by name; anything else is a typo, refused with the
    choices (exit 2)."""
    by_name = {n.lower(): n for n in STATE_NAMES}
    types = [s.upper() for s in states if s.upper() in STATE_TYPES]
    names = [by_name.get(s.lower(), s) for s in states if s.upper() not in STATE_TYPES]
    if unknown := [n for n in names if n not in STATE_NAMES]:
        raise UsageError(
            f"--state {unknown[0]!r} is no Prefect state",
            hint="a type: "
            + ", ".join(sorted(STATE_TYPES))
            + "; or a name: "
            + ", ".join(STATE_NAMES),
        )
    flt: dict[str, Any] = {}
    if types:
        flt["type"] = {"any_": types}
    if names:
        flt["name"] = {"any_": names}
    return flt


def positive(value: str) -> int:
    """``--limit``: a whole number above 0 (argparse exits 2 with this message otherwise)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {value!r}")
    return number


def _flow_name(cli_name: str | None) -> str | None:
    """``--flow maintenance`` → the Prefect flow name; any other name is taken as one."""
    if not cli_name:
        return None
    from hugopipe.flows_registry import flow_spec

    spec = flow_spec(cli_name)
    return spec.flow_name if spec else cli_name


def _known_flow(api: Any, flow: str) -> None:
    """``--flow`` names a flow the server has, or one of hugopipe's own (not served yet on a
    new server: no runs, not a typo); any other name is a typo (exit 2), not an empty list.
    Asked only when nothing matched."""
    from hugopipe.flows_registry import FLOWS, cli_names

    if flow in {f.flow_name for f in FLOWS}:
        return
    if api.request("POST", "/flows/filter", json={"flows": {"name": {"any_": [flow]}}, "limit": 1}):
        return
    raise UsageError(
        f"--flow {flow!r}: the server has no flow of that name",
        hint="one of "
        + ", ".join(cli_names())
        + ", or a Prefect flow name `prefect flow ls` lists",
    )


def runs_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi, runs_that_happened, state_of, ui_url
    from hugopipe.run_control import site_of_run
    from hugopipe.run_results import duration

    body: dict[str, Any] = {"sort": "EXPECTED_START_TIME_DESC", "limit": args.limit, "offset": 0}
    runs_filter: dict[str, Any] = {}
    if args.state:
        runs_filter["state"] = state_filter(args.state)
        wanted = {*runs_filter["state"].get("type", {}).get("any_", [])}
        wanted |= {*runs_filter["state"].get("name", {}).get("any_", [])}
        if wanted <= NOT_YET:  # runs still to come: the next one first
            body["sort"] = "EXPECTED_START_TIME_ASC"
    if args.site:  # Prefect filters runs by tag: every run carries site:NAME (hugopipe.sites)
        from hugopipe.sites import TAG_PREFIX, known

        runs_filter["tags"] = {"all_": [f"{TAG_PREFIX}{known(args.site)}"]}
    if runs_filter:
        body["flow_runs"] = runs_filter
    flow = _flow_name(args.flow)
    if flow:
        body["flows"] = {"name": {"any_": [flow]}}
    with PrefectApi() as api:
        # what happened, not the schedule's next weeks (``--state SCHEDULED`` lists those)
        runs = (
            api.request("POST", "/flow_runs/filter", json=body)
            if args.state
            else runs_that_happened(api, body)
        )
        if not runs and flow:
            _known_flow(api, flow)
        flow_ids = sorted({r["flow_id"] for r in runs if r.get("flow_id")})
        flows = {}
        if flow_ids:
            found = api.request(
                "POST",
                "/flows/filter",
                json={"flows": {"id": {"any_": flow_ids}}, "limit": len(flow_ids), "offset": 0},
            )
            flows = {f["id"]: f["name"] for f in found}
    rows = []
    for r in runs:
        stype, sname = state_of(r)
        params = r.get("parameters") or {}
        rows.append(
            {
                "id": r["id"],
                "name": r.get("name"),
                "flow": flows.get(r.get("flow_id"), ""),
                "env": params.get("env"),
                "site_name": site_of_run(r),
                "state": sname,
                "state_type": stype,
                "start": (r.get("start_time") or r.get("expected_start_time") or "")[:19],
                "duration_s": duration(r),
                "ui_url": ui_url(r["id"]),
            }
        )
    text = (
        table(rows, ["id", "flow", "site_name", "env", "state", "start", "duration_s"])
        if rows
        else "no runs match"
    )
    emit(rows, json_output=args.json, text=text)
    return Exit.OK


# -- logs ------------------------------------------------------------------------------


def _task_runs_named(api: Any, run_id: str, task: str | None) -> list[dict[str, Any]]:
    from hugopipe.retries import task_display_name

    trs = api.task_runs(run_id)
    if not task:
        return trs
    return [
        t
        for t in trs
        if task in {t.get("name"), task_display_name(t)} or str(t.get("name", "")).startswith(task)
    ]


_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def logs_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi, all_logs
    from hugopipe.retries import task_display_name

    with PrefectApi() as api:
        api.flow_run(args.run)  # a clear "no flow run" error instead of an empty list
        flt: dict[str, Any] = {"flow_run_id": {"any_": [args.run]}}
        names: dict[str, str] = {}
        if args.task:
            trs = _task_runs_named(api, args.run, args.task)
            if not trs:
                raise UsageError(
                    f"no task run named {args.task!r} in run {args.run}",
                    hint="task names: build, validate, plan-deploy, apply-deploy, verify, write-result",
                )
            flt["task_run_id"] = {"any_": [t["id"] for t in trs]}
            names = {t["id"]: task_display_name(t) for t in trs}
        else:
            names = {t["id"]: task_display_name(t) for t in api.task_runs(args.run)}
        logs = all_logs(api, flt, args.limit)
    rows = [
        {
            "timestamp": lg.get("timestamp"),
            "level": _LEVELS.get(lg.get("level", 0), str(lg.get("level"))),
            "task": names.get(lg.get("task_run_id") or ""),
            "message": lg.get("message", ""),
        }
        for lg in logs
    ]
    text = "\n".join(
        f"{(r['timestamp'] or '')[11:23]} {r['level']:<7} {('[' + r['task'] + '] ') if r['task'] else ''}{r['message']}"
        for r in rows
    )
    emit(rows, json_output=args.json, text=text or "(no logs)")
    return Exit.OK


# -- retries ---------------------------------------------------------------------------


def _retries_text(data: dict[str, Any]) -> str:
    lines = [f"run {data['flow_run_name']} ({data['flow_run_id']}): {data['state']}"]
    if data.get("failure_class"):
        lines.append(f"  failure class: {data['failure_class']} — {data['next_step']}")
    for t in data["tasks"]:
        delays = ", ".join(f"{d:g} s" for d in t["retry_delays_seconds"]) or "none"
        lines.append("")
        lines.append(
            f"{t['task_name']}: {t['final_state']}, {len(t['attempts'])} attempt(s), retry delays: {delays}"
        )
        rows = [
            {
                "#": a["number"],
                "state": a["state"],
                "start": (a["started_at"] or "")[11:23],
                "duration_s": a["duration_seconds"],
                "delay_s": a["retry_delay_seconds"],
                "class": a["failure_class"] or ("-" if a["outcome"] == "success" else ""),
                "error": (a["error"] or "")[:80],
            }
            for a in t["attempts"]
        ]
        if rows:
            lines += ["  " + line for line in table(rows, list(rows[0])).splitlines()]
        for a in t["attempts"]:
            if a["next_step"] and a is t["attempts"][-1] and a["outcome"] != "success":
                lines.append(f"  next step: {a['next_step']}")
    return "\n".join(lines)


def retries_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.run_results import collect_retries

    with PrefectApi() as api:
        data = collect_retries(api, args.run)
    if args.task:
        data["tasks"] = [
            t
            for t in data["tasks"]
            if t["task_name"] == args.task or t["task_name"].startswith(args.task)
        ]
    emit(data, json_output=args.json, text=_retries_text(data))
    return Exit.OK


# -- result ----------------------------------------------------------------------------


def result_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.run_results import result_of

    if args.latest:
        found = _latest(args.type)
    elif not args.run:
        raise UsageError(
            "give a flow run id, or --latest", hint="hugopipe result <run-id> | --latest [--type T]"
        )
    else:
        with PrefectApi() as api:
            found = result_of(api, api.flow_run(args.run))
    if found.assembled:
        info(f"the flow wrote no result file; assembled one from the API: {found.path}")
    checks = None
    if args.task_file:
        from hugopipe.taskfile import load_task

        request, _ = load_task(Path(args.task_file))
        fields = found.result.model_dump(mode="json", exclude={"outputs", "summary", "logs"})
        checks = [e.check(found.result.outputs, fields) for e in request.expected_outputs]
    if args.json:
        data: dict[str, Any] = {
            "path": str(found.path),
            "assembled": found.assembled,
            "result": found.result.model_dump(mode="json"),
        }
        if checks is not None:
            data["expected_outputs"] = [c.model_dump(mode="json") for c in checks]
        emit(data, json_output=True)
    else:
        out = found.text
        if checks is not None:
            from hugopipe.taskfile import checks_text

            out += "\n" + checks_text(checks)
        emit(None, json_output=False, text=out)
    if checks is not None and not all(c.passed for c in checks):
        return Exit.FAILED
    return Exit.OK


def _latest(task_type: str | None) -> Any:
    """The newest result file on this machine (no API call): ``results/latest/`` made a command."""
    from hugopipe.results import latest_result, results_root
    from hugopipe.run_results import RunResult, read_result

    path = latest_result(task_type)
    if path is None:
        what = f"of type {task_type} " if task_type else ""
        raise CommandFailed(
            f"no result file {what}under {results_root()}",
            hint="results appear when a run or a task file finishes",
        )
    text, result = read_result(path)  # a damaged file: a clear error naming it, exit 2
    return RunResult(path, text, result, assembled=False)


# -- registration ----------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    from hugopipe.flows_registry import cli_names

    p = subparsers.add_parser("runs")
    p.add_argument("--flow", help=" | ".join(cli_names()) + " (or a Prefect flow name)")
    p.add_argument(
        "--state",
        action="append",
        help="state type (FAILED, PAUSED, COMPLETED…) or name (AwaitingRetry); repeatable "
        "(without it, runs a schedule made for later are left out)",
    )
    p.add_argument("--site", help="only runs of this site (its name in hugopipe-workspace.toml)")
    p.add_argument("--limit", type=positive, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=runs_cmd)

    p = subparsers.add_parser("logs")
    p.add_argument("run", help="flow run id")
    p.add_argument("--task", help="task name: build, validate, plan-deploy, apply-deploy, verify")
    p.add_argument("--limit", type=positive, default=None, help="the last N log entries")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=logs_cmd)

    p = subparsers.add_parser("retries")
    p.add_argument("run", help="flow run id")
    p.add_argument("--task", help="only this task")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=retries_cmd)

    p = subparsers.add_parser(
        "result",
        description="Print the run's result file (results/YYYY-MM-DD/<task_id>.result.md), or with --latest the newest one here. If the flow "
        "wrote none (crashed, still running), assemble one from the API and write it. With "
        "--task-file, check the task's expected_outputs (exit 1 if any fails).",
    )
    p.add_argument("run", nargs="?", help="flow run id (or --latest)")
    p.add_argument(
        "--latest", action="store_true", help="the newest result file on this machine, no API call"
    )
    p.add_argument("--type", help="with --latest: only results of this task_type (hugo-build…)")
    p.add_argument("--task-file", help="check this task file's expected_outputs against the result")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=result_cmd)
