"""What every publishing flow run leaves for Claude Code: a result file, however it ends.

Success, a failure (with its class and next step) or a stop by a person (reject, cancel,
the process terminated): ``recorded`` writes the same contract in each case, so the
flows only sequence their tasks and say how far they got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import get_run_logger
from prefect.runtime import flow_run

from hugopipe.errors import NEXT_STEP, FailureClass, HugopipeError, stopped_next_step
from hugopipe.results import ResultFile
from tasks.llm import explain_failure
from tasks.results import record_result


class LoggedStages(dict[str, str]):
    """Stage → one line; each line is also logged as ``stage <name>: <line>`` when set,
    which ``hugopipe run --wait`` / ``submit --wait`` print on stderr as the run goes
    (``hugopipe.run_control.stage_lines``)."""

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key, value)
        get_run_logger().info("stage %s: %s", key, value)


@dataclass
class Progress:
    """How far a run got: what the result file reports, and what a stop or failure says."""

    outputs: dict = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=LoggedStages)  # stage -> summary line
    next_step: str | None = None  # set by the flow on success
    waiting: bool = False  # at the production approval pause
    deploying: bool = False  # writing to the target
    deployed: bool = False  # the write finished


def stop_reason() -> str:
    """Why this run is being stopped, from its state on the server: the message on a
    Cancelling state (``Rejected: <reason>`` from `hugopipe reject`), a cancel without
    one (the UI), or no cancel at all — the process was terminated from outside (its
    serve process or worker stopped) while the run was still Paused or Running."""
    from prefect.client.orchestration import get_client

    try:
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(flow_run.id).state
    except Exception:  # the process is being stopped: say less rather than fail here
        return "Stopped before it finished (the Prefect API could not say why)"
    if state is not None and state.type.value in {"CANCELLING", "CANCELLED"}:
        return (state.message or "").strip() or "Cancelled in the Prefect UI"
    return "Stopped: the process running it was terminated (its serve process or worker stopped)"


@contextmanager
def recorded(
    result: ResultFile,
    progress: Progress,
    summary: Callable[[dict[str, str], str], str],
    label: str,
) -> Iterator[Progress]:
    """Run the body; record the result file however it ends. ``label`` names the run in
    the log ("publish to staging")."""
    logger = get_run_logger()
    suspended = False
    try:
        yield progress
        result.status = "success"
    except BaseException as exc:
        if exc.__class__.__name__ == "Pause":
            # suspended for a person (flows/approval.py): the process exits and the run
            # starts again on resume; the "paused" result file it wrote stays the last word
            suspended = True
            raise
        if exc.__class__.__name__ == "Rejected":  # a person said no on a card
            result.status = "cancelled"
            progress.stages["approval"] = str(exc)
            progress.next_step = stopped_next_step(str(exc), deploying=False, deployed=False)
            progress.outputs["errors"] = [{"message": str(exc)}]
            logger.warning("%s stopped: %s", label, exc)
        elif exc.__class__.__name__ in {"CancelledError", "TerminationSignal"}:
            # a person stopped it (`hugopipe reject`/`cancel`, the UI, a stopped worker)
            why = stop_reason()
            result.status = "cancelled"
            if progress.waiting:
                progress.stages["approval"] = why
            progress.next_step = stopped_next_step(
                why, deploying=progress.deploying, deployed=progress.deployed
            )
            progress.outputs["errors"] = [{"message": why}]
            logger.warning("%s stopped: %s", label, why)
        else:
            fc = exc.failure_class if isinstance(exc, HugopipeError) else FailureClass.UNKNOWN
            result.status = "failed"
            progress.outputs["errors"] = [
                exc.to_dict() if isinstance(exc, HugopipeError) else {"message": str(exc)}
            ]
            # rules first, a local model only for what they do not know (hugopipe.llm.explain)
            result.failure_explanation = explain_failure(str(exc), fc)
            fc = FailureClass(result.failure_explanation["failure_class"])
            result.failure_class = str(fc)
            progress.next_step = NEXT_STEP[fc]
            logger.error("%s failed (%s): %s", label, fc, exc)
        raise
    finally:
        if not suspended:
            _finish(result, progress, summary)


def _finish(
    result: ResultFile, progress: Progress, summary: Callable[[dict[str, str], str], str]
) -> None:
    """Write the final result file (``recorded``'s last step)."""
    result.completed_at = datetime.now(UTC)
    if result.started_at is not None:
        result.duration_seconds = round(
            (result.completed_at - result.started_at).total_seconds(), 2
        )
    result.outputs = progress.outputs
    result.next_step = progress.next_step
    result.summary = summary(progress.stages, progress.next_step or "")
    record_result(result)
