"""Crash test: SIGKILL a real ``hugopipe deploy`` at random points; readers never see a half deploy.

Each round adds two posts with a new image each and a new page the first post links to,
builds, and starts ``hugopipe deploy`` through a proxy in front of moto that holds the
k-th request (k random over a full deploy's requests, learned by a first round without a
kill), so the kill lands at a known point without sleeping. The site orders its uploads
with ``[deployment] order`` regexes, as sites do, and its list pages link their feeds. After every kill no HTML object in the bucket may link to a missing
same-site object; the rerun must converge (the bucket equals ``public/``).

The two new posts link to each other (next/previous): a cycle, which no upload order
can serve, since whichever goes first links to the other before it exists
(``deploy/order.py`` puts them in one group, after everything either links to). A kill
between the two is counted apart (``cycle_windows``), not as a violation; the new page
the first post links to (a pair without a cycle) must always be up before the post.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from pathlib import Path

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


def add_round(site: Path, post: int) -> tuple[str, str]:
    """Posts ``post`` and ``post + 1`` (each other's next and previous: a cycle) and a new
    page in a new section that the first links to (no cycle; the section's list page links
    its new feed); returns the two posts' folders."""
    add_post(site, post)
    add_post(site, post + 1)
    section = site / f"content/s{post:03d}"  # a new section: a new list page and its new feed
    section.mkdir(parents=True, exist_ok=True)
    (section / "d.md").write_text(
        f"---\ntitle: page {post}\ndate: 2024-01-01T00:00:00Z\n---\na page\n"
    )
    first = site / f"content/posts/p{post:03d}.md"
    first.write_text(first.read_text() + f"\n[a new page](/s{post:03d}/d/)\n")
    return f"posts/p{post:03d}/", f"posts/p{post + 1:03d}/"


def in_cycle(violation: str, cycle: tuple[str, str]) -> bool:
    """Is ``page → missing`` one new post of the round linking to the other?"""
    page, _, gone = violation.partition(" → ")
    a, b = cycle
    return (page.startswith(a) and gone.startswith(b)) or (
        page.startswith(b) and gone.startswith(a)
    )


def test_sigkill_at_random_points_never_leaves_a_broken_link(tmp_path, s3, bucket, moto_endpoint):
    rng = random.Random(19)
    site = make_site(tmp_path / "site", moto_endpoint, bucket, posts=4)
    public = build(site)
    first = run(deploy_cmd(site, moto_endpoint))
    assert first.returncode == 0, first.stderr
    proxy = Proxy(moto_endpoint)
    kills = violations = not_converged = rounds = cycle_windows = 0
    found: list[str] = []
    try:
        # one round without a kill learns a full deploy's request count, so the kills land
        # anywhere in it (state reads, assets, pages, lists, feeds, the manifest)
        add_round(site, 4)
        build(site)
        proxy.count = 0
        assert main(deploy_cmd(site, proxy.endpoint)[1:]) == 0
        requests = proxy.count
        assert requests >= 10, requests
        post = 6
        while kills < KILLS and rounds < KILLS * 2:
            rounds += 1
            cycle = add_round(site, post)
            post += 2
            build(site)
            proxy.count = 0
            proxy.held.clear()
            proxy.release.clear()
            proxy.hold_at = rng.randint(1, requests)
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
            cycle_windows += any(in_cycle(v, cycle) for v in broken)
            broken = [v for v in broken if not in_cycle(v, cycle)]
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
        cycle_windows=cycle_windows,
    )
    assert kills >= KILLS
    assert violations == 0 and not_converged == 0, found[:20]
