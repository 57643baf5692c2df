"""Prefect task that writes the run's result file (its contract: docs/cli.md, "Result files") for Claude Code to read."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact

from hugopipe.results import ResultFile, write_result


@task(name="write-result", retries=0)
def record_result(result: ResultFile) -> str:
    path = write_result(result)
    if result.flow_run_url:
        create_link_artifact(
            result.flow_run_url, link_text="this run in the Prefect UI", key="run-link"
        )
    where = str(path.resolve())
    # `hugopipe result RUN` finds the file by this line (also while a production run waits)
    get_run_logger().info("result file: %s", where)
    return where
