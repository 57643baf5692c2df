"""Under the parallel load that made the SQLite-backed server lock, PostgreSQL answers every call.

bench/db_load_bench.py runs the same load against SQLite and PostgreSQL and reports both.
"""

from __future__ import annotations

import pytest

from tests.fleet.load import run_load
from tests.fleet.pool import PoolServer

pytestmark = [pytest.mark.slow, pytest.mark.workers]


def test_parallel_flow_runs_and_reads_on_postgresql_meet_no_error(
    pool_server: PoolServer,
) -> None:
    report = run_load(pool_server.api, pool_server.env(), processes=4, flows_each=2)
    assert report.completed == report.flow_runs == 8, report.process_failures
    assert report.reads > 0 and not report.read_errors, report.read_errors[:10]
    log = pool_server.log("server")
    assert "database is locked" not in log and " 503 " not in log
    assert "Traceback" not in log, log[-3000:]
