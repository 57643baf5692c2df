"""Retry inspection: what each attempt of a task run did, and what to do about a failure.

Prefect records attempts only implicitly. A task that fails with retries left
goes ``Running → AwaitingRetry → Retrying → …`` and the ``AwaitingRetry`` state
carries no message: the exception of a retried attempt is only in the engine's
log line ``Task run failed with exception: X('…') - Retry n/N will start …``.
So this module rebuilds the attempts from the state history *and* those log
lines. It is pure (plain dicts in, dataclasses out) and imports neither Prefect
nor pydantic, so ``hugopipe retries`` stays fast enough to call in a loop.

Failure classes follow ``hugopipe.errors.FailureClass``: the exception type
decides when it is one we know; otherwise the message text does. The S3 and
botocore names (error codes, exception classes) come from
``hugopipe.deploy.errors``, the deployer's own classification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hugopipe.deploy.errors import (
    CREDENTIAL_CODES,
    CREDENTIAL_EXCEPTIONS,
    RETRY_CODES,
    TRANSIENT_EXCEPTIONS,
)
from hugopipe.errors import NEXT_STEP, FailureClass
from hugopipe.llm.rules import explain_known

# -- classification ------------------------------------------------------------

#: Exception type names whose class alone decides the failure class.
_BY_TYPE: dict[str, FailureClass] = {
    # ours (hugopipe.errors)
    "TransientError": FailureClass.TRANSIENT,
    "TemplateError": FailureClass.TEMPLATE,
    "ContentError": FailureClass.CONTENT,
    "ConfigError": FailureClass.CONFIGURATION,
    "ProductionRefused": FailureClass.CONFIGURATION,
    "CredentialsError": FailureClass.CREDENTIALS,
    # Python, httpx, urllib3, Prefect
    "TimeoutError": FailureClass.TRANSIENT,
    "ConnectionError": FailureClass.TRANSIENT,
    "ConnectionResetError": FailureClass.TRANSIENT,
    "ConnectionRefusedError": FailureClass.TRANSIENT,
    "ConnectionAbortedError": FailureClass.TRANSIENT,
    "BrokenPipeError": FailureClass.TRANSIENT,
    "RemoteDisconnected": FailureClass.TRANSIENT,
    "ConnectError": FailureClass.TRANSIENT,
    "ConnectTimeout": FailureClass.TRANSIENT,
    "ReadTimeout": FailureClass.TRANSIENT,
    "ReadError": FailureClass.TRANSIENT,
    "PoolTimeout": FailureClass.TRANSIENT,
    "TaskRunTimeoutError": FailureClass.TRANSIENT,
    "AcquireConcurrencySlotTimeoutError": FailureClass.TRANSIENT,
    # botocore
    **dict.fromkeys(TRANSIENT_EXCEPTIONS, FailureClass.TRANSIENT),
    **dict.fromkeys(CREDENTIAL_EXCEPTIONS, FailureClass.CREDENTIALS),
}


def _codes(codes: frozenset[str]) -> str:
    return "|".join(sorted(codes))


#: Message patterns, tried in this order when the type is generic (ClientError, RuntimeError, …).
#: Credentials first: an AccessDenied is a 403, never worth retrying.
_BY_TEXT: list[tuple[FailureClass, re.Pattern[str]]] = [
    (
        FailureClass.CREDENTIALS,
        re.compile(
            _codes(CREDENTIAL_CODES) + r"|"
            r"InvalidClientTokenId|NoCredentials|Unable to locate credentials|"
            r"security token .* (invalid|expired)|\bForbidden\b|\b403\b|credentials",
            re.I,
        ),
    ),
    (
        FailureClass.TEMPLATE,
        re.compile(
            r"layouts/|execute of template|html/template|text/template|\btemplate[: ]|"
            r"partial \"|render of \"|shortcode|template for shortcode|function .* not defined",
            re.I,
        ),
    ),
    (
        FailureClass.CONTENT,
        re.compile(
            r"front ?matter|broken (internal )?link|\bcontent/|REF_NOT_FOUND|"
            r"failed to unmarshal|missing image|ref .* not found|\bbroken image",
            re.I,
        ),
    ),
    (
        FailureClass.TRANSIENT,
        re.compile(
            _codes(RETRY_CODES) + r"|"
            r"Throttl|Too Many Requests|\b429\b|\b5\d\d\b|timed? ?out|timeout|"
            r"connection (reset|refused|aborted|closed)|could not connect|"
            r"temporar(il)?y|try again|name or service not known|"
            r"Max retries exceeded|broken pipe",
            re.I,
        ),
    ),
    (
        FailureClass.CONFIGURATION,
        re.compile(
            r"hugopipe\.toml|hugo\.(toml|yaml|json)|config(uration)?\b|unknown environment|"
            r"deployment target|NoSuchBucket|no such target|not configured",
            re.I,
        ),
    ),
]

_EXC_NAME = re.compile(r"\b([A-Z][A-Za-z0-9_]*(?:Error|Exception|Timeout|Refused|Disconnected))\b")


def exception_type(text: str) -> str | None:
    """The first exception class name in ``text`` (``TransientError('x')``, ``ClientError: …``)."""
    m = _EXC_NAME.search(text or "")
    return m.group(1) if m else None


def classify(text: str | None) -> FailureClass:
    """Failure class of an error message: the exception type when we know it, else the text."""
    if not text:
        return FailureClass.UNKNOWN
    for name in _EXC_NAME.findall(text):
        cls = _BY_TYPE.get(name)
        if cls is not None:
            return cls
    for cls, pattern in _BY_TEXT:
        if pattern.search(text):
            return cls
    return FailureClass.UNKNOWN


def next_step(cls: FailureClass) -> str:
    return NEXT_STEP[cls]


# -- attempts --------------------------------------------------------------------

_RETRY_LOG = re.compile(
    r"Task run failed with (?:exception|state): (?P<err>.*?) - "
    r"(?:Retry (?P<n>\d+)/(?P<total>\d+) will start (?P<when>.*)|Retries are exhausted)",
    re.S,
)
_FINAL_LOG = re.compile(r"Task run failed with (?:exception|state): (?P<err>.+)", re.S)


@dataclass
class Attempt:
    number: int
    state: str  # name of the state that ended the attempt (Completed, AwaitingRetry, Failed…)
    outcome: str  # success | failed | running | crashed | cancelled
    started_at: str | None = None
    ended_at: str | None = None
    duration_seconds: float | None = None
    error: str | None = None
    failure_class: str | None = None
    next_step: str | None = None
    explanation: str | None = None  # one line from hugopipe.llm.rules, when a rule knows it
    retry_delay_seconds: float | None = None  # delay Prefect scheduled before the next attempt
    waited_seconds: float | None = None  # time until the next attempt actually started


@dataclass
class TaskRetries:
    task_run_id: str
    task_name: str
    final_state: str
    run_count: int
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def retry_delays(self) -> list[float]:
        return [a.retry_delay_seconds for a in self.attempts if a.retry_delay_seconds is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_run_id": self.task_run_id,
            "task_name": self.task_name,
            "final_state": self.final_state,
            "run_count": self.run_count,
            "retries": max(0, len(self.attempts) - 1),
            "retry_delays_seconds": self.retry_delays,
            "attempts": [a.__dict__ for a in self.attempts],
        }


def _ts(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _seconds(a: Any, b: Any) -> float | None:
    start, end = _ts(a), _ts(b)
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def _clean(err: str) -> str:
    """First line of an error, without Prefect's wrapping ('Task run encountered an exception')."""
    err = err.strip()
    err = err.removeprefix("Task run encountered an exception").strip()
    first = err.splitlines()[0] if err else err
    return first[:500]


def errors_from_logs(messages: list[str]) -> tuple[dict[int, str], str | None]:
    """Attempt number → error from ``Retry n/N`` log lines, plus the final (no retry left) error."""
    by_attempt: dict[int, str] = {}
    final: str | None = None
    for msg in messages:
        m = _RETRY_LOG.search(msg or "")
        if m:
            if m.group("n"):
                by_attempt[int(m.group("n"))] = _clean(m.group("err"))
            else:
                final = _clean(m.group("err"))
            continue
        m = _FINAL_LOG.search(msg or "")
        if m:
            final = _clean(m.group("err"))
    return by_attempt, final


def _fail(attempt: Attempt, error: str | None) -> None:
    attempt.error = error
    cls = classify(error)
    attempt.failure_class = str(cls)
    attempt.next_step = next_step(cls)
    known = explain_known(error or "")
    attempt.explanation = known[1] if known else None


def inspect_task(
    task_run: dict[str, Any], states: list[dict[str, Any]], log_messages: list[str] | None = None
) -> TaskRetries:
    """Rebuild every attempt of one task run from its states (and its log lines, for errors)."""
    by_attempt, final_error = errors_from_logs(log_messages or [])
    ordered = sorted(
        states, key=lambda s: (_ts(s.get("timestamp")) or datetime.min, s.get("id", ""))
    )
    attempts: list[Attempt] = []
    current: Attempt | None = None
    pending_wait: Attempt | None = None  # attempt whose AwaitingRetry precedes the next Running

    for st in ordered:
        stype = st.get("type") or ""
        name = st.get("name") or stype.title()
        ts = st.get("timestamp")
        message = st.get("message") or None
        if stype == "RUNNING":
            if current is not None and current.outcome == "running":
                # Running → Retrying with no AwaitingRetry: an immediate retry (no delay configured)
                current.state, current.outcome, current.ended_at = "Failed", "failed", ts
                current.duration_seconds = _seconds(current.started_at, ts)
                _fail(current, by_attempt.get(current.number))
                current.retry_delay_seconds, current.waited_seconds = 0.0, 0.0
            if pending_wait is not None:
                pending_wait.waited_seconds = _seconds(pending_wait.ended_at, ts)
                pending_wait = None
            current = Attempt(
                number=len(attempts) + 1, state=name, outcome="running", started_at=ts
            )
            attempts.append(current)
            continue
        if current is None or current.outcome != "running":
            continue  # Pending/Scheduled before the first attempt, or a late duplicate
        current.state, current.ended_at = name, ts
        current.duration_seconds = _seconds(current.started_at, ts)
        if stype == "SCHEDULED":  # AwaitingRetry: this attempt failed, Prefect will retry
            current.outcome = "failed"
            _fail(current, by_attempt.get(current.number) or message)
            scheduled = (st.get("state_details") or {}).get("scheduled_time")
            current.retry_delay_seconds = _seconds(ts, scheduled)
            pending_wait = current
        elif stype == "COMPLETED":
            current.outcome = "success"
        elif stype in {"FAILED", "CRASHED", "CANCELLED"}:
            current.outcome = {"FAILED": "failed", "CRASHED": "crashed"}.get(stype, "cancelled")
            _fail(current, _clean(message) if message else final_error)
        else:  # PAUSED or anything unexpected: the attempt is still open
            current.outcome = "running"

    last = ordered[-1] if ordered else {}
    final_state = (task_run.get("state") or {}).get("name") or last.get("name") or "Unknown"
    return TaskRetries(
        task_run_id=str(task_run.get("id", "")),
        task_name=task_display_name(task_run),
        final_state=final_state,
        run_count=int(task_run.get("run_count") or len(attempts)),
        attempts=attempts,
    )


def task_display_name(task_run: dict[str, Any]) -> str:
    """``apply-deploy-3f2`` → ``apply-deploy``: Prefect suffixes task run names with a counter."""
    name = str(task_run.get("name") or "")
    return re.sub(r"-[0-9a-f]{3}$|-\d+$", "", name)
