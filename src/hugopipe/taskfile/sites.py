"""Which site a task file means: its ``site:`` (a name in hugopipe-workspace.toml), its
``params.site_path`` (a folder), or the default site; and the rules that need the site.

Kept apart from ``reader`` (the front matter and its lines) so the reader stays about
reading. ``site:`` is checked against the workspace file here, with its line, so
``hugopipe submit`` and the intake refuse an unknown site before any run starts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hugopipe.taskfile.model import Problem

LineFor = Callable[[tuple[Any, ...]], int | None]


def default_site() -> Path:
    """The site a task naming none means (the deployment's default, too): ``$HUGOPIPE_SITE``,
    else the workspace's default site, else ``examples/site``."""
    import os

    from hugopipe.flows_registry import DEFAULT_SITE
    from hugopipe.sites import workspace_default

    if os.environ.get("HUGOPIPE_SITE"):
        return Path(os.environ["HUGOPIPE_SITE"])
    listed = workspace_default()
    return listed.path if listed is not None else Path(DEFAULT_SITE)


def named_folder(data: dict[str, Any]) -> str | None:
    """The folder a task names: ``params.site_path``, else its listed ``site:``'s folder."""
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    path = params.get("site_path") if params else None
    if isinstance(path, str) and path:
        return path
    name = data.get("site")
    if isinstance(name, str) and name:
        from hugopipe import sitesfile

        ws = sitesfile.load()
        hit = ws.by_name(name) if ws else None
        return str(hit.path) if hit else None
    return None


def site_problems(data: dict[str, Any], line_for: LineFor) -> list[Problem]:
    """``site:`` must name a site of the workspace file, and agree with ``params.site_path``."""
    name = data.get("site")
    if name is None:
        return []
    from hugopipe import sitesfile
    from hugopipe.errors import ConfigError

    where = line_for(("site",))
    try:
        ws = sitesfile.load()
    except ConfigError as exc:
        return [Problem(field="site", line=where, message=str(exc), fix=exc.hint or "")]
    if ws is None:
        return [
            Problem(
                field="site",
                line=where,
                message="names a site, but there is no hugopipe-workspace.toml",
                fix="remove `site:` (and give params.site_path), or list the sites in "
                "hugopipe-workspace.toml (docs/configuration.md)",
            )
        ]
    hit = ws.by_name(name) if isinstance(name, str) else None
    if hit is None:
        return [
            Problem(
                field="site",
                line=where,
                message=f"unknown site {name!r}",
                fix=f"use one of: {', '.join(ws.names())} (the sites of {ws.file})",
            )
        ]
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    path = params.get("site_path") if params else None
    if isinstance(path, str) and path and Path(path).expanduser().resolve() != hit.path:
        return [
            Problem(
                field="params.site_path",
                line=line_for(("params", "site_path")),
                message=f"is not the folder of site {name!r} ({hit.path})",
                fix="give only `site:` (its folder comes from hugopipe-workspace.toml)",
            )
        ]
    return []


def site_environments(site: Path) -> list[str] | None:
    """Environment names from the site's hugopipe.toml, or None when it cannot be read."""
    from hugopipe.config import CONFIG_NAME, ProjectConfig
    from hugopipe.errors import HugopipeError

    if not (site / CONFIG_NAME).is_file():
        return None
    try:
        return sorted(ProjectConfig.load(site).environments)
    except HugopipeError:
        return None


def environment_is_production(env: str, site: Path | None) -> bool:
    """The one production rule over the task's site (the default site when none is named);
    a site whose hugopipe.toml cannot be read is judged by the default environments."""
    from hugopipe import projectfile
    from hugopipe.errors import HugopipeError

    try:
        raw = projectfile.read(site or default_site())
    except HugopipeError:
        raw = {}
    return projectfile.is_production(
        env, projectfile.environments(raw), site=site or default_site()
    )
