"""Asking a person and waiting for the answer: the production phrase, the staging card.

The production phrase is a ``Literal`` so the *server* rejects anything else through
the input's JSON schema (``const``); a pydantic validator would be checked only
after the server had already accepted the input. There is deliberately no parameter
that skips the production step.

How a run waits (``wait_for_person``): a run of a deployment *suspends*
(``suspend_flow_run``): its process exits, so a pending approval survives a restart
of the serving process or worker, holds no process and no concurrency slot, and on
resume the runner starts the flow again from the top — the earlier steps run again
(the build is Hugo's, fast and deterministic; the plan is recomputed against the
bucket as it is then) and each ``suspend_flow_run`` already answered returns its
stored answer at once, keyed by a fixed name per question. A run called directly
(no deployment: tests, ``python flows/publish.py``) cannot suspend and *pauses* in
its process instead. Either way the wait expires after the site's
``approval_expires_after`` (``hugopipe.approval_rules``) without deploying, counted from
the first question the run asked (the earliest of its question inputs on the server,
``first_asked``): a wrong authenticator code asks again, and a card followed by the
production form asks twice, but neither starts a new wait of its own, so three tries cannot
stretch 24 h to 72 h. Every form says when it expires.

Before it waits, a run emits the event ``hugopipe.run.waiting`` with the one-line
verdict and the ``/v2`` link; the automation made by ``deployments/automations.py``
turns it into a notification.
"""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from prefect import get_run_logger
from prefect.input import RunInput
from prefect.runtime import deployment, flow_run
from pydantic import Field

from flows.approval_record import (
    CODE_TRIES,
    ProductionApproval,
    ProductionApprovalWithCode,
    already_recorded,
    answered_at,
    approval_line,
    check_second_factor,
    record_approval,
    second_factor_step,
)
from hugopipe.approval import totp
from hugopipe.approval_rules import WAITING_EVENT, describe_duration, expiry_seconds
from hugopipe.errors import FailureClass, HugopipeError, ProductionRefused
from hugopipe.prefect_rest import ui_url

__all__ = [
    "CODE_TRIES",
    "PHRASE",
    "ProductionApproval",
    "ProductionApprovalWithCode",
    "approval_line",
    "record_approval",
    "request_production_approval",
    "request_staging_approval",
    "second_factor_step",
    "wait_for_person",
]

PHRASE = "DEPLOY TO PRODUCTION"

T = TypeVar("T", bound=RunInput)


class StagingApproval(RunInput):
    """The approve/reject card of a non-production publish (no phrase: ``hugopipe approve``
    answers it too)."""

    decision: Literal["approve", "reject"] = Field(
        title="Deploy this change?",
        description="approve deploys it; reject stops the run and deploys nothing.",
    )
    note: str = Field("", title="Note for the release record", description="Optional")


class ApprovalExpired(HugopipeError):
    """Nobody answered in time: nothing was deployed."""


def approval_link() -> str:
    """This run's page in the new UI (core builds it: flows never import the CLI)."""
    return ui_url(str(flow_run.id))


def first_start() -> tuple[datetime, datetime]:
    """(when this run was created, when it first started): a run suspended for a person and
    started again after the answer keeps the task id (named for its creation) and the
    start its result file had."""
    from prefect.context import FlowRunContext

    now = datetime.now(UTC)
    ctx = FlowRunContext.get()
    run = ctx.flow_run if ctx is not None else None
    if run is None:
        return now, now
    created = run.created.astimezone(UTC) if run.created else now
    start = run.start_time.astimezone(UTC) if run.start_time and run.run_count > 1 else now
    return created, start


def _answered(key: str) -> bool:
    """Whether the question ``key`` of this run was answered already (a suspended run
    started again after its resume): then no second notification is sent."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    with get_client(sync_client=True) as client:
        try:
            client.read_flow_run_input(flow_run.id, f"suspended-{key}-response")
        except ObjectNotFound:
            return False
        except PrefectHTTPStatusError as exc:  # the sync client raises this for a 404
            if exc.response.status_code == 404:
                return False
            raise
    return True


def announce(kind: str, verdict: str, key: str) -> None:
    """Emit ``hugopipe.run.waiting`` (what the notification automation listens for)."""
    from prefect.events import emit_event

    from hugopipe.sites import TAG_PREFIX, name_of

    related = [{"prefect.resource.id": "prefect.tag.hugopipe", "prefect.resource.role": "tag"}]
    site = name_of((flow_run.parameters or {}).get("site"))
    if site:  # a site's own notification block listens for its tag (deployments/automations.py)
        related.append(
            {
                "prefect.resource.id": f"prefect.tag.{TAG_PREFIX}{site}",
                "prefect.resource.role": "tag",
            }
        )
    emit_event(
        WAITING_EVENT,
        resource={
            "prefect.resource.id": f"prefect.flow-run.{flow_run.id}",
            "prefect.resource.name": str(flow_run.name),
        },
        related=related,
        payload={"kind": kind, "verdict": verdict, "link": approval_link(), "key": key},
    )


def first_asked() -> datetime | None:
    """When this run first asked a person anything: the earliest of its question inputs
    (``suspended-…``/``paused-…``, written by Prefect as each question is asked; the server
    sets their time, the sender cannot). None before the first question."""
    from prefect.client.orchestration import get_client

    times: list[datetime] = []
    with get_client(sync_client=True) as client:
        for prefix in ("suspended-", "paused-"):
            found = client.filter_flow_run_input(
                flow_run_id=flow_run.id, key_prefix=prefix, limit=1000, exclude_keys=set()
            )
            times += [f.created for f in found if f.created is not None]
    # plain datetimes in UTC (the client hands back pendulum's, which refuse to mix)
    plain = [
        datetime.fromtimestamp((t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp(), UTC)
        for t in times
    ]
    return min(plain) if plain else None


def expires_line(ends: datetime, now: datetime) -> str:
    """The form's last line: when the question expires (UTC, the day too when not today)."""
    day = "" if ends.date() == now.date() else f" ({ends.day} {ends:%b})"
    return (
        f"\n\n⏳ This question expires at {ends:%H:%M} UTC{day}: after that the run ends "
        "and nothing is deployed."
    )


def wait_for_person(
    form: type[T],
    description_md: str,
    *,
    key: str,
    kind: str,
    verdict: str,
    expires_after: str | int | None = None,
) -> T:
    """Wait until a person answers ``form`` (its description above it); return the answer.

    ``key`` names the question: fixed per question, so a suspended run started again
    gets the stored answer back. The wait ends ``expires_after`` after the run's first
    question (``first_asked``), whichever question this is. Raises ``ApprovalExpired``
    when nobody answered in time (a run called directly, or a new question asked after
    the deadline; a suspended run is failed by the server's pause expiry instead, and
    ``hugopipe.suspended`` records why)."""
    total = expiry_seconds(expires_after)
    now = datetime.now(UTC)
    ends = (first_asked() or now) + timedelta(seconds=total)
    left = math.ceil((ends - now).total_seconds())
    filled = form.with_initial_data(description=description_md + expires_line(ends, now))
    if deployment.id:
        from prefect.flow_runs import suspend_flow_run

        if not _answered(key):
            if left <= 0:
                raise expired(total)
            announce(kind, verdict, key)
        # raises prefect's Pause (the process exits) unless the question was answered
        return suspend_flow_run(wait_for_input=filled, timeout=max(left, 1), key=key)
    from prefect.exceptions import FlowPauseTimeout
    from prefect.flow_runs import pause_flow_run

    if left <= 0:
        raise expired(total)
    announce(kind, verdict, key)
    try:
        answer = pause_flow_run(
            wait_for_input=filled,
            timeout=left,
            poll_interval=int(os.environ.get("HUGOPIPE_APPROVAL_POLL_SECONDS", 5)),
            key=key,
        )
    except FlowPauseTimeout:
        raise expired(total) from None
    return answer


def expired(seconds: int) -> ApprovalExpired:
    return ApprovalExpired(
        f"nobody answered within {describe_duration(seconds)} of the run's first question: "
        "the approval expired and nothing was deployed",
        hint="start the publish again when someone can approve it",
        failure_class=FailureClass.UNKNOWN,
    )


def bound_key(question: str, plan_hash: str | None) -> str:
    """The question's key, bound to the plan it shows: a suspended run starts again from
    the top and re-plans, so an answer stored under another plan's key is never replayed
    onto this one (``refuse_if_answered_for_another_plan``)."""
    return f"{question}-{plan_hash[:16]}" if plan_hash else question


def refuse_if_answered_for_another_plan(question: str, plan_hash: str | None) -> None:
    """A suspended run that a person answered for one plan and that now (started again)
    plans something else — the output, the bucket or the configuration changed in between —
    writes nothing: the answer covered the plan they saw, not this one."""
    if not plan_hash or not deployment.id:
        return
    from prefect.client.orchestration import get_client

    from hugopipe.deploy.binding import ApprovalMismatch

    prefix = f"suspended-{question}-"
    with get_client(sync_client=True) as client:
        found = client.filter_flow_run_input(
            flow_run_id=flow_run.id, key_prefix=prefix, limit=100, exclude_keys=set()
        )
    for item in found:
        if not item.key.endswith("-response"):
            continue
        shown = item.key[len(prefix) :].split("-", 1)[0]
        if shown != plan_hash[:16]:
            raise ApprovalMismatch(
                f"the approval was given for plan {shown[:12]}, but the run now plans "
                f"{plan_hash[:12]} (the output, the bucket or the configuration changed after "
                "the approval); nothing was written",
                hint="start the run again: the person approves the plan as it is now",
            )


def request_production_approval(
    description_md: str,
    *,
    plan_hash: str | None = None,
    commit: str | None = None,
    environment: str = "production",
    verdict: str | None = None,
    expires_after: str | int | None = None,
) -> dict[str, Any]:
    """Wait until a person approves in the UI with the typed phrase (and, when the serving
    process holds an approval key, a valid authenticator code); return the approval record
    (the approvals log entry: who, second factor, note, time, plan hash, commit).

    A wrong code deploys nothing and asks again (each try its own fixed question key, so a
    suspended run started again replays the answers in order), at most ``CODE_TRIES``
    times. ``verdict`` is the one line the notification carries; ``expires_after`` the
    environment's ``approval_expires_after``."""
    logger = get_run_logger()
    secret = totp.configured_secret()  # a broken key file fails here, before any wait
    form = ProductionApproval if secret is None else ProductionApprovalWithCode
    logger.warning(
        "Production is waiting for approval of plan %s: open %s, menu ⋮ → Resume, type %s%s",
        (plan_hash or "-")[:12],
        approval_link(),
        PHRASE,
        " and the code from your authenticator app" if secret else "",
    )
    description = description_md
    refuse_if_answered_for_another_plan("production-approval", plan_hash)
    if deployment.id and (entry := already_recorded(plan_hash)):
        # started again after the approval was recorded: its code now counts as used
        logger.info("Production approval already recorded (entry %s)", entry.get("seq"))
        return entry
    for attempt in range(1, CODE_TRIES + 1):
        key = f"{bound_key('production-approval', plan_hash)}-{attempt}"
        approval = wait_for_person(
            form,
            description,
            key=key,
            kind="production approval",
            verdict=verdict or "Production is waiting for approval",
            expires_after=expires_after,
        )
        if approval is None or approval.confirmation != PHRASE:
            # defence in depth; the server already checked
            raise RuntimeError("production approval missing or wrong; nothing was deployed")
        verdict, step = (
            check_second_factor(approval, secret, at=answered_at(key)) if secret else ("ok", None)
        )
        if verdict == "ok":
            entry = record_approval(
                approval,
                totp_step=step,
                plan_hash=plan_hash,
                commit=commit,
                environment=environment,
            )
            logger.info(
                "Production approved by %s%s%s",
                approval.approver or "(no name given)",
                " with the second factor" if step is not None else "",
                f" ({approval.note})" if approval.note else "",
            )
            return entry
        left = CODE_TRIES - attempt
        why = (
            "The code was already used by an earlier approval"
            if verdict == "used"
            else "The code was wrong"
        )
        logger.warning(
            "%s (%d of %d tries); nothing was deployed", why.lower(), attempt, CODE_TRIES
        )
        wait = " Wait for the next code (codes change every 30 s)." if verdict == "used" else ""
        description = (
            f"**{why} ({attempt} of {CODE_TRIES} tries, {left} left): nothing was "
            f"deployed.**{wait} Type the phrase and the code your app shows now.\n\n"
            f"{description_md}"
        )
    raise ProductionRefused(
        f"the approval code was wrong {CODE_TRIES} times; nothing was deployed",
        hint="start the run again and type the code your authenticator app shows; if every "
        "code is refused, check the phone's clock or enrol again (`hugopipe approval-key init`)",
    )


def request_staging_approval(description_md: str, **kw: Any) -> StagingApproval:
    """Wait for approve/reject on a non-production publish (UI or ``hugopipe approve``).

    A reject ends the run Cancelled ("Rejected: …"), exactly as ``hugopipe reject`` does."""
    logger = get_run_logger()
    logger.warning(
        "This publish is waiting for approval: open %s (menu ⋮ → Resume) or run "
        "`hugopipe approve %s`",
        approval_link(),
        flow_run.id,
    )
    refuse_if_answered_for_another_plan("approval", kw.get("plan_hash"))
    answer = wait_for_person(
        StagingApproval,
        description_md,
        key=bound_key("approval", kw.get("plan_hash")),
        kind="approval",
        verdict=kw.get("verdict") or "A publish is waiting for approval",
        expires_after=kw.get("expires_after"),
    )
    if answer.decision != "approve":
        raise Rejected(answer.note or "rejected on the approval card")
    logger.info("Approved%s", f" ({answer.note})" if answer.note else "")
    return answer


class Rejected(HugopipeError):
    """A person said no on a card: nothing was deployed."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"Rejected: {why}",
            hint="nothing was deployed; change what the person asked for and publish again",
            failure_class=FailureClass.UNKNOWN,
        )
