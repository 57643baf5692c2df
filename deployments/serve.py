"""Serve every hugopipe deployment from this machine (no work pool needed).

The deployments are the entries of ``hugopipe.flows_registry`` (also declared in
``prefect.yaml`` for a process work pool, checked by tests/test_prefect_yaml.py);
this is the zero-setup path the demo and the tests use. It also runs the task
exchange's intake (``hugopipe.exchange.intake``) in a thread. ``pause_on_shutdown`` is
off so restarting this process never silently pauses the nightly schedule, and no
deployment has a concurrency limit: a paused run would lose its lease and crash
(Prefect 3.8). Production writes are serialised by the ``deploy-production``
global concurrency limit inside the deploy task instead; duplicate runs are
refused as each flow starts (flows/single_run.py). A run waiting for a person is
suspended (flows/approval.py): it holds no process here, so restarting this process
loses no pending approval. On start it also creates or updates the notification
automations (deployments/automations.py).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

from hugopipe.flows_registry import DEFAULT_SITE, FLOWS

ROOT = Path(__file__).resolve().parents[1]


def deployments(site: str, timezone: str, sites: list[str] | None = None) -> list:
    """One ``RunnerDeployment`` per registry entry, building ``site`` by default.

    ``sites`` (the workspace's site names): each schedule once per site, with that site as
    its parameter, so one deployment per flow serves every site (docs/architecture.md,
    "Several sites").
    """
    from prefect.schedules import Cron

    out = []
    for spec in FLOWS:
        flow = getattr(importlib.import_module(spec.module), spec.function)
        schedules = [
            Cron(cron, timezone=timezone, slug=slug, parameters=params)
            for cron, slug, params in spec.schedules(sites)
        ]
        out.append(
            flow.to_deployment(
                spec.deployment,
                parameters=spec.default_parameters(site),
                schedules=schedules or None,
                description=spec.description,
                tags=list(spec.tags),
            )
        )
    return out


def served_sites(site: str | None) -> tuple[str, list[str] | None]:
    """(the deployments' default site, the sites to schedule): ``--site`` alone when given,
    else every site of the workspace file (its default first), else examples/site."""
    from hugopipe import sitesfile
    from hugopipe.sites import named, workspace_default

    if site:
        return named(site).param, None
    ws = sitesfile.load()
    if ws is None:
        return DEFAULT_SITE, None
    default = workspace_default()
    return (default.name if default else ws.names()[0]), ws.names()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site",
        help="serve one site: its name in hugopipe-workspace.toml or its folder (default: "
        "every listed site, the workspace's default one by default; without a workspace "
        "file, examples/site)",
    )
    parser.add_argument("--timezone", default=os.environ.get("HUGOPIPE_TIMEZONE", "UTC"))
    parser.add_argument(
        "--intake-seconds",
        type=float,
        default=float(os.environ.get("HUGOPIPE_INTAKE_SECONDS", "2")),
        help="how often the task intake looks at tasks/pending/ (0: no intake in this process)",
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    # Flow runs refuse site paths outside the workspace (hugopipe.workspace); the site this
    # worker serves was named by its operator, so it is part of the workspace, as is the
    # repository. $HUGOPIPE_WORKSPACE, when set, is the operator's own list and is kept.
    from hugopipe.sites import local_folder

    site, sites = served_sites(args.site)
    folder = local_folder(site) or Path(site).resolve()
    os.environ.setdefault("HUGOPIPE_WORKSPACE", os.pathsep.join([str(ROOT), str(folder)]))
    # Prefect's runner looks for new runs every 10 s by default, so a run `hugopipe run`
    # creates waited 5 s on average before it started (docs/benchmarks.md, "Orchestration
    # cost, one site"). Every 2 s, as the tests serve: each poll is one server write. The
    # operator's own setting is kept. Set before Prefect is imported, which reads it once.
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "2")
    from prefect import serve

    from tasks.serialise import PRODUCTION_SLOT, ensure_limit

    ensure_limit(PRODUCTION_SLOT)
    try:  # the automations that notify a person (deployments/automations.py)
        from deployments.automations import ensure_notifications

        ensure_notifications()
    except Exception as exc:  # serving matters more than notifying: say so and go on
        logging.getLogger("hugopipe.automations").warning("notifications not set up: %s", exc)
    if args.intake_seconds > 0:
        # the task exchange's intake, in this process: a thread that lists two folders per
        # tick beats a scheduled deployment's run per tick (hugopipe/exchange/intake.py)
        from hugopipe.exchange import Exchange
        from hugopipe.exchange.intake import start_watcher

        log = logging.getLogger("hugopipe.exchange")
        log.setLevel(logging.INFO)
        log.addHandler(logging.StreamHandler())
        start_watcher(Exchange.default(), args.intake_seconds)
    serve(
        *deployments(site, args.timezone, sites),
        pause_on_shutdown=False,
        print_starting_message=True,
    )


if __name__ == "__main__":
    main()
