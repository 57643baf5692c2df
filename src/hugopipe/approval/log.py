"""The approvals log: one JSON line per production approval, each chained to the one before.

Prefect records no identity on a resume, so hugopipe keeps its own record of who
approved what: the name the approver typed, whether a second factor was given, the
note, the time, the plan hash and the commit. The same record goes into the release
manifest and the run's result file; this log is the one that can be checked.

Each entry carries ``seq`` (0, 1, 2…), ``prev`` (the previous entry's hash; 64 zeros for
the first) and ``hash`` (SHA-256 of the entry's canonical JSON without ``hash``). An
edited entry no longer matches its hash; a deleted or reordered one breaks the next
entry's ``prev`` and ``seq``. Deleting the *last* entries leaves a shorter valid chain,
so the release record and result file carry the entry's hash: ``hugopipe approvals
verify --head HASH`` checks that a given entry is still in the log.

The log lives with the process that runs production flows (``HUGOPIPE_APPROVALS_LOG``,
default ``~/.local/state/hugopipe/approvals.jsonl`` of that process's user), not in the
repository. Appends take an exclusive ``flock`` so two runs approved at once cannot
write the same ``seq``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hugopipe.errors import HugopipeError

LOG_VARIABLE = "HUGOPIPE_APPROVALS_LOG"
GENESIS = "0" * 64


class ApprovalRecord(BaseModel):
    """What one approval says; the log adds ``seq``, ``prev`` and ``hash``."""

    approver: str = Field(description="the name the approver typed in the form ('' when none)")
    second_factor: bool = Field(description="a valid TOTP code was given with the phrase")
    note: str = ""
    approved_at: str = Field(description="ISO-8601 UTC, when the flow accepted the approval")
    plan_hash: str | None = None
    commit: str | None = None
    environment: str
    flow_run_id: str | None = None
    #: the time step of the accepted code: a code is never accepted twice (RFC 6238 §5.2)
    totp_step: int | None = None


class LogProblem(BaseModel):
    line: int
    message: str


class VerifyReport(BaseModel):
    path: str
    entries: int
    head: str | None = None
    problems: list[LogProblem] = Field(default_factory=list)
    found_head: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.found_head is not False


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(LOG_VARIABLE):
        return Path(env[LOG_VARIABLE]).expanduser()
    return Path.home() / ".local" / "state" / "hugopipe" / "approvals.jsonl"


def entry_hash(entry: Mapping[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _last(path: Path) -> dict[str, Any] | None:
    last = None
    if path.exists():
        with path.open("rb") as fh:
            for raw in fh:
                if raw.strip():
                    last = raw
    return json.loads(last) if last else None


def append(record: ApprovalRecord, path: Path | None = None) -> dict[str, Any]:
    """Append ``record`` as the next entry of the chain; return the entry written."""
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fcntl.flock(fd, fcntl.LOCK_EX)
        previous = _last(path)
        entry: dict[str, Any] = {
            "seq": 0 if previous is None else int(previous["seq"]) + 1,
            "prev": GENESIS if previous is None else previous["hash"],
            **record.model_dump(mode="json"),
        }
        entry["hash"] = entry_hash(entry)
        fh.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fd)
    return entry


def last_totp_step(path: Path | None = None) -> int:
    """The highest accepted code step in the log (-1 when none): no code is accepted twice."""
    path = path or default_path()
    steps = [e.get("totp_step") for e in _entries(path)]
    return max((s for s in steps if isinstance(s, int)), default=-1)


def entry_for_run(
    flow_run_id: str, plan_hash: str | None, path: Path | None = None
) -> dict[str, Any] | None:
    """The entry already recorded for this flow run and plan, if any: a run that restarts
    after its approval was recorded (a crash or a retry before the deploy finished) keeps
    that approval instead of checking its code again, which would now count as used."""
    for entry in reversed(_entries(path or default_path())):
        if entry.get("flow_run_id") == flow_run_id and entry.get("plan_hash") == plan_hash:
            return entry
    return None


def _entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            try:
                out.append(json.loads(raw))
            except json.JSONDecodeError:
                out.append({})
    return out


def verify(path: Path | None = None, head: str | None = None) -> VerifyReport:
    """Check every entry's hash, ``seq`` and ``prev``; with ``head``, that it is in the chain."""
    path = path or default_path()
    report = VerifyReport(path=str(path), entries=0)
    if head is not None:
        report.found_head = False
    if not path.exists():
        return report
    expected_prev, expected_seq = GENESIS, 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        report.entries += 1
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            report.problems.append(LogProblem(line=number, message=f"not a log entry: {exc}"))
            continue
        if entry.get("hash") != entry_hash(entry):
            report.problems.append(
                LogProblem(line=number, message="the entry was edited: its hash does not match")
            )
        if entry.get("seq") != expected_seq:
            report.problems.append(
                LogProblem(
                    line=number,
                    message=f"seq {entry.get('seq')} where {expected_seq} was expected: "
                    "an entry before it was deleted or moved",
                )
            )
        if entry.get("prev") != expected_prev:
            report.problems.append(
                LogProblem(
                    line=number,
                    message="prev does not name the entry before it: an entry was deleted, "
                    "inserted or edited",
                )
            )
        if head is not None and entry.get("hash") == head:
            report.found_head = True
        expected_prev = str(entry.get("hash"))
        expected_seq = (
            int(entry["seq"]) + 1 if isinstance(entry.get("seq"), int) else expected_seq + 1
        )
        report.head = expected_prev
    return report


class ApprovalLogInvalid(HugopipeError):
    """``hugopipe approvals verify`` found an edited, deleted or missing entry (exit 1)."""
