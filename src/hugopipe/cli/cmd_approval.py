"""Steer paused and running runs: ``approve``, ``decide``, ``reject``, ``cancel``.

``approve`` (an approve/reject card) and ``decide`` (a decision card: one of its
options) are for dev and staging only. It fails closed: it refuses whenever
the run's environment is production per the project's config, OR the paused
input's schema asks for ``DEPLOY TO PRODUCTION``, OR it cannot tell — and a
refusal sends nothing to the server (it only reads). ``reject`` and ``cancel``
work for any environment: stopping a run never ships anything.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hugopipe.cli.exits import CommandFailed, Exit, UsageError
from hugopipe.cli.output import emit
from hugopipe.errors import ProductionRefused

PRODUCTION_PHRASE = "DEPLOY TO PRODUCTION"


def _site_config(site: str | None) -> Any | None:
    """The run's project config, or None when it cannot be found (then approve refuses)."""
    from hugopipe.config import CONFIG_NAME, ProjectConfig

    if not site:
        return None
    from hugopipe.sites import local_folder  # a site's name in hugopipe-workspace.toml, or a folder

    path = local_folder(site) or Path(site).expanduser()
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
        elif name == "decision" and "approve" in (prop.get("enum") or []):
            out[name] = "approve"  # the staging card (flows/approval.StagingApproval)
    missing = [n for n in schema.get("required") or [] if n not in out]
    if missing:
        raise UsageError(
            "the approval form needs " + ", ".join(missing) + "; pass them with --input NAME=VALUE"
        )
    return out


def _paused_form(api: Any, args: argparse.Namespace) -> tuple[dict[str, Any], dict | None]:
    """The run and its form's JSON schema, after refusing production (fails closed: exit 3,
    nothing sent) and anything not waiting for a person."""
    from hugopipe.prefect_rest import NotFound, state_of, ui_url

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
        raise ProductionRefused(
            f"refused: run {run.get('name')} ({run['id']}) is or may be a production approval — "
            + "; ".join(reasons),
            hint=f"production is approved only by a human in the Prefect UI: open {link}, "
            "menu ⋮ → Resume, and type DEPLOY TO PRODUCTION. Nothing was changed.",
        )
    if stype != "PAUSED":
        raise CommandFailed(f"run {run['id']} is {sname}, not paused; nothing to answer")
    schema = None
    if schema_text is not None:
        schema = json.loads(schema_text)
        if isinstance(schema, str):  # stored inputs are JSON-encoded strings
            schema = json.loads(schema)
    return run, schema


def _resumed(answer: Any, link: str) -> None:
    status = (answer or {}).get("status")
    if status != "ACCEPT":
        reason = ((answer or {}).get("details") or {}).get("reason") or status
        raise CommandFailed(f"the server did not resume the run: {reason}", hint=f"see {link}")


def approve_cmd(args: argparse.Namespace) -> int:
    from hugopipe.cli.cmd_run import parse_params
    from hugopipe.prefect_rest import PrefectApi, ui_url

    given = parse_params(args.input or [], flag="--input")
    with PrefectApi() as api:
        run, schema = _paused_form(api, args)
        link = ui_url(run["id"])
        run_input = None
        if schema is not None:
            props = schema.get("properties") or {}
            if "choice" in props and "decision" not in props:
                options = ", ".join(props["choice"].get("enum") or [])
                raise UsageError(
                    f"run {run['id']} waits for a decision, not an approval",
                    hint=f"answer it with: hugopipe decide {run['id']} OPTION (one of: {options})",
                )
            if args.note and "note" in props:
                given.setdefault("note", args.note)
            run_input = _schema_input(schema, given)
        _resumed(api.resume(run["id"], run_input), link)
    data = {"flow_run_id": run["id"], "approved": True, "ui_url": link}
    emit(
        data,
        json_output=args.json,
        text=f"approved {run.get('name')} ({run['id']}); it continues shortly",
    )
    return Exit.OK


def decide_cmd(args: argparse.Namespace) -> int:
    from hugopipe.prefect_rest import PrefectApi, ui_url

    with PrefectApi() as api:
        run, schema = _paused_form(api, args)
        link = ui_url(run["id"])
        props = (schema or {}).get("properties") or {}
        options = list((props.get("choice") or {}).get("enum") or [])
        if not options:
            raise UsageError(
                f"run {run['id']} is not waiting for a decision",
                hint=f"an approval card is answered with: hugopipe approve {run['id']}",
            )
        if args.option not in options:
            raise UsageError(
                f"{args.option!r} is not an option of this decision",
                hint=f"choose one of: {', '.join(options)} ({props['choice'].get('title', '')})",
            )
        run_input: dict[str, Any] = {"choice": args.option}
        if args.note and "note" in props:
            run_input["note"] = args.note
        _resumed(api.resume(run["id"], run_input), link)
    data = {"flow_run_id": run["id"], "decided": args.option, "ui_url": link}
    emit(
        data,
        json_output=args.json,
        text=f"answered {args.option} for {run.get('name')} ({run['id']}); it continues shortly",
    )
    return Exit.OK


def _cancel(args: argparse.Namespace, *, require_paused: bool, verb: str) -> int:
    from hugopipe.prefect_rest import TERMINAL, PrefectApi, state_of, ui_url

    with PrefectApi() as api:
        run = api.flow_run(args.run)
        stype, sname = state_of(run)
        if stype in TERMINAL:
            raise CommandFailed(f"run {run['id']} is already {sname}; nothing to {verb}")
        if require_paused and stype != "PAUSED":
            raise CommandFailed(
                f"run {run['id']} is {sname}, not paused for approval",
                hint=f"to stop it anyway: hugopipe cancel {run['id']}",
            )
        reason = args.reason or (
            "rejected from the CLI" if verb == "reject" else "cancelled from the CLI"
        )
        message = f"{'Rejected' if verb == 'reject' else 'Cancelled'}: {reason}"
        # a suspended run (waiting for a person, flows/approval.py) has no process to stop:
        # the server refuses Cancelling ("no infrastructure to terminate"), so it goes
        # straight to Cancelled, and its "paused" result file is rewritten here
        # (hugopipe.suspended) since no flow code runs again
        suspended = sname == "Suspended"
        answer = api.set_state(run["id"], "CANCELLED" if suspended else "CANCELLING", message)
        if suspended:
            from hugopipe.run_results import find_result_file
            from hugopipe.suspended import settle

            ended = api.flow_run(run["id"])
            settle(ended, find_result_file(api, ended))
    status = (answer or {}).get("status")
    if status not in {"ACCEPT", None}:
        detail = ((answer or {}).get("details") or {}).get("reason") or status
        raise CommandFailed(f"the server refused to {verb} the run: {detail}")
    data = {
        "flow_run_id": run["id"],
        "rejected" if verb == "reject" else "cancelled": True,
        "message": message,
        "ui_url": ui_url(run["id"]),
    }
    emit(
        data,
        json_output=args.json,
        # a suspended run is Cancelled at once; a running one stops when its process does
        text=f"{message} — {run.get('name')} ({run['id']}) is "
        + ("cancelled" if suspended else "cancelling"),
    )
    return Exit.OK


def reject_cmd(args: argparse.Namespace) -> int:
    return _cancel(args, require_paused=True, verb="reject")


def cancel_cmd(args: argparse.Namespace) -> int:
    return _cancel(args, require_paused=False, verb="cancel")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "approve",
        description="Resume a dev or staging run paused for approval. Production is refused (exit 3, "
        "nothing changed): a human approves it in the Prefect UI by typing DEPLOY TO PRODUCTION. "
        "Refuses too when it cannot tell whether the run is production.",
    )
    p.add_argument("run", help="flow run id")
    p.add_argument(
        "--input", action="append", metavar="NAME=VALUE", help="a field of the approval form"
    )
    p.add_argument("--note", help="note stored with the approval, if the form has one")
    p.add_argument(
        "--site",
        help="the site (name or folder) whose hugopipe.toml says which env is production "
        "(default: the run's own)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=approve_cmd)

    p = subparsers.add_parser(
        "decide",
        description="Answer a dev or staging run's decision card (a question with a few options) "
        "with OPTION. Production is refused (exit 3, nothing changed): answer it in the Prefect UI.",
    )
    p.add_argument("run", help="flow run id")
    p.add_argument("option", help="one of the card's options (the error lists them)")
    p.add_argument("--note", help="note stored with the answer")
    p.add_argument(
        "--site",
        help="the site (name or folder) whose hugopipe.toml says which env is production "
        "(default: the run's own)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=decide_cmd)

    p = subparsers.add_parser("reject")
    p.add_argument("run", help="flow run id")
    p.add_argument("--reason", help="why (recorded in the run's state message)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=reject_cmd)

    p = subparsers.add_parser("cancel")
    p.add_argument("run", help="flow run id")
    p.add_argument("--reason", help="why (recorded in the run's state message)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cancel_cmd)
