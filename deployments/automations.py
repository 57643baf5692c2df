"""Prefect automations that tell a person when a hugopipe run needs them or went wrong.

Two automations, created or updated by name every time ``deployments/serve.py`` starts
(and by ``python deployments/automations.py`` for a work-pool set-up), so running the
set-up again changes nothing:

* ``hugopipe: a run waits for a person`` — on the event ``hugopipe.run.waiting`` that
  a run emits before it waits for an approval or a decision (``flows/approval.py``);
  the notification carries the run's one-line verdict and its ``/v2`` link.
* ``hugopipe: a run failed or expired`` — on ``prefect.flow-run.Failed``, ``Crashed``
  or ``TimedOut`` of a run tagged ``hugopipe``; a run whose wait for a person expired
  (the server fails it with "paused and never resumed") says so: nothing was deployed.

Both send through one Prefect notification block: ``$HUGOPIPE_NOTIFY_BLOCK`` (default
``hugopipe-notify``), ``<type-slug>/<name>`` for any notification type
(``slack-webhook/ops``, ``ms-teams-webhook/…``), a bare name being a generic webhook
(``custom-webhook/<name>``). Without that block the automations are not made (the
set-up logs why) and nothing else changes. The link is built here once from the UI's
address (``hugopipe.prefect_rest.ui_url``): Jinja's ``ui_url`` filter links the legacy
UI, where the typed production phrase cannot be entered.

Several sites (``hugopipe-workspace.toml``): a site whose ``hugopipe.toml`` names its own
``notify_block`` gets the same two automations once more, named ``… (site NAME)`` and
matching only its runs (the ``site:NAME`` tag, hugopipe.sites), sent through that block.
The two above still see every run: the operator's block hears about every site.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from hugopipe.approval_rules import WAITING_EVENT
from hugopipe.prefect_rest import ui_url

log = logging.getLogger("hugopipe.automations")

WAITING = "hugopipe: a run waits for a person"
FAILED = "hugopipe: a run failed or expired"
#: the message Prefect's pause-expiry service gives a run nobody resumed in time
EXPIRED_MESSAGE = "never resumed"

_HUGOPIPE_TAG = {"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.hugopipe"}


def block_ref(name: str | None = None) -> str:
    """``<type-slug>/<name>`` of the notification block (``HUGOPIPE_NOTIFY_BLOCK``)."""
    name = name or os.environ.get("HUGOPIPE_NOTIFY_BLOCK") or "hugopipe-notify"
    return name if "/" in name else f"custom-webhook/{name}"


def definitions(block_document_id: Any, site: str | None = None) -> list[Any]:
    """The two automations (not yet saved); with ``site``, for that site's runs only."""
    from prefect.automations import Automation
    from prefect.events.actions import SendNotification
    from prefect.events.schemas.automations import EventTrigger, Posture

    link = ui_url("{{ flow_run.id }}")
    suffix = f" (site {site})" if site else ""
    site_tag = (
        {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.site:{site}"}
        if site
        else None
    )
    waiting = Automation(
        name=WAITING + suffix,
        description="Tells a person that a hugopipe run waits for an approval or a decision.",
        trigger=EventTrigger(
            expect={WAITING_EVENT},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            posture=Posture.Reactive,
            threshold=1,
            **({"match_related": site_tag} if site_tag else {}),
        ),
        actions=[
            SendNotification(
                block_document_id=block_document_id,
                subject="hugopipe: {{ event.payload.kind }} needed",
                body="{{ event.payload.verdict }}\n{{ event.payload.link }}",
            )
        ],
    )
    failed = Automation(
        name=FAILED + suffix,
        description="Tells a person that a hugopipe run failed, crashed or expired waiting.",
        trigger=EventTrigger(
            expect={
                "prefect.flow-run.Failed",
                "prefect.flow-run.Crashed",
                "prefect.flow-run.TimedOut",
            },
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=site_tag or _HUGOPIPE_TAG,
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            SendNotification(
                block_document_id=block_document_id,
                subject="hugopipe: {{ flow_run.name }} {{ flow_run.state.name }}",
                body=(
                    "{% if '" + EXPIRED_MESSAGE + "' in (flow_run.state.message or '') %}"
                    "Expired: nobody approved or answered in time; nothing was deployed."
                    "{% else %}{{ flow_run.state.name }}: {{ flow_run.state.message }}{% endif %}"
                    f"\n{link}"
                ),
            )
        ],
    )
    return [waiting, failed]


def ensure_notifications(name: str | None = None) -> list[str]:
    """Create or update the automations; returns their names ([] without the block)."""
    made = _ensure(block_ref(name), None)
    for site, ref in site_blocks():
        made += _ensure(block_ref(ref), site)
    return made


def site_blocks() -> list[tuple[str, str]]:
    """(site, block) for each site of the workspace file whose hugopipe.toml names one."""
    from hugopipe import sitesfile
    from hugopipe.config import ProjectConfig

    ws = sitesfile.load()
    out = []
    for s in ws.sites if ws else ():
        block = ProjectConfig.load(s.path).notify_block
        if block:
            out.append((s.name, block))
    return out


def _ensure(ref: str, site: str | None) -> list[str]:
    from prefect.automations import Automation
    from prefect.blocks.core import Block

    try:
        block: Any = Block.load(ref)
    except ValueError:
        log.warning(
            "no notification block %r: nobody is notified when a run waits, fails or expires "
            "(README, 'Notifications')",
            ref,
        )
        return []
    made = []
    for wanted in definitions(block._block_document_id, site):
        try:
            existing: Any = Automation.read(name=wanted.name)  # sync here; typed maybe-async
        except ValueError:
            wanted.create()
        else:
            existing.description = wanted.description
            existing.trigger = wanted.trigger
            existing.actions = wanted.actions
            existing.enabled = True
            existing.update()
        made.append(wanted.name)
    return made


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.INFO)
    names = ensure_notifications(sys.argv[1] if len(sys.argv) > 1 else None)
    print("\n".join(names) or "no automations made (see the warning above)")
