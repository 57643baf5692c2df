"""Faults: a loopback proxy in front of moto fails 10 % of every kind of request.

503 SlowDown, 500, connection resets before the request reaches moto, after it took
effect, and in the middle of the response body, and slow answers — on GETs, HEADs,
PUTs, listings and deletes alike. Through it, each phase of a site's life (first
deploy, a new post, an edit, a removed post, a header-only change) is deployed with
``hugopipe deploy`` until it succeeds. Every failed attempt must exit with a documented
code (1 or 4) and a message, never a traceback, and must not delete anything; every
phase must converge with no object lost or different from ``public/``.
"""

from __future__ import annotations

import os
import random

import pytest

from hugopipe.cli.main import main

from .support import (
    Proxy,
    add_post,
    bucket_objects,
    build,
    deploy_cmd,
    differences,
    local_files,
    make_site,
    record,
)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

RATE = 0.10
ATTEMPTS = 12


def _keys(s3, bucket) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def _edit(site, n):
    (site / f"content/posts/p{n:03d}.md").write_text(
        f"---\ntitle: post {n} edited\ndate: 2024-01-01T00:00:{n:02d}Z\n---\nnew body\n"
    )


def _phases(site, rng):
    """Each phase: a change to the site (the first deploys it as it is)."""
    yield lambda: None
    for n in range(6, 16):
        yield lambda n=n: add_post(site, n)
    for n in (2, 7, 11):
        yield lambda n=n: _edit(site, n)
    for n in (3, 9):
        yield lambda n=n: os.remove(site / f"content/posts/p{n:03d}.md")
    yield lambda: (site / "static/img/extra.png").write_bytes(rng.randbytes(64))


def test_ten_percent_faults_on_every_request_lose_nothing(
    tmp_path, s3, bucket, moto_endpoint, capsys
):
    rng = random.Random(1019)
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=6)
    proxy = Proxy(moto_endpoint, rate=RATE, seed=19)
    tracebacks = attempts = failed = deleted_by_failed = not_converged = lost = 0
    bad_codes: list[int] = []
    try:
        for change in _phases(site, rng):
            change()
            public = build(site)
            local = local_files(public)
            for _ in range(ATTEMPTS):
                attempts += 1
                before = _keys(s3, bucket)
                try:
                    code = main(deploy_cmd(site, proxy.endpoint)[1:])
                except Exception:  # an exception past the exit table is a traceback for the user
                    tracebacks += 1
                    code = -1
                capsys.readouterr()
                if code == 0:
                    break
                failed += 1
                if code not in (1, 4):
                    bad_codes.append(code)
                after = _keys(s3, bucket)
                deleted_by_failed += len({k for k in before - after if k in local})
            objects = bucket_objects(s3, bucket)
            diff = differences(objects, public)
            if code != 0 or diff:
                not_converged += 1
            lost += len([k for k in local if k not in objects])
    finally:
        proxy.close()
    record(
        "faults",
        rate=RATE,
        requests=proxy.count,
        requests_by_method=proxy.by_method,
        faults_injected=proxy.injected,
        faults_by_kind=proxy.faults,
        deploy_attempts=attempts,
        failed_attempts=failed,
        tracebacks=tracebacks,
        deletes_by_failed_deploys=deleted_by_failed,
        objects_lost=lost,
        non_converged_phases=not_converged,
    )
    assert proxy.injected > 0 and set(proxy.faults) == {
        "slowdown",
        "internal",
        "reset-before",
        "reset-after",
        "reset-mid-body",
        "slow",
    }
    assert tracebacks == 0 and bad_codes == []
    assert deleted_by_failed == 0 and lost == 0 and not_converged == 0


@pytest.mark.parametrize("kind", ["reset-mid-body"])  # the others are retried, slowly
def test_a_fault_on_every_request_is_a_message_not_a_traceback(
    tmp_path, s3, bucket, moto_endpoint, capsys, kind
):
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=1)
    build(site)
    assert main(deploy_cmd(site, moto_endpoint)[1:]) == 0
    add_post(site, 1)
    build(site)
    before = bucket_objects(s3, bucket)
    proxy = Proxy(moto_endpoint, rate=1.0, kinds=(kind,))
    try:
        code = main(deploy_cmd(site, proxy.endpoint)[1:])
    finally:
        proxy.close()
    err = capsys.readouterr().err
    assert code in (1, 4) and "error:" in err and "Traceback" not in err
    assert bucket_objects(s3, bucket) == before
