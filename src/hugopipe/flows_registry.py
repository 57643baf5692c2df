"""Every flow hugopipe serves, in one table: adding a flow is one entry here plus its module.

``hugopipe run <name>``, ``hugopipe runs --flow``, ``hugopipe doctor``,
``deployments/serve.py`` and the ``prefect.yaml`` check (tests/test_prefect_yaml.py)
all read this table, so the CLI, the served deployments and the work-pool
deployments cannot drift apart. It is plain data (no ``import prefect``): the CLI
reads it on every ``run`` and must start fast; ``serve.py`` turns each entry into
``flow.to_deployment(...)``.

No entry sets a concurrency limit: a run paused for approval would lose its lease
and crash (Prefect 3.8). Production writes are serialised by the
``deploy-production`` global concurrency limit inside the deploy task instead;
duplicate runs are refused as each flow starts (flows/single_run.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: The site every deployment builds unless a run says otherwise (serve.py's --site).
DEFAULT_SITE = "examples/site"


@dataclass(frozen=True)
class Schedule:
    """A cron schedule; the time zone is serve.py's ``--timezone`` (``UTC`` in prefect.yaml)."""

    cron: str
    slug: str


@dataclass(frozen=True)
class FlowSpec:
    """One served flow and its deployment."""

    #: the name on the command line: ``hugopipe run <cli_name>``
    cli_name: str
    #: the Prefect flow name (``@flow(name=...)``)
    flow_name: str
    #: ``path/to/file.py:function``, relative to the repository
    entrypoint: str
    #: the deployment's name (``<flow_name>/<deployment>`` on the server)
    deployment: str
    description: str
    tags: tuple[str, ...] = ("hugopipe",)
    #: default parameters besides ``site``, which every deployment takes
    parameters: MappingProxyType[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    schedule: Schedule | None = None
    #: whether a run can write production (it then pauses for the typed approval)
    touches_production: bool = False
    #: whether ``doctor`` fails when this deployment is not served
    essential: bool = False

    @property
    def module(self) -> str:
        """``flows/publish.py:publish`` → ``flows.publish`` (importable from the repository root)."""
        return self.entrypoint.split(":", 1)[0].removesuffix(".py").replace("/", ".")

    @property
    def function(self) -> str:
        return self.entrypoint.split(":", 1)[1]

    @property
    def label(self) -> str:
        """``flow/deployment``, as the server names it."""
        return f"{self.flow_name}/{self.deployment}"

    def default_parameters(self, site: str = DEFAULT_SITE) -> dict[str, Any]:
        return {"site": site, **self.parameters}

    def schedules(self, sites: list[str] | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(cron, slug, parameters) of each schedule: one for the deployment's own site, or,
        given the workspace's site names, one per site (slug ``<slug>-<name>``, parameter
        ``site``): one deployment serves every site, and each site keeps its nightly run."""
        if self.schedule is None:
            return []
        if not sites:
            return [(self.schedule.cron, self.schedule.slug, {})]
        return [(self.schedule.cron, f"{self.schedule.slug}-{n}", {"site": n}) for n in sites]


FLOWS: tuple[FlowSpec, ...] = (
    FlowSpec(
        cli_name="publish",
        flow_name="publish",
        entrypoint="flows/publish.py:publish",
        deployment="site",
        description="Build, validate and deploy the site; production pauses for a typed approval.",
        touches_production=True,
        essential=True,
    ),
    FlowSpec(
        cli_name="maintenance",
        flow_name="nightly-maintenance",
        entrypoint="flows/maintenance.py:nightly_maintenance",
        deployment="nightly",
        description="Nightly: health and TLS, drift, production links, sweep, archive, history "
        "retention, a notification when a person is needed; deploys nothing.",
        tags=("hugopipe", "maintenance"),
        schedule=Schedule(cron="30 2 * * *", slug="nightly"),
    ),
    FlowSpec(
        cli_name="scheduled-publish",
        flow_name="scheduled-publish",
        entrypoint="flows/scheduled.py:scheduled_publish",
        deployment="due",
        description="Every 15 min: start one publish for pages whose publishDate or expiryDate "
        "passed; none when nothing is due, never beside a running or waiting one.",
        tags=("hugopipe", "scheduled"),
        schedule=Schedule(cron="*/15 * * * *", slug="due"),
    ),
    FlowSpec(
        cli_name="external-links",
        flow_name="external-links",
        entrypoint="flows/links.py:external_links",
        deployment="weekly",
        description="Weekly: check production's external links (lychee, cached); deploys nothing.",
        tags=("hugopipe", "maintenance"),
        schedule=Schedule(cron="0 4 * * 1", slug="weekly"),
    ),
    FlowSpec(
        cli_name="task",
        flow_name="task-file",
        entrypoint="flows/task_file.py:task_file",
        deployment="exchange",
        description="Run a build, validate or content task file picked up from tasks/pending/.",
        tags=("hugopipe", "task-file"),
    ),
    FlowSpec(
        cli_name="rollback",
        flow_name="rollback",
        entrypoint="flows/rollback.py:rollback",
        deployment="site",
        description="Restore the previous release; production pauses for the same typed approval.",
        touches_production=True,
    ),
)


def flow_spec(cli_name: str) -> FlowSpec | None:
    """The entry ``hugopipe run <cli_name>`` means, or None."""
    return next((f for f in FLOWS if f.cli_name == cli_name), None)


def cli_names() -> list[str]:
    return [f.cli_name for f in FLOWS]
