"""Serve every hugopipe deployment from this machine (no work pool needed).

The same deployments are declared in ``prefect.yaml`` for a process work pool;
this is the zero-setup path the demo and the tests use. ``pause_on_shutdown``
is off so restarting this process never silently pauses the nightly schedule,
and no deployment has a concurrency limit: a paused run would lose its lease
and crash (notes/prefect.md §0.3). Production writes are serialised by the
``deploy-production`` global concurrency limit inside the deploy task instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NIGHTLY_CRON = "30 2 * * *"


def ensure_production_limit() -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_global_concurrency_limit(
            GlobalConcurrencyLimitCreate(name="deploy-production", limit=1)
        )


def deployments(site: str, timezone: str) -> list:
    from prefect.schedules import Cron

    from flows.maintenance import nightly_maintenance
    from flows.publish import publish

    deps = [
        publish.to_deployment(
            "site",
            parameters={"site": site},
            description="Build, validate and deploy the site; production pauses for a typed approval.",
            tags=["hugopipe"],
        ),
        nightly_maintenance.to_deployment(
            "nightly",
            parameters={"site": site},
            schedule=Cron(NIGHTLY_CRON, timezone=timezone),
            description="Nightly: rebuild, validate (external links too) and drift-check; deploys nothing.",
            tags=["hugopipe", "maintenance"],
        ),
    ]
    try:
        from flows.rollback import rollback
    except ImportError:
        pass
    else:
        deps.append(rollback.to_deployment("site", parameters={"site": site}, tags=["hugopipe"]))
    return deps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--site", default="examples/site", help="site directory, relative to the repository"
    )
    parser.add_argument("--timezone", default=os.environ.get("HUGOPIPE_TIMEZONE", "UTC"))
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    from prefect import serve

    ensure_production_limit()
    serve(
        *deployments(args.site, args.timezone), pause_on_shutdown=False, print_starting_message=True
    )


if __name__ == "__main__":
    main()
