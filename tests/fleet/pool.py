"""A PostgreSQL-backed Prefect server with a process work pool and real ``prefect worker``
processes, the way the README's "Growing beyond one machine" section runs them.

Used by the work-pool tests (tests/fleet/) and the fleet benchmark (bench/fleet_bench.py).
Every process gets its environment from ``env()``, so the API URL of this server never
leaks into the session's own (``PREFECT_API_URL`` in os.environ points at the session server).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import ROOT, free_port

BIN = Path(sys.executable).parent
POOL = "hugopipe"


def _stop(proc: subprocess.Popen, grace: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@dataclass
class PoolServer:
    """A Prefect server on ``database``; workers are added with ``start_worker``."""

    database: str
    home: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hugopipe-pool-")))
    port: int = field(default_factory=free_port)
    extra: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def env(self, **more: str) -> dict[str, str]:
        return dict(
            os.environ,
            PREFECT_HOME=str(self.home),
            PREFECT_API_URL=self.api,
            PREFECT_UI_URL=f"http://127.0.0.1:{self.port}",
            PREFECT_UI_API_URL=self.api,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            HUGOPIPE_ROOT=str(ROOT),
            **self.extra,
            **more,
        )

    def _spawn(self, name: str, cmd: list[str], env: Mapping[str, str]) -> subprocess.Popen:
        log = open(self.home / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=ROOT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def start(self, scheduler: bool = False) -> PoolServer:
        cmd = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port)]
        if not scheduler:
            cmd += ["--no-scheduler", "--no-late-runs"]
        proc = self._spawn(
            "server", cmd, self.env(PREFECT_API_DATABASE_CONNECTION_URL=self.database)
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"prefect server exited: {self.log('server')[-2000:]}")
            try:
                if httpx.get(f"{self.api}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError("the pool's Prefect server did not answer /api/health in 180 s")

    def prefect(self, *args: str, timeout: float = 300) -> str:
        """``prefect …`` against this server (the README's commands); fails loudly."""
        proc = subprocess.run(
            [str(BIN / "prefect"), "--no-prompt", *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"prefect {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def deploy_pool(self, *names: str) -> None:
        """The README's commands: the pool, the production slot, the blocks, then
        ``prefect deploy`` of prefect.yaml (``names``: those deployments only, else ``--all``)."""
        self.prefect("work-pool", "create", POOL, "--type", "process")
        self.prefect("gcl", "create", "deploy-production", "--limit", "1")
        subprocess.run(
            [sys.executable, str(ROOT / "blocks" / "register.py")],
            env=self.env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        self.prefect("deploy", *([f"--name={n}" for n in names] or ["--all"]))

    def start_worker(self, name: str, *queues: str, **env: str) -> subprocess.Popen:
        """A ``prefect worker`` polling ``queues`` of the pool (every queue when none)."""
        cmd = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name]
        cmd += [arg for q in queues for arg in ("--work-queue", q)]
        return self._spawn(name, cmd, self.env(PREFECT_WORKER_QUERY_SECONDS="1", **env))

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for proc in reversed(self.procs):
            _stop(proc)
        self.procs.clear()
        shutil.rmtree(self.home, ignore_errors=True)
