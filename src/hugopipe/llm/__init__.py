"""Local models through Ollama: advisory jobs with deterministic fallbacks.

``prompts`` (versioned prompt files), ``settings`` (model and host per role, the
local-only rule), ``client`` (one ``ollama`` call with a JSON-schema answer), and the
jobs: ``explain`` (failures), ``summarise`` (a release), ``review`` (the completion
gate over changed pages), ``delegate`` (a task file's prompt). Nothing here imports
Prefect; ``tasks/llm.py`` adds caching. The names below load on first use so that
``hugopipe.llm.rules`` (used by ``hugopipe retries``) stays cheap to import.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "ChangeSummary": "hugopipe.llm.summarise",
    "summarize_changes": "hugopipe.llm.summarise",
    "prompt_digest": "hugopipe.llm.prompts",
    "prompt_path": "hugopipe.llm.prompts",
    "load_prompt": "hugopipe.llm.prompts",
    "render_prompt": "hugopipe.llm.prompts",
    "LLMSettings": "hugopipe.llm.settings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
