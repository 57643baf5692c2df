"""`hugopipe result RUN` finds the file the flow wrote, even once the run's logs are gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hugopipe.results import ResultFile, write_result
from hugopipe.run_results import find_result_file

RUN = "5f7b6a0e-397d-4372-bd93-065f78b31833"
OTHER = "0e4c1d2a-1111-4222-8333-944455556666"


class NoLogs:
    """The API of a server whose logs for the run are gone (retention, or a new server)."""

    def request(self, method: str, path: str, json: Any = None) -> list:
        assert (method, path) == ("POST", "/logs/filter")
        return []


def _write(task_id: str, run_id: str, when: datetime, **fields: Any) -> Path:
    return write_result(
        ResultFile(
            task_id=task_id,
            task_type="hugo-deploy-production",
            status=fields.pop("status", "paused"),
            started_at=when,
            flow_run_id=run_id,
            **fields,
        )
    )


def _run(run_id: str, start: datetime, **params: str) -> dict[str, Any]:
    return {"id": run_id, "start_time": start.isoformat(), "parameters": params}


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUGOPIPE_RESULTS_DIR", str(tmp_path / "results"))
    return tmp_path / "results"


def test_found_by_flow_run_id_without_logs_or_task_id(results: Path) -> None:
    start = datetime(2026, 11, 22, 3, 57, tzinfo=UTC)
    other = _write("2026-11-22-035500-publish-production", OTHER, start)
    mine = _write("2026-11-22-035708-publish-production", RUN, start)
    assert find_result_file(NoLogs(), _run(RUN, start)) == mine
    assert find_result_file(NoLogs(), _run(OTHER, start)) == other


def test_a_run_that_crossed_midnight_finds_its_final_file(results: Path) -> None:
    start = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
    task = "2026-11-22-235900-publish-production"
    paused = _write(task, RUN, start)
    final = _write(task, RUN, start, status="success", completed_at=start + timedelta(minutes=3))
    assert (paused.parent.name, final.parent.name) == ("2026-11-22", "2026-11-23")
    assert find_result_file(NoLogs(), _run(RUN, start)) == final


def test_the_flows_file_before_one_result_assembled(results: Path) -> None:
    start = datetime(2026, 11, 22, 3, 57, tzinfo=UTC)
    assembled = _write(f"run-{RUN}", RUN, start)
    flows = _write("2026-11-22-035708-publish-production", RUN, start)
    assert assembled.parent == flows.parent
    assert find_result_file(NoLogs(), _run(RUN, start)) == flows


def test_unknown_run_finds_nothing(results: Path) -> None:
    start = datetime(2026, 11, 22, 3, 57, tzinfo=UTC)
    _write("2026-11-22-035500-publish-production", OTHER, start)
    assert find_result_file(NoLogs(), _run(RUN, start)) is None
    assert find_result_file(NoLogs(), _run(RUN, start, task_id="no-such-task")) is None


def test_task_id_parameter_wins(results: Path) -> None:
    start = datetime(2026, 11, 22, 3, 57, tzinfo=UTC)
    named = _write("2026-11-22-1500-hugo-deploy-staging", OTHER, start)
    found = find_result_file(
        NoLogs(), _run(RUN, start, task_id="2026-11-22-1500-hugo-deploy-staging")
    )
    assert found == named


class Logs(NoLogs):
    def __init__(self, *paths: Path) -> None:
        self.lines = [{"message": f"result file: {p}"} for p in paths]

    def request(self, method: str, path: str, json: Any = None) -> list:
        super().request(method, path, json)
        return self.lines if json["offset"] == 0 else []


def test_the_last_file_the_log_names(results: Path) -> None:
    start = datetime(2026, 11, 22, 23, 59, tzinfo=UTC)
    task = "2026-11-22-235900-publish-production"
    paused = _write(task, RUN, start)
    final = _write(task, RUN, start, status="success", completed_at=start + timedelta(minutes=3))
    assert find_result_file(Logs(paused, final), _run(RUN, start)) == final
    final.unlink()  # a path in the log that is gone is skipped
    assert find_result_file(Logs(paused, final), _run(RUN, start)) == paused
