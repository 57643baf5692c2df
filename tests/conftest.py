"""Shared fixtures: real parts only — a real Prefect server, moto over HTTP, the pinned Hugo.

Prefect reads its settings when it is imported, so the API URL and a private
PREFECT_HOME are fixed here, at conftest import, before any test module can
import Prefect. The server itself starts lazily, once per session, only for
tests that ask for it (about 15–25 s: migrations on a fresh database, SQLite or, as
scripts/test.sh runs it, PostgreSQL).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres import Cluster, cluster_from_env, fresh_database, start_cluster
from tests.support import EXAMPLE_SITE, ROOT, free_port, wait_until

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's access log drowns test output

BUCKETS = ("hugopipe-example-dev", "hugopipe-example-staging", "hugopipe-example-production")


_SESSION_DIR = Path(tempfile.mkdtemp(prefix="hugopipe-tests-"))
_PREFECT_PORT = free_port()
os.environ.update(
    {
        "PREFECT_HOME": str(_SESSION_DIR / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{_PREFECT_PORT}/api",
        "PREFECT_UI_URL": f"http://127.0.0.1:{_PREFECT_PORT}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-not-real",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "HUGOPIPE_RESULTS_DIR": str(_SESSION_DIR / "results"),
        "HUGOPIPE_TASKS_DIR": str(_SESSION_DIR / "tasks"),
        # the approvals log lives with the serving process; the tests' one is the session's
        "HUGOPIPE_APPROVALS_LOG": str(_SESSION_DIR / "approvals.jsonl"),
        # paths from task files and flow parameters must stay inside the workspace
        # (hugopipe.workspace): the tests' sites live in temporary folders
        "HUGOPIPE_WORKSPACE": os.pathsep.join([str(ROOT), tempfile.gettempdir()]),
    }
)


def _stop(proc: subprocess.Popen, grace: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def public_read_policy(bucket: str) -> str:
    """Static-site buckets are world-readable, as an S3 website origin is; verify GETs anonymously."""
    import json

    statement = {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A PostgreSQL server: the one ``HUGOPIPE_TEST_DB`` names, else a private one (tests/postgres.py)."""
    cluster = cluster_from_env() or start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def prefect_database(request: pytest.FixtureRequest) -> str | None:
    """The session server's database: SQLite (None) unless ``HUGOPIPE_TEST_DB`` selects PostgreSQL.

    scripts/test.sh runs every test with ``HUGOPIPE_TEST_DB=postgres``, then the tests
    marked ``sqlite`` a second time on SQLite, the demo's database.
    """
    if os.environ.get("HUGOPIPE_TEST_DB", "sqlite").strip().lower() in ("", "sqlite"):
        return None
    return fresh_database(request.getfixturevalue("pg_cluster"))


@pytest.fixture(scope="session")
def prefect_server(prefect_database: str | None) -> Iterator[str]:
    """A real ``prefect server start`` (SQLite, or PostgreSQL by ``HUGOPIPE_TEST_DB``) on a free
    port; yields the API URL."""
    api = os.environ["PREFECT_API_URL"]
    log = open(_SESSION_DIR / "prefect-server.log", "w")  # noqa: SIM115
    env = dict(
        os.environ,
        PREFECT_UI_API_URL=api,
        PREFECT_SERVER_API_PORT=str(_PREFECT_PORT),
        # SQLite takes one writer at a time, and every background service below writes on its
        # own loop. None of them is exercised here (no events are read, no automations, no
        # workers, no pause reaches its timeout, no run is left cancelling), and a CI run was
        # lost to a write lock held for over a minute while they ran (server log: "database is
        # locked" in the task run recorder, then every API call timing out). Kept: the task run
        # recorder (``hugopipe retries`` reads task runs) and the repossessor (production
        # deploys hold a concurrency lease).
        PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED="false",
        PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED="false",
        PREFECT_SERVER_SERVICES_FOREMAN_ENABLED="false",
        PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED="false",
        PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED="false",
        PREFECT_SERVER_SERVICES_CLEANUP_RECONCILER_ENABLED="false",
    )
    if prefect_database:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = prefect_database
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(_PREFECT_PORT),
            # tests start runs on demand: no scheduler or late-run writes competing for SQLite
            "--no-scheduler",
            "--no-late-runs",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(
                f"prefect server exited: {(_SESSION_DIR / 'prefect-server.log').read_text()[-2000:]}"
            )
        try:
            return httpx.get(f"{api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 180, "the Prefect server to answer /api/health")
    yield api
    _stop(proc)
    log.close()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in server mode, spoken to over real HTTP like any S3-compatible endpoint."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint: str):
    """A boto3 S3 client of moto; its own test keys, so a test that plants other keys in the
    environment (the secret scan) does not change the fixture's client."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def copy_site(dest: Path) -> Path:
    site = dest / "site"
    shutil.copytree(
        EXAMPLE_SITE,
        site,
        ignore=shutil.ignore_patterns(".hugopipe", "public", "resources", ".hugo_build.lock"),
    )
    return site


@pytest.fixture(scope="session")
def session_site() -> Path:
    """One copy of the example site shared by the served-deployment tests."""
    return copy_site(_SESSION_DIR)


@pytest.fixture(scope="session")
def served(prefect_server: str, moto_endpoint: str, session_site: Path) -> Iterator[dict]:
    """``deployments/serve.py`` running against the test server, moto and a copy of the example site.

    Test knobs in the worker's environment: approvals polled every second,
    retries after 1 s, and ``apply-deploy-dev`` failing twice with an injected
    transient fault (so ``retries`` has something to show). Staging and
    production are unaffected.
    """
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    env = dict(
        os.environ,
        HUGOPIPE_S3_ENDPOINT=moto_endpoint,
        HUGOPIPE_APPROVAL_POLL_SECONDS="1",
        HUGOPIPE_RETRY_DELAYS="1,1,1",
        HUGOPIPE_FAULT_INJECT="apply-deploy-dev=2",
        # each poll makes the server mark the deployments ready, a SQLite write: every 2 s,
        # not every second, halves that traffic for half a second more per run start
        PREFECT_RUNNER_POLL_FREQUENCY="2",
        HUGOPIPE_INTAKE_SECONDS="0.5",
    )
    subprocess.run(
        [sys.executable, str(ROOT / "blocks" / "register.py")], env=env, check=True, cwd=ROOT
    )
    log = open(_SESSION_DIR / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "deployments" / "serve.py"), "--site", str(session_site)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )

    def deployment_ready() -> bool:
        if proc.poll() is not None:
            raise AssertionError(
                f"serve.py exited: {(_SESSION_DIR / 'serve.log').read_text()[-3000:]}"
            )
        from hugopipe.flows_registry import FLOWS

        # every deployment, not only publish: the intake starts task-file runs at once
        return all(
            httpx.get(f"{prefect_server}/deployments/name/{spec.label}", timeout=2).status_code
            == 200
            for spec in FLOWS
        )

    wait_until(deployment_ready, 120, "serve.py to register every deployment")
    yield {
        "api": prefect_server,
        "endpoint": moto_endpoint,
        "site": session_site,
        "s3": s3,
        "log": _SESSION_DIR / "serve.log",
        "serve_pid": proc.pid,
    }
    _stop(proc)
    log.close()
