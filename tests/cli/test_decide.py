"""``hugopipe decide`` and ``approve`` on the cards: what they send, and what they refuse.

The Prefect API is a stand-in here (what the commands send is the point); the served
path, a real server and a real browser are in tests/lifecycle/.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from hugopipe.cli import cmd_approval
from hugopipe.cli.exits import UsageError
from hugopipe.errors import ProductionRefused
from tests.cli import json_fields as F
from tests.support import EXAMPLE_SITE

DECISION = {
    "properties": {
        "choice": {"enum": ["proceed", "accept", "abort"], "title": "Deploy anyway?"},
        "note": {"default": "", "type": "string"},
    },
    "required": ["choice"],
}
STAGING_CARD = {
    "properties": {
        "decision": {"enum": ["approve", "reject"], "type": "string"},
        "note": {"default": "", "type": "string"},
    },
    "required": ["decision"],
}


class Api:
    def __init__(self, env: str, schema: dict, key: str = "decision-warnings") -> None:
        self.env, self.schema, self.key = env, schema, key
        self.sent: list[Any] = []

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def flow_run(self, run_id: str) -> dict:
        keyset = {"schema": f"suspended-{self.key}-schema", "response": "r", "description": "d"}
        return {
            "id": run_id,
            "name": "publish-x",
            "parameters": {"env": self.env},
            "state": {
                "type": "PAUSED",
                "name": "Suspended",
                "state_details": {"run_input_keyset": keyset},
            },
        }

    def run_input(self, run_id: str, key: str) -> str:
        return json.dumps(json.dumps(self.schema))  # stored inputs are JSON-encoded strings

    def resume(self, run_id: str, run_input: Any) -> dict:
        self.sent.append(run_input)
        return {"status": "ACCEPT"}


def _args(**kw: Any) -> argparse.Namespace:
    base = {"run": "r1", "note": None, "site": str(EXAMPLE_SITE), "json": True, "input": None}
    return argparse.Namespace(**{**base, **kw})


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch):
    holder: dict[str, Api] = {}

    def use(fake: Api) -> Api:
        holder["api"] = fake
        monkeypatch.setattr("hugopipe.prefect_rest.PrefectApi", lambda: holder["api"])
        return fake

    return use


def test_decide_sends_the_option_and_the_note(api, capsys) -> None:
    fake = api(Api("staging", DECISION))
    assert cmd_approval.decide_cmd(_args(option="accept", note="known titles")) == 0
    assert fake.sent == [{"choice": "accept", "note": "known titles"}]
    out = json.loads(capsys.readouterr().out)
    assert F.keys(out) == F.DECIDED and out["decided"] == "accept"


def test_decide_refuses_an_unknown_option_and_names_the_options(api) -> None:
    fake = api(Api("staging", DECISION))
    with pytest.raises(UsageError) as info:
        cmd_approval.decide_cmd(_args(option="maybe"))
    assert "proceed, accept, abort" in str(info.value.hint) and fake.sent == []


def test_production_is_refused_and_nothing_is_sent(api) -> None:
    fake = api(Api("production", DECISION))
    with pytest.raises(ProductionRefused):
        cmd_approval.decide_cmd(_args(option="proceed", json=False))
    with pytest.raises(ProductionRefused):
        cmd_approval.approve_cmd(_args(json=False))
    assert fake.sent == []


def test_approve_answers_the_staging_card_and_points_a_decision_at_decide(api) -> None:
    fake = api(Api("staging", STAGING_CARD, key="approval"))
    assert cmd_approval.approve_cmd(_args(note="ok", json=False)) == 0
    assert fake.sent == [{"decision": "approve", "note": "ok"}]
    api(Api("staging", DECISION))
    with pytest.raises(UsageError) as info:
        cmd_approval.approve_cmd(_args(json=False))
    assert "hugopipe decide" in str(info.value.hint)
