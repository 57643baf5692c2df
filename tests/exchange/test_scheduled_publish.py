"""Scheduled publishing: one publish for a due post, none when nothing is due, one for two triggers."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli.conftest import run_cli
from tests.conftest import copy_site
from tests.support import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.server]


def state_of(api, run_id: str) -> str | None:
    """The run's state type; None when a busy SQLite server let one poll time out (retried)."""
    from hugopipe.prefect_rest import ApiUnavailable

    try:
        return api.flow_run(run_id)["state"]["type"]
    except ApiUnavailable:
        return None


def publish_runs_of(api, site: Path) -> list[dict]:
    from hugopipe.maintenance.history import publish_runs

    states = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "COMPLETED", "FAILED", "CRASHED"]
    return [r for r in publish_runs(api, states) if r["parameters"].get("site") == str(site)]


def test_due_post_starts_exactly_one_publish(served: dict, tmp_path: Path) -> None:
    from flows.scheduled import scheduled_publish
    from hugopipe.prefect_rest import PrefectApi
    from hugopipe.scheduled import start_due_publish

    site = copy_site(tmp_path).resolve()
    # the staging bucket is shared with earlier tests: a page of this run's own makes sure
    # the deploy stage has something to upload (an empty plan skips it)
    page = sorted((site / "content" / "blog").glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + f"\n\nEdition {uuid.uuid4().hex}.\n")
    ran = run_cli("run", "publish", "--env", "staging", "--site", str(site), "--wait", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["state_type"] == "COMPLETED"  # stdout: data only
    # each stage on stderr as it finished, with its counts
    for stage in ("build: ", "validate: ", "plan: ", "deploy: ", "verify: "):
        assert f"✓ {stage}" in ran.stderr, ran.stderr
    assert "pages" in ran.stderr and "uploaded" in ran.stderr
    with PrefectApi() as api:
        before = len(publish_runs_of(api, site))

        nothing = scheduled_publish(site=str(site), environments=["staging"])
        assert nothing["staging"]["started"] is None
        assert nothing["staging"]["reason"] == "nothing due"
        assert len(publish_runs_of(api, site)) == before

        due_at = datetime.now(UTC).replace(microsecond=0)
        (site / "content" / "blog" / "due-post.md").write_text(
            f"---\ntitle: Due now\ndescription: A scheduled post whose publishDate has just "
            f"passed.\ndate: {due_at.isoformat()}\npublishDate: {due_at.isoformat()}\n---\nHi.\n"
        )
        answers: list[dict] = []
        gate = threading.Barrier(2)

        def trigger() -> None:
            gate.wait()
            with PrefectApi() as own:
                answers.append(start_due_publish(own, str(site), "staging"))

        threads = [threading.Thread(target=trigger) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        runs = publish_runs_of(api, site)
        assert len(runs) == before + 1, answers
        new = runs[0]["id"]
        assert all(a.get("started") == new or a.get("yielded_to") == new for a in answers)
        assert answers[0]["due"][0]["page"] == "content/blog/due-post.md"

        # a third check while it runs yields to it, and says which run
        again = start_due_publish(api, str(site), "staging")
        if again["started"] is None and "yielded_to" in again:
            assert again["yielded_to"] == new and new in again["reason"]

        def ended() -> bool:
            return state_of(api, new) in {"COMPLETED", "FAILED", "CRASHED"}

        wait_until(ended, 240, "the scheduled publish to finish")
        assert api.flow_run(new)["state"]["type"] == "COMPLETED"
        after = scheduled_publish(site=str(site), environments=["staging"])
        assert after["staging"]["started"] is None  # published: nothing due any more
        assert len(publish_runs_of(api, site)) == before + 1

        # two overlapping `hugopipe run publish` triggers: one run; the later yields, saying which
        import subprocess

        from tests.cli.conftest import HUGOPIPE

        args = [HUGOPIPE, "run", "publish", "--env", "staging", "--site", str(site), "--json"]
        procs = [
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        ids = {json.loads(o)["flow_run_id"] for o, _ in outs}
        assert len(ids) == 1, outs
        (kept,) = ids
        active = [r for r in publish_runs_of(api, site) if r["state"]["type"] != "CANCELLED"]
        assert len(active) == before + 2, [r["state"]["type"] for r in active]
        yielded = [e for _, e in outs if "yielded" in e]
        assert len(yielded) <= 1 and all(kept in e for e in yielded)
        wait_until(lambda: state_of(api, kept) == "COMPLETED", 240, "the publish")
