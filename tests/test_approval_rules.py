"""When a publish asks a person, and how long it waits: hugopipe.approval_rules, table-tested."""

from __future__ import annotations

import pytest

from hugopipe.approval_rules import (
    Change,
    asks_about_review,
    asks_about_warnings,
    describe_duration,
    expiry_seconds,
    non_production_reason,
    parse_duration,
)
from hugopipe.config import ProjectConfig
from hugopipe.errors import ConfigError


@pytest.mark.parametrize(
    ("change", "up_to", "with_deletes", "requires", "asks"),
    [
        (Change(pages_added=30), None, False, False, None),  # no threshold: never asks
        (Change(pages_added=30), None, False, True, "requires_approval"),  # the task file
        (Change(pages_changed=5), 5, False, False, None),  # at the threshold: goes
        (Change(pages_changed=4, pages_added=2), 5, False, False, "more than"),
        (Change(pages_changed=1, files_deleted=1), 5, False, False, "deleted"),
        (Change(pages_changed=1, files_deleted=1), 5, True, False, None),
        (Change(), 0, False, False, None),  # nothing changes: nothing to ask about
        (Change(pages_deleted=1, files_deleted=1), 0, True, False, "more than"),
        (Change(), 5, False, True, "requires_approval"),  # always, whatever the size
    ],
)
def test_when_a_non_production_publish_asks(
    change: Change, up_to: int | None, with_deletes: bool, requires: bool, asks: str | None
) -> None:
    reason = non_production_reason(change, up_to, with_deletes, requires)
    if asks is None:
        assert reason is None
    else:
        assert reason is not None and asks in reason


@pytest.mark.parametrize(
    ("setting", "new", "errors", "anyway", "asks"),
    [
        ("when-approving", 3, 0, False, False),  # a routine staging publish never waits on it
        ("when-approving", 3, 0, True, True),
        ("when-approving", 0, 0, True, False),  # every warning already accepted
        ("when-approving", 3, 1, True, False),  # errors stop the run before any card
        ("always", 3, 0, False, True),
        ("never", 3, 0, True, False),
    ],
)
def test_when_the_warnings_card_asks(
    setting: str, new: int, errors: int, anyway: bool, asks: bool
) -> None:
    assert asks_about_warnings(setting, new, errors, anyway) is asks


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("24h", 86400), ("30m", 1800), ("90s", 90), ("2d", 172800), (3600, 3600), ("45", 45)],
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["soon", "0s", "-5m", "1w", True, ""])
def test_bad_durations_say_what_is_accepted(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)  # type: ignore[arg-type]


def test_expiry_defaults_to_a_day_and_the_environment_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS", raising=False)
    assert expiry_seconds(None) == 86400 and expiry_seconds("2h") == 7200
    monkeypatch.setenv("HUGOPIPE_APPROVAL_TIMEOUT_SECONDS", "5")
    assert expiry_seconds("2h") == 5
    assert describe_duration(86400) == "24 h" and describe_duration(90) == "90 s"


def test_the_keys_load_and_a_bad_duration_names_its_line(tmp_path) -> None:
    (tmp_path / "hugopipe.toml").write_text(
        "[environments.staging]\napprove_automatically_up_to_pages = 5\n"
        'ask_about_warnings = "always"\n\n[environments.production]\nproduction = true\n'
    )
    env = ProjectConfig.load(tmp_path).environment("staging")
    assert env.approve_automatically_up_to_pages == 5 and env.ask_about_warnings == "always"
    assert env.approval_expires_after == "24h" and env.approve_automatically_with_deletes is False
    (tmp_path / "hugopipe.toml").write_text(
        '[environments.staging]\ntarget = "staging"\napproval_expires_after = "soon"\n'
    )
    with pytest.raises(ConfigError) as info:
        ProjectConfig.load(tmp_path)
    assert info.value.line == 3 and "approval_expires_after" in str(info.value)


@pytest.mark.parametrize(
    ("setting", "flagged", "anyway", "asks"),
    [
        ("always", 1, False, True),  # a publish that would go on its own: the review card
        ("always", 0, False, False),  # nothing under the score: nothing to ask
        ("always", 3, True, False),  # an approval asked anyway shows the pages in its form
        ("when-approving", 2, False, False),
        ("when-approving", 2, True, False),
    ],
)
def test_when_the_review_card_asks(setting: str, flagged: int, anyway: bool, asks: bool) -> None:
    assert asks_about_review(setting, flagged, anyway) is asks


def test_ask_about_review_defaults_to_always_and_a_bad_value_names_its_line(tmp_path) -> None:
    (tmp_path / "hugopipe.toml").write_text('[environments.staging]\ntarget = "staging"\n')
    assert ProjectConfig.load(tmp_path).environment("staging").ask_about_review == "always"
    (tmp_path / "hugopipe.toml").write_text(
        '[environments.staging]\ntarget = "staging"\nask_about_review = "never"\n'
    )
    with pytest.raises(ConfigError) as info:
        ProjectConfig.load(tmp_path)
    assert info.value.line == 3 and "ask_about_review" in str(info.value)
