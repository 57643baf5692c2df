"""Two publishes of one site and environment started at once serialize (hugopipe.publishlock).

The first ``hugopipe deploy`` is held at its first request to the bucket (so it surely
holds the lock); the second, with another output, is started meanwhile and must wait.
Then both finish: both exit 0 and the bucket equals the later one's output. Without the
lock the second plans against the same release and its apply is refused.
"""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from hugopipe.errors import TransientError
from hugopipe.publishlock import publish_lock

from .support import (
    Proxy,
    add_post,
    bucket_objects,
    build,
    deploy_cmd,
    differences,
    make_site,
    record,
)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def test_two_deploys_at_once_serialize_and_the_later_one_wins(tmp_path, s3, bucket, moto_endpoint):
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=3)
    first = tmp_path / "first"
    shutil.copytree(build(site), first)
    add_post(site, 3)
    second = tmp_path / "second"
    shutil.copytree(build(site), second)
    proxy = Proxy(moto_endpoint)  # the first deploy's way to the bucket
    other = Proxy(moto_endpoint)  # the second's: it must see no request while the first runs
    proxy.hold_at = 1
    try:
        a = subprocess.Popen(
            [*deploy_cmd(site, proxy.endpoint), "--public", str(first)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proxy.held.wait(60), "the first deploy never reached the bucket"
        b_err = tmp_path / "second.err"
        b = subprocess.Popen(
            [*deploy_cmd(site, other.endpoint), "--public", str(second)],
            stdout=subprocess.DEVNULL,
            stderr=b_err.open("w"),
            text=True,
        )
        # the second reports that it waits (stderr), and meanwhile sends nothing to the bucket
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline and b.poll() is None and "waiting" not in b_err.read_text()
        ):
            time.sleep(0.05)
        waited = b.poll() is None
        requests_while_held = other.count
        proxy.hold_at = None
        proxy.release.set()  # the held request is dropped; botocore retries it
        _, err_a = a.communicate(timeout=120)
        b.wait(120)
        err_b = b_err.read_text()
    finally:
        proxy.close()
        other.close()
    diff = differences(bucket_objects(s3, bucket), second)
    record(
        "concurrency",
        publishes=2,
        serialized=int(requests_while_held == 0 and "waiting" in err_b),
        bucket_differences_from_later=len(diff),
    )
    assert a.returncode == 0, err_a
    assert b.returncode == 0, err_b
    assert waited and requests_while_held == 0
    assert "another publish" in err_b and "waiting" in err_b
    assert diff == []


def test_the_lock_is_per_site_and_environment(tmp_path):
    with (
        publish_lock(tmp_path, "dev"),
        publish_lock(tmp_path, "staging"),
        pytest.raises(TransientError, match="held the lock"),
        publish_lock(tmp_path, "dev", wait=0.2),
    ):
        pass
    with publish_lock(tmp_path, "dev", wait=0.2):  # released when the holder left
        pass
