"""``earlier_run``, the one rule behind "no duplicate runs", without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hugopipe.run_control import (
    earlier_run,
    how_to_answer,
    production_run,
    work_queue_for,
    yield_message,
)
from tests.support import ROOT

NOW = datetime.now(UTC)


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def run(rid: str, state: str, created: float, site: str = "s", env: str = "staging", **kw: Any):
    return {
        "id": rid,
        "name": f"run-{rid}",
        "deployment_id": "dep",
        "created": at(created),
        "parameters": {"site": site, "env": env},
        "state": {"type": state, "name": state.title(), "timestamp": kw.pop("since", at(created))},
        "expected_start_time": kw.pop("start", at(created)),
        **kw,
    }


class Api:
    def __init__(self, runs: list[dict]) -> None:
        self.runs = runs
        self.asked: list[dict] = []

    def request(self, method: str, path: str, json: Any = None) -> list[dict]:
        self.asked.append(json)
        wanted = set(json["flow_runs"]["state"]["type"]["any_"])
        return [r for r in self.runs if r["state"]["type"] in wanted]


def test_the_later_of_two_yields_to_the_earlier_and_never_the_reverse() -> None:
    first, second = run("a", "RUNNING", -2), run("b", "SCHEDULED", -1)
    api = Api([first, second])
    assert earlier_run(api, second) == first
    assert earlier_run(api, first) is None
    assert api.asked[0]["flow_runs"]["deployment_id"] == {"any_": ["dep"]}
    message = yield_message(first, "rollback/site")
    assert "rollback/site run run-a (a), Running" in message


def test_paused_late_and_pending_runs_count() -> None:
    me = run("z", "SCHEDULED", 0)
    for state in ("PAUSED", "PENDING", "SCHEDULED"):
        assert earlier_run(Api([run("a", state, -30), me]), me) is not None, state


def test_other_sites_environments_task_files_and_future_schedules_do_not() -> None:
    me = run("z", "RUNNING", 0)
    others = [
        run("a", "RUNNING", -5, site="other"),
        run("b", "RUNNING", -5, env="production"),
        run("c", "SCHEDULED", -5, start=at(24 * 60)),  # tomorrow's nightly
        {
            **run("d", "RUNNING", -5),
            "parameters": {"site": "s", "env": "staging", "task_file": "t"},
        },
    ]
    assert earlier_run(Api([*others, me]), me) is None


def test_a_run_stuck_for_hours_holds_nothing_back_but_a_paused_one_does() -> None:
    me = run("z", "SCHEDULED", 0)
    stuck = run("a", "RUNNING", -8 * 60)  # its worker was killed: maintenance sweeps it
    assert earlier_run(Api([stuck, me]), me) is None
    paused = run("b", "PAUSED", -8 * 60)  # still waiting for a person
    assert earlier_run(Api([paused, me]), me) == paused


def test_a_run_outside_a_deployment_is_never_held_back() -> None:
    me = {**run("z", "RUNNING", 0), "deployment_id": None}
    api = Api([run("a", "RUNNING", -1)])
    assert earlier_run(api, me) is None and api.asked == []


class Pool:
    """A server whose work pool has the queues named."""

    def __init__(self, *queues: str) -> None:
        self.queues = set(queues)

    def has_work_queue(self, pool: str, queue: str) -> bool:
        assert pool == "hugopipe"
        return queue in self.queues


SITE = str(ROOT / "examples" / "site")
POOLED = {"id": "dep", "work_pool_name": "hugopipe"}


@pytest.mark.parametrize(
    ("dep", "queues", "params", "wanted", "queue"),
    [
        # production goes to the production workers' queue when the pool has one ...
        (
            POOLED,
            ("default", "production"),
            {"site": SITE, "env": "production"},
            None,
            "production",
        ),
        (POOLED, ("production",), {"site": SITE, "env": "production"}, "urgent", "production"),
        # ... a site on another machine: by the environment's name alone
        (
            POOLED,
            ("production",),
            {"site": "/srv/not-here", "env": "production"},
            None,
            "production",
        ),
        # ... else where it would have gone (no production queue: the deployment's own)
        (POOLED, ("default",), {"site": SITE, "env": "production"}, "high", "high"),
        (POOLED, ("default",), {"site": SITE, "env": "production"}, None, None),
        # other environments never go there
        (POOLED, ("production",), {"site": SITE, "env": "staging"}, None, None),
        (POOLED, ("production",), {"site": SITE, "env": "dev"}, "low", "low"),
        (POOLED, ("production",), {"site": SITE}, None, None),
        # a served deployment has no pool: its serving process runs it
        ({"id": "dep"}, ("production",), {"site": SITE, "env": "production"}, "urgent", None),
    ],
)
def test_a_production_run_goes_to_the_production_queue(
    dep: dict, queues: tuple[str, ...], params: dict, wanted: str | None, queue: str | None
) -> None:
    assert work_queue_for(Pool(*queues), dep, params, wanted) == queue  # type: ignore[arg-type]


def test_production_is_the_bucket_not_the_name(tmp_path: Path) -> None:
    """A staging environment whose target writes the production bucket is production."""
    import shutil

    site = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "site", site, ignore=shutil.ignore_patterns("public"))
    assert not production_run({"site": str(site), "env": "staging"})
    pool = Pool("default", "production")
    # the flow's default environment counts when the run names none (publish: staging)
    dep = {**POOLED, "parameter_openapi_schema": {"properties": {"env": {"default": "staging"}}}}
    assert work_queue_for(pool, dep, {"site": str(site)}) is None  # type: ignore[arg-type]
    cfg = site / "config" / "_default" / "hugo.toml"
    text = cfg.read_text()
    assert "s3://hugopipe-example-staging?" in text
    cfg.write_text(
        text.replace("s3://hugopipe-example-staging?", "s3://hugopipe-example-production?")
    )
    assert production_run({"site": str(site), "env": "staging"})
    assert work_queue_for(pool, dep, {"site": str(site)}) == "production"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "pause_key", "says"),
    [
        ("PAUSED", "production-approval-0123456789abcdef-1", "type DEPLOY TO PRODUCTION"),
        ("PAUSED", "approval-0123456789abcdef", "`hugopipe approve r1` or `hugopipe reject r1`"),
        ("PAUSED", "decision-review-0123456789abcdef", "`hugopipe decide r1 CHOICE`"),
        ("PAUSED", "decision-warnings", "`hugopipe decide r1 CHOICE`"),
        ("PAUSED", None, "menu ⋮ → Resume"),
        ("RUNNING", None, None),
    ],
)
def test_only_production_asks_for_the_phrase(
    state: str, pause_key: str | None, says: str | None
) -> None:
    run = {"id": "r1", "state": {"type": state, "state_details": {"pause_key": pause_key}}}
    answer = how_to_answer(run)
    if says is None:
        assert answer is None
    else:
        assert answer is not None and says in answer
        assert ("DEPLOY TO PRODUCTION" in answer) == (pause_key or "").startswith("production")


#: a task run's own last line: every task run logs one, and it must not end the wait
TASK_DONE = ("Finished in state Completed()", "task-1")


class LateLogs:
    """A run that has settled while its last log lines reach the API a few polls later, as
    on a busy server: ``pages`` of lines (a message, or (message, task run id)); the first
    page is there at once (what the run shipped while it ran), the others come one page per
    ``/logs/filter`` call after ``delay`` calls that find nothing new."""

    def __init__(self, state: str, pages: list[list], delay: int, name: str = "", **run) -> None:
        self.state, self.name, self.pages, self.delay, self.calls = state, name, pages, delay, 0
        self.run = {"start_time": "2026-12-05T10:00:00Z", **run}
        self.shipped: list[tuple[str, str | None]] = []

    def flow_run(self, run_id: str) -> dict:
        name = self.name or self.state.title()
        return {"id": run_id, "state": {"type": self.state, "name": name}, **self.run}

    def request(self, method: str, path: str, json: dict) -> list[dict]:
        assert path == "/logs/filter" and json["limit"] <= 200
        self.calls += 1
        if (self.calls == 1 or self.calls > self.delay) and self.pages:
            self.shipped += [(m, None) if isinstance(m, str) else m for m in self.pages.pop(0)]
        page = self.shipped[json["offset"] :][: json["limit"]]
        return [{"message": m, "task_run_id": t} for m, t in page]


def fake_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    from hugopipe import run_control

    clock = [0.0]
    monkeypatch.setattr(run_control.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(run_control.time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    return clock


@pytest.mark.parametrize(
    ("state", "name", "pages", "said"),
    [
        (  # the last two stages and the engine's last line arrive 40 polls (10 s) late, in
            # two batches; the first ends with a task's own "Finished in state"
            "COMPLETED",
            "",
            [
                ["stage build: 37 pages", TASK_DONE],
                ["stage deploy: 2 uploaded", TASK_DONE, "stage verify: ok"],
                ["Finished in state Completed()"],
            ],
            ["build: 37 pages", "deploy: 2 uploaded", "verify: ok"],
        ),
        (  # a paused run's last line is the "stage waiting" it logs before asking
            "PAUSED",
            "Paused",
            [["stage plan: 2 uploads", TASK_DONE], ["stage waiting: waiting for approval"]],
            ["plan: 2 uploads", "waiting: waiting for approval"],
        ),
        (  # a suspended one's is the engine's; a finished run's "Finished" line is not a pause's
            "PAUSED",
            "Suspended",
            [["stage plan: 2 uploads"], ["Finished in state Suspended()"]],
            ["plan: 2 uploads"],
        ),
        (  # a backlog longer than a page: every page is read, the stage on the third too
            "COMPLETED",
            "",
            [
                [
                    *(f"line {i}" for i in range(450)),
                    "stage deploy: 1 uploaded",
                    "Finished in state Completed()",
                ]
            ],
            ["deploy: 1 uploaded"],
        ),
    ],
)
def test_every_stage_is_said_even_when_the_logs_arrive_late(
    monkeypatch: pytest.MonkeyPatch, state: str, name: str, pages: list, said: list[str]
) -> None:
    from hugopipe import run_control

    clock = fake_clock(monkeypatch)
    api = LateLogs(state, pages, delay=40, name=name)
    heard: list[str] = []
    run_control.wait_for(api, "r1", timeout=60, on_stage=heard.append)
    assert heard == said
    assert clock[0] < 20  # stopped at the last line, not at the end of its patience


@pytest.mark.parametrize(
    ("state", "run"),
    [("CRASHED", {}), ("CANCELLED", {}), ("COMPLETED", {"start_time": None})],
    ids=["crashed", "cancelled", "never-started"],
)
def test_a_run_that_may_ship_no_last_line_is_not_waited_on_for_long(
    monkeypatch: pytest.MonkeyPatch, state: str, run: dict
) -> None:
    from hugopipe import run_control

    clock = fake_clock(monkeypatch)
    api = LateLogs(state, [["stage build: 37 pages"]], delay=0, **run)
    heard: list[str] = []
    run_control.wait_for(api, "r1", timeout=60, on_stage=heard.append)
    assert heard == ["build: 37 pages"]
    assert run_control.SHORT_PATIENCE <= clock[0] <= run_control.SHORT_PATIENCE + 0.25


def test_a_run_that_ships_no_log_line_at_all_is_not_waited_on_for_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """API logging off (``PREFECT_LOGGING_TO_API_ENABLED=false``): no line will ever come."""
    from hugopipe import run_control

    clock = fake_clock(monkeypatch)
    heard: list[str] = []
    run_control.wait_for(
        LateLogs("COMPLETED", [], delay=0), "r1", timeout=60, on_stage=heard.append
    )
    assert heard == []
    assert run_control.NO_LINES_PATIENCE <= clock[0] <= run_control.NO_LINES_PATIENCE + 0.25


def test_a_run_deleted_while_waited_on_is_no_input_error() -> None:
    """Its id came from the server: exit 1 with what happened, not "a run id is a UUID"."""
    from hugopipe import run_control
    from hugopipe.cli import exits
    from hugopipe.prefect_rest import UnknownRun

    class Gone:
        def flow_run(self, run_id: str) -> dict:
            raise UnknownRun(f"no flow run {run_id!r}")

    with pytest.raises(Exception) as caught:
        run_control.wait_for(Gone(), "r1", timeout=60)
    assert "was deleted while hugopipe waited" in str(caught.value)
    assert exits.for_error(caught.value) == exits.Exit.FAILED
