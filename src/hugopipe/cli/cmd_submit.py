"""``hugopipe submit TASK_FILE``: turn a task request (seed 002 §1.2) into a run.

Validation comes first and is complete: a malformed file lists every bad field
with its line and starts nothing (exit 2). Then:

* ``hugo-build`` / ``hugo-validate`` run here, without Prefect: a build is
  deterministic, takes seconds and needs no credentials, so a round trip through
  the orchestrator would add latency and nothing else (seed 003: "Hugo builds
  … delegate" is about the agent not running Hugo by hand; this command is the
  delegate). The result file is written in the same format the flow writes.
* ``hugo-deploy-{dev,staging,production}`` start the served ``publish``
  deployment with the task_id, so the flow writes
  ``results/YYYY-MM-DD/<task_id>.result.md``. Production pauses for a human
  in the UI; a task file can never carry that approval.

``expected_outputs`` are checked against the result's ``outputs`` when the run
ends (with ``--wait`` for deploys; always for local builds).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hugopipe.cli.output import Exit, emit, error, info


def _problems_out(exc: Any, json_output: bool) -> int:
    for p in exc.problems:
        sys.stderr.write("error: " + p.render(exc.path) + "\n")
    sys.stderr.write(f"{len(exc.problems)} problem(s) in {exc.path}; nothing was started.\n")
    refused = any(p.field == "approval_confirmed" for p in exc.problems)
    if json_output:
        emit(
            {
                "valid": False,
                "started": False,
                "flow_run_id": None,
                "problems": [p.model_dump() for p in exc.problems],
            },
            json_output=True,
        )
    return Exit.REFUSED if refused else Exit.USAGE


def _local(request: Any, site: Path) -> Any:
    """Build (and validate) here; return a ResultFile."""
    from hugopipe.build import build_site
    from hugopipe.errors import NEXT_STEP, FailureClass
    from hugopipe.results import ResultFile

    started = datetime.now(UTC)
    env = request.environment
    report = build_site(site, env, base_url=request.params.base_url, minify=request.params.minify)
    outputs: dict[str, Any] = {
        "build_success": report.success,
        "file_count": report.files,
        "pages_generated": report.pages,
        "errors": [
            (f"{e.file}:{e.line}: " if e.file and e.line else "") + e.message for e in report.errors
        ],
        "warnings": [w.message for w in report.warnings],
        "duration_seconds": report.duration_seconds,
        "hugo_version": report.hugo_version,
        "content_hash": report.content_hash,
        "public_dir": report.public_dir,
    }
    failure = report.failure_class
    summary = [report.to_markdown()]
    if request.task_type == "hugo-validate" and report.success:
        from hugopipe.validate import validate_site

        findings = validate_site(site, Path(report.public_dir), env)
        outputs["validation_errors"] = len(findings.errors)
        outputs["validation_warnings"] = len(findings.warnings)
        outputs["findings"] = [
            f"[{f.rule}] {f.file}:{f.line or ''} {f.message}".strip() for f in findings.errors[:50]
        ]
        summary.append(findings.to_markdown(limit=50))
        if not findings.ok:
            failure = FailureClass.CONTENT
    ok = failure is None
    next_step = (
        "Build is good; deploy with a hugo-deploy-* task."
        if ok
        else NEXT_STEP[FailureClass(failure)]
    )
    done = datetime.now(UTC)
    return ResultFile(
        task_id=request.task_id,
        task_type=request.task_type,
        status="success" if ok else "failed",
        environment=env,
        started_at=started,
        completed_at=done,
        duration_seconds=round((done - started).total_seconds(), 2),
        failure_class=str(failure) if failure else None,
        next_step=next_step,
        outputs=outputs,
        logs="\n".join(outputs["errors"] + outputs["warnings"]),
        summary="\n\n".join(summary) + f"\n\n## Next Steps\n{next_step}",
    )


def submit_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.cmd_control import checks_text
    from hugopipe.taskfile import TaskFileError, default_site, load_task

    path = Path(args.task_file)
    try:
        request, notices = load_task(path)
    except TaskFileError as exc:
        return _problems_out(exc, args.json)
    for n in notices:
        info(f"note: {n}")
    site = Path(request.params.site_path).expanduser() if request.params.site_path else None
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
    code = Exit.OK

    if request.runner.startswith("local"):
        from hugopipe.results import write_result

        info(
            f"building {site or default_site()} for {request.environment} here (no Prefect run needed)"
        )
        result = _local(request, (site or default_site()).resolve())
        data["result_path"] = str(write_result(result))
        data.update(started=True, state=result.status)
        code = Exit.OK if result.status == "success" else Exit.FAILED
    else:
        from hugopipe.cli.api import PrefectApi, state_of
        from hugopipe.cli.cmd_run import outcome, trigger, wait_for

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
                run = wait_for(api, run["id"], args.timeout or request.timeout_minutes * 60)
        o = outcome(run, dep)
        data.update(ui_url=o.ui_url, state=o.state_name)
        stype, _ = state_of(run)
        if stype == "PAUSED":
            info(
                f"waiting for a human: open {o.ui_url}, menu ⋮ → Resume, type DEPLOY TO PRODUCTION; "
                f"then `hugopipe result {run['id']} --task-file {path}`"
            )
            code = Exit.PAUSED
        elif stype in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
            from hugopipe.cli.cmd_control import assemble_result, find_result_file
            from hugopipe.results import ResultFile, write_result

            with PrefectApi() as api:
                found = find_result_file(api, run)
                if found is not None:
                    result = ResultFile.parse(found.read_text(encoding="utf-8"))
                    data["result_path"] = str(found)
                else:
                    result = assemble_result(api, run)
                    data["result_path"] = str(write_result(result))
            code = Exit.OK if stype == "COMPLETED" else Exit.FAILED
        elif args.wait:
            error(
                f"still {o.state_name} after waiting",
                hint=f"follow it with `hugopipe status {run['id']}`",
            )
            code = Exit.TIMEOUT
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
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "submit",
        help="validate a task file and start its run; check expected_outputs when it ends",
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
