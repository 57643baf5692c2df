"""Credentials are the boundary: the endpoint, not hugopipe, refuses the agent's production writes.

Real HTTP to moto's S3 server with IAM enforced (tests/approval/secure.py): the agent's
identity may write dev and staging and read production; only the worker's may write
production. ``credentials.write_probe`` and ``hugopipe doctor`` tell the two apart without
writing anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hugopipe import credentials
from tests.approval.secure import BUCKET, Secure, iam_endpoint, secure_site
from tests.support import ROOT, free_port

pytestmark = [pytest.mark.slow]
PROD = BUCKET.format("production")


@pytest.fixture(scope="module")
def iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    with iam_endpoint(tmp_path_factory.mktemp("iam")) as sec:
        sec.s3("worker").put_object(Bucket=PROD, Key="index.html", Body=b"<h1>live</h1>")
        yield sec


def test_the_endpoint_refuses_the_agents_production_write(iam: Secure) -> None:
    import botocore.exceptions

    agent = iam.s3("agent")
    before = iam.production_keys()
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        agent.put_object(Bucket=PROD, Key="index.html", Body=b"<h1>defaced</h1>")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # routine work still works: staging writes, production reads
    agent.put_object(Bucket=BUCKET.format("staging"), Key="index.html", Body=b"staging")
    assert agent.get_object(Bucket=PROD, Key="index.html")["Body"].read() == b"<h1>live</h1>"
    assert iam.production_keys() == before


def test_write_probe_tells_the_identities_apart_and_writes_nothing(iam: Secure) -> None:
    before = iam.production_keys()
    writable, seen = credentials.write_probe(iam.s3("agent"), PROD, ".hugopipe/probe")
    assert writable is False and "AccessDenied" in seen
    writable, seen = credentials.write_probe(iam.s3("worker"), PROD, ".hugopipe/probe")
    assert writable is True and "NoSuchKey" in seen
    # an existing key: stopped by the precondition, the object is untouched
    writable, seen = credentials.write_probe(iam.s3("worker"), PROD, "index.html")
    assert writable is True and "PreconditionFailed" in seen
    assert iam.production_keys() == before
    body = iam.s3("worker").get_object(Bucket=PROD, Key="index.html")["Body"].read()
    assert body == b"<h1>live</h1>"


def _doctor(iam: Secure, site: Path, **env: str) -> tuple[int, dict]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HUGOPIPE_PRODUCTION_"))
    }
    proc = subprocess.run(
        [sys.executable, "-m", "hugopipe.cli.main", "doctor", "--site", str(site), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={
            **clean,
            "AWS_REGION": "us-east-1",
            "HUGOPIPE_S3_ENDPOINT": iam.endpoint,
            "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",  # no server: not needed here
            **env,
        },
    )
    return proc.returncode, json.loads(proc.stdout)


def test_doctor_warns_when_this_shell_can_write_production(iam: Secure, tmp_path: Path) -> None:
    site = secure_site(tmp_path)
    _, agent = _doctor(iam, site, **iam.aws_env("agent"))
    checks = {c["name"]: c for c in agent["checks"]}
    assert checks["write production"]["ok"] is True, checks["write production"]
    assert "cannot write" in checks["write production"]["detail"]
    assert "production-credentials" not in checks

    _, worker = _doctor(iam, site, **iam.aws_env("worker"))
    checks = {c["name"]: c for c in worker["checks"]}
    assert checks["write production"]["ok"] is False
    assert "CAN write" in checks["write production"]["detail"]
    assert "staging-only" in checks["write production"]["fix"]

    wk, ws = iam.keys["worker"]
    _, holder = _doctor(
        iam,
        site,
        **iam.aws_env("agent"),
        HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID=wk,
        HUGOPIPE_PRODUCTION_AWS_SECRET_ACCESS_KEY=ws,
    )
    checks = {c["name"]: c for c in holder["checks"]}
    assert checks["production-credentials"]["ok"] is False
    assert "HUGOPIPE_PRODUCTION_AWS_ACCESS_KEY_ID" in checks["production-credentials"]["detail"]
    assert wk not in json.dumps(holder) and ws not in json.dumps(holder)  # names, never values
