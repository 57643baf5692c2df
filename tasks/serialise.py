"""One write per bucket at a time; deploys and rollbacks of production share one slot.

A Prefect global concurrency limit per bucket written (``deploy-s3-<bucket>``; production's
is ``deploy-production`` whatever its bucket or environment is called), held only while
writing and never across a wait for a person: a paused run holding a lease loses it and
crashes on Prefect 3.8 (README, "Deployments"), and a suspended one (flows/approval.py) has
no process to hold it. The slot is taken after the answer, inside the apply task, so two
approved production deploys still write one at a time. Every bucket, not only production's:
two runs writing one bucket at once would interleave their uploads and deletes. Named by the
bucket, not the environment or site, so two sites' staging buckets are written side by
side, and two environments that share a bucket still take turns.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager, nullcontext

PRODUCTION_SLOT = "deploy-production"


def ensure_limit(name: str) -> None:
    """The global concurrency limit ``name`` (1), created on first use: a site can name any
    environment, so the limits cannot all be made ahead of time.

    Read first, created only when missing: a create of a name that exists fails inside the
    server (a UNIQUE violation, logged as an error and answered 409), and on SQLite one
    such failed write was followed by the database staying locked for a minute."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another run made it just now
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


def write_slot(production: bool, bucket: str | None = None) -> AbstractContextManager[object]:
    """The slot a write to ``bucket`` holds (production's shared one when ``production``)."""
    if not production and bucket is None:
        return nullcontext()
    from prefect.concurrency.sync import concurrency

    name = PRODUCTION_SLOT if production else f"deploy-s3-{bucket}"
    if not production:
        ensure_limit(name)  # production's is made by serve.py (and the README for pools)
    return concurrency(name, occupy=1, timeout_seconds=900, strict=True)
