"""The verify stage against a real HTTP server on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hugopipe.config import EnvironmentConfig
from hugopipe.errors import ContentError, TransientError
from hugopipe.verify import raise_for, verify_urls


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = {
            "/site/index.html": 200,
            "/site/blog/index.html": 200,
            "/site/boom.html": 503,
        }.get(self.path, 404)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def env(paths: list[str], url: str = "{endpoint}/site/") -> EnvironmentConfig:
    return EnvironmentConfig(
        name="staging", verify_url=url, verify_paths=paths, index_document="index.html"
    )


def test_directory_paths_get_the_index_document(server: str) -> None:
    e = env(["/", "/blog/"])
    report = verify_urls(e, e.verify_base(server))
    assert [c.url for c in report.checks] == [
        f"{server}/site/index.html",
        f"{server}/site/blog/index.html",
    ]
    assert [c.status for c in report.checks] == [200, 200] and report.ok
    raise_for(report)


def test_missing_page_is_a_content_error_not_retried(server: str) -> None:
    e = env(["/", "/gone/"])
    report = verify_urls(e, e.verify_base(server))
    assert not report.ok
    with pytest.raises(ContentError, match=r"gone/index\.html → 404"):
        raise_for(report)


def test_server_error_and_refused_connection_are_transient(server: str) -> None:
    e = env(["/boom.html"])
    with pytest.raises(TransientError, match="503"):
        raise_for(verify_urls(e, e.verify_base(server)))
    with pytest.raises(TransientError, match="ConnectError"):
        raise_for(verify_urls(e, e.verify_base("http://127.0.0.1:9")))


def test_no_verify_url_is_skipped_with_a_reason() -> None:
    report = verify_urls(EnvironmentConfig(name="dev"), None)
    assert report.checks == [] and "verify_url" in (report.skipped_reason or "")
    assert (
        env(["/"]).verify_base(None) is None
    )  # an {endpoint} URL without an endpoint is not guessed
