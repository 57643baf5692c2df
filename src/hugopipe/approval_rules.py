"""When a publish asks a person first, and for how long it waits: the rules, Prefect-free.

Production always asks (the typed phrase; ``flows/approval.py``). A non-production
environment asks with an approve/reject card when its ``hugopipe.toml`` sets
``approve_automatically_up_to_pages`` and the change is larger than that (or deletes
files, unless ``approve_automatically_with_deletes``), and always when the task file
said ``requires_approval: true``. Validation that finds only warnings nobody accepted
yet asks proceed / abort / accept per ``ask_about_warnings``; changed pages the
second-pass review scores low ask proceed / abort per ``ask_about_review``. Whatever
waits for a person expires after ``approval_expires_after`` (default 24 h) without
deploying.

Kept apart from the flows so the rules are table-tested without a server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

#: The event a run emits when it starts waiting for a person; the notification
#: automation (deployments/automations.py) listens for it.
WAITING_EVENT = "hugopipe.run.waiting"
#: The default wait for a person before a run expires (24 h).
DEFAULT_EXPIRY_SECONDS = 24 * 3600
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | int | float) -> int:
    """``"24h"``, ``"30m"``, ``"90s"``, ``"2d"`` or a number of seconds → seconds (≥ 1).

    Raises ValueError with what is accepted (the config model turns it into a file:line error)."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like 24h, 30m or 90s")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value.lower())
        if not m:
            raise ValueError(f"{value!r} is not a duration: write e.g. 24h, 30m, 90s or 2d")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 1:
        raise ValueError("a duration must be at least one second")
    return int(seconds)


def expiry_seconds(configured: str | int | None) -> int:
    """How long this run waits for a person. ``HUGOPIPE_APPROVAL_TIMEOUT_SECONDS`` (the
    serving process's environment) wins over the site's ``approval_expires_after``."""
    override = os.environ.get("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS")
    if override:
        return parse_duration(override)
    return parse_duration(configured) if configured is not None else DEFAULT_EXPIRY_SECONDS


def describe_duration(seconds: int) -> str:
    """``86400`` → ``"24 h"``, ``90`` → ``"90 s"``: for messages a person reads."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0 and not (unit == "d" and seconds < 2 * 86400):
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@dataclass(frozen=True)
class Change:
    """What a plan changes, as the rules count it."""

    pages_added: int = 0
    pages_changed: int = 0
    pages_deleted: int = 0
    files_deleted: int = 0

    @property
    def pages(self) -> int:
        return self.pages_added + self.pages_changed + self.pages_deleted


def non_production_reason(
    change: Change,
    up_to_pages: int | None,
    with_deletes: bool,
    requires_approval: bool,
) -> str | None:
    """Why a non-production publish must ask a person first, or None when it goes on its own."""
    if requires_approval:
        return "the task file says requires_approval: true"
    if up_to_pages is None:
        return None
    if change.pages > up_to_pages:
        return (
            f"{change.pages} pages change, more than approve_automatically_up_to_pages "
            f"({up_to_pages})"
        )
    if change.files_deleted and not with_deletes:
        return (
            f"{change.files_deleted} file(s) would be deleted "
            "(approve_automatically_with_deletes is false)"
        )
    return None


def asks_about_warnings(setting: str, new_warnings: int, errors: int, asks_anyway: bool) -> bool:
    """Whether the warnings card is shown: only warnings (no errors), some not accepted yet,
    and the setting says so (``when-approving``: only when the run asks a person anyway)."""
    if errors or not new_warnings or setting == "never":
        return False
    return setting == "always" or asks_anyway


def asks_about_review(setting: str, flagged_pages: int, asks_anyway: bool) -> bool:
    """Whether the review card is shown: pages under the review's score, a run that would
    otherwise go on its own (an approval it asks anyway shows the pages in its form), and
    ``ask_about_review = "always"`` (the default)."""
    return bool(flagged_pages) and not asks_anyway and setting == "always"
