"""A throwaway PostgreSQL server for a PostgreSQL-backed Prefect server (tests and bench/).

Prefect's server takes its database from ``PREFECT_API_DATABASE_CONNECTION_URL``; SQLite
(the default) takes one writer at a time, PostgreSQL many. ``HUGOPIPE_TEST_DB`` selects
the database of the tests' Prefect servers:

* unset: SQLite, as before;
* ``postgres``: a private cluster from Debian's packages (``initdb`` in a temporary
  folder, its own port, ``trust`` auth on 127.0.0.1 only), stopped when the tests end;
* ``postgresql+asyncpg://user@host:port/db``: a server that is already running.

Each Prefect server gets a database of its own (``fresh_database``), so a test that
deploys to a work pool never sees the served deployments of another.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError(
        "PostgreSQL is not installed: run `apt-get install -y postgresql` (scripts/test.sh "
        "does when it runs as root), or set HUGOPIPE_TEST_DB to a running server's URL"
    )


@dataclass
class Cluster:
    """A running PostgreSQL server; ``url`` names its ``postgres`` database."""

    url: str
    data: Path | None = None  # set when this process started it (and must stop it)

    def stop(self) -> None:
        if self.data is None:
            return
        _as_postgres([str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"])
        shutil.rmtree(self.data.parent, ignore_errors=True)
        self.data = None


def _as_postgres(cmd: list[str]) -> None:
    """Run ``cmd`` as the ``postgres`` user when we are root: the server refuses to run as root."""
    if os.geteuid() == 0:
        # runuser lives in /usr/sbin, which a minimal PATH (CI, `env -i`) leaves out
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if Path(p).exists()), "runuser"
        )
        cmd = [runuser, "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def start_cluster(durable: bool = False) -> Cluster:
    """``initdb`` + ``pg_ctl start`` in a temporary folder on a free port.

    ``durable=False`` turns fsync off: a test database is thrown away, and on a loaded
    machine fsync would measure the disk, not the database's locking.
    """
    bindir = _bin_dir()
    base = Path(tempfile.mkdtemp(prefix="hugopipe-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    _as_postgres(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ]
    )
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    _as_postgres(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ]
    )
    return Cluster(url=f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", data=data)


def cluster_from_env() -> Cluster | None:
    """The cluster ``HUGOPIPE_TEST_DB`` names (None: SQLite); ``postgres`` starts one."""
    value = os.environ.get("HUGOPIPE_TEST_DB", "").strip()
    if not value or value.lower() == "sqlite":
        return None
    if value.lower() == "postgres":
        return start_cluster()
    if not value.startswith("postgresql"):
        raise RuntimeError(f"HUGOPIPE_TEST_DB={value!r}: expected postgres, sqlite or a URL")
    return Cluster(url=value)


def fresh_database(cluster: Cluster, prefix: str = "prefect") -> str:
    """Create an empty database on ``cluster``; its URL for PREFECT_API_DATABASE_CONNECTION_URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    base, _, _ = cluster.url.rpartition("/")
    dsn = cluster.url.replace("postgresql+asyncpg://", "postgresql://")

    async def create() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return f"{base}/{name}"
