"""The guard's Prefect knowledge: resume/set_state/prefect api, and the run lookup."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claude.support import HUGOPIPE_TOML, guard_module, make_project

prefect = guard_module("prefect")
config = guard_module("config")
lexer = guard_module("lexer")
Block = guard_module("main").Block


@pytest.fixture(scope="module")
def know() -> Iterator:
    toml = HUGOPIPE_TOML + '\n[environments.canary]\ntarget = "live"\n'
    with tempfile.TemporaryDirectory(prefix="hugopipe-guard-prefect-") as tmp:
        root = make_project(Path(tmp), hugopipe_toml=toml)
        yield config.Project(str(root), str(root)).know


def run(know, command: str) -> None:
    (cmd,) = lexer.lex(command)
    prefect.check(cmd.argv[1:], command, know)


@pytest.mark.parametrize(
    "command",
    [
        "prefect api GET /flow_runs/abc",
        "prefect api POST /flow_runs/filter --data '{}'",
        "prefect flow-run ls --limit 5",
        "prefect flow-run inspect abc",
        "prefect deployment run publish/site --param env=staging",
        "prefect server start",
        "prefect version",
    ],
)
def test_reads_pass(know, command: str) -> None:
    run(know, command)


@pytest.mark.parametrize(
    "command",
    [
        "prefect api POST /flow_runs/abc/resume",
        "prefect api POST /flow_runs/abc/set_state",
        "prefect api PATCH /flow_runs/abc",
        "prefect api POST $P",
        "prefect flow-run resume abc",
        "prefect deployment run publish/site --param env=live",
        "prefect deployment run publish/site --param env=canary",
        "prefect deployment run publish/site",
        "prefect $CMD run",
    ],
)
def test_resume_and_production_starts_are_blocked(know, command: str) -> None:
    with pytest.raises(Block):
        run(know, command)


@pytest.mark.parametrize(
    ("params", "tags", "production"),
    [
        ({"env": "live"}, [], True),
        ({"env": "production"}, [], True),
        ({"env": "canary"}, [], True),  # re-uses the production target: projectfile says so
        ({"environment": "live"}, [], True),
        ({}, [], True),  # no env: may be production
        ({"env": "staging", "note": "then live"}, [], True),
        ({"env": "staging"}, ["live"], True),
        ({"env": "staging"}, [], False),
        ({"env": "dev", "site": "site"}, ["hugopipe"], False),
    ],
)
def test_which_runs_are_production(know, params: dict, tags: list, production: bool) -> None:
    why = prefect.run_is_production({"parameters": params, "tags": tags}, know)
    assert (why is not None) is production, why


def test_check_run_asks_the_api(know, monkeypatch) -> None:
    runs = {
        "11111111-1111-4111-8111-111111111111": b'{"parameters": {"env": "staging"}}',
        "22222222-2222-4222-8222-222222222222": b'{"parameters": {"env": "live"}}',
    }
    asked: list[str] = []

    def fake_get(path: str) -> bytes:
        asked.append(path)
        return runs[path.rsplit("/", 1)[-1]]

    monkeypatch.setattr(prefect, "api_get", fake_get)
    prefect.check_run("11111111-1111-4111-8111-111111111111", "approve", know)
    with pytest.raises(Block, match="production run"):
        prefect.check_run("22222222-2222-4222-8222-222222222222", "approve", know)
    with pytest.raises(Block, match="cannot confirm"):
        prefect.check_run("33333333-3333-4333-8333-333333333333", "approve", know)
    with pytest.raises(Block, match="not a flow run id"):
        prefect.check_run("../../etc", "approve", know)
    assert asked[0] == "/flow_runs/11111111-1111-4111-8111-111111111111"


def test_the_phrase_in_the_approval_form_blocks(know, monkeypatch) -> None:
    run = (
        b'{"parameters": {"env": "staging"}, "state": {"state_details": '
        b'{"run_input_keyset": {"schema": "k-schema"}}}}'
    )
    pages = {
        "/flow_runs/abcdef12": run,
        "/flow_runs/abcdef12/input/k-schema": b"DEPLOY TO PRODUCTION",
    }
    monkeypatch.setattr(prefect, "api_get", pages.__getitem__)
    with pytest.raises(Block, match="asks for DEPLOY TO PRODUCTION"):
        prefect.check_run("abcdef12", "approve", know)


def test_unknown_environments_block_the_lookup(monkeypatch) -> None:
    broken = config.Knowledge()
    broken.env_errors = ["site/hugopipe.toml (unknown key 'x')"]
    broken.finish()
    monkeypatch.setattr(prefect, "api_get", lambda path: b'{"parameters": {"env": "staging"}}')
    with pytest.raises(Block, match="production is unknown"):
        prefect.check_run("abcdef12", "approve", broken)


def test_auth_headers(monkeypatch) -> None:
    monkeypatch.delenv("PREFECT_API_AUTH_STRING", raising=False)
    monkeypatch.setenv("PREFECT_API_KEY", "k")
    assert prefect.auth_headers()["Authorization"] == "Bearer k"
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "u:p")
    assert prefect.auth_headers()["Authorization"] == "Basic dTpw"
