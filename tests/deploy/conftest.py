"""Helpers to make buckets, distributions, targets and sites on the session's moto server
(``moto_endpoint`` and ``s3`` are tests/conftest.py's)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import boto3
import pytest

from hugopipe.deploy import DeployTarget, Matcher

logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture
def bucket(s3) -> str:
    name = "t-" + uuid.uuid4().hex[:12]
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def create_distribution(endpoint: str, bucket: str) -> str:
    cf = boto3.client(
        "cloudfront",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    r = cf.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "o1",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "OriginPath": "",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "o1",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    return r["Distribution"]["Id"]


def invalidations(endpoint: str, dist: str) -> list[list[str]]:
    """Paths of each invalidation sent to ``dist``, oldest first."""
    cf = boto3.client(
        "cloudfront",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    items = cf.list_invalidations(DistributionId=dist)["InvalidationList"].get("Items", [])
    out = []
    for it in items:
        inv = cf.get_invalidation(DistributionId=dist, Id=it["Id"])["Invalidation"]
        out.append(inv["InvalidationBatch"]["Paths"].get("Items", []))
    return out


def make_target(bucket: str, endpoint: str, **kw) -> DeployTarget:
    fields = dict(
        name="dev",
        url=f"s3://{bucket}?endpoint={endpoint}&use_path_style=true&region=us-east-1",
        bucket=bucket,
        endpoint=endpoint,
        path_style=True,
        region="us-east-1",
        workers=4,
        matchers=[
            Matcher(
                pattern=r"^.+\.(js|css|svg|ttf)$",
                cachecontrol="max-age=31536000, no-transform, public",
                gzip=True,
            ),
            Matcher(
                pattern=r"^.+\.(png|jpg)$", cachecontrol="max-age=31536000, no-transform, public"
            ),
            Matcher(pattern=r"^.+\.(html|xml|json)$", gzip=True),
        ],
    )
    fields.update(kw)
    return DeployTarget(**fields)


SITE_FILES = {
    "index.html": "<html><body>home <a href=/posts/first/>first</a></body></html>",
    "posts/first/index.html": "<html>first post</html>",
    "posts/second/index.html": "<html>second post</html>",
    "posts/index.xml": "<rss>feed</rss>",
    "index.xml": "<rss>home feed</rss>",
    "sitemap.xml": "<urlset></urlset>",
    "css/site.css": "body{color:red}",
    "js/app.js": "console.log(1)",
    "js/mod.mjs": "export const a=1",
    "img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    "img/icon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "fonts/a.woff2": b"wOF2" + bytes(100),
    "doc/guide.pdf": b"%PDF-1.4 x",
    "robots.txt": "User-agent: *",
    "site.webmanifest": "{}",
    "data.json": '{"a":1}',
    "über uns/index.html": "<html>über</html>",
    "files/my report 2024.txt": "spaces",
}


def write_site(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, body in (files or SITE_FILES).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(body if isinstance(body, bytes) else body.encode())
    return root


class FaultProxy:
    """A loopback HTTP proxy in front of moto that answers 503 SlowDown to PUTs of chosen keys."""

    def __init__(self, upstream: str) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import unquote, urlsplit

        self.fail_keys: set[str] = set()
        self.failed: list[str] = []
        self.puts: list[str] = []  # keys in the order their PUTs arrived
        self.lock = threading.Lock()
        up = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = urlsplit(self.path).path
                key = unquote(path.split("/", 2)[2]) if path.count("/") >= 2 else ""
                if self.command == "PUT":
                    with proxy.lock:
                        proxy.puts.append(key)
                if self.command == "PUT" and key in proxy.fail_keys:
                    proxy.failed.append(key)
                    payload = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
                    self.send_response(503)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                conn.request(
                    self.command,
                    self.path,
                    body=body,
                    headers={k: v for k, v in self.headers.items()},
                )
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fault_proxy(moto_endpoint):
    proxy = FaultProxy(moto_endpoint)
    yield proxy
    proxy.close()
