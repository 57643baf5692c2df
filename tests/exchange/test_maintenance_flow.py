"""The nightly flow against moto and a real server, with every condition it must find planted.

Drift (an object edited in the bucket), a broken internal link, a stale in-progress
task, old result files, a due post, and an HTTPS server with a self-signed
certificate: each is reported, swept or archived, and the one artifact, the result
file and the notification say so.
"""

from __future__ import annotations

import json
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest

from hugopipe.results import ResultFile, results_root
from tests.conftest import copy_site
from tests.support import publish

pytestmark = [pytest.mark.slow, pytest.mark.server]


def self_signed(tmp: Path, days: int) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    crt, pem = tmp / "cert.pem", tmp / "key.pem"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return crt, pem


class Recorder(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # the "live site" behind HTTPS
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self) -> None:  # the webhook the notification block calls
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Recorder.received.append(body.decode())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def serve(server: HTTPServer) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"127.0.0.1:{server.server_address[1]}"


def test_nightly_maintenance_finds_and_tidies_everything(
    served: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from flows.maintenance import nightly_maintenance

    site = copy_site(tmp_path)
    code, out = publish(site, "staging")
    assert code == 0, out

    s3 = served["s3"]
    bucket = "hugopipe-example-staging"
    # the object as deployed (headers and metadata too), put back afterwards by version: the
    # bucket is shared with later tests, which must find exactly what the deploy wrote
    original = s3.head_object(Bucket=bucket, Key="index.html")["VersionId"]
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"<p>edited by hand</p>")
    blog = site / "content" / "blog"
    due_at = datetime.now(UTC).replace(microsecond=0)
    (blog / "due-post.md").write_text(
        f"---\ntitle: Due now\ndescription: A scheduled post whose publishDate just passed, "
        f"for the nightly report.\ndate: {due_at.isoformat()}\npublishDate: {due_at.isoformat()}\n"
        "---\nNow live.\n"
    )
    # a legacy static page: Hugo copies it as it is, so only the link check can see its link
    legacy = site / "static" / "legacy"
    legacy.mkdir(parents=True)
    (legacy / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Old</title></head>'
        '<body><a href="/no-such-page/">gone</a></body></html>'
    )
    tasks = tmp_path / "tasks"
    (tasks / "in-progress").mkdir(parents=True)
    stale = tasks / "in-progress" / "stale-task.md"
    stale.write_text(
        "---\ntask_type: hugo-build\nstatus: in-progress\n"
        f"params:\n  site_path: {site}\n"
        "flow_run_id: 00000000-0000-4000-8000-000000000000\n---\n"
    )
    old_day = results_root() / "2020-01-15"
    old_day.mkdir(parents=True, exist_ok=True)
    (old_day / "old.result.md").write_text(
        ResultFile(task_id="old", task_type="hugo-build", status="success").render()
    )

    crt, pem = self_signed(tmp_path, days=30)
    https = HTTPServer(("127.0.0.1", 0), Recorder)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, pem)
    https.socket = ctx.wrap_socket(https.socket, server_side=True)
    https_url = f"https://{serve(https)}/"
    hook = HTTPServer(("127.0.0.1", 0), Recorder)
    hook_url = f"http://{serve(hook)}/hook"
    block_name = f"notify-{tmp_path.name[-10:].lower().replace('_', '-')}"
    CustomWebhookNotificationBlock(
        name="test", url=hook_url, json_data={"text": "{{subject}}: {{body}}"}
    ).save(block_name, overwrite=True)

    monkeypatch.setenv("HUGOPIPE_S3_ENDPOINT", served["endpoint"])
    try:
        outputs = nightly_maintenance(
            site=str(site),
            environments=["staging", "production"],
            health_urls=[https_url],
            tasks_dir=str(tasks),
            archive_dir=str(tmp_path / "archive"),
            notify_block=block_name,
            task_grace_minutes=0,
        )
    finally:
        s3.copy_object(
            Bucket=bucket,
            Key="index.html",
            CopySource={"Bucket": bucket, "Key": "index.html", "VersionId": original},
            MetadataDirective="COPY",
        )
        https.shutdown()
        hook.shutdown()

    staging = outputs["staging"]
    assert "index.html" in {d["key"] for d in staging["drift"]}
    assert [d["page"] for d in staging["due_posts"]] == ["content/blog/due-post.md"]
    assert all(c["status"] == 200 for c in staging["health"]["checks"])
    assert outputs["production"]["links"]["errors"] >= 1
    assert any("no-such-page" in f for f in outputs["production"]["links"]["findings"])
    (extra,) = outputs["health"]["checks"]
    assert extra["status"] is None or extra["status"] == 200  # verification off only for TLS days
    assert 29 <= extra["tls_days_left"] <= 30 and extra["tls_trusted"] is False
    swept = outputs["sweep"]["swept"]
    assert any(s["name"] == "stale-task.md" and "no longer exists" in s["reason"] for s in swept)
    failed = (tasks / "failed" / "stale-task.md").read_text()
    assert "status: failed" in failed and "no longer exists" in failed
    assert "2020-01/results/2020-01-15/old.result.md" in outputs["archive"]["archived"]
    assert (tmp_path / "archive" / "2020-01" / "results" / "2020-01-15" / "old.result.md").is_file()
    assert isinstance(outputs["history"]["deleted_flow_runs"], int)

    needs = "\n".join(outputs["needs_attention"])
    for expected in ("index.html", "due-post.md", "validation error", "stale-task.md", https_url):
        assert expected in needs, (expected, needs)
    assert outputs["notification"] == f"sent through custom-webhook/{block_name}"
    assert any("stale-task.md" in body and "due-post.md" in body for body in Recorder.received)

    result = next(
        ResultFile.parse(p.read_text())
        for p in sorted(results_root().glob("*/*-maintenance.result.md"), reverse=True)
        if "stale-task.md" in p.read_text()
    )
    assert result.status == "failed" and result.outputs["needs_attention"]
    for expected in (
        "Drift",
        "due-post.md",
        "no-such-page",
        "stale-task.md",
        "days left",
        "old.result.md",
    ):
        assert expected in result.summary, expected
    artifacts = httpx.post(
        f"{served['api']}/artifacts/filter",
        json={"artifacts": {"flow_run_id": {"any_": [result.flow_run_id]}}},
    ).json()
    # one report (the shared build task's reports and the run link aside)
    shared = {"run-link", "build-staging", "build-production"}
    markdown = [a for a in artifacts if a["type"] == "markdown" and a["key"] not in shared]
    assert [a["key"] for a in markdown] == ["nightly-maintenance"]
    assert "stale-task.md" in markdown[0]["data"]
    assert json.loads(Recorder.received[-1])["text"].startswith("hugopipe: maintenance")
