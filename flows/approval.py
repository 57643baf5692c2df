"""The production approval step: a pause that only a typed phrase in the Prefect UI ends.

The phrase is a ``Literal`` so the *server* rejects anything else through the
input's JSON schema (``const``); a pydantic validator would be checked only
after the server had already accepted the input.
There is deliberately no parameter that skips this step.

The phrase is friction, not a boundary: anything with API access (the agent
included) can post it. Two things make the approval one a person gave:

- production credentials only in the process that runs production flows
  (``hugopipe.credentials``), so nothing else can write the bucket;
- optionally, a TOTP code typed with the phrase and verified here, in that process,
  against a secret only it holds (``hugopipe.approval.totp``). A wrong code deploys
  nothing; the run asks again, at most ``CODE_TRIES`` times, then fails saying why.

Every accepted approval is written to the hash-chained approvals log
(``hugopipe.approval.log``) and returned as a record for the release manifest and
the result file. The pause itself (``_pause``) is kept apart from the second-factor
check (``second_factor_step``) and the record (``record_approval``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any, Literal

from prefect import get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from hugopipe.approval import log as approvals_log
from hugopipe.approval import totp
from hugopipe.errors import ProductionRefused
from hugopipe.prefect_rest import ui_url

PHRASE = "DEPLOY TO PRODUCTION"
#: wrong codes before the run stops (each one asks again)
CODE_TRIES = int(os.environ.get("HUGOPIPE_APPROVAL_CODE_TRIES", 3))


class ProductionApproval(RunInput):
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


def approval_link() -> str:
    """This run's page in the new UI (core builds it: flows never import the CLI)."""
    return ui_url(str(flow_run.id))


def _pause(model: type[ProductionApproval], description_md: str, key: str) -> ProductionApproval:
    return pause_flow_run(
        wait_for_input=model.with_initial_data(description=description_md),
        timeout=int(os.environ.get("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS", 24 * 3600)),
        poll_interval=int(os.environ.get("HUGOPIPE_APPROVAL_POLL_SECONDS", 5)),
        key=key,
    )


def request_production_approval(
    description_md: str,
    *,
    plan_hash: str | None = None,
    commit: str | None = None,
    environment: str = "production",
) -> dict[str, Any]:
    """Pause this flow run until a person approves it in the UI; return the approval record
    (the approvals log entry: who, second factor, note, time, plan hash, commit, hash)."""
    logger = get_run_logger()
    link = approval_link()
    secret = totp.configured_secret()  # a broken key file fails here, before any pause
    model = ProductionApproval if secret is None else ProductionApprovalWithCode
    logger.warning(
        "Production is waiting for approval: open %s, menu ⋮ → Resume, type %s%s",
        link,
        PHRASE,
        " and the code from your authenticator app" if secret else "",
    )
    description = description_md
    for attempt in range(1, CODE_TRIES + 1):
        key = f"production-approval-{flow_run.run_count}"  # unique per attempt: no 409 on a retry
        approval = _pause(model, description, key if attempt == 1 else f"{key}-{attempt}")
        if approval is None or approval.confirmation != PHRASE:
            # defence in depth; the server already checked
            raise RuntimeError("production approval missing or wrong; nothing was deployed")
        step = second_factor_step(approval, secret)
        if secret is None or step is not None:
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
        logger.warning(
            "the approval code was wrong (%d of %d tries); nothing was deployed",
            attempt,
            CODE_TRIES,
        )
        description = (
            f"**The code was wrong ({attempt} of {CODE_TRIES} tries, {left} left): nothing was "
            f"deployed.** Type the phrase and the code your app shows now.\n\n{description_md}"
        )
    raise ProductionRefused(
        f"the approval code was wrong {CODE_TRIES} times; nothing was deployed",
        hint="start the run again and type the code your authenticator app shows; if every "
        "code is refused, check the phone's clock or enrol again (`hugopipe approval-key init`)",
    )


def second_factor_step(approval: ProductionApproval, secret: str | None) -> int | None:
    """The time step of a valid, not yet used code; None when the factor is off or the code
    is wrong (or was already accepted once: the run input stays readable on the server)."""
    code = getattr(approval, "code", None)
    if secret is None or not code:
        return None
    return totp.matching_step(secret, code, after_step=approvals_log.last_totp_step())


def record_approval(
    approval: ProductionApproval,
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
