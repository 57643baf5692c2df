"""Crash test: SIGKILL a real ``hugopipe deploy`` at random points; readers never see a half deploy.

Each round adds a post with a new image, builds, and starts ``hugopipe deploy`` through a
proxy in front of moto that holds the k-th request (k random over the deploy's requests),
so the kill lands at a known point without sleeping. After every kill no HTML object in
the bucket may link to a missing same-site object; the rerun must converge (the bucket
equals ``public/``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess

import pytest

from hugopipe.cli.main import main

from .support import (
    Proxy,
    add_post,
    bucket_objects,
    build,
    deploy_cmd,
    differences,
    link_violations,
    make_site,
    record,
    run,
)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

KILLS = 20


def test_sigkill_at_random_points_never_leaves_a_broken_link(tmp_path, s3, bucket, moto_endpoint):
    rng = random.Random(19)
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=4)
    public = build(site)
    first = run(deploy_cmd(site, moto_endpoint))
    assert first.returncode == 0, first.stderr
    proxy = Proxy(moto_endpoint)
    kills = violations = not_converged = rounds = 0
    found: list[str] = []
    try:
        requests = 8  # the first round learns a full deploy's request count
        post = 4
        while kills < KILLS and rounds < KILLS * 2:
            rounds += 1
            add_post(site, post)
            post += 1
            build(site)
            proxy.count = 0
            proxy.held.clear()
            proxy.release.clear()
            proxy.hold_at = rng.randint(1, max(requests, 2))
            proc = subprocess.Popen(
                deploy_cmd(site, proxy.endpoint),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            while proc.poll() is None and not proxy.held.wait(0.01):
                pass
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
                kills += 1
            else:
                requests = max(requests, proxy.count)
            proxy.release.set()
            objects = bucket_objects(s3, bucket)
            broken = link_violations(objects)
            violations += len(broken)
            found += broken
            proxy.hold_at = None
            # the rerun in this process: the same command, without a second interpreter start
            code = main(deploy_cmd(site, proxy.endpoint)[1:])
            if code != 0 or differences(bucket_objects(s3, bucket), public):
                not_converged += 1
                found.append(f"round {rounds}: rerun exit {code}")
    finally:
        proxy.close()
    record(
        "crash",
        rounds=rounds,
        kills=kills,
        reference_violations=violations,
        non_converged_reruns=not_converged,
    )
    assert kills >= KILLS
    assert violations == 0 and not_converged == 0, found[:20]
