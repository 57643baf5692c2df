"""The sweep: runs, approvals and task files that nobody will ever finish.

A worker killed mid-run leaves its run Running (or Paused) on the server and its
task file in ``in-progress/`` for ever: nothing else would notice. The nightly
flow calls these, over the REST API (Prefect-free, so they are tested with
stand-ins and against a real server alike):

* ``sweep_tasks``: each ``in-progress/`` file whose run ended (crashed, cancelled,
  killed: the runner marks a killed process Crashed), no longer exists, never
  started, or overran its ``timeout_minutes`` by the grace period is moved to
  ``failed/`` with the reason, by the same code the intake uses.
* ``sweep_runs``: runs stuck Running/Pending past ``stale_hours`` are marked
  Crashed; runs Paused for approval past ``approval_hours`` are cancelled
  ("approval expired"), so the next publish is not blocked by a forgotten one.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hugopipe.exchange.folders import SETTLING, Exchange, finish
from hugopipe.exchange.lifecycle import settle, vanished
from hugopipe.prefect_rest import TERMINAL, NotFound, state_of


@dataclass
class Swept:
    what: str  # "task", "run" or "approval"
    name: str
    action: str  # "moved to failed/", "marked Crashed", "cancelled"
    reason: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def sweep_tasks(api: Any, exchange: Exchange, grace_minutes: float = 10) -> list[Swept]:
    """Finish every ``in-progress/`` file that cannot finish on its own."""
    from hugopipe.taskfile import TaskFileError, load_task

    now = datetime.now(UTC)
    grace = timedelta(minutes=grace_minutes)
    out: list[Swept] = []
    folder = exchange.root / "in-progress"
    leftovers = sorted(folder.glob(f".*{SETTLING}")) if folder.is_dir() else []
    for path in leftovers:  # a finisher died between its two renames
        age = now - datetime.fromtimestamp(path.stat().st_mtime, UTC)
        if age > grace:
            restored = folder / path.name.removeprefix(".").removesuffix(SETTLING)
            os.replace(path, restored)
    for path in exchange.files("in-progress"):
        try:
            request, _ = load_task(path)
        except TaskFileError as exc:
            age = now - datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if age > grace:
                why = f"malformed while in progress: {exc.problems[0].message}"
                if finish(path, exchange, "failed", {"failure_reason": why}):
                    out.append(Swept("task", path.name, "moved to failed/", why))
            continue
        picked = _when(request.picked_up_at) or datetime.fromtimestamp(path.stat().st_mtime, UTC)
        reason: str | None = None
        if not request.flow_run_id:
            if now - picked > grace:
                reason = "picked up but no run was started (the intake stopped before starting it)"
                if vanished(path, exchange, request, reason):
                    out.append(Swept("task", path.name, "moved to failed/", reason))
            continue
        try:
            run = api.flow_run(request.flow_run_id)
        except NotFound:
            reason = "its flow run no longer exists on the server"
            if vanished(path, exchange, request, reason):
                out.append(Swept("task", path.name, "moved to failed/", reason))
            continue
        stype, sname = state_of(run)
        if stype in TERMINAL:
            moved = settle(api, path, exchange, request)
            if moved is not None:
                action = f"moved to {moved.parent.name}/"
                out.append(Swept("task", path.name, action, f"its run ended {sname}"))
            continue
        limit = timedelta(minutes=request.timeout_minutes) + grace
        ran = timedelta(seconds=float(run.get("estimated_run_time") or 0))
        if stype in {"RUNNING", "PENDING"} and ran > limit:
            reason = (
                f"its run is still {sname} after {ran.total_seconds() / 60:.0f} min, past "
                f"timeout_minutes ({request.timeout_minutes}) and {grace_minutes:g} min of grace: "
                "the worker running it is gone"
            )
            api.set_state(run["id"], "CRASHED", f"Swept by maintenance: {reason}", force=True)
            if vanished(path, exchange, request, reason):
                out.append(Swept("task", path.name, "moved to failed/", reason))
    return out


def _filter_runs(api: Any, types: list[str], before: datetime) -> list[dict[str, Any]]:
    body = {
        "flow_runs": {
            "state": {"type": {"any_": types}},
            "start_time": {"before_": before.isoformat()},
        },
        "sort": "START_TIME_ASC",
        "limit": 200,
    }
    return api.request("POST", "/flow_runs/filter", json=body)


def sweep_runs(
    api: Any, stale_hours: float = 6, approval_hours: float = 72, skip: set[str] | None = None
) -> list[Swept]:
    """Crash runs stuck Running/Pending past ``stale_hours``; cancel approvals older than
    ``approval_hours``. ``skip`` holds run ids never to touch (this maintenance run)."""
    now = datetime.now(UTC)
    out: list[Swept] = []
    skip = skip or set()
    for run in _filter_runs(api, ["RUNNING", "PENDING"], now - timedelta(hours=stale_hours)):
        if run["id"] in skip:
            continue
        why = f"still {state_of(run)[1]} after more than {stale_hours:g} h: its worker is gone"
        api.set_state(run["id"], "CRASHED", f"Swept by maintenance: {why}", force=True)
        out.append(Swept("run", run.get("name") or run["id"], "marked Crashed", why))
    for run in _filter_runs(api, ["PAUSED"], now - timedelta(hours=approval_hours)):
        if run["id"] in skip:
            continue
        why = f"approval expired: paused for more than {approval_hours:g} h"
        api.set_state(run["id"], "CANCELLING", f"Rejected: {why}", force=True)
        out.append(Swept("approval", run.get("name") or run["id"], "cancelled", why))
    return out


def archive_old(roots: dict[str, Path], archive: Path, days: float) -> list[str]:
    """Move result day-folders and finished task files older than ``days`` into
    ``archive/YYYY-MM/<kind>/``; returns what moved (relative names)."""
    cutoff = datetime.now(UTC) - timedelta(days=days)
    moved: list[str] = []
    results = roots.get("results")
    if results is not None and results.is_dir():
        for day in sorted(results.iterdir()):
            try:
                when = datetime.strptime(day.name, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                continue  # latest/, anything else
            if when + timedelta(days=1) <= cutoff:
                for path in sorted(day.glob("*.result.md")):
                    moved.append(_move(path, archive, f"{when:%Y-%m}/results/{day.name}"))
                if not any(day.iterdir()):
                    day.rmdir()
    tasks = roots.get("tasks")
    if tasks is not None:
        for state in ("completed", "failed"):
            folder = tasks / state
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob("*.md")):
                when = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                if when < cutoff:
                    moved.append(_move(path, archive, f"{when:%Y-%m}/tasks/{state}"))
    return moved


def _move(path: Path, archive: Path, sub: str) -> str:
    """Move ``path`` to ``archive/sub/``; returns ``sub/<name>``."""
    folder = archive / sub
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)
    return f"{sub}/{path.name}"
