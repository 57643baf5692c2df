"""Which site a command, task file or flow run means, and how it is named.

Every command that acts on a site takes ``--site``: a name from the workspace file
(``hugopipe.sitesfile``) or, as before workspaces existed, a folder. Both resolve to
one :class:`Site` with a name (the listed one, else the folder's own name), the folder,
and the two forms it travels in: the ``site`` parameter of a run (the name for a listed
site, so a run reads the same on every worker whatever its checkout path) and the
Prefect tag ``site:NAME`` that ``hugopipe runs --site`` and ``status --site`` filter on.

When ``--site`` is not given: the listed site holding the current directory; else the
command's own default as it always was (``.`` for ``validate`` and ``rollback``;
``$HUGOPIPE_SITE``; the run's deployment's), where the workspace's ``default`` (or its
only site) takes the place of ``examples/site``.

Standard library only: ``runs --site`` and ``status --site`` are polled in a loop and
must not pay for pydantic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hugopipe import sitesfile
from hugopipe.errors import ConfigError
from hugopipe.flows_registry import DEFAULT_SITE

#: the prefix of the Prefect tag that names a run's site
TAG_PREFIX = "site:"


class UnknownSite(ConfigError):
    """``--site``, a task file's ``site:`` or a run's ``site`` names no listed site and no
    folder (exit 2, listing the known names)."""


@dataclass(frozen=True)
class Site:
    name: str
    #: the folder, resolved
    path: Path
    #: named in the workspace file
    listed: bool

    @property
    def tag(self) -> str:
        return f"{TAG_PREFIX}{self.name}"

    @property
    def param(self) -> str:
        """What a run's ``site`` parameter carries: the name of a listed site, else the folder."""
        return self.name if self.listed else str(self.path)


def _unlisted(path: Path | str) -> Site:
    real = Path(path).expanduser().resolve()
    return Site(real.name or "site", real, False)


def named(value: str | os.PathLike[str]) -> Site:
    """The site ``value`` names: a listed name, or a folder (listed or not).

    ``UnknownSite`` when a workspace file exists and ``value`` is neither; without one a
    path is taken as given (a missing folder fails where it is read, as it always did).
    """
    ws = sitesfile.load()
    text = str(value)
    if ws is not None:
        hit = ws.by_name(text)
        if hit is not None:
            return Site(hit.name, hit.path, True)
    path = Path(text).expanduser()
    if ws is not None:
        if path.is_dir():
            real = path.resolve()
            same = next((s for s in ws.sites if s.path == real), None)
            return Site(same.name, same.path, True) if same else _unlisted(real)
        if not looks_like_name(text):  # a folder that is not there: fails where it is read
            return _unlisted(path)
        raise UnknownSite(
            f"unknown site {text!r}: not a site of {ws.file.name} and not a folder",
            file=str(ws.file),
            hint=f"use one of: {', '.join(ws.names())} (or a site's folder)",
        )
    return _unlisted(path)


def looks_like_name(text: str) -> bool:
    """A bare word (``docs``), not a path (``./docs``, ``~/x``, ``sites/docs``)."""
    return sitesfile.NAME.fullmatch(text) is not None


def workspace_default() -> Site | None:
    """The workspace's ``default`` site, else its only site, else None."""
    ws = sitesfile.load()
    if ws is None:
        return None
    name = ws.default or (ws.sites[0].name if len(ws.sites) == 1 else None)
    hit = ws.by_name(name) if name else None
    return Site(hit.name, hit.path, True) if hit else None


def here() -> Site | None:
    """The listed site holding the current directory, or None."""
    ws = sitesfile.load()
    hit = ws.containing(Path.cwd()) if ws else None
    return Site(hit.name, hit.path, True) if hit else None


def chosen(value: str | os.PathLike[str] | None, *, cwd_first: bool = False) -> Site:
    """The site a command acts on (see the module docstring for the order).

    ``cwd_first``: the command's default was ``.`` (``validate``, ``rollback``) and stays
    so. Otherwise ``$HUGOPIPE_SITE``, then the workspace's default, then ``examples/site``.
    """
    if value is not None and str(value) != "":
        return named(value)
    hit = here()
    if hit is not None:
        return hit
    if cwd_first:
        return named(".")
    env = os.environ.get("HUGOPIPE_SITE")
    if env:
        return named(env)
    return workspace_default() or named(DEFAULT_SITE)


def of_param(value: str) -> Site:
    """The site of a run's ``site`` parameter, as a flow's first step reads it.

    A listed name becomes its folder; anything else is a folder, resolved the way it always
    was (against the first workspace root, ``hugopipe.workspace.inside``, which refuses a
    folder outside the workspace): a name that is not listed is refused there, by name.
    """
    from hugopipe.workspace import inside

    ws = sitesfile.load()
    hit = ws.by_name(value) if ws else None
    if hit is not None:
        return Site(hit.name, hit.path, True)
    if ws is not None and looks_like_name(value) and not Path(value).expanduser().exists():
        raise UnknownSite(
            f"unknown site {value!r}: not a site of {ws.file.name} and not a folder",
            file=str(ws.file),
            hint=f"use one of: {', '.join(ws.names())} (or a site's folder)",
        )
    real = inside(value, what="the site parameter")
    same = next((s for s in ws.sites if s.path == real), None) if ws else None
    return Site(same.name, same.path, True) if same else _unlisted(real)


def name_of(value: object) -> str | None:
    """The site name a run's ``site`` parameter stands for, without raising (``runs`` rows,
    tags): a listed site's name, else the folder's own name."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return named(value).name
    except ConfigError:
        return Path(value).name or value


def local_folder(value: str) -> Path | None:
    """The folder a run's ``site`` parameter names on this machine, or None when it names
    none here (a worker's path): a listed name is its folder."""
    ws = sitesfile.load()
    hit = ws.by_name(value) if ws else None
    if hit is not None:
        return hit.path
    path = Path(value).expanduser()
    return path if path.is_dir() else None


def key_of(value: object) -> object:
    """One key per site for "same run" checks: a listed site's name whether ``value`` is
    its name or its folder; any other value as it is."""
    if not isinstance(value, str) or not value:
        return value
    ws = sitesfile.load()
    if ws is None:
        return value
    if ws.by_name(value) is not None:
        return value
    real = Path(value).expanduser().resolve()
    same = next((s for s in ws.sites if s.path == real), None)
    return same.name if same else value


def tag_of(tags: object) -> str | None:
    """The site a run's tags name (``site:NAME``), or None."""
    if not isinstance(tags, list):
        return None
    return next(
        (t[len(TAG_PREFIX) :] for t in tags if isinstance(t, str) and t.startswith(TAG_PREFIX)),
        None,
    )


def known(name: str) -> str:
    """``name`` when it is a listed site; ``UnknownSite`` listing the known ones otherwise.

    For filters (``runs --site``, ``status --site``): a folder is accepted too and stands
    for its site's name.
    """
    return named(name).name
