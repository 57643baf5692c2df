"""The task exchange without a server: moves happen once, front matter survives, checks land in results."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from hugopipe.exchange import Exchange, adopt, claim, finish
from hugopipe.exchange.folders import set_front_matter
from hugopipe.exchange.intake import intake_once, pending_in_order
from hugopipe.exchange.lifecycle import check_expectations
from hugopipe.results import ResultFile, latest_result, write_result
from hugopipe.taskfile import load_task, parse_expected
from tests.cli.conftest import run_cli
from tests.support import ROOT

TEMPLATES = ROOT / "tasks" / "templates"

TASK = """---
# a comment Claude wrote
task_type: hugo-build
status: pending
priority: {priority}
params:
  site_path: {site}
expected_outputs:
  - file_count: integer (>10)
---
Build it.
"""


def drop(ex: Exchange, name: str, priority: str = "normal", site: Path = ROOT) -> Path:
    path = ex.folder("pending") / name
    path.write_text(TASK.format(priority=priority, site=site / "examples" / "site"))
    return path


def test_front_matter_update_keeps_comments_and_replaces_blocks() -> None:
    text = "---\n# keep me\nstatus: pending\nfailure_reason:\n  - old\n  - older\nx: 1\n---\nbody\n"
    out = set_front_matter(text, {"status": "failed", "failure_reason": "why", "result_path": "r"})
    assert out == (
        "---\n# keep me\nstatus: failed\nfailure_reason: why\nx: 1\nresult_path: r\n---\nbody\n"
    )


def test_two_racing_intakes_claim_a_file_once(tmp_path: Path) -> None:
    ex = Exchange(tmp_path)
    for round_ in range(20):
        path = drop(ex, f"t{round_}.md")
        won: list[Path] = []
        gate = threading.Barrier(4)

        def grab(p: Path = path, gate: threading.Barrier = gate, won: list[Path] = won) -> None:
            gate.wait()
            got = claim(p, ex)
            if got is not None:
                won.append(got)

        threads = [threading.Thread(target=grab) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(won) == 1
        assert "status: in-progress" in won[0].read_text()
    assert len(ex.files("in-progress")) == 20 and not ex.files("pending")


def test_finish_happens_once_and_keeps_an_earlier_file(tmp_path: Path) -> None:
    ex = Exchange(tmp_path)
    first = claim(drop(ex, "same.md"), ex)
    assert first is not None
    assert finish(first, ex, "completed", {"result_path": "r1"}) is not None
    assert finish(first, ex, "completed", {"result_path": "r2"}) is None  # the loser
    again = claim(drop(ex, "same.md"), ex)
    assert again is not None
    moved = finish(again, ex, "completed", {})
    assert moved is not None and moved.name != "same.md"  # the first run's file is kept
    assert "result_path: r1" in (ex.root / "completed" / "same.md").read_text()


def test_adopt_copies_once(tmp_path: Path) -> None:
    ex = Exchange(tmp_path / "x")
    src = tmp_path / "t.md"
    src.write_text(TASK.format(priority="low", site=ROOT / "examples" / "site"))
    assert adopt(src, ex) is not None
    assert adopt(src, ex) is None
    assert src.is_file()


FAILED_BEFORE = (
    "failure_reason: the build failed\nfinished_at: 2026-12-05T10:00:00Z\n"
    "picked_up_at: 2026-12-05T09:59:00Z\nflow_run_id: old-run\nresult_path: results/old.md\n"
)


@pytest.mark.parametrize("where", ["pending", "failed", "outside"])
def test_a_task_that_must_wait_is_parked_in_pending_unclaimed(tmp_path: Path, where: str) -> None:
    import frontmatter

    from hugopipe.exchange.folders import park

    ex = Exchange(tmp_path / "x")
    src = (tmp_path if where == "outside" else ex.folder(where)) / "t.md"
    text = TASK.format(priority="low", site=ROOT).replace("status: pending", f"status: {where}")
    if where == "failed":  # what a failed attempt leaves in the file
        text = text.replace("priority:", FAILED_BEFORE + "priority:")
    src.write_text(text)
    parked = park(src, ex)
    assert parked == ex.folder("pending") / "t.md"
    meta = frontmatter.loads(parked.read_text()).metadata
    assert meta["status"] == "pending" and meta.get("picked_up_at") is None
    assert "# a comment Claude wrote" in parked.read_text()  # the file as written, status aside
    assert src.exists() == (where in ("pending", "outside"))  # moved from failed/, else kept
    assert not any(ex.folder("in-progress").iterdir())
    if where == "failed":  # another attempt: nothing of the failed one but its reason
        assert meta["previous_failure"] == "the build failed"
        for key in ("failure_reason", "finished_at", "flow_run_id", "result_path"):
            assert meta.get(key) is None, key
    if where != "pending":  # a second of that name would overwrite the first: refused
        again = tmp_path / "again" / "t.md"
        again.parent.mkdir()
        again.write_text(TASK.format(priority="low", site=ROOT))
        assert park(again, ex) is None


def test_a_task_whose_namesake_is_in_progress_is_not_parked(tmp_path: Path) -> None:
    """Submitting a file again while its own run goes: parking it would start a second run
    once the first ends (a second approval, for production); refused instead."""
    from hugopipe.exchange.folders import park

    ex = Exchange(tmp_path / "x")
    src = tmp_path / "t.md"
    src.write_text(TASK.format(priority="low", site=ROOT))
    assert adopt(src, ex) is not None  # its run is going
    assert park(src, ex) is None
    assert park(ex.folder("in-progress") / "t.md", ex) is None
    assert not any(ex.folder("pending").iterdir())


def test_priority_orders_pickup(tmp_path: Path) -> None:
    ex = Exchange(tmp_path)
    for name, prio in [("a.md", "low"), ("b.md", "normal"), ("c.md", "urgent"), ("d.md", "high")]:
        drop(ex, name, prio)
    assert [p.name for p in pending_in_order(ex)] == ["c.md", "d.md", "b.md", "a.md"]


class FakeApi:
    """The calls the intake makes to start a run; counts them. Its runs are the going
    runs the intake asks about (``/flow_runs/filter``)."""

    def __init__(self, *queues: str) -> None:
        self.created: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.queues = set(queues or ("urgent", "high", "normal", "low"))

    def deployment_by_name(self, flow: str, dep: str) -> dict[str, Any]:
        return {"id": f"{flow}/{dep}", "parameters": {}, "work_pool_name": "hugopipe"}

    def has_work_queue(self, pool: str, queue: str) -> bool:
        return queue in self.queues

    def create_run(self, dep_id: str, params: dict, **kw: Any) -> dict[str, Any]:
        with self.lock:
            self.created.append({"deployment": dep_id, "parameters": params, **kw})
            return {"id": f"run-{len(self.created)}", "name": "r"}

    def flow_run(self, run_id: str) -> dict[str, Any]:
        return {"id": run_id, "state": {"type": "RUNNING", "name": "Running"}}

    def request(self, method: str, path: str, json: dict | None = None) -> list[dict[str, Any]]:
        assert (method, path) == ("POST", "/flow_runs/filter")
        dep = (json or {})["flow_runs"]["deployment_id"]["any_"][0]
        with self.lock:
            return [
                {
                    "id": f"run-{i}",
                    "name": "r",
                    "created": "2026-01-01T00:00:00Z",
                    "parameters": c["parameters"],
                    "state": {"type": "PAUSED", "name": "Paused"},
                }
                for i, c in enumerate(self.created, start=1)
                if c["deployment"] == dep
            ]


def test_two_intakes_start_one_run_per_file(tmp_path: Path) -> None:
    ex = Exchange(tmp_path)
    for i in range(5):
        drop(ex, f"t{i}.md", "urgent" if i == 3 else "normal")
    api = FakeApi()
    gate = threading.Barrier(2)

    def tick() -> None:
        gate.wait()
        intake_once(api, ex)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(api.created) == 5
    assert len({c["parameters"]["task_file"] for c in api.created}) == 5
    # a work pool: priority picks the queue
    queues = {Path(c["parameters"]["task_file"]).name: c["work_queue_name"] for c in api.created}
    assert queues["t3.md"] == "urgent" and queues["t0.md"] == "normal"
    for path in ex.files("in-progress"):
        text = path.read_text()
        assert "flow_run_id: run-" in text and "status: in-progress" in text


def test_a_production_task_goes_to_the_production_workers_queue(tmp_path: Path) -> None:
    """Whatever its priority, when the pool has a ``production`` queue (the one only the
    workers with production credentials poll); its priority's queue when it has none."""
    for queues, expected in [(("urgent", "production"), "production"), (("urgent",), "urgent")]:
        ex = Exchange(tmp_path / "-".join(queues))
        (ex.folder("pending") / "p.md").write_text(
            TASK.format(priority="urgent", site=ROOT / "examples" / "site").replace(
                "task_type: hugo-build", "task_type: hugo-deploy-production"
            )
        )
        api = FakeApi(*queues)
        intake_once(api, ex)
        assert [c["work_queue_name"] for c in api.created] == [expected]


def test_an_unreachable_api_leaves_a_pending_file_as_it_was(tmp_path: Path) -> None:
    """Nothing claimed, nothing stamped: the tick says the API is down, the next retries."""
    from hugopipe.prefect_rest import ApiUnavailable

    class Down(FakeApi):
        def deployment_by_name(self, flow: str, dep: str) -> dict[str, Any]:
            raise ApiUnavailable("cannot reach the Prefect API at http://127.0.0.1:9/api")

    ex = Exchange(tmp_path)
    path = ex.folder("pending") / "p.md"
    path.write_text(TASK.format(priority="normal", site=ROOT / "examples" / "site"))
    before = path.read_text()
    with pytest.raises(ApiUnavailable):
        intake_once(Down(), ex)
    assert path.read_text() == before and not list(ex.folder("in-progress").iterdir())


def test_a_task_behind_a_going_run_waits_in_pending(tmp_path: Path) -> None:
    """Two publish tasks for one site and environment: the second would only yield to the
    first (paused for its approval), so it starts nothing and stays pending, every tick."""
    ex = Exchange(tmp_path)
    for name in ("a.md", "b.md"):
        (ex.folder("pending") / name).write_text(
            TASK.format(priority="normal", site=ROOT / "examples" / "site").replace(
                "task_type: hugo-build", "task_type: hugo-deploy-production"
            )
        )
    api = FakeApi()
    first = intake_once(api, ex)
    assert [Path(t).name for t, _ in first.started] == ["a.md"]
    assert [Path(w).name for w in first.waiting] == ["b.md"]
    again = intake_once(api, ex)
    assert again.started == [] and [Path(w).name for w in again.waiting] == ["b.md"]
    assert len(api.created) == 1
    request, _ = load_task(ex.folder("pending") / "b.md")
    assert request.status == "pending"


def test_malformed_pending_file_goes_to_failed_with_its_problems(tmp_path: Path) -> None:
    ex = Exchange(tmp_path)
    (ex.folder("pending") / "bad.md").write_text("---\ntask_type: hugo-bild\n---\n")
    api = FakeApi()
    intake_once(api, ex)
    assert not api.created
    text = (ex.root / "failed" / "bad.md").read_text()
    assert "status: failed" in text and "task_type" in text and "failure_reason: 'malformed" in text


def test_expectations_read_top_level_fields_and_fail_the_result(tmp_path: Path) -> None:
    req, _ = load_task(drop(Exchange(tmp_path), "t.md"))
    req = req.model_copy(
        update={
            "expected_outputs": [
                parse_expected("duration_seconds: float (<60)"),
                parse_expected("invalidation_id"),
            ]
        }
    )
    result = ResultFile(
        task_id="t",
        task_type="hugo-build",
        status="success",
        duration_seconds=12.5,
        outputs={"invalidation_id": None},
    )
    checked = check_expectations(result, req)
    assert checked.status == "failed" and checked.expectations_passed is False
    by_name = {c["name"]: c for c in checked.expected_outputs or []}
    assert by_name["duration_seconds"]["passed"] is True
    assert by_name["invalidation_id"]["passed"] is False
    assert "FAIL invalidation_id" in checked.summary


def test_result_latest_returns_the_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    root = tmp_path / "results"
    for i, kind in enumerate(["hugo-build", "hugo-validate", "hugo-build"]):
        path = write_result(ResultFile(task_id=f"t{i}", task_type=kind, status="success"), root)
        os.utime(path, (1000 + i, 1000 + i))
    assert latest_result(root=root) == root / path.parent.name / "t2.result.md"
    assert latest_result("hugo-validate", root).name == "t1.result.md"
    assert (root / "latest" / "hugo-build.result.md").resolve().name == "t2.result.md"
    monkeypatch.setenv("HUGOPIPE_RESULTS_DIR", str(root))
    out = run_cli("result", "--latest", "--type", "hugo-validate", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["result"]["task_id"] == "t1"
    assert run_cli("result", "--latest", "--type", "nope").returncode == 1


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.md")))
def test_every_template_parses(name: str, tmp_path: Path) -> None:
    copy = tmp_path / f"2026-01-19-1430-{name}"
    copy.write_text((TEMPLATES / name).read_text())
    request, _ = load_task(copy, environments=["dev", "staging", "production"])
    assert request.expected_outputs, name
    assert request.task_type == name.removesuffix(".md")


@pytest.mark.parametrize("name", ["hugo-build.md", "hugo-validate.md"])
def test_local_templates_pass_on_the_example_site(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Submitted as Claude would: through the exchange, the checks in the result file."""
    from tests.conftest import copy_site

    site = copy_site(tmp_path)
    monkeypatch.setenv("HUGOPIPE_SITE", str(site))
    ex = Exchange(tmp_path / "tasks")
    task = ex.folder("pending") / f"2026-01-19-1430-{name}"
    task.write_text((TEMPLATES / name).read_text())
    out = run_cli("submit", str(task), "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0, out.stderr + out.stdout
    assert data["passed"] is True and data["task_file"] == str(ex.root / "completed" / task.name)
    result = ResultFile.parse(Path(data["result_path"]).read_text())
    assert result.expectations_passed is True and result.status == "success"
    assert result.context and result.context["user_request"]
    moved = (ex.root / "completed" / task.name).read_text()
    assert "status: completed" in moved and f"result_path: {data['result_path']}" in moved


CONTENT = """---
task_type: content
params:
  page: {page}
  front_matter:
    title: {title}
    description: A page written by a content task, long enough for the description rule.
    date: {date}
  body: "Hello."
expected_outputs:
  - written: boolean (true)
---
"""


def test_content_template_writes_a_validated_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import copy_site

    site = copy_site(tmp_path)
    monkeypatch.setenv("HUGOPIPE_SITE", str(site))
    ex = Exchange(tmp_path / "tasks")
    task = ex.folder("pending") / "2026-01-19-1430-content.md"
    task.write_text((TEMPLATES / "content.md").read_text())
    out = run_cli("submit", str(task), "--json")
    data = json.loads(out.stdout)
    assert out.returncode == 0 and data["passed"] is True, out.stderr + out.stdout
    page = site / "content" / "blog" / "ice-dams-101.md"
    assert data["result"]["outputs"]["content_file"] == str(page)
    import frontmatter

    post = frontmatter.load(page)
    assert post["title"] == "Ice dams 101" and "refreezes" in post.content


def test_content_task_refuses_paths_outside_content(tmp_path: Path) -> None:
    from hugopipe.taskfile import TaskFileError

    for page in ("../hugopipe.toml", "/etc/passwd.md", "blog/../../x.md"):
        task = tmp_path / "c.md"
        task.write_text(CONTENT.format(page=page, title="x", date="2026-01-19"))
        with pytest.raises(TaskFileError) as info:
            load_task(task)
        (p,) = info.value.problems
        assert p.field == "params.page" and p.line == 4, p


def test_content_task_with_bad_front_matter_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import copy_site

    site = copy_site(tmp_path)
    monkeypatch.setenv("HUGOPIPE_SITE", str(site))
    task = tmp_path / "c.md"
    # a date that is not one: rule F2, an error
    task.write_text(CONTENT.format(page="blog/undated.md", title="Undated", date="someday"))
    out = run_cli("submit", str(task), "--json", env={"HUGOPIPE_TASKS_DIR": str(tmp_path / "t")})
    data = json.loads(out.stdout)
    assert out.returncode == 1, out.stderr
    assert data["result"]["outputs"]["written"] is False
    assert data["result"]["outputs"]["errors"]
    assert any("[F2]" in e for e in data["result"]["outputs"]["errors"])
    assert not (site / "content" / "blog" / "undated.md").exists()
    assert (tmp_path / "t" / "failed" / "c.md").is_file()


def test_submitting_a_failed_file_again_moves_it_and_keeps_the_reason(tmp_path: Path) -> None:
    """A retry is one file through the lifecycle: no copy is left behind in failed/."""
    from hugopipe.exchange.folders import retry

    ex = Exchange(tmp_path)
    first = claim(drop(ex, "again.md"), ex)
    assert first is not None
    failed = finish(first, ex, "failed", {"failure_reason": "hugo: template error"})
    assert failed is not None and failed.parent.name == "failed"
    moved = retry(failed, ex)
    assert moved == ex.folder("in-progress") / "again.md"
    assert not failed.exists() and list(ex.folder("failed").iterdir()) == []
    request, _ = load_task(moved)
    assert request.status == "in-progress"
    assert request.failure_reason is None and request.finished_at is None
    assert request.previous_failure == "hugo: template error"
    assert retry(failed, ex) is None  # gone: nothing to move twice


def test_submit_of_a_failed_file_retries_it_in_place(tmp_path: Path) -> None:
    """`hugopipe submit tasks/failed/x.md` moves it through the lifecycle once: one file,
    in completed/, remembering why it failed before; nothing left in failed/."""
    ex = Exchange(tmp_path / "tasks")
    failed = ex.folder("failed") / "2026-01-19-retry.md"
    failed.write_text(
        TASK.format(priority="normal", site=ROOT / "examples" / "site").replace(
            "status: pending", "status: failed\nfailure_reason: 'hugo was missing'"
        )
    )
    out = run_cli("submit", str(failed), "--json")
    assert out.returncode == 0, out.stderr + out.stdout
    data = json.loads(out.stdout)
    assert data["task_file"] == str(ex.root / "completed" / failed.name)
    assert list(ex.folder("failed").iterdir()) == []
    request, _ = load_task(Path(data["task_file"]))
    assert request.status == "completed" and request.previous_failure == "hugo was missing"


def test_submitting_a_task_whose_namesake_is_in_progress_is_refused_first(tmp_path: Path) -> None:
    """Its own run may be going: refused (exit 2) before anything is said or moved, with no
    "submitting it anyway" note on the way."""
    ex = Exchange(tmp_path / "tasks")
    going = ex.folder("in-progress") / "2026-01-19-going.md"
    going.write_text(
        TASK.format(priority="normal", site=ROOT / "examples" / "site").replace(
            "status: pending", "status: in-progress"
        )
    )
    before = going.read_text()
    for path in (going, ex.folder("pending") / going.name):
        if path != going:
            path.write_text(before)
        out = run_cli("submit", str(path), "--json")
        assert out.returncode == 2, out.stderr + out.stdout
        assert f"{going.name}: a task file of that name is already in" in out.stderr
        assert "note:" not in out.stderr and "Traceback" not in out.stderr
        assert going.read_text() == before and path.exists()
    assert list(ex.folder("completed").iterdir()) == []
