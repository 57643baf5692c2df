"""What the project says production is: environments, targets, buckets, distributions.

Which environments and targets are production is hugopipe's own rule, asked of
``hugopipe.projectfile`` (standard library only, imported by path from this checkout's
``src/``): the guard never spells that rule itself. What the CLI has no notion of is
learned here: the S3 bucket and CloudFront distribution of every Hugo
``[[deployment.targets]]`` entry (TOML, YAML or JSON; ``hugo.*``, ``config.*`` or a
``config/`` directory), each site's default target, and the same files at git ``HEAD``,
so un-marking production in the working tree does not un-mark it for the guard.

A target that shares a bucket or distribution with a production target is production
too, and so is an environment that deploys to it: a staging target re-pointed at the
production bucket is still production.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

from guard import Block
from guard.sites import head_files, site_files
from guard.yamlish import parse_yaml

SRC = Path(__file__).resolve().parents[3] / "src"
try:
    if str(SRC) not in sys.path:
        sys.path.insert(0, str(SRC))
    from hugopipe import projectfile
except Exception as _exc:  # the hook reports it and blocks (fails closed)
    raise Block(
        f"cannot import hugopipe.projectfile from {SRC} ({_exc.__class__.__name__}: {_exc}); "
        "the guard needs this checkout's src/ and python3 >= 3.11"
    ) from None

S3_URL_RE = re.compile(r"s3://([A-Za-z0-9][A-Za-z0-9.\-_]{1,254})")
DIST_RE = re.compile(r"cloudfrontdistributionid\W{1,6}([A-Za-z0-9]+)", re.I)
Envs = dict[str, dict[str, Any]]


class Knowledge:
    """Production environments, targets, buckets and distributions of every site found."""

    def __init__(self) -> None:
        self.env_tables: list[Envs] = []  # [environments] of each hugopipe.toml read
        self.targets: dict[str, set[str | None]] = {}  # name -> buckets (None: not S3)
        self.target_dists: dict[str, set[str]] = {}  # name -> distribution ids
        self.site_defaults: dict[str, str | None] = {}  # site dir -> default target (None: unknown)
        self.errors: list[str] = []  # unreadable config files: S3/CDN writes are blocked
        self.env_errors: list[str] = []  # unreadable hugopipe.toml: production envs unknown
        self.sites: set[str] = set()
        self.prod_envs: set[str] = set()
        self.prod_targets: set[str] = set()
        self.prod_buckets: set[str] = set()
        self.prod_dists: set[str] = set()

    def merge(self, other: Knowledge, *, defaults: bool = True) -> None:
        self.env_tables += other.env_tables
        for name, buckets in other.targets.items():
            self.targets.setdefault(name, set()).update(buckets)
        for name, dists in other.target_dists.items():
            self.target_dists.setdefault(name, set()).update(dists)
        if defaults:
            self.site_defaults.update(other.site_defaults)
            self.errors += other.errors
            self.env_errors += other.env_errors
            self.sites |= other.sites

    def finish(self) -> None:
        """Derive the production sets (lower-cased) from what was read; safe to call again."""
        tables = self.env_tables or [projectfile.environments({})]
        self.prod_envs = {"production"} | {
            n.lower() for envs in tables for n in envs if projectfile.is_production(n, envs)
        }
        self.prod_targets = {
            t.lower() for envs in tables for t in projectfile.production_targets(envs)
        }
        self.prod_buckets, self.prod_dists = set(), set()
        for name in self.targets:
            if name.lower() in self.prod_targets:
                self.prod_buckets |= {b for b in self.targets[name] if b}
                self.prod_dists |= self.target_dists.get(name, set())
        for name, buckets in self.targets.items():
            if buckets & self.prod_buckets or self.target_dists.get(name, set()) & self.prod_dists:
                self.prod_targets.add(name.lower())
        for envs in tables:
            for n in envs:
                if projectfile.target_of(n, envs).lower() in self.prod_targets:
                    self.prod_envs.add(n.lower())

    def is_production(self, name: str) -> bool:
        """Is this environment (or bare target) name production in any site the guard read?"""
        low = name.lower()
        tables = self.env_tables or [projectfile.environments({})]
        return (
            any(projectfile.is_production(name, envs) for envs in tables)
            or low in self.prod_envs
            or low in self.prod_targets
        )

    def is_prod_target(self, name: str) -> bool:
        return name.lower() in self.prod_targets

    def known_target(self, name: str) -> bool:
        return name.lower() in {t.lower() for t in self.targets}

    def prod_names(self) -> set[str]:
        return self.prod_envs | self.prod_targets

    def markers(self) -> set[str]:
        return self.prod_envs | self.prod_targets | self.prod_buckets | self.prod_dists


def _lower_keys(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k).lower(): _lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_lower_keys(v) for v in obj]
    return obj


def parse_config(text: str, name: str) -> Any:
    ext = os.path.splitext(name)[1].lower()
    if ext == ".toml":
        return tomllib.loads(text)
    if ext == ".json":
        return json.loads(text)
    return parse_yaml(text)


def learn_hugo_file(
    know: Knowledge, data: Any, text: str, site: str, deployment_file: bool
) -> None:
    """Targets, buckets, distributions and the default target of one Hugo config file."""
    data = _lower_keys(data)
    dep = data if deployment_file else data.get("deployment")
    seen_buckets: set[str | None] = set()
    seen_dists: set[str] = set()
    if dep is not None:
        if not isinstance(dep, dict):
            raise ValueError("[deployment] is not a table")
        targets = dep.get("targets") or []
        if not isinstance(targets, list):
            raise ValueError("deployment.targets is not a list")
        first = None
        for t in targets:
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                raise ValueError("a [[deployment.targets]] entry has no name")
            name = t["name"]
            first = first or name
            url = t.get("url")
            m = S3_URL_RE.match(url.strip()) if isinstance(url, str) else None
            bucket = m.group(1).lower() if m else None
            know.targets.setdefault(name, set()).add(bucket)
            seen_buckets.add(bucket)
            dist = t.get("cloudfrontdistributionid")
            if isinstance(dist, str) and dist:
                know.target_dists.setdefault(name, set()).add(dist)
                seen_dists.add(dist)
        default = dep.get("target") or first
        prev = know.site_defaults.get(site, "")
        if prev and default and prev != default:
            know.site_defaults[site] = None  # environments disagree: unknown
        elif default:
            know.site_defaults[site] = default
    # Cross-check: every bucket and distribution the file mentions must belong to a target
    # we parsed; otherwise the parser missed something and we do not know enough.
    for m in S3_URL_RE.finditer(text):
        if m.group(1).lower() not in seen_buckets and not _commented(text, m.start()):
            raise ValueError(f"mentions s3://{m.group(1)} outside a target the guard could read")
    for m in DIST_RE.finditer(text):
        if m.group(1) not in seen_dists and not _commented(text, m.start()):
            raise ValueError(f"mentions distribution {m.group(1)} outside a readable target")


def _commented(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    return text[line_start:pos].lstrip().startswith(("#", "//"))


def learn_one(know: Knowledge, site: str, label: str, text: str, collect_errors: bool) -> None:
    name = os.path.basename(label)
    try:
        if name == projectfile.CONFIG_NAME:
            know.env_tables.append(projectfile.environments(projectfile.parse(text, label)))
            return
        data = parse_config(text, name)
        if not isinstance(data, dict):
            raise ValueError("top level is not a table")
        deployment_file = os.path.splitext(name)[0].lower() == "deployment"
        learn_hugo_file(know, data, text, site, deployment_file)
    except Exception as exc:
        if collect_errors:
            know.errors.append(f"{label} ({exc})")
            if name == projectfile.CONFIG_NAME:
                know.env_errors.append(f"{label} ({exc})")


def learn(roots: list[str]) -> Knowledge:
    """Read every site under ``roots`` (working tree, then what git HEAD holds)."""
    know = Knowledge()
    seen: set[str] = set()
    for root in roots:
        if not root or not os.path.isdir(root):
            continue
        for site, path in site_files(root):
            if path in seen:
                continue
            seen.add(path)
            know.sites.add(site)
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError) as exc:
                know.errors.append(f"{path} ({exc})")
                if os.path.basename(path) == projectfile.CONFIG_NAME:
                    know.env_errors.append(f"{path} ({exc})")
                continue
            learn_one(know, site, path, text, True)
        # Committed definitions count too, but only to add production-ness.
        head = Knowledge()
        for site, rel, text in head_files(root):
            learn_one(head, site, rel, text, False)
        know.merge(head, defaults=False)
    know.finish()
    return know


def workspace_roots(root: str) -> tuple[list[str], list[str]]:
    """The folders of the sites ``hugopipe-workspace.toml`` lists (``hugopipe.sitesfile``, the
    project's own reader), so a site outside the project still counts; and, for a malformed
    file, the error that makes S3/CDN writes blocked (fail closed)."""
    try:
        from hugopipe import sitesfile

        ws = sitesfile.load(Path(root))
    except Exception as exc:  # a malformed workspace file: which buckets are production is unknown
        return [], [f"hugopipe-workspace.toml ({getattr(exc, 'message', exc)})"]
    return ([str(s.path) for s in ws.sites] if ws else []), []


class Project:
    """The project the tool call runs in, and what it says production is (learned once, lazily)."""

    def __init__(self, project: str, cwd: str) -> None:
        self.root, self.cwd = project, cwd
        self._know: Knowledge | None = None

    @property
    def know(self) -> Knowledge:
        if self._know is None:
            roots = [self.root]
            if not os.path.abspath(self.cwd).startswith(os.path.abspath(self.root)):
                roots.append(self.cwd)
            listed, errors = workspace_roots(self.root)
            top = os.path.abspath(self.root)
            roots += [p for p in listed if not p.startswith(top + os.sep) and p != top]
            self._know = learn(roots)
            self._know.errors += errors
        return self._know

    def learn_extra(self, path: str) -> None:
        """A ``--source``/``--config`` outside the project: learn it too."""
        if path and os.path.isdir(path):
            self.know.merge(learn([path]))
            self.know.finish()
