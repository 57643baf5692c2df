"""Prefect tasks for the local-model jobs (``hugopipe.llm``): caching, settings, fallbacks.

Every model call is one ``ask-local-model`` task run whose cache key is the prompt file's
hash + the model + the rendered input (``Request.cache_key``): Prefect's own task caching
answers a repeated request from the stored result, so it makes no HTTP call and shows as
**Cached** in the UI. Only answers are cached: a call that fails raises (the task run is
Failed, with the note as its message) and the job falls back to its deterministic
result, so a model that was down is asked again next time. The jobs themselves run in
the flow's process as plain functions and never raise.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import task
from prefect.context import TaskRunContext

from hugopipe.llm.client import Request, ask
from hugopipe.llm.settings import VARIABLE, LLMSettings


def _key(_ctx: TaskRunContext, params: dict[str, Any]) -> str:
    return params["req"].cache_key()


@task(
    name="ask-local-model",
    task_run_name="ask-{req.prompt}",
    retries=0,
    cache_key_fn=_key,
    cache_expiration=timedelta(days=30),
    persist_result=True,
)
def ask_local_model(settings: LLMSettings, req: Request) -> dict[str, Any]:
    """The model's schema-checked answer; raises ``ModelFailure`` (never cached) otherwise."""
    return ask(settings, req)


def cached_ask(settings: LLMSettings, req: Request) -> dict[str, Any]:
    return ask_local_model(settings, req)


def settings(strict: bool = False) -> LLMSettings:
    """The ``hugopipe_llm`` Prefect variable, else the environment; a broken value is
    logged and treated as "no model" (the jobs are advisory), or raised as a
    ``SettingsError`` when ``strict`` (a delegated task's result must say why)."""
    from prefect.logging import get_logger
    from prefect.variables import Variable

    try:
        return LLMSettings.load(Variable.get(VARIABLE, default=None))
    except Exception as exc:
        from hugopipe.errors import HugopipeError

        if strict and isinstance(exc, HugopipeError):
            raise
        get_logger("hugopipe.llm").warning("ignoring the %s variable: %s", VARIABLE, exc)
        return LLMSettings(model=None)


def summarize_changes(plan_md: str, warnings_md: str) -> str:
    """Markdown for the approval form: the model's summary, a note why there is none, or ""."""
    from hugopipe.llm.summarise import summarise_release, summary_markdown

    summary, note = summarise_release(settings(), plan_md, warnings_md, asker=cached_ask)
    return summary_markdown(summary, note)


def review_changed_pages(uploads: list[Any], public_dir: str) -> Any:
    """The completion gate over the plan's new and changed pages (``hugopipe.llm.review``)."""
    from hugopipe.llm.review import Review, changed_pages, review_pages

    pages = changed_pages(uploads, public_dir)
    if not pages:  # the no-change publish: not even a look at the variable
        return Review(threshold=LLMSettings().review_min_score)
    return review_pages(settings(), pages, asker=cached_ask)


def explain_failure(text: str, known: Any = None) -> dict[str, Any]:
    """Class + one-line explanation for a result file; rules first, never raises."""
    from hugopipe.llm.explain import explain_by_rules
    from hugopipe.llm.explain import explain_failure as explain

    try:
        return explain(settings(), text, known, asker=cached_ask).to_dict()
    except Exception:  # a run that is already failing must fail for its own reason
        ruled = explain_by_rules(text, known)
        return ruled.to_dict() if ruled else {"failure_class": "unknown", "source": "none"}
