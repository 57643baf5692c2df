"""The task exchange's folders and the moves between them, each done exactly once.

``<root>/pending/`` → ``in-progress/`` → ``completed/`` or ``failed/``. Every move is
one ``os.rename`` inside one file system, which is atomic: when two intakes (or an
intake and ``hugopipe submit``, or a finisher and the maintenance sweep) reach for the
same file, one rename succeeds and the other finds the file gone and leaves it
alone. That is the whole locking scheme; no lock file, no database.

The front matter is updated line by line (only the top-level keys the exchange
owns: ``status``, ``flow_run_id``, ``result_path``…), so the comments and layout
Claude wrote survive the trip.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

State = Literal["pending", "in-progress", "completed", "failed"]
STATES: tuple[State, ...] = ("pending", "in-progress", "completed", "failed")
#: a file being finished: hidden from ``*.md`` globs until its front matter is final
SETTLING = ".settling"


def tasks_root() -> Path:
    """``HUGOPIPE_TASKS_DIR``, else ``tasks/`` (beside the Prefect task adapters, which are
    Python modules: the exchange uses only its four state folders and ``templates/``)."""
    return Path(os.environ.get("HUGOPIPE_TASKS_DIR", "tasks"))


def worker_id() -> str:
    return f"hugopipe@{socket.gethostname()}:{os.getpid()}"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Exchange:
    root: Path

    @classmethod
    def default(cls) -> Exchange:
        return cls(tasks_root())

    @classmethod
    def of(cls, path: Path) -> Exchange:
        """The exchange a file lives in (``<root>/<state>/x.md``), else the default one."""
        parent = path.resolve().parent
        if parent.name in STATES:
            return cls(parent.parent)
        return cls.default()

    def folder(self, state: State) -> Path:
        path = self.root / state
        path.mkdir(parents=True, exist_ok=True)
        return path

    def files(self, state: State) -> list[Path]:
        folder = self.root / state
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("*.md") if not p.name.startswith("."))

    def state_of(self, path: Path) -> State | None:
        name = path.parent.name
        return name if name in STATES else None


# -- front matter ---------------------------------------------------------------------------

_KEY = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*:")


def set_front_matter(text: str, updates: dict[str, Any]) -> str:
    """``text`` with the top-level ``updates`` keys replaced (or added before the closing
    fence); a key's indented continuation lines go with it. Other lines are untouched."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        note = "\n".join(f"{k}: {v}" for k, v in updates.items())
        return text.rstrip("\n") + f"\n\n<!-- hugopipe task exchange -->\n<!--\n{note}\n-->\n"
    close = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        return "".join(lines) + "".join(_line(k, v) for k, v in updates.items())
    front = lines[1:close]
    pending = dict(updates)
    out: list[str] = []
    skipping = False  # inside a replaced key's indented (or `- item`) continuation
    for line in front:
        if skipping:
            if line[:1] in {" ", "\t"} or line.startswith("- ") or line.strip() == "-":
                continue
            skipping = False
        m = _KEY.match(line)
        if m and m.group("key") in pending:
            key = m.group("key")
            out.append(_line(key, pending.pop(key)))
            skipping = True
            continue
        out.append(line)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out += [_line(k, v) for k, v in pending.items()]
    return "".join([lines[0], *out, *lines[close:]])


def _line(key: str, value: Any) -> str:
    if isinstance(value, datetime):
        value = value.isoformat().replace("+00:00", "Z")
    return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=10**6)


def update_file(path: Path, updates: dict[str, Any]) -> None:
    """Rewrite ``path``'s front matter atomically (tmp + rename)."""
    text = path.read_text(encoding="utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(set_front_matter(text, updates), encoding="utf-8")
    tmp.replace(path)


# -- the moves ------------------------------------------------------------------------------


def _free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``folder/<stem>.<UTC stamp>.md`` when a file of that name is there
    (the same task id run again): an earlier run's audit trail is never overwritten."""
    dst = folder / name
    if not dst.exists():
        return dst
    stem = name.removesuffix(".md")
    return folder / f"{stem}.{datetime.now(UTC):%Y%m%dT%H%M%S%f}.md"


def claim(path: Path, exchange: Exchange) -> Path | None:
    """``pending/x.md`` → ``in-progress/x.md``, status updated. None when another intake
    took it first (or it is a duplicate of a task already in progress, moved to failed/)."""
    dst = exchange.folder("in-progress") / path.name
    if dst.exists():
        busy = f"a task file named {path.name} is already in progress; rename this one and resubmit"
        with contextlib.suppress(FileNotFoundError):
            moved = _free_name(exchange.folder("failed"), path.name)
            os.rename(path, moved)
            update_file(moved, {"status": "failed", "failure_reason": busy})
        return None
    try:
        os.rename(path, dst)
    except FileNotFoundError:
        return None  # another intake won
    update_file(dst, {"status": "in-progress", "picked_up_at": now(), "picked_up_by": worker_id()})
    return dst


def retry(path: Path, exchange: Exchange) -> Path | None:
    """``failed/x.md`` submitted again → ``in-progress/x.md``: moved, not copied, so one
    file follows the retry (a copy left the old one in ``failed/`` and the retry's ending
    beside it under a stamped name). The earlier reason is kept as ``previous_failure``."""
    dst = exchange.folder("in-progress") / path.name
    if dst.exists():
        return None
    try:
        again = _another_attempt(path)
        os.rename(path, dst)
    except FileNotFoundError:
        return None
    update_file(
        dst,
        {"status": "in-progress", "picked_up_at": now(), "picked_up_by": worker_id(), **again},
    )
    return dst


def _another_attempt(failed: Path) -> dict[str, Any]:
    """Front-matter updates that start a failed task over: the failed attempt's run, result,
    reason and times cleared (a later success must not still say why it failed), the reason
    kept as ``previous_failure``."""
    reason = _front_value(failed, "failure_reason")
    cleared = ("failure_reason", "finished_at", "flow_run_id", "flow_run_url", "result_path")
    return {
        **dict.fromkeys(cleared),
        **({"previous_failure": reason} if reason else {}),
    }


def _front_value(path: Path, key: str) -> str | None:
    """One top-level scalar of a task file's front matter, read leniently (it may be malformed)."""
    prefix = f"{key}:"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        if line.strip() == "---":
            break
        if line.startswith(prefix):
            value = line[len(prefix) :].strip().strip("'\"")
            return value or None
    return None


def adopt(path: Path, exchange: Exchange) -> Path | None:
    """A file outside the exchange (``hugopipe submit /tmp/x.md``): copied into
    ``in-progress/`` with an exclusive create, so the same lifecycle follows. None when
    a file of that name is already in progress."""
    dst = exchange.folder("in-progress") / path.name
    text = path.read_text(encoding="utf-8")
    stamp = {"status": "in-progress", "picked_up_at": now(), "picked_up_by": worker_id()}
    try:
        with dst.open("x", encoding="utf-8") as fh:
            fh.write(set_front_matter(text, stamp))
    except FileExistsError:
        return None
    return dst


def park(path: Path, exchange: Exchange) -> Path | None:
    """A submitted task that must wait behind a run (``exchange/lifecycle.busy_with``) into
    ``pending/``, unclaimed, for the intake to start later: one already there stays as it
    is, one in ``failed/`` is moved (as another attempt), any other is copied. Never stamped
    as picked up, since nothing picked it up. None when a file of that name is in progress
    (it may be this very task, whose own run is the one going) or already waits in pending/."""
    dst = exchange.folder("pending") / path.name
    if (exchange.folder("in-progress") / path.name).exists():
        return None
    if path.resolve() == dst.resolve():
        return dst
    if exchange.state_of(path.resolve()) == "failed":
        again = _another_attempt(path)
        try:
            os.link(path, dst)  # exclusive: never over a file that arrived in between
        except FileExistsError:
            return None
        path.unlink()
        update_file(dst, {"status": "pending", "picked_up_at": None, "picked_up_by": None, **again})
        return dst
    text = set_front_matter(path.read_text(encoding="utf-8"), {"status": "pending"})
    try:
        with dst.open("x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        return None
    return dst


def requeue(claimed: Path, pending: Path) -> Path:
    """``in-progress/x.md`` back to ``pending/`` (a run it needs to wait for is going):
    nothing was started, so the file goes back with status ``pending`` (its
    ``picked_up_at`` says when it was last looked at). The status is written before the
    move: a file in pending/ never says it is in progress."""
    update_file(claimed, {"status": "pending"})
    os.rename(claimed, pending)
    return pending


def finish(path: Path, exchange: Exchange, state: State, updates: dict[str, Any]) -> Path | None:
    """``in-progress/x.md`` → ``completed/`` or ``failed/``, front matter final before it
    lands there. None when another finisher (intake, submit, the sweep) got it first."""
    settling = path.with_name(f".{path.name}{SETTLING}")
    try:
        os.rename(path, settling)
    except FileNotFoundError:
        return None
    update_file(settling, {"status": state, "finished_at": now(), **updates})
    dst = _free_name(exchange.folder(state), path.name)
    os.rename(settling, dst)
    return dst


def reject(path: Path, exchange: Exchange, reason: str) -> Path | None:
    """A pending file that cannot start anything (malformed): straight to ``failed/``."""
    dst = _free_name(exchange.folder("failed"), path.name)
    try:
        os.rename(path, dst)
    except FileNotFoundError:
        return None
    update_file(dst, {"status": "failed", "finished_at": now(), "failure_reason": reason})
    return dst
