"""The production approval's second factor and its record, checked in the flow process.

The phrase is friction, not a boundary: anything with API access (the agent included)
can post it. Two things make an approval one a person gave: production credentials
only in the process that runs production flows (``hugopipe.credentials``), and,
optionally, a TOTP code typed with the phrase and verified here, in that process,
against a secret only it holds (``hugopipe.approval.totp``). Every accepted approval is
appended to the hash-chained approvals log (``hugopipe.approval.log``); the entry is
the record the release manifest and the result file carry.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, Literal

from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from hugopipe.approval import log as approvals_log
from hugopipe.approval import totp

#: wrong codes before the run stops (each one asks again)
CODE_TRIES = int(os.environ.get("HUGOPIPE_APPROVAL_CODE_TRIES", 3))


class ProductionApproval(RunInput):
    """The production form: the typed phrase (checked by the server's JSON schema: a
    ``Literal`` is a ``const``), who approves and a note."""

    confirmation: Literal["DEPLOY TO PRODUCTION"] = Field(
        title="Type DEPLOY TO PRODUCTION to approve",
        description="Exactly these words, in capitals. Anything else is refused and the run stays paused. "
        "To reject, cancel the run.",
    )
    approver: str = Field(
        "",
        title="Your name",
        description="Who approves: written to the approval record",
        max_length=100,
    )
    note: str = Field("", title="Note for the release record", description="Optional")


class ProductionApprovalWithCode(ProductionApproval):
    """The form when the serving process holds an approval key (the second factor is on)."""

    code: str = Field(
        title="Code from your authenticator app",
        description="The 6 digits it shows now. A wrong code deploys nothing and asks again.",
        pattern=r"^\s*\d{3}\s?\d{3}\s*$",
    )


def answered_at(key: str) -> float | None:
    """When the answer to question ``key`` reached the server (its run input's creation
    time). A suspended run verifies its code only after the runner has started it again
    and rebuilt, which can take longer than a code lives; the server's time of the answer
    (which the sender cannot set) is when the person typed it."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for prefix in ("suspended", "paused"):
            found = client.filter_flow_run_input(
                flow_run_id=flow_run.id,
                key_prefix=f"{prefix}-{key}-response",
                limit=1,
                exclude_keys=set(),
            )
            if found and found[0].created is not None:
                return found[0].created.timestamp()
    return None


def second_factor_step(approval: Any, secret: str | None, at: float | None = None) -> int | None:
    """The time step of a valid, not yet used code; None when the factor is off or the code
    is wrong (or was already accepted once: the run input stays readable on the server)."""
    return check_second_factor(approval, secret, at)[1]


def check_second_factor(
    approval: Any, secret: str | None, at: float | None = None
) -> tuple[str, int | None]:
    """``("ok", step)``, ``("used", None)`` (a valid code of a step an earlier approval
    already used) or ``("wrong", None)``."""
    code = getattr(approval, "code", None)
    if secret is None or not code:
        return "wrong", None
    verdict, step = totp.check_code(secret, code, at=at, after_step=approvals_log.last_totp_step())
    return (verdict, step) if verdict == "ok" else (verdict, None)


def already_recorded(plan_hash: str | None) -> dict[str, Any] | None:
    """This run's approval of this plan, when the log has it (``entry_for_run``)."""
    return approvals_log.entry_for_run(str(flow_run.id), plan_hash)


def record_approval(
    approval: Any,
    *,
    totp_step: int | None,
    plan_hash: str | None,
    commit: str | None,
    environment: str,
) -> dict[str, Any]:
    """Append the approval to the approvals log; the entry is the record everywhere else."""
    record = approvals_log.ApprovalRecord(
        approver=approval.approver.strip(),
        second_factor=totp_step is not None,
        note=approval.note,
        approved_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        plan_hash=plan_hash,
        commit=commit,
        environment=environment,
        flow_run_id=str(flow_run.id),
        totp_step=totp_step,
    )
    return approvals_log.append(record)


def approval_line(entry: dict[str, Any]) -> str:
    """The result file's approval stage: who, how, and the log entry that records it."""
    who = entry.get("approver") or "(no name given)"
    factor = " and a valid authenticator code" if entry.get("second_factor") else ""
    return (
        f"approved by {who} in the Prefect UI with the typed phrase{factor} "
        f"(approvals log entry {entry.get('seq')}, {str(entry.get('hash', ''))[:12]})"
    )
