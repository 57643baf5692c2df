"""Prefect task for the optional local-model summary shown above the plan in the approval form."""

from __future__ import annotations

from prefect import task

from hugopipe import llm


@task(name="summarize-changes", retries=0, timeout_seconds=90)
def summarize_changes(plan_md: str, warnings_md: str) -> str:
    """Markdown, or "" when no model is configured or it fails; never raises."""
    summary = llm.summarize_changes(plan_md, warnings_md)
    return summary.to_markdown() if summary else ""
