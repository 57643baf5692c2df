"""Helpers of the reliability suite (issue 19): a small Hugo site, a fault proxy, the checks.

Every test module of the suite records its figures with :func:`record`; the report
script (``bench/reliability_report.py``) runs the suite with ``HUGOPIPE_RELIABILITY_DIR``
set and writes them into ``docs/reliability.md``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from hugopipe.deploy.links import missing, page_refs

BASE_URL = "https://example.org/"
HUGOPIPE = str(Path(sys.executable).with_name("hugopipe"))


def record(name: str, **figures: object) -> None:
    """Write this part's figures where the report script collects them."""
    out = Path(os.environ.get("HUGOPIPE_RELIABILITY_DIR") or tempfile.gettempdir())
    out.mkdir(parents=True, exist_ok=True)
    (out / f"reliability-{name}.json").write_text(json.dumps(figures, indent=1, sort_keys=True))


# ---------------------------------------------------------------------------- the site

LAYOUTS = {
    "home.html": '<html><body><h1>home</h1>{{ range .Site.RegularPages }}<a href="{{ .RelPermalink }}">'
    '{{ .Title }}</a>{{ end }}<a href="/posts/">all</a></body></html>\n',
    "single.html": '<html><body><a href="/">home</a>{{ with .Params.image }}<img src="{{ . }}">{{ end }}'
    '{{ with .PrevInSection }}<a href="{{ .Permalink }}">prev</a>{{ end }}{{ with .NextInSection }}'
    '<a href="{{ .Permalink }}">next</a>{{ end }}{{ .Content }}</body></html>\n',
    "list.html": '<html><head>{{ with .OutputFormats.Get "rss" }}<link rel="alternate" '
    'href="{{ .RelPermalink }}">{{ end }}</head><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">'
    "{{ .Title }}</a>{{ end }}</body></html>\n",
}


def make_site(root: Path, endpoint: str, bucket: str, posts: int = 6) -> Path:
    """A Hugo site with a dev target on ``bucket``; ``posts`` posts, each with its own image."""
    (root / "layouts").mkdir(parents=True)
    for name, text in LAYOUTS.items():
        (root / "layouts" / name).write_text(text)
    (root / "hugo.toml").write_text(
        f"""baseURL = "{BASE_URL}"
title = "reliability"
disableKinds = ["taxonomy", "term"]
[deployment]
# as sites write it (assets first): within the link-safe groups only (deploy/order.py)
order = ['.(jpg|jpeg|png|gif|svg|webp|ico|css|js)$', '.html$']
[[deployment.targets]]
name = "dev"
url = "s3://{bucket}?endpoint={endpoint}&use_path_style=true&region=us-east-1"
"""
    )
    for i in range(posts):
        add_post(root, i)
    return root


def add_post(site: Path, i: int) -> None:
    """Post ``i`` with a new image (a new page and a new asset in one change)."""
    (site / "content/posts").mkdir(parents=True, exist_ok=True)
    (site / "static/img").mkdir(parents=True, exist_ok=True)
    (site / f"content/posts/p{i:03d}.md").write_text(
        f"---\ntitle: post {i}\ndate: 2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z\n"
        f"image: /img/p{i:03d}.png\n---\nbody of post {i}\n"
    )
    (site / f"static/img/p{i:03d}.png").write_bytes(b"\x89PNG" + hashlib.sha256(b"%d" % i).digest())


def build(site: Path) -> Path:
    from hugopipe.hugo import hugo_binary

    subprocess.run(
        [str(hugo_binary()), "--quiet", "--cleanDestinationDir"], cwd=site, check=True, timeout=120
    )
    return site / "public"


def deploy_cmd(site: Path, endpoint: str, *extra: str) -> list[str]:
    return [
        HUGOPIPE,
        "deploy",
        "--site",
        str(site),
        "--target",
        "dev",
        "--endpoint-url",
        endpoint,
        *extra,
    ]


# ---------------------------------------------------------------------------- the checks


def bucket_objects(s3, bucket: str) -> dict[str, bytes]:
    """Every site object's body (gunzipped when stored gzipped); hugopipe's own state left out."""
    out: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.startswith(".hugopipe/"):
                continue
            got = s3.get_object(Bucket=bucket, Key=key)
            body = got["Body"].read()
            if got.get("ContentEncoding") == "gzip":
                body = gzip.decompress(body)
            out[key] = body
    return out


def link_violations(objects: dict[str, bytes]) -> list[str]:
    """Each HTML object's same-site reference to an object that is not in the bucket."""
    present = set(objects)
    out = []
    for key, body in objects.items():
        if key.endswith(".html"):
            out += [f"{key} → {m}" for m in missing(page_refs(body, key, BASE_URL).refs, present)]
    return out


def local_files(public: Path) -> dict[str, bytes]:
    return {
        p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*") if p.is_file()
    }


def differences(objects: dict[str, bytes], public: Path) -> list[str]:
    """Keys where the bucket differs from ``public/`` (missing, extra or other bytes)."""
    local = local_files(public)
    return sorted(k for k in set(local) | set(objects) if local.get(k) != objects.get(k))


# ---------------------------------------------------------------------------- the proxy

FAULTS = ("slowdown", "internal", "reset-before", "reset-after", "reset-mid-body", "slow")


class Proxy:
    """A loopback HTTP proxy in front of moto: counts requests, injects faults, holds one.

    ``rate``: share of requests (of every kind: GET, HEAD, PUT, POST, DELETE, listings)
    that get a fault from ``FAULTS``, chosen by a seeded generator. ``hold_at``: the
    request with this number waits (unanswered) until ``release`` is set, so a test can
    kill the client at that exact point instead of sleeping.
    """

    def __init__(
        self, upstream: str, *, rate: float = 0.0, seed: int = 0, kinds: tuple[str, ...] = FAULTS
    ) -> None:
        self.rate = rate
        self.kinds = kinds
        self.rng = random.Random(seed)
        self.count = 0
        self.faults: dict[str, int] = {}
        self.by_method: dict[str, int] = {}
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        up = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _reset(self) -> None:
                linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # close with an RST, not a FIN
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with proxy.lock:
                    proxy.count += 1
                    n = proxy.count
                    fault = None
                    if proxy.rate and proxy.rng.random() < proxy.rate:
                        fault = proxy.rng.choice(proxy.kinds)
                        if fault == "reset-mid-body" and self.command == "HEAD":
                            fault = "reset-after"
                        proxy.faults[fault] = proxy.faults.get(fault, 0) + 1
                    proxy.by_method[self.command] = proxy.by_method.get(self.command, 0) + 1
                if proxy.hold_at is not None and n == proxy.hold_at:
                    proxy.held.set()
                    proxy.release.wait(60)
                    self._reset()
                    return
                if fault in {"slowdown", "internal"}:
                    code, status = (
                        ("SlowDown", 503) if fault == "slowdown" else ("InternalError", 500)
                    )
                    payload = (
                        f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
                    )
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
                if fault == "reset-before":
                    self._reset()
                    return
                if fault == "slow":
                    time.sleep(0.2)
                conn = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port, timeout=60)
                conn.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                if fault == "reset-after":  # the request took effect; the client never hears
                    self._reset()
                    return
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in {"content-length", "connection", "transfer-encoding"}:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                if fault == "reset-mid-body" and len(data) > 1:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._reset()
                    return
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def injected(self) -> int:
        return sum(self.faults.values())

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def run(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def traceback_in(text: str) -> bool:
    return "Traceback (most recent call last)" in text
