"""External links through lychee against a real HTTP server on loopback."""

from __future__ import annotations

import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from hugopipe.validate import check_external

pytestmark = pytest.mark.slow


class Handler(BaseHTTPRequestHandler):
    hits: ClassVar[Counter] = Counter()
    methods: ClassVar[list] = []

    def log_message(self, *a) -> None:
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        path = self.path
        Handler.hits[path] += 1
        Handler.methods.append((self.command, path))
        status, headers = 200, {}
        if path.startswith("/missing"):
            status = 404
        elif path.startswith("/moved"):
            status, headers = 301, {"Location": "/ok"}
        elif path.startswith("/limited-once"):
            if Handler.hits[path] == 1:
                status, headers = 429, {"Retry-After": "1"}
        elif path.startswith("/always-limited"):
            status, headers = 429, {"Retry-After": "1"}
        elif path.startswith("/no-head") and head:
            status = 405
        elif path.startswith("/slow"):
            time.sleep(4)  # the server is slow; the checker's timeout is 1 s
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    Handler.hits.clear()
    Handler.methods.clear()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _site(root: Path, base: str, paths: list[str]) -> Path:
    pub = root / "public"
    pub.mkdir(parents=True)
    links = "".join(f'<a href="{base}{p}">{p}</a>' for p in paths)
    for name in ("index.html", "other/index.html"):
        f = pub / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(
            f'<!doctype html><html lang="en"><head><title>T</title></head><body>{links}</body></html>'
        )
    return pub


CFG = {"external": {"max_retries": 2, "retry_wait_time": 1, "timeout": 1, "max_cache_age": "1d"}}


def test_statuses_map_to_rules(server: str, tmp_path: Path) -> None:
    paths = [
        "/ok",
        "/fine",
        "/missing",
        "/moved",
        "/limited-once",
        "/always-limited",
        "/no-head",
        "/slow",
    ]
    pub = _site(tmp_path, server, paths)
    report = check_external(
        pub, config=CFG, cache_dir=tmp_path / "cache", base_url="https://www.example.org/"
    )
    by_url = {}
    for f in report.findings:
        by_url.setdefault(f.url.removeprefix(server), set()).add((f.rule, f.severity, f.file))
    assert by_url.get("/missing") == {
        ("N1", "error", "index.html"),
        ("N1", "error", "other/index.html"),
    }
    assert {r for r, _, _ in by_url.get("/moved", set())} == {"N2"}
    assert {r for r, _, _ in by_url.get("/always-limited", set())} == {"N3"}
    assert {r for r, _, _ in by_url.get("/slow", set())} == {"N3"}
    assert "/ok" not in by_url and "/limited-once" not in by_url, by_url
    assert "/no-head" not in by_url  # HEAD 405, then GET 200
    assert ("GET", "/no-head") in Handler.methods and ("HEAD", "/no-head") in Handler.methods
    assert Handler.hits["/limited-once"] >= 2  # retried after the 429
    # every unique URL is checked once per pass, not once per page
    assert Handler.hits["/fine"] == 1
    assert not report.ok and {f.rule for f in report.errors} == {"N1"}


def test_cache_skips_unchanged_good_links(server: str, tmp_path: Path) -> None:
    pub = _site(tmp_path, server, ["/ok", "/missing"])
    check_external(
        pub, config=CFG, cache_dir=tmp_path / "cache", base_url="https://www.example.org/"
    )
    first = Counter(Handler.hits)
    report = check_external(
        pub, config=CFG, cache_dir=tmp_path / "cache", base_url="https://www.example.org/"
    )
    assert Handler.hits["/ok"] == first["/ok"]  # served from the cache
    assert Handler.hits["/missing"] > first["/missing"]  # failures are always re-checked
    assert [f.url.removeprefix(server) for f in report.errors] == ["/missing", "/missing"]


def test_ignore_patterns_and_accept(server: str, tmp_path: Path) -> None:
    pub = _site(tmp_path, server, ["/missing", "/missing-too"])
    cfg = {
        **CFG,
        "ignore_urls": ["missing-too"],
        "accept": [{"rule": "N1", "url": "*/missing", "reason": "vendor page down, ticket 42"}],
    }
    report = check_external(
        pub, config=cfg, cache_dir=tmp_path / "cache", base_url="https://www.example.org/"
    )
    assert report.ok and all(f.accepted for f in report.findings)
    assert Handler.hits["/missing-too"] == 0
