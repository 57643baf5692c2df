"""The intake: picks up ``pending/`` files, starts their runs, finishes them when the runs end.

It is a loop the serving process runs in a thread (``deployments/serve.py``), or
``hugopipe intake`` runs on its own beside a work pool. Each tick lists two folders
and asks the API about the runs still in flight: about a millisecond and no
database write when nothing changed. A Prefect deployment scheduled every few
seconds would do the same work through a flow run per tick (a run, its states and
its logs written to the database every time, ~17,000 runs a day at 5 s) and would
fill the history maintenance has to prune. ``bench/intake_bench.py`` measures both:
1.5 ms of CPU per tick with five runs in flight, against 1.1 s and a run, three states
and its logs written per tick for an empty scheduled flow (docs/cli.md#the-task-exchange).

Pickup order is the task's ``priority`` (urgent, high, normal, low), then the
oldest file first: under ``serve`` (no work pool) that is what priority means.
Where the deployment has a work pool, the run also goes to the priority's work
queue (``lifecycle.PRIORITY_QUEUES``).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hugopipe.errors import HugopipeError, RunBusy
from hugopipe.exchange.folders import Exchange, claim, finish, requeue
from hugopipe.exchange.lifecycle import PRIORITY_QUEUES, busy_with, settle, start_run
from hugopipe.prefect_rest import ApiUnavailable, PrefectApi

log = logging.getLogger("hugopipe.exchange")

_PRIORITY = re.compile(r"^priority:\s*['\"]?(\w+)", re.M)


def _rank(path: Path) -> tuple[int, float, str]:
    try:
        head = path.read_text(encoding="utf-8")[:4096]
        mtime = path.stat().st_mtime
    except OSError:
        return (99, 0.0, path.name)
    m = _PRIORITY.search(head)
    prio = PRIORITY_QUEUES.get(m.group(1) if m else "normal", PRIORITY_QUEUES["normal"])[1]
    return (prio, mtime, path.name)


def pending_in_order(exchange: Exchange) -> list[Path]:
    """Pending files, urgent first, then oldest first."""
    return sorted(exchange.files("pending"), key=_rank)


@dataclass
class Tick:
    started: list[tuple[str, str]] = field(default_factory=list)  # (task file, run id)
    finished: list[str] = field(default_factory=list)  # new paths in completed/ or failed/
    rejected: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # pending files behind a going run


#: pending files already logged as waiting behind a going run (hugopipe.errors.RunBusy)
_told_waiting: set[str] = set()


def _tell_waiting(path: Path, exc: RunBusy) -> None:
    if path.name not in _told_waiting:  # once per file, not every tick
        _told_waiting.add(path.name)
        log.info("task %s waits: %s", path.name, exc.message)


def _waits(api: Any, path: Path) -> bool:
    """True when the pending file must wait behind a going run: asked before the file is
    claimed, so a waiting file stays in pending/, untouched. A file that does not load is
    not judged here: claiming it moves it to failed/ with the reason."""
    from hugopipe.taskfile import load_task

    try:
        request, _ = load_task(path)
        busy = busy_with(api, path, request)
    except ApiUnavailable:
        raise  # nothing is claimed yet: the file stays as it is, the next tick tries again
    except Exception:
        # judged again after the claim, which fails the file with the reason (a bad file, an
        # unknown environment) or finds it gone
        return False
    if busy is None:
        return False
    _tell_waiting(path, busy)
    return True


def intake_once(api: Any, exchange: Exchange) -> Tick:
    """One pass: pick up every pending file, then finish every in-progress one whose run ended."""
    from hugopipe.taskfile import TaskFileError, load_task

    tick = Tick()
    for path in pending_in_order(exchange):
        if _waits(api, path):
            tick.waiting.append(str(path))
            continue
        claimed = claim(path, exchange)
        if claimed is None:
            continue  # another intake (or submit) took it
        try:
            request, _ = load_task(claimed)
        except TaskFileError as exc:
            why = "; ".join(p.render(claimed.name).replace("\n ", "") for p in exc.problems)
            if finish(claimed, exchange, "failed", {"failure_reason": f"malformed: {why}"}):
                tick.rejected.append(str(claimed))
            continue
        try:
            started = start_run(api, claimed, request)
        except ApiUnavailable:
            # nothing started: give the file back so the next tick (or another intake) retries
            requeue(claimed, path)
            raise
        except RunBusy as exc:
            # a run of the same site and environment started since _waits looked: wait behind it
            requeue(claimed, path)
            _tell_waiting(path, exc)
            tick.waiting.append(str(path))
            continue
        except HugopipeError as exc:
            finish(claimed, exchange, "failed", {"failure_reason": f"could not start: {exc}"})
            continue
        _told_waiting.discard(path.name)
        log.info("task %s: started %s run %s", claimed.name, started.deployment, started.run["id"])
        tick.started.append((str(claimed), started.run["id"]))
    for path in exchange.files("in-progress"):
        try:
            request, _ = load_task(path)
        except TaskFileError:
            continue  # edited by hand while in flight: the maintenance sweep ages it out
        except FileNotFoundError:
            continue
        moved = settle(api, path, exchange, request)
        if moved is not None:
            log.info("task %s: %s", path.name, moved.parent.name)
            tick.finished.append(str(moved))
    return tick


#: how often the loop looks for runs that ended while suspended (hugopipe.suspended)
EXPIRY_SECONDS = 10.0


def watch(exchange: Exchange, interval: float, stop: threading.Event) -> None:
    """Tick until ``stop`` is set. An unreachable API or a bad file never ends the loop."""
    from hugopipe.run_results import find_result_file
    from hugopipe.suspended import record_settled

    ticks = 0
    every = max(1, round(EXPIRY_SECONDS / max(interval, 0.1)))
    while not stop.is_set():
        try:
            with PrefectApi() as api:
                intake_once(api, exchange)
                if ticks % every == 0:  # runs that ended while waiting for a person say so
                    for path in record_settled(api, find_result_file):
                        log.info("a wait that ended recorded: %s", path)
        except Exception as exc:  # the loop outlives any one bad tick; say why and go on
            log.warning("task intake: %s", exc)
        ticks += 1
        stop.wait(interval)


def start_watcher(exchange: Exchange, interval: float) -> threading.Event:
    """Run ``watch`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=watch, args=(exchange, interval, stop), name="hugopipe-intake", daemon=True
    ).start()
    return stop
