"""Where the project's configuration files are: in the working tree and at git ``HEAD``.

A site is a directory holding ``hugopipe.toml`` or a Hugo config (``hugo.*``/``config.*``,
or a ``config/_default`` directory). Content, output and dependency directories are
pruned, so the walk stays fast on a 20k-page site (the hook has a 10 s timeout).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

PRUNE_DIRS = {
    "node_modules",
    "__pycache__",
    "public",
    "resources",
    "content",
    "static",
    "assets",
    "layouts",
    "i18n",
    "archetypes",
    "data",
    "themes",
    "results",
    "site-packages",
    "dist",
    "build",
    "venv",
}
HUGO_CONFIG_NAMES = {
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
}
PROJECT_FILE = "hugopipe.toml"
CONFIG_EXTS = (".toml", ".yaml", ".yml", ".json")
MAX_HEAD_FILES = 500


def site_files(root: str) -> list[tuple[str, str]]:
    """(site_dir, path) for every hugopipe.toml and Hugo config file under root."""
    out = []
    root = os.path.abspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        depth = dirpath[len(root) :].count(os.sep)
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") and d not in PRUNE_DIRS and depth < 6
        ]
        names = set(filenames)
        is_site = PROJECT_FILE in names or bool(names & HUGO_CONFIG_NAMES)
        cfg_dir = os.path.join(dirpath, "config")
        has_cfg_dir = os.path.isdir(os.path.join(cfg_dir, "_default"))
        if PROJECT_FILE in names:
            out.append((dirpath, os.path.join(dirpath, PROJECT_FILE)))
        for n in sorted(names & HUGO_CONFIG_NAMES):
            out.append((dirpath, os.path.join(dirpath, n)))
        if has_cfg_dir or (is_site and os.path.isdir(cfg_dir)):
            if "config" in dirnames:
                dirnames.remove("config")
            for cdir, _sub, cfiles in os.walk(cfg_dir):
                for n in sorted(cfiles):
                    if n.lower().endswith(CONFIG_EXTS):
                        out.append((dirpath, os.path.join(cdir, n)))
    return out


def _git(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, input=data, capture_output=True, timeout=2)


def head_files(root: str) -> Iterator[tuple[str, str, str]]:
    """(site_dir, path in the repository, committed text) of the config files at ``HEAD``.

    Git is optional: no repository, no ``git`` or a slow one yields nothing, since the
    working tree was already read.
    """
    try:
        top = _git(["git", "-C", root, "rev-parse", "--show-toplevel"])
        if top.returncode != 0:
            return
        top_dir = top.stdout.decode().strip()
        ls = _git(["git", "-C", top_dir, "ls-tree", "-r", "--name-only", "HEAD"])
        if ls.returncode != 0:
            return
        wanted = []
        for rel in ls.stdout.decode("utf-8", "replace").splitlines():
            parts = rel.split("/")
            if any(p.startswith(".") or p in PRUNE_DIRS for p in parts[:-1]):
                continue
            base = parts[-1]
            if base == PROJECT_FILE or base in HUGO_CONFIG_NAMES:
                wanted.append((os.path.join(top_dir, *parts[:-1]), rel))
            elif "config" in parts[:-1] and base.lower().endswith(CONFIG_EXTS):
                i = parts.index("config")
                wanted.append((os.path.join(top_dir, *parts[:i]), rel))
        if not wanted or len(wanted) > MAX_HEAD_FILES:
            return
        query = "".join(f"HEAD:{rel}\n" for _s, rel in wanted).encode()
        data = _git(["git", "-C", top_dir, "cat-file", "--batch"], query).stdout
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return
    pos = 0
    for site, rel in wanted:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return
        header = data[pos:nl].split()
        pos = nl + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        yield site, rel, data[pos : pos + size].decode("utf-8", "replace")
        pos += size + 1
