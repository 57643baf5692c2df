"""A production set-up with a boundary: an S3 endpoint that enforces IAM, two identities, and a
serving process that alone holds the production identity and the approval key.

- moto in server mode (its own process), set up with IAM enforcement off, then switched on
  through moto's ``/moto-api/reset-auth`` (the ``INITIAL_NO_AUTH_ACTION_COUNT`` setting): from
  then on every S3 request is checked against the IAM user's policies.
- ``agent``: the agent's shell. ``s3:*`` on the dev and staging buckets, read-only on
  production (reading a production object is routine). ``worker``: ``s3:*`` everywhere.
- A Prefect server of its own (so its ``serve.py`` does not compete with the session's for
  the same deployment names), and ``serve.py`` whose ordinary AWS variables are the
  *agent's* (staging runs use them) and whose ``HUGOPIPE_PRODUCTION_AWS_*`` are the worker's;
  ``HUGOPIPE_APPROVAL_KEY_FILE`` names a 0600 key file outside the repository.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import ROOT, free_port, wait_until

ENVS = ("dev", "staging", "production")
BUCKET = "hugopipe-example-{}"


def _policy(statements: list[dict]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _arns(env: str) -> list[str]:
    b = BUCKET.format(env)
    return [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]


POLICIES = {
    "agent": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": _arns("dev") + _arns("staging")},
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"],
            "Resource": _arns("production"),
        },
    ],
    "worker": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@dataclass
class Secure:
    endpoint: str
    keys: dict[str, tuple[str, str]]
    api: str = ""
    site: Path = Path()
    secret: str = ""
    env: dict[str, str] = field(default_factory=dict)  # the agent's shell
    log: Path = Path()
    approvals_log: Path = Path()

    def s3(self, who: str):
        import boto3

        key, secret = self.keys[who]
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
        )

    def aws_env(self, who: str) -> dict[str, str]:
        key, secret = self.keys[who]
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}

    def production_keys(self) -> set[str]:
        """Every object key (all versions) in the production bucket, read as the worker."""
        s3 = self.s3("worker")
        out: set[str] = set()
        for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=BUCKET.format("production")
        ):
            out |= {f"{v['Key']}@{v['VersionId']}" for v in page.get("Versions", [])}
            out |= {f"{m['Key']}@{m['VersionId']}" for m in page.get("DeleteMarkers", [])}
        return out


@contextmanager
def iam_endpoint(tmp: Path) -> Iterator[Secure]:
    """moto's S3 + IAM, enforcing the policies above once set up."""
    import boto3

    port = free_port()
    log = open(tmp / "moto.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return httpx.get(f"{endpoint}/moto-api/", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 60, "moto's server to answer")
        root = {
            "endpoint_url": endpoint,
            "region_name": "us-east-1",
            "aws_access_key_id": "setup",
            "aws_secret_access_key": "setup",
        }
        s3, iam = boto3.client("s3", **root), boto3.client("iam", **root)
        for env in ENVS:
            s3.create_bucket(Bucket=BUCKET.format(env))
            s3.put_bucket_versioning(
                Bucket=BUCKET.format(env), VersioningConfiguration={"Status": "Enabled"}
            )
        keys = {}
        for user, statements in POLICIES.items():
            iam.create_user(UserName=user)
            iam.put_user_policy(
                UserName=user, PolicyName=f"{user}-s3", PolicyDocument=_policy(statements)
            )
            k = iam.create_access_key(UserName=user)["AccessKey"]
            keys[user] = (k["AccessKeyId"], k["SecretAccessKey"])
        # from now on every request is authenticated and authorised against IAM
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
        yield Secure(endpoint=endpoint, keys=keys)
    finally:
        stop(proc)
        log.close()


def secure_site(dest: Path) -> Path:
    """The example site without verify URLs: moto answers an anonymous GET with a 500 once
    IAM is enforced, so the verify stage would fail after a deploy that worked."""
    from tests.conftest import copy_site

    site = copy_site(dest)
    toml = site / "hugopipe.toml"
    toml.write_text(re.sub(r"(?m)^verify_(url|paths) = .*\n", "", toml.read_text()))
    return site


@contextmanager
def served(sec: Secure, tmp: Path) -> Iterator[Secure]:
    """A Prefect server and ``serve.py`` for ``sec``: the worker's identity and the key only there."""
    from hugopipe.approval import totp

    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "PREFECT_", "HUGOPIPE_PRODUCTION_"))
    }
    prefect = {
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_API_URL": api,
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    }
    region = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    agent = {
        **base,
        **prefect,
        **region,
        **sec.aws_env("agent"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HUGOPIPE_S3_ENDPOINT": sec.endpoint,
    }
    sec.api, sec.env = api, agent
    sec.site = secure_site(tmp)
    sec.secret = totp.new_secret()
    key_file = tmp / "worker-home" / "approval-key"
    totp.write_key_file(key_file, sec.secret)
    sec.approvals_log = tmp / "worker-home" / "approvals.jsonl"
    server_log = open(tmp / "prefect-server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-scheduler",
            "--no-late-runs",
        ],
        stdout=server_log,
        stderr=subprocess.STDOUT,
        env={
            **base,
            **prefect,
            "PREFECT_UI_API_URL": api,
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_CLEANUP_RECONCILER_ENABLED": "false",
        },
        start_new_session=True,
    )
    serve = None
    serve_log = open(tmp / "serve.log", "w")  # noqa: SIM115
    sec.log = tmp / "serve.log"
    try:

        def healthy() -> bool:
            assert server.poll() is None, (tmp / "prefect-server.log").read_text()[-2000:]
            try:
                return httpx.get(f"{api}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 180, "the second Prefect server")
        # the block holds the agent's (staging-only) keys: anything with API access reads it
        subprocess.run(
            [sys.executable, str(ROOT / "blocks" / "register.py")], env=agent, check=True, cwd=ROOT
        )
        wk, ws = sec.keys["worker"]
        worker = {
            **agent,
            "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID": wk,
            "HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY": ws,
            "HUGOPIPE_APPROVAL_KEY_FILE": str(key_file),
            "HUGOPIPE_APPROVALS_LOG": str(sec.approvals_log),
            "HUGOPIPE_APPROVAL_POLL_SECONDS": "1",
            "HUGOPIPE_RETRY_DELAYS": "1,1,1",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
            "HUGOPIPE_INTAKE_SECONDS": "0.5",
            "HUGOPIPE_RESULTS_DIR": str(tmp / "results"),
            "HUGOPIPE_TASKS_DIR": str(tmp / "tasks"),
        }
        serve = subprocess.Popen(
            [sys.executable, str(ROOT / "deployments" / "serve.py"), "--site", str(sec.site)],
            stdout=serve_log,
            stderr=subprocess.STDOUT,
            env=worker,
            cwd=ROOT,
            start_new_session=True,
        )

        def ready() -> bool:
            assert serve.poll() is None, sec.log.read_text()[-3000:]
            r = httpx.get(f"{api}/deployments/name/publish/site", timeout=2)
            return r.status_code == 200

        wait_until(ready, 120, "serve.py to register the publish deployment")
        yield sec
    finally:
        if serve is not None:
            stop(serve)
        stop(server)
        serve_log.close()
        server_log.close()
