"""``hugopipe run`` and ``hugopipe status``: start a served deployment and follow it.

The starting and following are core (``hugopipe.run_control``, shared with
``submit``); this module parses flags and prints.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hugopipe.cli.exits import Exit, TimedOut, UsageError, for_run_state
from hugopipe.cli.output import emit, info
from hugopipe.flows_registry import cli_names, flow_spec


def _text(o: Any) -> str:
    lines = [
        f"run       {o.flow_run_name} ({o.flow_run_id})"
        + (f" of {o.deployment}" if o.deployment else "")
        + (f", site {o.site_name}" if o.site_name else ""),
        f"state     {o.state_name}" + (f" — {o.state_message}" if o.state_message else ""),
        f"ui        {o.ui_url}",
    ]
    if o.how_to_answer:
        lines.append(f"answer    {o.how_to_answer}")
    return "\n".join(lines)


def parse_params(pairs: list[str], flag: str = "--param") -> dict[str, Any]:
    """``key=value`` flags; a value that parses as JSON is taken as JSON."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} expects key=value, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def run_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi, state_of
    from hugopipe.run_control import SETTLED, outcome, trigger, wait_for

    if flow_spec(args.flow) is None and not args.deployment:
        raise UsageError(
            f"unknown flow {args.flow!r}", hint=f"use one of: {', '.join(cli_names())}"
        )
    params = parse_params(args.param or [])
    if args.env:
        params["env"] = args.env
    tags = None
    # --site NAME (or a folder); none: the listed site holding the current directory, else
    # the deployment's own default site (hugopipe.sites)
    from hugopipe.sites import here, named

    site = named(args.site) if args.site else here()
    if site is not None:
        params["site"], tags = site.param, [site.tag]
    run, dep = trigger(
        args.flow,
        params,
        deployment=args.deployment,
        idempotency_key=args.idempotency_key,
        tags=tags,
    )
    info(f"started {dep} run {run['name']} ({run['id']})")
    # no duplicate run of any deployment (hugopipe.run_control.yield_to_earlier)
    from hugopipe.run_control import yield_to_earlier

    with PrefectApi() as api:
        earlier = yield_to_earlier(api, run, dep)
    if earlier is not None:
        info(
            f"yielded: {dep} run {earlier.get('name')} ({earlier['id']}) of the same site "
            f"and environment is {state_of(earlier)[1]}; cancelled {run['id']}, following it"
        )
        run = earlier
    if args.wait:
        with PrefectApi() as api:
            run = wait_for(
                api,
                run["id"],
                args.timeout,
                on_state=lambda s: info(f"… {s}"),
                on_stage=lambda line: info(f"  ✓ {line}"),
            )
    o = outcome(run, dep)
    emit(o, json_output=args.json, text=_text(o))
    if not args.wait:
        return Exit.OK
    if o.state_type not in SETTLED:
        raise TimedOut(
            f"still {o.state_name} after {args.timeout:.0f} s",
            hint=f"follow it with `hugopipe status {o.flow_run_id}`",
        )
    return for_run_state(o.state_type)


def status_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.run_control import outcome, site_of_run, wait_for

    site = None
    if args.site:
        from hugopipe.sites import known

        site = known(args.site)
    if not args.run and site is None:
        raise UsageError(
            "give a flow run id, or --site NAME for that site's newest run",
            hint="hugopipe status <run-id> | hugopipe status --site www",
        )
    with PrefectApi() as api:
        if args.run:
            run = api.flow_run(args.run)
            if site is not None and site_of_run(run) != site:
                raise UsageError(
                    f"run {args.run} is a run of site {site_of_run(run)!r}, not {site!r}",
                    hint=f"hugopipe status {args.run} (without --site), or hugopipe runs --site {site}",
                )
        else:
            run = _newest(api, site)
        if args.wait:
            run = wait_for(api, run["id"], args.timeout, on_state=lambda s: info(f"… {s}"))
        dep = api.deployment_label(run)
        why = api.stop_message(run)
    o = outcome(run, dep)
    if why:  # the runner's "cancelled successfully" hides who stopped it and why
        o.state_message = why
    emit(o, json_output=args.json, text=_text(o))
    return for_run_state(o.state_type)


def _newest(api: Any, site: str | None) -> dict[str, Any]:
    """The newest run of ``site`` (by its ``site:NAME`` tag), not one scheduled for later."""
    from hugopipe.cli.exits import CommandFailed
    from hugopipe.prefect_rest import runs_that_happened
    from hugopipe.sites import TAG_PREFIX

    body = {
        "flow_runs": {"tags": {"all_": [f"{TAG_PREFIX}{site}"]}},
        "sort": "EXPECTED_START_TIME_DESC",
        "limit": 1,
    }
    found = runs_that_happened(api, body)
    if not found:
        raise CommandFailed(
            f"no run of site {site!r} yet", hint=f"start one: hugopipe run publish --site {site}"
        )
    return dict(found[0])


def register(subparsers: argparse._SubParsersAction) -> None:
    flows = " | ".join(cli_names())
    p = subparsers.add_parser(
        "run",
        description="Trigger a served deployment. `publish --env production` only starts a run that "
        "pauses for a human to type DEPLOY TO PRODUCTION in the Prefect UI.",
    )
    p.add_argument("flow", help=flows)
    p.add_argument("--env", help="environment: dev | staging | production")
    p.add_argument(
        "--site",
        help="a site's name in hugopipe-workspace.toml, or its folder as the worker sees it "
        "(default: the listed site holding the current directory, else the deployment's)",
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

    s = subparsers.add_parser("status")
    s.add_argument("run", nargs="?", help="flow run id (or --site NAME: that site's newest run)")
    s.add_argument(
        "--site", help="only a run of this site: with a run id, refuse another site's run"
    )
    s.add_argument("--wait", action="store_true", help="wait until it completes, fails or pauses")
    s.add_argument("--timeout", type=float, default=1800)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=status_cmd)
