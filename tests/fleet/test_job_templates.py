"""The Docker and Kubernetes base job templates in deployments/job-templates/ are accepted by a
real server with the README's commands, and keep hugopipe's defaults (README, "Growing beyond
one machine"). No Docker or Kubernetes worker runs here; the process pool is tested in
test_workers.py."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fleet.pool import PoolServer
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.workers]

TEMPLATES = ROOT / "deployments" / "job-templates"


@pytest.mark.parametrize("kind", ["docker", "kubernetes"])
def test_the_work_pool_template_is_accepted_with_hugopipes_defaults(
    pool_server: PoolServer, kind: str
) -> None:
    path = TEMPLATES / f"{kind}.json"
    name = f"hugopipe-{kind}"
    pool_server.prefect(
        "work-pool", "create", name, "--type", kind, "--base-job-template", str(path)
    )
    stored = httpx.get(f"{pool_server.api}/work_pools/{name}", timeout=30).json()
    assert stored["type"] == kind
    template = stored["base_job_template"]
    assert template == json.loads(path.read_text())
    props = template["variables"]["properties"]
    assert props["image"]["default"] == "hugopipe:latest"
    assert props["env"]["default"]["HUGOPIPE_WORKSPACE"] == "/srv/sites"
    # no secret in a job variable: the server shows them to anyone with API access
    assert not any("SECRET" in k or "KEY" in k for k in props["env"]["default"])


def test_a_template_naming_an_undeclared_variable_is_refused(pool_server: PoolServer) -> None:
    broken = json.loads((TEMPLATES / "docker.json").read_text())
    del broken["variables"]["properties"]["image"]
    resp = httpx.post(
        f"{pool_server.api}/work_pools/",
        json={"name": "hugopipe-broken", "type": "docker", "base_job_template": broken},
        timeout=30,
    )
    assert resp.status_code == 422 and "image" in resp.text
