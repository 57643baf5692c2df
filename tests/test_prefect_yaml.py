"""prefect.yaml and deployments/serve.py declare the registry's loadable, safe deployments."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT


@pytest.fixture(scope="module")
def declared() -> list[dict]:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]


def test_every_entrypoint_loads_and_its_parameters_validate(declared: list[dict]) -> None:
    from prefect.flows import load_flow_from_entrypoint

    os.chdir(ROOT)
    for dep in declared:
        flow = load_flow_from_entrypoint(dep["entrypoint"])
        flow.validate_parameters(dep.get("parameters", {}))


def test_names_are_unique_per_flow_and_match_the_cli(declared: list[dict]) -> None:
    from prefect.flows import load_flow_from_entrypoint

    from hugopipe.flows_registry import FLOWS

    names = {(load_flow_from_entrypoint(d["entrypoint"]).name, d["name"]) for d in declared}
    assert len(names) == len(declared)
    assert {(f.flow_name, f.deployment) for f in FLOWS} <= names


def test_prefect_yaml_declares_exactly_the_registry(declared: list[dict]) -> None:
    """A new flow is one registry entry; this fails until prefect.yaml declares it the same way.

    One deployment per flow serves every site of the example workspace file: its default
    site is the deployments' ``site``, and each schedule is declared once per listed site.
    """
    from prefect.flows import load_flow_from_entrypoint

    from hugopipe import sitesfile
    from hugopipe.flows_registry import FLOWS

    ws = sitesfile.parse((ROOT / sitesfile.FILE_NAME).read_text(), ROOT / sitesfile.FILE_NAME)
    assert ws.default and len(ws.sites) == 2

    def schedules(entries: list[dict]) -> list[tuple[str, str, dict]]:
        return [(s["cron"], s["slug"], s.get("parameters", {})) for s in entries]

    in_yaml = {
        (d["entrypoint"], d["name"]): (
            d.get("description"),
            tuple(d.get("tags", [])),
            d.get("parameters", {}),
            schedules(d.get("schedules", [])),
        )
        for d in declared
    }
    in_registry = {
        (f.entrypoint, f.deployment): (
            f.description,
            f.tags,
            f.default_parameters(ws.default),
            f.schedules(ws.names()),
        )
        for f in FLOWS
    }
    assert in_yaml == in_registry
    assert all(s["timezone"] == "UTC" for d in declared for s in d.get("schedules", []))
    os.chdir(ROOT)
    for f in FLOWS:
        assert load_flow_from_entrypoint(f.entrypoint).name == f.flow_name, f


def test_no_deployment_limits_concurrency(declared: list[dict]) -> None:
    # a paused approval run loses its deployment concurrency lease and crashes (Prefect 3.8)
    assert all("concurrency_limit" not in d for d in declared)


def test_nightly_schedule_parses(declared: list[dict]) -> None:
    from prefect.schedules import Cron

    nightly = next(d for d in declared if d["name"] == "nightly")
    for sched in nightly["schedules"]:
        Cron(sched["cron"], timezone=sched["timezone"])


def test_serve_declares_the_same_deployments(declared: list[dict]) -> None:
    from deployments.serve import deployments
    from hugopipe.flows_registry import FLOWS

    served = {(d.name, d.entrypoint.split(":")[-1]) for d in deployments("examples/site", "UTC")}
    in_yaml = {(d["name"], d["entrypoint"].split(":")[-1]) for d in declared}
    assert served == in_yaml
    nightly = next(d for d in deployments("examples/site", "UTC") if d.name == "nightly")
    assert nightly.schedules and nightly.concurrency_limit is None
    by_name = {(d.name, d.entrypoint.split(":")[-1]): d for d in deployments("site", "UTC")}
    for spec in FLOWS:
        dep = by_name[(spec.deployment, spec.function)]
        assert dep.parameters == spec.default_parameters("site")
        assert dep.description == spec.description and set(dep.tags) == set(spec.tags)
        assert bool(dep.schedules) == (spec.schedule is not None)


def test_publish_has_no_parameter_that_could_skip_approval() -> None:
    from flows.publish import publish

    params = set(publish.parameters.properties)
    # context: a task file's (who asked and why), shown in the approval form (issue 17);
    # allow_deletes (issue 19) lifts the delete guards only; the plan, deletes listed first,
    # still waits for the typed phrase in production
    # ask_a_person (issue 16): a task file's requires_approval: true; it can only add a
    # question before a non-production deploy, never remove production's
    assert params == {
        "env",
        "site",
        "task_id",
        "full_check",
        "context",
        "allow_deletes",
        "ask_a_person",
    }
    assert not any(word in p for p in params for word in ("approv", "skip", "force", "confirm"))


def test_result_files_are_git_ignored() -> None:
    assert "results/" in (ROOT / ".gitignore").read_text().split()
    assert Path(ROOT / "prefect.yaml").exists()
