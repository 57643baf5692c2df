"""``hugopipe intake [--once]``: the task exchange's intake, outside ``serve.py``.

``deployments/serve.py`` runs this loop in a thread. With a work pool (prefect.yaml)
nothing serves, so run it beside the worker; ``--once`` does one tick and prints
what it started and finished (a person or a test can drive the exchange by hand).
"""

from __future__ import annotations

import argparse
import threading
from dataclasses import asdict

from hugopipe.cli.output import emit, info


def intake_cmd(args: argparse.Namespace) -> int:
    from hugopipe.exchange import Exchange
    from hugopipe.exchange.intake import intake_once, watch
    from hugopipe.prefect_rest import PrefectApi

    exchange = Exchange.default()
    if not args.once:
        info(f"watching {exchange.root / 'pending'} every {args.interval:g} s (Ctrl-C stops)")
        try:
            watch(exchange, args.interval, threading.Event())
        except KeyboardInterrupt:
            return 0
        return 0
    with PrefectApi() as api:
        tick = intake_once(api, exchange)
    lines = [f"started  {f} → run {r}" for f, r in tick.started]
    lines += [f"finished {f}" for f in tick.finished]
    lines += [f"rejected {f}" for f in tick.rejected]
    emit(asdict(tick), json_output=args.json, text="\n".join(lines) or "nothing to do")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "intake",
        description="Pick up task files in tasks/pending/ ($HUGOPIPE_TASKS_DIR), start their "
        "runs, and move finished ones to completed/ or failed/. deployments/serve.py runs "
        "this in a thread; run it yourself beside a work pool.",
    )
    p.add_argument("--once", action="store_true", help="one pass, then print what it did")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=intake_cmd)
