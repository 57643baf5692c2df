"""A Prefect server with its event services, and a serve process these tests may restart.

The session server (tests/conftest.py) turns off the services that automations and
pause expiry need (triggers and actions, pause expirations), and its serve process is
shared by every other served test. Waiting runs, notifications, restarts and expiry
need both, so this package has its own: a second ``prefect server start`` with its
default services, a webhook receiver on loopback (the notification block posts to it),
its own buckets on the session's moto, and ``deployments/serve.py`` started and
restarted by the tests. The CLI is run with this server's address.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import _stop, public_read_policy
from tests.support import EXAMPLE_SITE, ROOT, free_port, wait_until

BUCKETS = ("hugopipe-life-dev", "hugopipe-life-staging", "hugopipe-life-production")


class Receiver:
    """A webhook on loopback that keeps every JSON body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    received.append(json.loads(raw or b"{}"))
                except ValueError:
                    received.append({"raw": raw.decode("utf-8", "replace")})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def about(self, run_id: str) -> list[dict]:
        return [b for b in self.bodies if run_id in json.dumps(b)]


class Life:
    """The server, the site, and the serve process (restartable)."""

    def __init__(self, root: Path, endpoint: str, receiver: Receiver) -> None:
        self.root = root
        self.port = free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.receiver = receiver
        self.endpoint = endpoint
        self.env = dict(
            os.environ,
            PREFECT_API_URL=self.api,
            PREFECT_UI_URL=f"http://127.0.0.1:{self.port}",
            PREFECT_UI_API_URL=self.api,
            PREFECT_HOME=str(root / "prefect"),
            PREFECT_SERVER_API_PORT=str(self.port),
            HUGOPIPE_S3_ENDPOINT=endpoint,
            HUGOPIPE_RESULTS_DIR=str(root / "results"),
            HUGOPIPE_TASKS_DIR=str(root / "tasks"),
            HUGOPIPE_INTAKE_SECONDS="0.5",
            HUGOPIPE_NOTIFY_BLOCK="life-notify",
            PREFECT_RUNNER_POLL_FREQUENCY="1",
        )
        self.env.pop("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS", None)
        self.serve_proc: subprocess.Popen | None = None
        self.server_proc: subprocess.Popen | None = None

    def start_server(self) -> None:
        self.server_log = open(self.root / "prefect-server.log", "w")  # noqa: SIM115
        self.server_proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-scheduler", "--no-late-runs"],
            stdout=self.server_log, stderr=subprocess.STDOUT, env=self.env,
            start_new_session=True,
        )  # fmt: skip

        def healthy() -> bool:
            assert self.server_proc is not None and self.server_proc.poll() is None, (
                self.root / "prefect-server.log"
            ).read_text()[-2000:]
            try:
                return httpx.get(f"{self.api}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 180, "the lifecycle Prefect server")

    def python(self, code: str) -> str:
        """Run ``code`` in a Python process that talks to this server."""
        proc = subprocess.run(
            [sys.executable, "-c", code], env=self.env, cwd=ROOT, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    def start_serve(self, site: Path) -> None:
        """Start ``deployments/serve.py`` and wait until the publish deployment is served."""
        log = open(self.root / "serve.log", "a")  # noqa: SIM115
        self.serve_proc = subprocess.Popen(
            [sys.executable, str(ROOT / "deployments" / "serve.py"), "--site", str(site)],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip

        def ready() -> bool:
            assert self.serve_proc is not None and self.serve_proc.poll() is None, (
                self.root / "serve.log"
            ).read_text()[-3000:]
            r = httpx.get(f"{self.api}/deployments/name/publish/site", timeout=2)
            return r.status_code == 200 and "ask_a_person" in r.text

        wait_until(ready, 120, "serve.py to serve the publish deployment")

    def stop_serve(self) -> None:
        if self.serve_proc is not None:
            _stop(self.serve_proc)
            self.serve_proc = None

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        exe = Path(sys.executable).with_name("hugopipe")
        return subprocess.run(
            [str(exe), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
            env=self.env,
        )  # fmt: skip

    def run(self, run_id: str) -> dict:
        return httpx.get(f"{self.api}/flow_runs/{run_id}", timeout=10).json()

    def state(self, run_id: str) -> tuple[str, str]:
        s = self.run(run_id)["state"]
        return s["type"], s["name"]

    def wait_state(self, run_id: str, types: set[str], timeout: float = 240) -> str:
        return wait_until(
            lambda: self.state(run_id)[0] if self.state(run_id)[0] in types else None,
            timeout,
            f"run {run_id} to reach {sorted(types)}",
        )

    def stop(self) -> None:
        self.stop_serve()
        if self.server_proc is not None:
            _stop(self.server_proc)
            self.server_log.close()


def life_site(dest: Path, toml_extra: str = "") -> Path:
    """A copy of the example site deploying to this package's buckets; ``toml_extra`` is
    appended to its ``[environments.staging]`` table."""
    site = dest / "site"
    shutil.copytree(
        EXAMPLE_SITE,
        site,
        ignore=shutil.ignore_patterns(".hugopipe", "public", "resources", ".hugo_build.lock"),
    )
    for rel in ("config/_default/hugo.toml", "hugopipe.toml"):
        path = site / rel
        path.write_text(path.read_text().replace("hugopipe-example-", "hugopipe-life-"))
    if toml_extra:
        cfg = site / "hugopipe.toml"
        text = cfg.read_text()
        marker = "[environments.production]"
        cfg.write_text(text.replace(marker, toml_extra.strip() + "\n\n" + marker, 1))
    return site


@pytest.fixture(scope="session")
def life(moto_endpoint: str) -> Iterator[Life]:
    import boto3

    root = Path(tempfile.mkdtemp(prefix="hugopipe-life-"))
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    receiver = Receiver()
    life = Life(root, moto_endpoint, receiver)
    life.start_server()
    try:
        subprocess.run(
            [sys.executable, str(ROOT / "blocks" / "register.py")], env=life.env, check=True,
            cwd=ROOT,
        )  # fmt: skip
        life.python(
            "from prefect.blocks.notifications import CustomWebhookNotificationBlock as C\n"
            f"C(name='life', url={receiver.url!r}, allow_private_urls=True,"
            " json_data={'subject': '{{subject}}', 'body': '{{body}}'}).save('life-notify')\n"
        )
        life.s3 = s3  # type: ignore[attr-defined]
        yield life
    finally:
        life.stop()
        receiver.server.shutdown()
