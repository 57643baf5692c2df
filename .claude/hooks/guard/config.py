"""What the project says production is, asked of hugopipe's own modules.

``hugopipe.projectfile`` holds the one rule: which environments are production, and that
an environment or target is production when its bucket or CloudFront distribution is one a
production environment writes to, whatever it is called. ``hugopipe.sitetargets`` reads
each target's URL from the site's Hugo TOML/JSON files. Both are standard library only and
imported by path from this checkout's ``src/``; the guard only finds the sites (directories
with ``hugopipe.toml`` or a Hugo config) and asks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from guard import Block

SRC = Path(__file__).resolve().parents[3] / "src"
try:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from hugopipe import projectfile, sitetargets
    from hugopipe.errors import HugopipeError
except Exception as _exc:  # the hook reports it and blocks (fails closed)
    raise Block(
        f"cannot import hugopipe.projectfile from {SRC} ({_exc.__class__.__name__}: {_exc}); "
        "the guard needs this checkout's src/ and python3 >= 3.11, and fails closed without them"
    ) from None

SITE_FILES = {projectfile.CONFIG_NAME, *sitetargets.ROOT_FILES, "hugo.yaml", "config.yaml"}
PRUNE = {"node_modules", "__pycache__", "public", "resources", "content", "static", "assets"}
PRUNE |= {"layouts", "themes", "data", "i18n", "archetypes", "results", "dist", "build", "venv"}


class Knowledge:
    """Production environment and target names, buckets and distributions of every site."""

    def __init__(self) -> None:
        self.envs: set[str] = {"production"}  # lower-cased names
        self.targets: set[str] = {"production"}
        self.buckets: set[str] = set()
        self.dists: set[str] = set()
        self.defaults: dict[str, str | None] = {}  # site -> what `hugo deploy` alone deploys to
        self.errors: list[str] = []  # unreadable config: storage writes are blocked

    def names(self) -> set[str]:
        return self.envs | self.targets

    def learn_site(self, site: str) -> None:
        try:
            self._learn(site)
        except (HugopipeError, ValueError, OSError) as exc:  # storage writes are then blocked
            self.errors.append(f"{site}: {exc}")

    def _learn(self, site: str) -> None:
        envs = projectfile.environments(projectfile.read(site))
        files = [Path(site, n) for n in sitetargets.ROOT_FILES]
        files += [p for p in Path(site, "config").glob("*/*.*") if p.stem in sitetargets.DIR_FILES]
        self.errors += [
            f"{p} (not valid TOML/JSON)"
            for p in files
            if p.is_file() and p.suffix in (".toml", ".json") and sitetargets.read_config(p) is None
        ]
        for res in projectfile.production_resources(site, envs):
            kind, _, value = res.partition(":")
            if kind == "s3":
                self.buckets.add(value.removeprefix("//").split("@")[0])
            else:
                self.dists.add(value)
        names = set(envs) | set(sitetargets.site_targets(site, "production"))
        for env in envs:
            names |= set(sitetargets.site_targets(site, env))
        self.targets |= {t.lower() for t in projectfile.production_targets(envs)}
        for n in names:
            if projectfile.is_production(n, envs, site=site):
                self.targets.add(projectfile.target_of(n, envs).lower())
                (self.envs if n in envs else self.targets).add(n.lower())
        self.defaults[site] = sitetargets.default_target(site)


def find_sites(root: str) -> list[str]:
    """Directories under ``root`` holding ``hugopipe.toml`` or a Hugo config (content,
    output and dependency directories pruned: the hook has a 10 s timeout)."""
    out = []
    root = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        depth = dirpath[len(root) :].count(os.sep)
        site = bool(SITE_FILES & set(filenames)) or os.path.isdir(f"{dirpath}/config/_default")
        skip = PRUNE | ({"config"} if site else set())
        dirnames[:] = [d for d in dirnames if d[0] != "." and d not in skip and depth < 6]
        if site:
            out.append(dirpath)
    return out


class Project:
    """The project a tool call runs in; what it says production is is learned once, lazily."""

    def __init__(self, root: str, cwd: str) -> None:
        self.root, self.cwd = root, cwd
        self._know: Knowledge | None = None

    @property
    def know(self) -> Knowledge:
        if self._know is None:
            self._know = Knowledge()
            roots = [self.root]
            if not os.path.abspath(self.cwd).startswith(os.path.abspath(self.root)):
                roots.append(self.cwd)
            sites = {s for r in roots if os.path.isdir(r) for s in find_sites(r)}
            listed, errors = workspace_sites(self.root)
            for site in sites | set(listed):
                self._know.learn_site(site)
            self._know.errors += errors
        return self._know


def workspace_sites(root: str) -> tuple[list[str], list[str]]:
    """The folders of the sites ``hugopipe-workspace.toml`` lists (``hugopipe.sitesfile``,
    the project's own reader), so a site outside the project counts too; for a malformed
    file, the error that blocks storage writes (which buckets are production is unknown)."""
    try:
        from hugopipe import sitesfile

        ws = sitesfile.load(Path(root))
    except Exception as exc:
        return [], [f"hugopipe-workspace.toml ({getattr(exc, 'message', exc)})"]
    return ([str(s.path) for s in ws.sites] if ws else []), []
