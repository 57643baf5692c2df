"""``hugopipe run`` and ``hugopipe status``: start a served deployment and follow it."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from typing import Any

from hugopipe.cli.output import Exit, emit, error, info

#: CLI flow name -> (Prefect flow name, deployment name) as served by deployments/serve.py
DEPLOYMENTS: dict[str, tuple[str, str]] = {
    "publish": ("publish", "site"),
    "maintenance": ("nightly-maintenance", "nightly"),
    "rollback": ("rollback", "site"),
}


@dataclass
class RunOutcome:
    """A dataclass, not a pydantic model: ``status`` must not pay pydantic's ~0.2-0.5 s import."""

    flow_run_id: str
    state_type: str
    state_name: str
    ui_url: str
    flow_run_name: str | None = None
    deployment: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    state_message: str | None = None
    waiting_for_approval: bool = False
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None


def outcome(run: dict[str, Any], deployment: str | None = None) -> RunOutcome:
    from hugopipe.cli.api import state_of, ui_url

    stype, sname = state_of(run)
    return RunOutcome(
        flow_run_id=run["id"],
        flow_run_name=run.get("name"),
        deployment=deployment,
        parameters=run.get("parameters") or {},
        state_type=stype,
        state_name=sname,
        state_message=(run.get("state") or {}).get("message"),
        ui_url=ui_url(run["id"]),
        waiting_for_approval=stype == "PAUSED",
        start_time=run.get("start_time"),
        end_time=run.get("end_time"),
        duration_seconds=run.get("total_run_time"),
    )


def exit_for(o: RunOutcome) -> int:
    if o.state_type == "COMPLETED":
        return Exit.OK
    if o.state_type == "PAUSED":
        return Exit.PAUSED
    if o.state_type in {"FAILED", "CRASHED", "CANCELLED", "CANCELLING"}:
        return Exit.FAILED
    return Exit.OK


def _text(o: RunOutcome) -> str:
    lines = [
        f"run       {o.flow_run_name} ({o.flow_run_id})"
        + (f" of {o.deployment}" if o.deployment else ""),
        f"state     {o.state_name}" + (f" — {o.state_message}" if o.state_message else ""),
        f"ui        {o.ui_url}",
    ]
    if o.waiting_for_approval:
        lines.append("approval  open the ui link, menu ⋮ → Resume, type DEPLOY TO PRODUCTION")
    return "\n".join(lines)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def wait_for(api: Any, run_id: str, timeout: float, interval: float = 1.0) -> dict[str, Any]:
    """Poll until the run ends or pauses; returns the last seen run (check its state)."""
    from hugopipe.cli.api import TERMINAL, state_of

    deadline = time.monotonic() + timeout
    last_name = None
    while True:
        run = api.flow_run(run_id)
        stype, sname = state_of(run)
        if sname != last_name:
            info(f"… {sname}")
            last_name = sname
        if stype in TERMINAL or stype == "PAUSED":
            return run
        if time.monotonic() >= deadline:
            return run
        time.sleep(interval)


def trigger(
    flow: str,
    params: dict[str, Any],
    *,
    deployment: str | None = None,
    idempotency_key: str | None = None,
    tags: list[str] | None = None,
) -> tuple[dict[str, Any], str]:
    from hugopipe.cli.api import PrefectApi

    flow_name, dep_name = DEPLOYMENTS.get(flow, (flow, "site"))
    if deployment:
        flow_name, _, dep_name = (
            deployment.partition("/") if "/" in deployment else (flow_name, "", deployment)
        )
    with PrefectApi() as api:
        dep = api.deployment_by_name(flow_name, dep_name)
        check_environment({**(dep.get("parameters") or {}), **params})
        run = api.create_run(dep["id"], params, idempotency_key=idempotency_key, tags=tags)
    return run, f"{flow_name}/{dep_name}"


def check_environment(params: dict[str, Any]) -> None:
    """Refuse an unknown environment before starting a run, when the site is on this machine.

    The worker would fail the run with the same ConfigError a minute later; saying it
    now (exit 2, naming hugopipe.toml and the known environments) starts nothing.
    """
    from pathlib import Path

    site, env = params.get("site"), params.get("env")
    if not isinstance(site, str) or not isinstance(env, str) or not Path(site).is_dir():
        return
    from hugopipe.config import ProjectConfig

    ProjectConfig.load(Path(site)).environment(env)


def run_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.api import PrefectApi

    if args.flow not in DEPLOYMENTS and not args.deployment:
        error(f"unknown flow {args.flow!r}", hint=f"use one of: {', '.join(DEPLOYMENTS)}")
        return Exit.USAGE
    try:
        params = parse_params(args.param or [])
    except ValueError as exc:
        error(str(exc))
        return Exit.USAGE
    if args.env:
        params["env"] = args.env
    if args.site:
        params["site"] = args.site
    run, dep = trigger(
        args.flow, params, deployment=args.deployment, idempotency_key=args.idempotency_key
    )
    info(f"started {dep} run {run['name']} ({run['id']})")
    if args.wait:
        with PrefectApi() as api:
            run = wait_for(api, run["id"], args.timeout)
    o = outcome(run, dep)
    emit(o, json_output=args.json, text=_text(o))
    if args.wait and o.state_type not in {"COMPLETED", "PAUSED", "FAILED", "CRASHED", "CANCELLED"}:
        error(
            f"still {o.state_name} after {args.timeout:.0f} s",
            hint=f"follow it with `hugopipe status {o.flow_run_id}`",
        )
        return Exit.TIMEOUT
    return exit_for(o) if args.wait else Exit.OK


def status_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.api import PrefectApi

    with PrefectApi() as api:
        run = api.flow_run(args.run)
        if args.wait:
            run = wait_for(api, args.run, args.timeout)
        dep = api.deployment_label(run)
        why = api.stop_message(run)
    o = outcome(run, dep)
    if why:  # the runner's "cancelled successfully" hides who stopped it and why
        o.state_message = why
    emit(o, json_output=args.json, text=_text(o))
    return exit_for(o)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="trigger a served deployment (publish, maintenance, rollback)",
        description="Trigger a served deployment. `publish --env production` only starts a run that "
        "pauses for a human to type DEPLOY TO PRODUCTION in the Prefect UI.",
    )
    p.add_argument("flow", help="publish | maintenance | rollback")
    p.add_argument("--env", help="environment: dev | staging | production")
    p.add_argument(
        "--site", help="site directory as the worker sees it (default: the deployment's)"
    )
    p.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="extra flow parameter (JSON values allowed)",
    )
    p.add_argument("--deployment", help="explicit FLOW/DEPLOYMENT name")
    p.add_argument("--idempotency-key", help="start at most one run per key")
    p.add_argument(
        "--wait",
        action="store_true",
        help="return when the run completes, fails or pauses for approval",
    )
    p.add_argument(
        "--timeout", type=float, default=1800, help="seconds to wait with --wait (default 1800)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.set_defaults(func=run_cmd)

    s = subparsers.add_parser("status", help="show a flow run's state and UI link")
    s.add_argument("run", help="flow run id")
    s.add_argument("--wait", action="store_true", help="wait until it completes, fails or pauses")
    s.add_argument("--timeout", type=float, default=1800)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=status_cmd)
