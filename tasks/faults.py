"""Deterministic fault injection for tests and drills.

``HUGOPIPE_FAULT_INJECT="apply-deploy-dev=2"`` makes the task run named
``apply-deploy-dev`` (or every run of a task named ``apply-deploy`` when the
spec names the task) raise a ``TransientError`` on its first two attempts, so retry handling (and the CLI's
``retries`` view) can be exercised against a real server. It can only make
runs fail; it cannot skip any step.
"""

from __future__ import annotations

import os

from prefect.runtime import task_run

from hugopipe.errors import TransientError


def maybe_fail(task_name: str) -> None:
    spec = os.environ.get("HUGOPIPE_FAULT_INJECT", "")
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, count = item.partition("=")
        if name in {task_name, task_run.name} and task_run.run_count <= int(count or 1):
            raise TransientError(
                f"injected transient fault (attempt {task_run.run_count} of {task_name})",
                hint="HUGOPIPE_FAULT_INJECT is set in the worker's environment",
            )
