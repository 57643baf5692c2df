"""The last result file of a run that ended while it was suspended, waiting for a person.

A run waiting for an approval or a decision is *suspended* (``flows/approval.py``): no
process of it is left, and its last result file reads ``paused``. Two things can end
it without any flow code running again:

* its ``approval_expires_after`` passes: Prefect's pause-expiry service fails it on
  the server ("The flow was paused and never resumed.");
* a person rejects or cancels it (``hugopipe reject``, the UI): a suspended run goes
  straight to Cancelled.

``settle`` rewrites that ``paused`` file to say what happened — expired or stopped,
nothing deployed, and why — in the same shape the flow itself writes (``flows/outcome``).
Callers: ``hugopipe reject``/``cancel`` right after they stop a run, ``hugopipe result``
and the task intake (through ``hugopipe.run_results.result_of``), and the serving
process's intake loop (``record_settled``, every few ticks) for what ended otherwise.
Prefect runs no flow code when the server expires or cancels a suspended run (the
notification is the automation's, deployments/automations.py); this is that step,
over REST.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hugopipe.errors import stopped_next_step

#: part of the message Prefect's pause-expiry service gives the run it fails
EXPIRED_MARK = "never resumed"
EXPIRED_NEXT_STEP = (
    "Nobody approved or answered in time, so nothing was deployed. Tell the user; start the "
    "publish again only if they still want it."
)


def is_expired(run: dict[str, Any]) -> bool:
    state = run.get("state") or {}
    return state.get("type") == "FAILED" and EXPIRED_MARK in (state.get("message") or "")


def _with_stage(summary: str, line: str, next_step: str) -> str:
    """The flow's summary (stage lines, then "## Next Steps") with one more stage line."""
    head = (summary or "").split("\n## Next Steps", 1)[0].rstrip()
    return f"{head}\n{line}\n\n## Next Steps\n{next_step}"


def settle(run: dict[str, Any], path: Path | None) -> Path | None:
    """Rewrite ``path``, the last result file of ``run``, if it reads ``paused`` and the run
    ended expired or cancelled; returns its path, or None when there is nothing to rewrite."""
    from hugopipe.results import ResultFile, write_result

    state = run.get("state") or {}
    expired = is_expired(run)
    if path is None or (not expired and state.get("type") != "CANCELLED"):
        return None
    import yaml

    try:
        result = ResultFile.parse(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None  # a damaged file: `hugopipe result` names it and the repair
    if result.status != "paused":
        return None  # the flow wrote its own last word
    now = datetime.now(UTC)
    message = (state.get("message") or "").strip()
    if expired:
        why = (
            f"the wait for a person expired (Prefect: {message or 'never resumed'}); "
            "nothing was deployed"
        )
        update: dict[str, Any] = {
            "status": "failed",
            "failure_class": "unknown",
            "next_step": EXPIRED_NEXT_STEP,
        }
    else:
        why = message or "Cancelled in the Prefect UI"
        update = {
            "status": "cancelled",
            "next_step": stopped_next_step(why, deploying=False, deployed=False),
        }
    outputs = dict(result.outputs or {})
    outputs["errors"] = [{"message": why}]
    if expired:
        outputs["expired"] = True
    update.update(
        completed_at=now,
        duration_seconds=round((now - result.started_at).total_seconds(), 2)
        if result.started_at
        else None,
        outputs=outputs,
        summary=_with_stage(result.summary, f"- **approval**: {why}", update["next_step"]),
    )
    return write_result(result.model_copy(update=update))


def record_settled(
    api: Any,
    find: Callable[[Any, dict[str, Any]], Path | None],
    within: timedelta = timedelta(days=2),
) -> list[Path]:
    """``settle`` every hugopipe run that ended Failed or Cancelled within ``within``;
    ``find(api, run)`` is its result file (``hugopipe.run_results.find_result_file``)."""
    since = (datetime.now(UTC) - within).isoformat()
    body = {
        "flow_runs": {
            "state": {"type": {"any_": ["FAILED", "CANCELLED"]}},
            "end_time": {"after_": since},
            "tags": {"all_": ["hugopipe"]},
        },
        "sort": "END_TIME_DESC",
        "limit": 50,
    }
    written = []
    for run in api.request("POST", "/flow_runs/filter", json=body) or []:
        if is_expired(run) or (run.get("state") or {}).get("type") == "CANCELLED":
            path = settle(run, find(api, run))
            if path is not None:
                written.append(path)
    return written
