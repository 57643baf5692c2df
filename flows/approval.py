"""The production approval step: a pause that only a typed phrase in the Prefect UI ends.

The phrase is a ``Literal`` so the *server* rejects anything else through the
input's JSON schema (``const``); a pydantic validator would be checked only
after the server had already accepted the input.
There is deliberately no parameter that skips this step.
"""

from __future__ import annotations

import os
from typing import Literal

from prefect import get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field

from hugopipe.prefect_rest import ui_url

PHRASE = "DEPLOY TO PRODUCTION"


class ProductionApproval(RunInput):
    confirmation: Literal["DEPLOY TO PRODUCTION"] = Field(
        title="Type DEPLOY TO PRODUCTION to approve",
        description="Exactly these words, in capitals. Anything else is refused and the run stays paused. "
        "To reject, cancel the run.",
    )
    note: str = Field("", title="Note for the release record", description="Optional")


def approval_link() -> str:
    """This run's page in the new UI (core builds it: flows never import the CLI)."""
    return ui_url(str(flow_run.id))


def request_production_approval(
    description_md: str, *, plan_hash: str | None = None
) -> ProductionApproval:
    """Pause this flow run until a human approves it in the UI; return their input.

    ``plan_hash`` names the one plan the approval covers (``hugopipe.deploy.binding``);
    the deploy task refuses any other plan after the approval.
    """
    logger = get_run_logger()
    link = approval_link()
    logger.warning(
        "Production is waiting for approval of plan %s: open %s, menu ⋮ → Resume, type %s",
        (plan_hash or "-")[:12],
        link,
        PHRASE,
    )
    approval = pause_flow_run(
        wait_for_input=ProductionApproval.with_initial_data(description=description_md),
        timeout=int(os.environ.get("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS", 24 * 3600)),
        poll_interval=int(os.environ.get("HUGOPIPE_APPROVAL_POLL_SECONDS", 5)),
        key=f"production-approval-{flow_run.run_count}",  # unique per attempt: no 409 on a retry
    )
    if (
        approval is None or approval.confirmation != PHRASE
    ):  # defence in depth; the server already checked
        raise RuntimeError("production approval missing or wrong; nothing was deployed")
    logger.info("Production approved%s", f" ({approval.note})" if approval.note else "")
    return approval
