"""SQLite against PostgreSQL under parallel load: errors and read latency on each.

The same load as tests/fleet/test_db_load.py (tests/fleet/load.py: processes running
flows of concurrent tasks while reader threads poll the API), against a Prefect server
on SQLite and one on a private PostgreSQL cluster (tests/postgres.py), every server
service on, as ``prefect server start`` runs by default.

Reproduce: ``uv run python bench/db_load_bench.py --processes 8 --write``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "Prefect's database under parallel load (issue 21)"


def main() -> None:
    from bench.e2e_bench import replace_section
    from tests.fleet.load import run_load
    from tests.fleet.pool import PoolServer
    from tests.postgres import fresh_database, start_cluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--flows", type=int, default=3, help="flow runs per process")
    parser.add_argument("--tasks", type=int, default=10, help="concurrent tasks per flow run")
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--write", action="store_true", help=f"update '## {SECTION}'")
    args = parser.parse_args()

    cluster = start_cluster(durable=True)
    rows = []
    try:
        for db in ("sqlite", "postgresql"):
            home = Path(tempfile.mkdtemp(prefix=f"hugopipe-load-{db}-"))
            url = (
                f"sqlite+aiosqlite:///{home / 'prefect.db'}"
                if db == "sqlite"
                else fresh_database(cluster)
            )
            server = PoolServer(url, home=home)
            try:
                server.start()
                r = run_load(
                    server.api, server.env(), args.processes, args.flows, args.tasks, args.readers
                )
                log = server.log("server")
                rows.append(
                    f"| {db} | {r.completed}/{r.flow_runs} | {len(r.process_failures)} "
                    f"| {r.reads} | {len(r.read_errors)} | {r.p95_read():.2f} s "
                    f"| {log.count('database is locked')} | {r.wall:.0f} s |"
                )
                print(rows[-1], file=sys.stderr)
            finally:
                server.stop()
    finally:
        cluster.stop()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    body = "\n".join(
        [
            f"Measured {datetime.now():%Y-%m-%d %H:%M} on {machine}: {args.processes} processes "
            f"× {args.flows} flow runs of {args.tasks} concurrent tasks, {args.readers} reader "
            "threads polling flow runs, task runs and /health meanwhile; every server service on.",
            "",
            "| database | runs completed | failed processes | API reads | reads answered 5xx "
            "or failed | read p95 | 'database is locked' in the server log | wall |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Reproduce: `uv run python bench/db_load_bench.py --processes {args.processes} "
            "--write`",
        ]
    )
    print(body)
    if args.write:
        DOC.write_text(replace_section(DOC.read_text(), SECTION, body))


if __name__ == "__main__":
    main()
