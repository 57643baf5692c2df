"""Prefect's own history, kept bounded, and the last publish of an environment.

Prefect never deletes flow runs; their states, task runs and logs grow without
bound, and large state tables slow the server down. ``prune_history`` deletes
finished runs older than a configured age through the API (the server deletes
their task runs, states and logs with them). ``last_publish`` answers "when was
this environment last deployed" from the same API, for scheduled publishing.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from hugopipe.prefect_rest import TERMINAL, NotFound


def prune_history(api: Any, days: float, batch: int = 200, limit: int = 5000) -> int:
    """Delete finished flow runs that ended more than ``days`` ago; returns how many."""
    before = (datetime.now(UTC) - timedelta(days=days)).isoformat()
    deleted = 0
    while deleted < limit:
        body = {
            "flow_runs": {
                "state": {"type": {"any_": sorted(TERMINAL)}},
                "end_time": {"before_": before},
            },
            "sort": "END_TIME_DESC",
            "limit": batch,
        }
        runs = api.request("POST", "/flow_runs/filter", json=body)
        if not runs:
            break
        for run in runs:
            with contextlib.suppress(NotFound):  # deleted meanwhile
                api.request("DELETE", f"/flow_runs/{run['id']}")
            deleted += 1
        if len(runs) < batch:
            break
    return deleted


def publish_runs(api: Any, states: list[str], limit: int = 100) -> list[dict[str, Any]]:
    """Recent runs of the ``publish`` flow in ``states``, newest first."""
    body = {
        "flows": {"name": {"any_": ["publish"]}},
        "flow_runs": {"state": {"type": {"any_": states}}},
        "sort": "START_TIME_DESC",
        "limit": limit,
    }
    return api.request("POST", "/flow_runs/filter", json=body)


def _same(run: dict[str, Any], env: str, site: str | None) -> bool:
    params = run.get("parameters") or {}
    return params.get("env") == env and (site is None or params.get("site") in (None, site))


def last_publish(api: Any, env: str, site: str | None = None) -> datetime | None:
    """When the last successful publish of ``env`` (of ``site``) started, or None."""
    for run in publish_runs(api, ["COMPLETED"]):
        if _same(run, env, site) and run.get("start_time"):
            return datetime.fromisoformat(str(run["start_time"]).replace("Z", "+00:00"))
    return None


#: states in which a run still counts as going: a second one would duplicate it
ACTIVE = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]


def active_publish(api: Any, env: str, site: str | None = None) -> dict[str, Any] | None:
    """A publish of ``env`` (of ``site``) that is late, pending, running or paused, if any."""
    for run in publish_runs(api, ACTIVE):
        if _same(run, env, site):
            return run
    return None
