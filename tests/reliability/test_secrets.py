"""Secret scan: planted fake keys and tokens never appear in anything hugopipe writes or prints.

Commands: every CLI command that runs without a Prefect server is run with fake AWS,
Anthropic, GitHub and Prefect secrets in its environment, on success and on failure;
its stdout, stderr, every file it wrote (results, ``.hugopipe/``, ``public/``) and every
object in the bucket are scanned. Flows: the served ``publish`` and ``rollback`` flows run
with the session's AWS secret in the worker's environment and in the ``hugopipe-aws``
block; the CLI's output, the result files, the worker's log, the runs' logs and
artifacts in the Prefect API and the bucket are scanned.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .support import HUGOPIPE, bucket_objects, build, deploy_cmd, make_site, record

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PLANTED = {
    "AWS_SECRET_ACCESS_KEY": "planted/SECRET+aws+k3y+0123456789abcdefXYZ",
    "AWS_SESSION_TOKEN": "plantedSessionToken0123456789abcdefghijklmnop",
    "ANTHROPIC_API_KEY": "sk-ant-planted-0123456789abcdefghijklmnop",
    "GITHUB_TOKEN": "ghp_planted0123456789abcdefghijklmnopqrs",
    "HUGOPIPE_TEST_PASSWORD": "planted-password-0123456789",
}
#: what a leaked key looks like even when it is not one we planted
PATTERNS = [re.compile(r"AKIA[0-9A-Z]{16}"), re.compile(r"sk-ant-[A-Za-z0-9-]{20,}")]


def hits(text: str, secrets: list[str]) -> list[str]:
    found = [s for s in secrets if s in text]
    found += [m.group(0) for rx in PATTERNS for m in rx.finditer(text) if m.group(0) not in found]
    return found


def _scan_tree(root: Path, secrets: list[str], skip: set[Path]) -> tuple[int, list[str]]:
    n, found = 0, []
    for p in root.rglob("*"):
        if p.is_file() and p not in skip and not p.is_symlink():
            n += 1
            found += [f"{p}: {h}" for h in hits(p.read_bytes().decode("utf-8", "replace"), secrets)]
    return n, found


def test_no_command_prints_or_writes_a_secret(tmp_path, s3, bucket, moto_endpoint):
    ws = tmp_path / "ws"
    site = make_site(ws / "site", moto_endpoint, bucket, posts=2)
    (site / "hugopipe.toml").write_text('[environments.dev]\ntarget = "dev"\n')
    build(site)
    inputs = {p for p in ws.rglob("*") if p.is_file()}
    env = {
        **os.environ,
        **PLANTED,
        "AWS_ACCESS_KEY_ID": "testing",
        "HUGOPIPE_WORKSPACE": str(ws),
        "HUGOPIPE_RESULTS_DIR": str(ws / "results"),
        "PREFECT_API_URL": "http://127.0.0.1:9/api",  # no server: the commands that need one fail
        "PREFECT_API_KEY": "pnu_planted0123456789abcdefghijklmnopqrstu",
    }
    secrets = [*PLANTED.values(), env["PREFECT_API_KEY"]]
    task = ws / "task.md"
    task.write_text(
        f"---\ntask_id: secret-scan\ntask_type: hugo-build\nparams:\n  site_path: {site}\n---\nbuild\n"
    )
    ep = moto_endpoint
    commands = [
        deploy_cmd(site, ep)[1:],
        deploy_cmd(site, ep, "--json")[1:],
        deploy_cmd(site, ep, "--dry-run", "--force")[1:],
        deploy_cmd(site, "http://127.0.0.1:9")[1:],  # unreachable
        ["plan", "--site", str(site), "--env", "dev", "--public", str(site / "public"), "--endpoint-url", ep, "--json"],
        ["rollback", "--site", str(site), "--env", "dev", "--list", "--json", "--endpoint-url", ep],
        ["validate", "--site", str(site), "--env", "dev", "--json"],
        ["submit", str(task), "--json"],
        ["doctor", "--json"],
        ["status", "00000000-0000-0000-0000-000000000000", "--json"],
        ["retries", "00000000-0000-0000-0000-000000000000"],
        ["result", "00000000-0000-0000-0000-000000000000"],
        ["run", "publish", "--env", "dev", "--json"],
        ["runs", "--json"],
        ["result", "--latest", "--json"],
        ["approvals", "verify", "--json"],
        ["--help"],
    ]  # fmt: skip
    outputs, found = 0, []
    for argv in commands:
        proc = subprocess.run(
            [HUGOPIPE, *argv], capture_output=True, text=True, env=env, cwd=ws, timeout=300
        )
        outputs += 2
        found += [f"{argv[0]} stdout/stderr: {h}" for h in hits(proc.stdout + proc.stderr, secrets)]
    files, in_files = _scan_tree(ws, secrets, inputs)
    objects = bucket_objects(s3, bucket)
    in_bucket = [
        f"s3 {k}: {h}"
        for k, b in objects.items()
        for h in hits(b.decode("utf-8", "replace"), secrets)
    ]
    found += in_files + in_bucket
    record(
        "secrets_commands",
        commands=len(commands),
        outputs_scanned=outputs + files + len(objects),
        secrets_found=len(found),
    )
    assert found == []


@pytest.mark.server
def test_no_flow_run_leaks_the_block_or_worker_secret(served):
    import httpx

    from tests.support import hugopipe

    secret = os.environ["AWS_SECRET_ACCESS_KEY"]  # in the worker's env and the hugopipe-aws block
    assert len(secret) >= 12
    secrets = [secret]
    found: list[str] = []
    runs = []
    outputs = 0
    for argv in (
        ["run", "publish", "--env", "dev", "--site", str(served["site"]), "--wait", "--json"],
        ["run", "rollback", "--env", "dev", "--wait", "--json"],
    ):
        proc = hugopipe(*argv, timeout=600)
        outputs += 2
        found += [f"{argv[1]} output: {h}" for h in hits(proc.stdout + proc.stderr, secrets)]
        m = re.search(r'"flow_run_id":\s*"([0-9a-f-]{36})"', proc.stdout) or re.search(
            r'"id":\s*"([0-9a-f-]{36})"', proc.stdout
        )
        if m:
            runs.append(m.group(1))
    api = served["api"]
    for run_id in runs:
        logs = httpx.post(
            f"{api}/logs/filter", json={"logs": {"flow_run_id": {"any_": [run_id]}}}
        ).json()
        arts = httpx.post(
            f"{api}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}}
        ).json()
        outputs += len(logs) + len(arts)
        found += [f"log: {h}" for lg in logs for h in hits(str(lg.get("message")), secrets)]
        found += [f"artifact: {h}" for a in arts for h in hits(str(a.get("data")), secrets)]
    n_results, in_results = _scan_tree(Path(os.environ["HUGOPIPE_RESULTS_DIR"]), secrets, set())
    found += in_results + [f"serve.log: {h}" for h in hits(served["log"].read_text(), secrets)]
    objects = bucket_objects(served["s3"], "hugopipe-example-dev")
    found += [
        f"s3 {k}: {h}"
        for k, b in objects.items()
        for h in hits(b.decode("utf-8", "replace"), secrets)
    ]
    record(
        "secrets_flows",
        flow_runs=len(runs),
        outputs_scanned=outputs + n_results + 1 + len(objects),
        secrets_found=len(found),
    )
    assert runs, "no flow run was started"
    assert found == []
