"""One production write at a time: deploys and rollbacks of production share one slot.

A Prefect global concurrency limit (``deploy-production``), held only while writing and
never across the approval pause: a paused run holding a lease loses it and crashes on
Prefect 3.8 (README, "Deployments"). Other environments write without a slot.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

PRODUCTION_SLOT = "deploy-production"


def write_slot(production: bool) -> AbstractContextManager[object]:
    if not production:
        return nullcontext()
    from prefect.concurrency.sync import concurrency

    return concurrency(PRODUCTION_SLOT, occupy=1, timeout_seconds=900, strict=True)
