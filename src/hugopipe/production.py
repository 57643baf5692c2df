"""The one rule for "is this production?", shared by every path that must refuse it.

Standard library only, over the raw ``[environments]`` table of
``hugopipe.toml``, so fast paths (``hugopipe deploy``, ``validate --public``) can
ask before importing pydantic. ``production`` is always production; so is any
environment marked ``production = true``; and a deployment target is
production when a production environment deploys to it.
"""

from __future__ import annotations

from typing import Any


def is_production_env(name: str, environments: dict[str, Any] | None) -> bool:
    if name == "production":
        return True
    env = (environments or {}).get(name)
    return isinstance(env, dict) and bool(env.get("production", False))


def is_production_target(target: str, env: str | None, environments: dict[str, Any] | None) -> bool:
    """True when ``target`` (or ``env``) is production, or any production environment deploys to it."""
    envs = {k: v for k, v in (environments or {}).items() if isinstance(v, dict)}
    names = {target} | ({env} if env else set())
    names |= {n for n, cfg in envs.items() if cfg.get("target", n) == target}
    return any(is_production_env(n, envs) for n in names)
