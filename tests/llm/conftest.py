"""Fixtures for the local-model tests: a fake Ollama on loopback and settings that use it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from hugopipe.llm.settings import LLMSettings
from tests.llm.fake_ollama import FakeOllama
from tests.support import BusyRetry


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    fake = FakeOllama()
    yield fake
    fake.stop()


def settings_for(fake: FakeOllama, **extra: object) -> LLMSettings:
    """Every role on ``fake`` with a small model; a short timeout (the hang test waits for it)."""
    return LLMSettings.model_validate(
        {"host": fake.url, "model": "llama3.2:3b", "timeout_seconds": 2, **extra}
    )


@pytest.fixture
def llm_variable(served: dict) -> Iterator[Callable[[dict], None]]:
    """Set the ``hugopipe_llm`` variable on the test server; removed afterwards. Patched
    when it exists (a delete the loaded test server did not finish must not fail the set),
    with a timeout that outlasts a busy SQLite server."""
    api = served["api"]
    http = httpx.Client(timeout=60, transport=BusyRetry())  # a busy SQLite answers 503

    def put(value: dict) -> None:
        resp = http.post(f"{api}/variables/", json={"name": "hugopipe_llm", "value": value})
        if resp.status_code == 409:
            resp = http.patch(f"{api}/variables/name/hugopipe_llm", json={"value": value})
        assert resp.status_code in (201, 204), resp.text

    yield put
    http.delete(f"{api}/variables/name/hugopipe_llm")
    http.close()
