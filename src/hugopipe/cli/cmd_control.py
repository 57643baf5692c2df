"""Read and steer runs: ``runs``, ``logs``, ``retries``, ``result``, ``approve``, ``reject``, ``cancel``.

Everything goes through Prefect's REST API (``cli/api.py``), never ``import
prefect``, and the read commands import neither pydantic nor the pipeline, so
an agent can poll them in a loop.

``approve`` is for dev and staging only. It fails closed: it refuses whenever
the run's environment is production per the project's config, OR the paused
input's schema asks for ``DEPLOY TO PRODUCTION``, OR it cannot tell — and a
refusal sends nothing to the server (it only reads).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from hugopipe.cli.output import Exit, emit, error, info, table

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
PRODUCTION_PHRASE = "DEPLOY TO PRODUCTION"


def _api() -> Any:
    from hugopipe.cli.api import PrefectApi

    return PrefectApi()


def _flow_name(cli_name: str | None) -> str | None:
    if not cli_name:
        return None
    from hugopipe.cli.cmd_run import DEPLOYMENTS

    return DEPLOYMENTS.get(cli_name, (cli_name, ""))[0]


def _duration(run: dict[str, Any]) -> float | None:
    total = run.get("total_run_time")
    return round(float(total), 1) if total is not None else None


# -- runs ------------------------------------------------------------------------------


def state_filter(states: list[str]) -> dict[str, Any]:
    """``FAILED`` filters by state type, ``Paused``/``AwaitingRetry`` by state name."""
    types = [s.upper() for s in states if s.upper() in STATE_TYPES]
    names = [s for s in states if s.upper() not in STATE_TYPES]
    flt: dict[str, Any] = {}
    if types:
        flt["type"] = {"any_": types}
    if names:
        flt["name"] = {"any_": names}
    return flt


def runs_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.api import state_of, ui_url

    body: dict[str, Any] = {"sort": "EXPECTED_START_TIME_DESC", "limit": args.limit, "offset": 0}
    if args.state:
        body["flow_runs"] = {"state": state_filter(args.state)}
    flow = _flow_name(args.flow)
    if flow:
        body["flows"] = {"name": {"any_": [flow]}}
    with _api() as api:
        runs = api.request("POST", "/flow_runs/filter", json=body)
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
                "state": sname,
                "state_type": stype,
                "start": (r.get("start_time") or r.get("expected_start_time") or "")[:19],
                "duration_s": _duration(r),
                "ui_url": ui_url(r["id"]),
            }
        )
    text = (
        table(rows, ["id", "flow", "env", "state", "start", "duration_s"])
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


def _all_logs(api: Any, flt: dict[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    """Page through ``/logs/filter`` (the server caps a page at 200)."""
    out: list[dict[str, Any]] = []
    while True:
        page_size = 200 if limit is None else min(200, limit - len(out))
        if page_size <= 0:
            break
        body = {"logs": flt, "sort": "TIMESTAMP_ASC", "limit": page_size, "offset": len(out)}
        page = api.request("POST", "/logs/filter", json=body)
        out += page
        if len(page) < page_size:
            break
    return out


_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


def logs_cmd(args: argparse.Namespace) -> int:
    with _api() as api:
        api.flow_run(args.run)  # a clear "no flow run" error instead of an empty list
        flt: dict[str, Any] = {"flow_run_id": {"any_": [args.run]}}
        names: dict[str, str] = {}
        from hugopipe.retries import task_display_name

        if args.task:
            trs = _task_runs_named(api, args.run, args.task)
            if not trs:
                error(
                    f"no task run named {args.task!r} in run {args.run}",
                    hint="task names: build, validate, plan-deploy, apply-deploy, verify, write-result",
                )
                return Exit.USAGE
            flt["task_run_id"] = {"any_": [t["id"] for t in trs]}
            names = {t["id"]: task_display_name(t) for t in trs}
        else:
            names = {t["id"]: task_display_name(t) for t in api.task_runs(args.run)}
        logs = _all_logs(api, flt, args.limit)
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


def collect_retries(api: Any, run_id: str) -> dict[str, Any]:
    """Every task run's attempts, plus the flow run's own state and failure class."""
    from hugopipe.cli.api import state_of, ui_url
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
        for lg in _all_logs(api, {"task_run_id": {"any_": need}, "level": {"ge_": 20}}):
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
    with _api() as api:
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

_RESULT_LOG = re.compile(r"result file: (?P<path>\S+\.result\.md)")


def find_result_file(api: Any, run: dict[str, Any]) -> Path | None:
    """The file the flow wrote last: its path is in the run's log; else search the results folder."""
    from hugopipe.results import results_root

    logs = _all_logs(api, {"flow_run_id": {"any_": [run["id"]]}, "level": {"ge_": 20}})
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
    folders = sorted(p for p in root.iterdir() if p.is_dir() and p.name >= day)[:2] if day else []
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


_STATUS = {
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


def assemble_result(api: Any, run: dict[str, Any]) -> Any:
    """A result file built from the API when the flow wrote none (crashed, or still running)."""
    from datetime import datetime

    from hugopipe.cli.api import state_of, ui_url
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
        status=_STATUS.get(stype, "failed"),  # type: ignore[arg-type]
        environment=env,
        started_at=when(run.get("start_time")),
        completed_at=when(run.get("end_time")),
        duration_seconds=_duration(run),
        flow_run_id=run["id"],
        flow_run_url=ui_url(run["id"]),
        failure_class=str(failure) if failure else None,
        next_step=next_step(failure) if failure else None,
        outputs=outputs,
        summary="\n".join(summary_parts),
    )


def result_cmd(args: argparse.Namespace) -> int:
    from hugopipe.results import ResultFile, write_result

    with _api() as api:
        run = api.flow_run(args.run)
        path = find_result_file(api, run)
        written = False
        if path is not None:
            text = path.read_text(encoding="utf-8")
            result = ResultFile.parse(text)
        else:
            result = assemble_result(api, run)
            path = write_result(result)
            text = result.render()
            written = True
            info(f"the flow wrote no result file; assembled one from the API: {path}")
    checks = None
    if args.task_file:
        from hugopipe.taskfile import load_task

        request, _ = load_task(Path(args.task_file))
        checks = [e.check(result.outputs) for e in request.expected_outputs]
    if args.json:
        data: dict[str, Any] = {
            "path": str(path),
            "assembled": written,
            "result": result.model_dump(mode="json"),
        }
        if checks is not None:
            data["expected_outputs"] = [c.model_dump(mode="json") for c in checks]
        emit(data, json_output=True)
    else:
        out = text
        if checks is not None:
            out += "\n" + checks_text(checks)
        emit(None, json_output=False, text=out)
    if checks is not None and not all(c.passed for c in checks):
        return Exit.FAILED
    return Exit.OK


def checks_text(checks: list[Any]) -> str:
    lines = ["## Expected outputs", ""]
    for c in checks:
        mark = "PASS" if c.passed else "FAIL"
        actual = json.dumps(c.actual, default=str) if c.actual is not None else "-"
        lines.append(
            f"- {mark} {c.name}: expected {c.expected}, got {actual}"
            + (f" ({c.reason})" if c.reason else "")
        )
    return "\n".join(lines)


# -- approve / reject / cancel -------------------------------------------------------------


def _site_config(site: str | None) -> Any | None:
    """The run's project config, or None when it cannot be found (then approve refuses)."""
    from hugopipe.config import CONFIG_NAME, ProjectConfig

    if not site:
        return None
    path = Path(site).expanduser()
    if not (path / CONFIG_NAME).is_file():
        return None
    return ProjectConfig.load(path)


def production_reasons(
    run: dict[str, Any], schema_text: str | None, keyset: dict[str, Any] | None, site: str | None
) -> list[str]:
    """Why this paused run must be treated as production. Empty means: provably not production.

    Fails closed: a missing environment, an unreadable input schema or an
    unreadable project config are reasons too.
    """
    reasons: list[str] = []
    params = run.get("parameters") or {}
    env = params.get("env") or params.get("environment")
    if not env:
        reasons.append("the run has no env parameter, so its environment is unknown")
    elif env == "production":
        reasons.append("the run's environment is production")
    else:
        cfg = _site_config(site or params.get("site"))
        if cfg is None:
            reasons.append(
                f"cannot read the site's hugopipe.toml ({site or params.get('site')!r}) to check "
                f"whether {env!r} is production"
            )
        elif cfg.is_production(env):
            reasons.append(f"{env!r} is marked production in the site's hugopipe.toml")
    if keyset:
        if schema_text is None:
            reasons.append("the paused input's schema could not be read")
        elif PRODUCTION_PHRASE.lower() in schema_text.lower():
            reasons.append("the paused input asks for the typed phrase DEPLOY TO PRODUCTION")
        if any("production" in str(v).lower() for v in keyset.values()):
            reasons.append("the pause key names production")
    return reasons


def _schema_input(schema: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Fill a non-production approval form: defaults, ``const`` values, and ``--input`` values."""
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for name, prop in props.items():
        if name in given:
            out[name] = given[name]
        elif "const" in prop:
            out[name] = prop["const"]
        elif "default" in prop:
            out[name] = prop["default"]
        elif prop.get("type") == "boolean" and name in {"approve", "approved", "approval"}:
            out[name] = True
    missing = [n for n in schema.get("required") or [] if n not in out]
    if missing:
        raise ValueError(
            "the approval form needs " + ", ".join(missing) + "; pass them with --input NAME=VALUE"
        )
    return out


def approve_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.api import NotFound, state_of, ui_url
    from hugopipe.cli.cmd_run import parse_params

    try:
        given = parse_params(args.input or [])
    except ValueError as exc:
        error(str(exc))
        return Exit.USAGE
    with _api() as api:
        run = api.flow_run(args.run)
        stype, sname = state_of(run)
        link = ui_url(run["id"])
        details = (run.get("state") or {}).get("state_details") or {}
        keyset = details.get("run_input_keyset")
        schema_text: str | None = None
        if keyset and keyset.get("schema"):
            try:
                raw = api.run_input(run["id"], keyset["schema"])
                schema_text = raw if isinstance(raw, str) else json.dumps(raw)
            except NotFound:
                schema_text = None
        reasons = production_reasons(run, schema_text, keyset, args.site)
        if reasons:
            error(
                f"refused: run {run.get('name')} ({run['id']}) is or may be a production approval — "
                + "; ".join(reasons),
                hint=f"production is approved only by a human in the Prefect UI: open {link}, "
                "menu ⋮ → Resume, and type DEPLOY TO PRODUCTION. Nothing was changed.",
            )
            if args.json:
                emit(
                    {
                        "flow_run_id": run["id"],
                        "approved": False,
                        "refused": True,
                        "reasons": reasons,
                        "ui_url": link,
                    },
                    json_output=True,
                )
            return Exit.REFUSED
        if stype != "PAUSED":
            error(f"run {run['id']} is {sname}, not paused; nothing to approve")
            return Exit.FAILED
        run_input = None
        if schema_text is not None:
            schema = json.loads(schema_text)
            if isinstance(schema, str):  # stored inputs are JSON-encoded strings
                schema = json.loads(schema)
            if args.note and "note" in (schema.get("properties") or {}):
                given.setdefault("note", args.note)
            try:
                run_input = _schema_input(schema, given)
            except ValueError as exc:
                error(str(exc))
                return Exit.USAGE
        answer = api.resume(run["id"], run_input)
    status = (answer or {}).get("status")
    if status != "ACCEPT":
        reason = ((answer or {}).get("details") or {}).get("reason") or status
        error(f"the server did not resume the run: {reason}", hint=f"see {link}")
        return Exit.FAILED
    data = {"flow_run_id": run["id"], "approved": True, "ui_url": link}
    emit(
        data,
        json_output=args.json,
        text=f"approved {run.get('name')} ({run['id']}); it continues shortly",
    )
    return Exit.OK


def _set_state(api: Any, run_id: str, state_type: str, message: str) -> dict[str, Any]:
    return api.set_state(run_id, state_type, message)


def _cancel(args: argparse.Namespace, *, require_paused: bool, verb: str) -> int:
    from hugopipe.cli.api import TERMINAL, state_of, ui_url

    with _api() as api:
        run = api.flow_run(args.run)
        stype, sname = state_of(run)
        if stype in TERMINAL:
            error(f"run {run['id']} is already {sname}; nothing to {verb}")
            return Exit.FAILED
        if require_paused and stype != "PAUSED":
            error(
                f"run {run['id']} is {sname}, not paused for approval",
                hint=f"to stop it anyway: hugopipe cancel {run['id']}",
            )
            return Exit.FAILED
        reason = args.reason or (
            "rejected from the CLI" if verb == "reject" else "cancelled from the CLI"
        )
        message = f"{'Rejected' if verb == 'reject' else 'Cancelled'}: {reason}"
        answer = _set_state(api, run["id"], "CANCELLING", message)
    status = (answer or {}).get("status")
    if status not in {"ACCEPT", None}:
        detail = ((answer or {}).get("details") or {}).get("reason") or status
        error(f"the server refused to {verb} the run: {detail}")
        return Exit.FAILED
    data = {
        "flow_run_id": run["id"],
        "rejected" if verb == "reject" else "cancelled": True,
        "message": message,
        "ui_url": ui_url(run["id"]),
    }
    emit(
        data,
        json_output=args.json,
        text=f"{message} — {run.get('name')} ({run['id']}) is cancelling",
    )
    return Exit.OK


def reject_cmd(args: argparse.Namespace) -> int:
    return _cancel(args, require_paused=True, verb="reject")


def cancel_cmd(args: argparse.Namespace) -> int:
    return _cancel(args, require_paused=False, verb="cancel")


# -- registration ----------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("runs", help="list recent flow runs")
    p.add_argument("--flow", help="publish | maintenance | rollback (or a Prefect flow name)")
    p.add_argument(
        "--state",
        action="append",
        help="state type (FAILED, PAUSED, COMPLETED…) or name (AwaitingRetry); repeatable",
    )
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=runs_cmd)

    p = subparsers.add_parser("logs", help="a run's log lines (optionally one task's)")
    p.add_argument("run", help="flow run id")
    p.add_argument("--task", help="task name: build, validate, plan-deploy, apply-deploy, verify")
    p.add_argument("--limit", type=int, default=None, help="at most N lines")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=logs_cmd)

    p = subparsers.add_parser(
        "retries",
        help="every attempt of every task: state, timing, error, retry delay, failure class, next step",
    )
    p.add_argument("run", help="flow run id")
    p.add_argument("--task", help="only this task")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=retries_cmd)

    p = subparsers.add_parser(
        "result",
        help="print (and write, if the flow did not) the run's result file",
        description="Print the run's result file (results/YYYY-MM-DD/<task_id>.result.md). If the flow "
        "wrote none (crashed, still running), assemble one from the API and write it. With "
        "--task-file, check the task's expected_outputs (exit 1 if any fails).",
    )
    p.add_argument("run", help="flow run id")
    p.add_argument("--task-file", help="check this task file's expected_outputs against the result")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=result_cmd)

    p = subparsers.add_parser(
        "approve",
        help="resume a dev/staging run paused for approval (refuses production: exit 3)",
        description="Resume a dev or staging run paused for approval. Production is refused (exit 3, "
        "nothing changed): a human approves it in the Prefect UI by typing DEPLOY TO PRODUCTION. "
        "Refuses too when it cannot tell whether the run is production.",
    )
    p.add_argument("run", help="flow run id")
    p.add_argument(
        "--input", action="append", metavar="NAME=VALUE", help="a field of the approval form"
    )
    p.add_argument("--note", help="note stored with the approval, if the form has one")
    p.add_argument("--site", help="site directory whose hugopipe.toml says which env is production")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=approve_cmd)

    p = subparsers.add_parser(
        "reject", help="reject a paused run (any environment): cancel it with a reason"
    )
    p.add_argument("run", help="flow run id")
    p.add_argument("--reason", help="why (recorded in the run's state message)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=reject_cmd)

    p = subparsers.add_parser("cancel", help="cancel a scheduled, running or paused run")
    p.add_argument("run", help="flow run id")
    p.add_argument("--reason", help="why (recorded in the run's state message)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cancel_cmd)
