"""The approvals log: a hash chain that ``hugopipe approvals verify`` checks (edits, deletions, a missing head)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hugopipe.approval import log
from tests.support import ROOT


def _record(n: int, step: int | None = None) -> log.ApprovalRecord:
    return log.ApprovalRecord(
        approver=f"Ada {n}",
        second_factor=step is not None,
        note="ok",
        approved_at="2026-12-05T03:00:00Z",
        plan_hash=f"{n:064x}",
        commit="abc123",
        environment="production",
        flow_run_id=f"run-{n}",
        totp_step=step,
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hugopipe.cli.main", "approvals", "verify", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def _three(path: Path) -> list[dict]:
    return [log.append(_record(n, step=100 + n), path) for n in range(3)]


def test_entries_chain_and_verify(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    entries = _three(path)
    assert [e["seq"] for e in entries] == [0, 1, 2]
    assert entries[0]["prev"] == log.GENESIS and entries[1]["prev"] == entries[0]["hash"]
    report = log.verify(path, head=entries[1]["hash"])
    assert report.ok and report.entries == 3 and report.head == entries[2]["hash"]
    assert log.last_totp_step(path) == 102
    done = _cli("--log", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entries"] == 3


def test_an_edited_entry_fails(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    _three(path)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["approver"] = "Mallory"
    lines[1] = json.dumps(edited, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")
    report = log.verify(path)
    assert not report.ok
    assert [p.line for p in report.problems] == [2]  # its own hash no longer matches
    done = _cli("--log", str(path))
    assert done.returncode == 1
    assert "line 2: the entry was edited" in done.stdout
    assert "does not verify" in done.stderr


def test_an_edited_entry_with_its_hash_recomputed_still_fails(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    _three(path)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["plan_hash"] = "f" * 64
    edited["hash"] = log.entry_hash(edited)
    lines[0] = json.dumps(edited, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")
    report = log.verify(path)
    assert [p.line for p in report.problems] == [2]


def test_a_deleted_entry_fails(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    _three(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    report = log.verify(path)
    assert not report.ok
    assert {p.line for p in report.problems} == {2}
    assert _cli("--log", str(path)).returncode == 1


def test_a_deleted_tail_is_found_by_the_head_a_release_recorded(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    entries = _three(path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:2]) + "\n")
    assert log.verify(path).ok  # a shorter chain is still a chain…
    assert not log.verify(path, head=entries[2]["hash"]).ok  # …but not the one the release names
    done = _cli("--log", str(path), "--head", entries[2]["hash"])
    assert done.returncode == 1 and "is not in the log" in done.stdout


def test_garbage_line_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    _three(path)
    with path.open("a") as fh:
        fh.write("{not json\n")
    done = _cli("--log", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "line 4: not a log entry" in done.stdout


def test_a_runs_recorded_approval_is_found_by_run_and_plan(tmp_path: Path) -> None:
    path = tmp_path / "approvals.jsonl"
    entries = _three(path)
    assert log.entry_for_run("run-1", f"{1:064x}", path) == entries[1]
    # another plan of the same run, or another run: not this approval
    assert log.entry_for_run("run-1", f"{2:064x}", path) is None
    assert log.entry_for_run("run-9", f"{1:064x}", path) is None
    assert log.entry_for_run("run-1", None, tmp_path / "none.jsonl") is None
