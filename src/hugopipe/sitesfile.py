"""``hugopipe-workspace.toml``: the sites one control plane publishes, read with the stdlib.

One Prefect server and one set of deployments serve several Hugo sites. The workspace
file names them; each site keeps its own ``hugopipe.toml`` (environments, production,
approval rules, credentials block, notification block), so nothing here repeats what a
site says about itself::

    default = "www"                # the site a command means when none is named

    [sites.www]
    path = "examples/site"         # relative to this file

    [sites.docs]
    path = "examples/site-docs"

Which file: ``$HUGOPIPE_WORKSPACE_FILE`` when set (empty: no workspace file), else the
first ``hugopipe-workspace.toml`` in the current directory or one of its parents. No
file: one site, as before (every command's ``--site`` takes a path, as it always did).

Standard library only, and the only parser of the file, because three kinds of caller
need it before pydantic is imported: ``projectfile`` (a bucket that is production in
any site is production in every site), the Claude Code guard (which imports
``projectfile`` by path under the system ``python3``) and ``hugopipe.workspace`` (a
listed site is inside the workspace). ``hugopipe.sites`` builds the typed view on it.

A ``git = "https://…"`` entry is refused with its line, not cloned: a site is a folder
the workers can read, and cloning (credentials, which branch, when to pull) belongs to
whoever checks the repositories out. Give the checkout's path instead.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hugopipe.errors import ConfigError
from hugopipe.tomllines import line_of

FILE_NAME = "hugopipe-workspace.toml"
ENV = "HUGOPIPE_WORKSPACE_FILE"
#: top-level keys of the workspace file
TOP_KEYS = frozenset({"default", "sites"})
#: keys of one ``[sites.NAME]`` table
SITE_KEYS = frozenset({"path", "git"})
#: a site's name is also a Prefect tag (``site:NAME``) and a schedule slug suffix
NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")
HINT = "see docs/configuration.md, 'hugopipe-workspace.toml'"


class WorkspaceFileError(ConfigError):
    """The workspace file is malformed (or named and missing): file, line, what to do."""


@dataclass(frozen=True)
class Listed:
    """One ``[sites.NAME]`` entry: its name and resolved folder."""

    name: str
    path: Path
    line: int | None


@dataclass(frozen=True)
class Workspace:
    file: Path
    sites: tuple[Listed, ...]
    default: str | None

    def names(self) -> list[str]:
        return [s.name for s in self.sites]

    def by_name(self, name: str) -> Listed | None:
        return next((s for s in self.sites if s.name == name), None)

    def containing(self, path: Path | str) -> Listed | None:
        """The listed site whose folder is ``path`` or holds it (the deepest one)."""
        real = str(Path(path).expanduser().resolve())
        found = [s for s in self.sites if _within(real, str(s.path))]
        return max(found, key=lambda s: len(str(s.path))) if found else None


def _within(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:
        return False


def find(start: Path | None = None) -> Path | None:
    """The workspace file in force, or None (see the module docstring)."""
    named = os.environ.get(ENV)
    if named is not None:
        return Path(named).expanduser().resolve() if named.strip() else None
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


_CACHE: dict[Path, tuple[tuple[int, int], Workspace]] = {}


def load(start: Path | None = None) -> Workspace | None:
    """The workspace in force (parsed once per version of the file), or None."""
    path = find(start)
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        if os.environ.get(ENV, "").strip():
            raise WorkspaceFileError(
                f"${ENV} names {path}, which does not exist",
                file=str(path),
                line=None,
                hint=f"create it, fix ${ENV}, or set it to an empty value for no workspace",
            ) from None
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceFileError(
            f"cannot read: {exc}", file=str(path), line=None, hint="save it as UTF-8 text"
        ) from None
    ws = parse(text, path)
    _CACHE[path] = (stamp, ws)
    return ws


def parse(text: str, path: Path) -> Workspace:
    """Check and resolve the file's text; ``WorkspaceFileError`` names the line of a problem."""
    src = str(path)

    def bad(message: str, line: int | None, hint: str = HINT) -> WorkspaceFileError:
        return WorkspaceFileError(message, file=src, line=line, hint=hint)

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise bad(
            f"not valid TOML: {exc}",
            int(m.group(1)) if m else None,
            "fix the TOML syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    unknown = sorted(set(raw) - TOP_KEYS)
    if unknown:
        raise bad(
            f"unknown key {unknown[0]!r}",
            line_of(text, unknown[0]),
            f"the workspace file accepts {', '.join(sorted(TOP_KEYS))}; {HINT}",
        )
    sites = raw.get("sites")
    if not isinstance(sites, dict) or not sites:
        raise bad(
            "lists no sites",
            line_of(text, "sites"),
            'add one table per site: [sites.www] with path = "path/to/site"',
        )
    listed: list[Listed] = []
    seen: dict[Path, str] = {}
    for name, entry in sites.items():
        line = line_of(text, "sites", name)
        if not NAME.fullmatch(name):
            raise bad(
                f"site name {name!r} is not a lowercase name",
                line,
                "use letters, digits and '-', starting with a letter (it becomes the run tag site:NAME)",
            )
        if not isinstance(entry, dict):
            raise bad(f"sites.{name} must be a table ([sites.{name}])", line)
        extra = sorted(set(entry) - SITE_KEYS)
        if extra:
            raise bad(
                f"unknown key sites.{name}.{extra[0]}",
                line_of(text, "sites", name, extra[0]),
                "a site accepts path (and git, not supported yet); its environments, production, "
                "approval rules, credentials and notifications live in its own hugopipe.toml",
            )
        if "git" in entry:
            raise bad(
                f"sites.{name}.git: sites from a git URL are not supported yet",
                line_of(text, "sites", name, "git"),
                "clone the repository where the workers can read it and give its folder as path",
            )
        where = entry.get("path")
        if not isinstance(where, str) or not where.strip():
            raise bad(
                f"sites.{name}.path must be a folder (a string)",
                line_of(text, "sites", name, "path") or line,
                'write path = "path/to/site", relative to this file',
            )
        folder = (path.parent / Path(where).expanduser()).resolve()
        if not folder.is_dir():
            raise bad(
                f"sites.{name}.path: no such folder {folder}",
                line_of(text, "sites", name, "path"),
                "give the Hugo site's folder (the one with hugo.toml or config/), relative to this file",
            )
        if folder in seen:
            raise bad(
                f"sites.{name} and sites.{seen[folder]} are the same folder {folder}",
                line_of(text, "sites", name, "path"),
                "list each site once",
            )
        seen[folder] = name
        listed.append(Listed(name, folder, line))
    default = raw.get("default")
    if default is not None and (not isinstance(default, str) or default not in sites):
        raise bad(
            f"default {default!r} is not a listed site",
            line_of(text, "default"),
            f"name one of: {', '.join(sites)}",
        )
    return Workspace(path, tuple(listed), default)


def site_folders() -> list[Path]:
    """Every listed site's folder (none without a workspace file, or when it is malformed:
    its readers report that; this feeds ``hugopipe.workspace``'s allowed roots)."""
    try:
        ws = load()
    except WorkspaceFileError:
        return []
    return [s.path for s in ws.sites] if ws else []


def other_sites(site: Path | str) -> list[Path]:
    """The listed sites other than ``site`` (for the workspace-wide production rule). A
    folder the file does not list still gets them: a copy of a site whose staging target
    names a listed site's production bucket is production too."""
    ws = load()
    if ws is None:
        return []
    me = str(Path(site).expanduser().resolve())
    return [s.path for s in ws.sites if str(s.path) != me]
