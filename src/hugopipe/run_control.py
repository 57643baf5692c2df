"""Start a served deployment's run and follow it, over Prefect's REST API.

``hugopipe run``, ``status`` and ``submit`` all start or follow runs the same way;
this is that way, once. Prefect-free and pydantic-free (``RunOutcome`` is a
dataclass): ``status`` must not pay pydantic's ~0.2-0.5 s import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hugopipe.errors import HugopipeError
from hugopipe.flows_registry import flow_spec
from hugopipe.prefect_rest import LOG_PAGE, TERMINAL, NotFound, PrefectApi, state_of, ui_url


@dataclass
class RunOutcome:
    """What ``run`` and ``status`` print: the run, its state and the link a person opens."""

    flow_run_id: str
    state_type: str
    state_name: str
    ui_url: str
    flow_run_name: str | None = None
    deployment: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    state_message: str | None = None
    waiting_for_approval: bool = False
    #: the run's site: its ``site:NAME`` tag, else its ``site`` parameter (hugopipe.sites)
    site_name: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None
    #: for a run waiting for a person: how to answer its question (``how_to_answer``)
    how_to_answer: str | None = None


def site_of_run(run: dict[str, Any]) -> str | None:
    """The site a run names: its ``site:NAME`` tag, else its ``site`` parameter's name."""
    from hugopipe.sites import name_of, tag_of

    return tag_of(run.get("tags")) or name_of((run.get("parameters") or {}).get("site"))


def how_to_answer(run: dict[str, Any]) -> str | None:
    """How a person answers the question a paused run waits on, by the question's key
    (flows/approval.py, flows/decision.py): only production's asks for the typed phrase."""
    state = run.get("state") or {}
    if state.get("type") != "PAUSED":
        return None
    key = str((state.get("state_details") or {}).get("pause_key") or "")
    rid = run["id"]
    if key.startswith("production-approval"):
        return "open the ui link, menu ⋮ → Resume, type DEPLOY TO PRODUCTION"
    if key.startswith("approval"):
        return f"`hugopipe approve {rid}` or `hugopipe reject {rid}` (or Resume in the ui)"
    if key.startswith("decision-"):
        return f"`hugopipe decide {rid} CHOICE` with a choice the ui link lists (or Resume there)"
    return "open the ui link, menu ⋮ → Resume"


def outcome(run: dict[str, Any], deployment: str | None = None) -> RunOutcome:
    stype, sname = state_of(run)
    return RunOutcome(
        site_name=site_of_run(run),
        flow_run_id=run["id"],
        flow_run_name=run.get("name"),
        deployment=deployment,
        parameters=run.get("parameters") or {},
        state_type=stype,
        state_name=sname,
        state_message=(run.get("state") or {}).get("message"),
        ui_url=ui_url(run["id"]),
        waiting_for_approval=stype == "PAUSED",
        how_to_answer=how_to_answer(run),
        start_time=run.get("start_time"),
        end_time=run.get("end_time"),
        duration_seconds=run.get("total_run_time"),
    )


#: State types after which waiting stops: the run ended, or it waits for a person.
SETTLED = TERMINAL | {"PAUSED"}


#: what a paused run's last line starts with: the ``stage waiting:`` line flows/publish.py
#: logs before every question, or the production approval's warning (flows/approval.py)
PAUSED_LAST_LINES = ("stage waiting: ", "Production is waiting for approval")

#: a run that died (crashed) or was stopped from outside (cancelled, or never started) may
#: ship no last line: wait this long at most for stragglers
SHORT_PATIENCE = 5.0
#: a run that shipped no log line at all by the time it settled
NO_LINES_PATIENCE = 10.0


def is_last_line(run: dict[str, Any], message: str, task_run_id: str | None) -> bool:
    """Whether ``message`` is the last line the settled ``run`` ships: the engine's
    "Finished in state <its state>" when it ended or suspended, a waiting line when it
    paused. Only the flow's own lines count: every task run logs a "Finished in state" too."""
    if task_run_id:
        return False
    stype, sname = state_of(run)
    if message.startswith(f"Finished in state {sname}"):
        return True
    return stype == "PAUSED" and message.startswith(PAUSED_LAST_LINES)


def _logs(api: Any, run_id: str, offset: int) -> tuple[list[tuple[str, str | None]], int]:
    """(message, task run id) of the run's log lines after the first ``offset``; new offset."""
    body = {
        "logs": {"flow_run_id": {"any_": [run_id]}, "level": {"ge_": 20}},
        "sort": "TIMESTAMP_ASC",
        "limit": LOG_PAGE,
        "offset": offset,
    }
    page = api.request("POST", "/logs/filter", json=body) or []
    lines = [(str(lg.get("message", "")), lg.get("task_run_id")) for lg in page]
    return lines, offset + len(page)


def stage_lines(api: Any, run_id: str, offset: int) -> tuple[list[str], int]:
    """The ``stage <name>: <line>`` log lines of a run after the first ``offset`` log
    lines (flows/outcome.py logs one as each stage finishes); (lines, new offset)."""
    lines, offset = _logs(api, run_id, offset)
    return [m[6:] for m, _ in lines if m.startswith("stage ")], offset


def _drain(
    api: Any,
    run: dict[str, Any],
    offset: int,
    on_stage: Callable[[str], None],
    patience: float,
) -> None:
    """The run has settled, but its last log lines reach the API a batch or more later
    (Prefect ships logs every 2 s; the state is set first): read on until its last line
    (``is_last_line``) arrives, or ``patience`` seconds, so no finished stage goes unsaid."""
    began = time.monotonic()
    while True:
        lines, offset = _logs(api, run["id"], offset)
        for m, _ in lines:
            if m.startswith("stage "):
                on_stage(m[6:])
        if any(is_last_line(run, m, task) for m, task in lines):
            return
        if len(lines) == LOG_PAGE:  # a backlog: read on at once
            continue
        waited = time.monotonic() - began
        # a run that shipped no line at all has API logging off (PREFECT_LOGGING_TO_API_ENABLED),
        # or a very busy server: waited on a little longer than one that was stopped
        if waited >= patience or (offset == 0 and waited >= NO_LINES_PATIENCE):
            return
        time.sleep(0.25)


def wait_for(
    api: Any,
    run_id: str,
    timeout: float,
    interval: float = 1.0,
    on_state: Callable[[str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    patience: float = 30.0,
) -> dict[str, Any]:
    """Poll until the run ends or pauses; returns the last seen run (check its state).

    ``on_state`` hears each new state name (the CLI prints ``… Running`` on stderr);
    ``on_stage`` each stage as it finishes (``build: 37 pages, 54 files in 0.3 s``),
    every one of them, read up to ``patience`` seconds past the run's settling. The wait
    ends as soon as the run's last line arrives (``is_last_line``), normally within one 2-s
    log batch; the long default is for a busy server, which took over 5 s in a CI run and
    left the last two stages unsaid.
    """
    deadline = time.monotonic() + timeout
    last_name = None
    seen = 0
    while True:
        try:
            run = api.flow_run(run_id)
        except NotFound:  # the id was good when the wait began: not the user's typo (exit 1)
            raise HugopipeError(
                f"run {run_id} was deleted while hugopipe waited for it",
                hint="`hugopipe runs` lists what is there now",
            ) from None
        stype, sname = state_of(run)
        if on_stage is not None:
            if stype in SETTLED:
                stopped = stype in ("CRASHED", "CANCELLED") or not run.get("start_time")
                _drain(
                    api, run, seen, on_stage, min(patience, SHORT_PATIENCE) if stopped else patience
                )
            else:
                lines, seen = stage_lines(api, run_id, seen)
                for line in lines:
                    on_stage(line)
        if sname != last_name:
            if on_state is not None:
                on_state(sname)
            last_name = sname
        if stype in SETTLED:
            return run
        if time.monotonic() >= deadline:
            return run
        time.sleep(interval)


def deployment_names(flow: str, deployment: str | None = None) -> tuple[str, str]:
    """(Prefect flow name, deployment name) for ``run <flow>`` or an explicit
    ``--deployment FLOW/DEPLOYMENT`` (a bare ``DEPLOYMENT`` keeps the flow's name)."""
    spec = flow_spec(flow)
    flow_name, dep_name = (spec.flow_name, spec.deployment) if spec else (flow, "site")
    if deployment:
        if "/" in deployment:
            flow_name, _, dep_name = deployment.partition("/")
        else:
            dep_name = deployment
    return flow_name, dep_name


def trigger(
    flow: str,
    params: dict[str, Any],
    *,
    deployment: str | None = None,
    idempotency_key: str | None = None,
    tags: list[str] | None = None,
) -> tuple[dict[str, Any], str]:
    """Start a run of a served deployment; returns (the run, ``flow/deployment``).

    An unknown environment of a site on this machine is refused first (exit 2, no run).
    The run is tagged with its site (``site:NAME``), the deployment's default site
    when ``params`` names none, so ``hugopipe runs --site`` finds it.
    """
    from hugopipe.sites import TAG_PREFIX, name_of

    flow_name, dep_name = deployment_names(flow, deployment)
    with PrefectApi() as api:
        dep = api.deployment_by_name(flow_name, dep_name)
        merged = {**(dep.get("parameters") or {}), **params}
        check_environment(merged)
        site = name_of(merged.get("site"))
        if site and not any(t.startswith(TAG_PREFIX) for t in tags or []):
            tags = [*(tags or []), f"{TAG_PREFIX}{site}"]
        run = api.create_run(
            dep["id"],
            params,
            idempotency_key=idempotency_key,
            tags=tags,
            work_queue_name=work_queue_for(api, dep, merged),
        )
    return run, f"{flow_name}/{dep_name}"


#: the work queue that only the production workers poll (README "Growing beyond one machine")
PRODUCTION_QUEUE = "production"


def work_queue_for(
    api: PrefectApi, dep: dict[str, Any], params: dict[str, Any], wanted: str | None = None
) -> str | None:
    """The work queue a new run of ``dep`` goes to: a production run to the pool's
    ``production`` queue when the pool has one, so only the workers that hold production
    credentials pick it up; any other run to ``wanted`` (a task's priority queue), else the
    deployment's own. None for a served deployment (no pool: the serving process runs it)."""
    pool = dep.get("work_pool_name")
    if not pool:
        return None
    if production_run(with_defaults(dep, params)) and api.has_work_queue(pool, PRODUCTION_QUEUE):
        return PRODUCTION_QUEUE
    return wanted


def with_defaults(dep: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """``params`` over the deployment's and then the flow's own defaults (its parameter
    schema): a run started without ``env`` gets the flow's default environment, and that
    is the one whose production rule counts."""
    schema = (dep.get("parameter_openapi_schema") or {}).get("properties") or {}
    flow_defaults = {k: v["default"] for k, v in schema.items() if "default" in v}
    return {**flow_defaults, **(dep.get("parameters") or {}), **params}


def production_run(params: dict[str, Any]) -> bool:
    """Does a run with these parameters deploy production? Decided by the site's own rule
    (``ProjectConfig.is_production``: its bucket and distribution) when the site is on this
    machine; for a site only the workers have, by the environment's name or mark alone
    (``projectfile.is_production`` without the site's files)."""
    site, env = params.get("site"), params.get("env")
    if not isinstance(env, str):
        return False
    from hugopipe import projectfile
    from hugopipe.sites import local_folder

    folder = local_folder(site) if isinstance(site, str) else None
    if folder is None:
        return projectfile.is_production(env, None)
    from hugopipe.config import ProjectConfig

    return ProjectConfig.load(folder).is_production(env)


def check_environment(params: dict[str, Any]) -> None:
    """Refuse an unknown environment before starting a run, when the site is on this machine.

    The worker would fail the run with the same ConfigError a minute later; saying it
    now (exit 2, naming hugopipe.toml and the known environments) starts nothing.
    """
    site, env = params.get("site"), params.get("env")
    if not isinstance(site, str) or not isinstance(env, str):
        return
    from hugopipe.sites import local_folder

    folder = local_folder(site)
    if folder is None:
        return
    from hugopipe.config import ProjectConfig

    ProjectConfig.load(folder).environment(env)


#: parameters that make two runs of one deployment "the same run": the site, the
#: environment where the flow takes one, and the task file where it runs one (two
#: different task files for one site are two pieces of work, not a duplicate)
SAME_RUN_KEYS = ("site", "env", "task_file")

#: states in which a run still counts as going: a second one would duplicate it
#: (SCHEDULED only once due: a schedule's future runs are not going yet)
GOING = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]


#: after this long Running, Pending or Cancelling a run is presumed gone (its worker was
#: killed) and held back nothing: nightly maintenance crashes such runs (its
#: ``stale_hours``, 6 by default), and a dead nightly must not block the next one that
#: would sweep it
STALE = timedelta(hours=6)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _going(run: dict[str, Any], now: datetime) -> bool:
    """Whether ``run`` (in a GOING state) counts: a SCHEDULED one once its start time has
    come (late or about to start), a Paused one always (a person may still approve it),
    the others unless they have been in their state longer than ``STALE``."""
    state = run.get("state") or {}
    if state.get("type") == "SCHEDULED":
        when = _time(run.get("expected_start_time") or run.get("next_scheduled_start_time"))
        return when is None or when <= now
    if state.get("type") == "PAUSED":
        return True
    since = _time(state.get("timestamp"))
    return since is None or now - since < STALE


def earlier_run(api: Any, run: dict[str, Any]) -> dict[str, Any] | None:
    """The earliest run of ``run``'s deployment, with the same site, environment and task
    file, that is late, pending, running or paused and was created before ``run``; None
    when there is none or ``run`` was not started from a deployment.

    Both of two racing runs see each other; only the later one (by creation time, then
    id) finds an earlier one, so exactly one of them goes on.
    """
    dep_id = run.get("deployment_id")
    if not dep_id:
        return None
    params = run.get("parameters") or {}
    mine = (str(run.get("created") or ""), run["id"])
    body = {
        "flow_runs": {
            "deployment_id": {"any_": [dep_id]},
            "state": {"type": {"any_": GOING}},
        },
        "sort": "EXPECTED_START_TIME_ASC",
        "limit": 200,
    }
    now = datetime.now(UTC)
    found = [
        other
        for other in api.request("POST", "/flow_runs/filter", json=body) or []
        if other["id"] != run["id"]
        and all(_same(k, other.get("parameters") or {}, params) for k in SAME_RUN_KEYS)
        and (str(other.get("created") or ""), other["id"]) < mine
        and _going(other, now)
    ]
    return min(found, key=lambda o: (str(o.get("created") or ""), o["id"])) if found else None


def _same(key: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Is ``key`` the same in both runs' parameters? A site named by its workspace name in
    one and by its folder in the other is the same site (``hugopipe.sites.key_of``)."""
    if key != "site" or a.get(key) == b.get(key):
        return a.get(key) == b.get(key)
    from hugopipe.sites import key_of

    return key_of(a.get(key)) == key_of(b.get(key))


def yield_message(other: dict[str, Any], label: str) -> str:
    """What a run that yielded says: which run it yielded to, and that run's state."""
    _, sname = state_of(other)
    return (
        f"Yielded to {label} run {other.get('name')} ({other['id']}), {sname}: one run of a "
        "deployment per site and environment at a time"
    )


def yield_to_earlier(api: Any, run: dict[str, Any], label: str) -> dict[str, Any] | None:
    """No duplicate run: when an earlier run of the same deployment, site and environment
    is late, pending, running or paused, cancel ``run`` (just created) with a message
    naming it and return the earlier one to follow; else None.

    Checked after creating, not before, so two triggers racing leave one run
    (``earlier_run``). The flows check the same at their start
    (flows/single_run.py), for runs started from the UI, the API or a schedule.
    """
    other = earlier_run(api, run)
    if other is None:
        return None
    current, _ = state_of(api.flow_run(run["id"]))
    target = "CANCELLED" if current == "SCHEDULED" else "CANCELLING"
    api.set_state(run["id"], target, yield_message(other, label), force=True)
    return other
