"""Where each deployment target of a site writes, read without Hugo: standard library only.

Production is a bucket, not a name (``projectfile.is_production``): an environment is
production when its target's bucket (on its endpoint) or CloudFront distribution is one a
production environment uses. Deciding that needs every target's URL, and the Claude Code
guard runs under the system ``python3``, without Hugo or pydantic, so this reads the
site's Hugo configuration files directly: ``hugo.toml``/``config.toml`` (or ``.json``) in
the site root, and ``config/_default/`` then ``config/<ENV>/`` (``hugo.*``, ``config.*``,
``deployment.*``), later files overriding a target of the same name.

Not read here: YAML files, ``HUGO_*`` environment overrides and themes' configuration.
The flows therefore also ask Hugo itself (``hugopipe.deploy.production``) when they plan
and again when they apply; this reader is the fast path every caller shares.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

#: Root config file names Hugo looks for, in its order; the first one found is used.
ROOT_FILES = ("hugo.toml", "hugo.json", "config.toml", "config.json")
#: Files of a ``config/<ENV>/`` directory that can hold ``[deployment]``.
DIR_FILES = ("hugo", "config", "deployment")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


_CACHE: dict[Path, tuple[tuple[int, int], dict[str, Any] | None]] = {}


def read_config(path: Path) -> dict[str, Any] | None:
    """The parsed file (``{}`` when it names no ``target``/``targets``: not parsed), or None when it
    cannot be read or parsed; parsed once per version (one rule asks for several envs)."""
    try:
        st = path.stat()
    except OSError:
        return None
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        text = path.read_text(encoding="utf-8")
        if "target" not in text.lower():  # neither ``targets`` nor a default ``target``
            data: Any = {}  # no deployment target here: skip the parse (the CLI's fast path)
        else:
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError):
        data = None  # unreadable here: Hugo's own reading (hugopipe.deploy.binding) decides
    _CACHE[path] = (stamp, data if isinstance(data, dict) else None)
    return _CACHE[path][1]


def lower_keys(obj: Any) -> Any:
    """Hugo's keys are case-insensitive (``cloudFrontDistributionID``)."""
    if isinstance(obj, dict):
        return {str(k).lower(): lower_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [lower_keys(v) for v in obj]
    return obj


def _targets_in(data: dict[str, Any], *, deployment_file: bool) -> list[dict[str, Any]]:
    data = lower_keys(data)
    section = data if deployment_file else data.get("deployment")
    targets = section.get("targets") if isinstance(section, dict) else None
    return [t for t in targets or [] if isinstance(t, dict) and t.get("name")]


def site_targets(site: Path | str, env: str) -> dict[str, dict[str, Any]]:
    """``{target name: {"url": ..., "cloudfrontdistributionid": ...}}`` as environment ``env`` sees it."""
    site = Path(site)
    found: dict[str, dict[str, Any]] = {}
    for name in ROOT_FILES:
        data = read_config(site / name)
        if data is not None:
            found.update({str(t["name"]): t for t in _targets_in(data, deployment_file=False)})
            break
    for path in _dir_files(site, env):
        data = read_config(path)
        if data is not None:
            targets = _targets_in(data, deployment_file=path.stem == "deployment")
            found.update({str(t["name"]): t for t in targets})
    return found


def _dir_files(site: Path | str, env: str) -> list[Path]:
    """The ``config/`` files that can hold ``[deployment]`` for ``env``, in the order Hugo
    reads them (a later one overrides an earlier one)."""
    return [
        Path(site, "config", folder, f"{stem}{ext}")
        for folder in ("_default", env)
        for stem in DIR_FILES
        for ext in (".toml", ".json")
    ]


def default_target(site: Path | str) -> str | None:
    """``[deployment] target`` as Hugo's default environment (production) sees it, else the
    first target; None when the site defines none that can be read. Hugo reads the first
    root config file it finds (``ROOT_FILES`` order), then ``config/_default`` and
    ``config/production``, later files overriding earlier ones."""
    target = None
    root = next((p for p in (Path(site, n) for n in ROOT_FILES) if p.is_file()), None)
    for path in [*([root] if root else []), *_dir_files(site, "production")]:
        data = lower_keys(read_config(path) or {})
        dep = data if path.stem == "deployment" else data.get("deployment")
        if isinstance(dep, dict) and isinstance(dep.get("target"), str):
            target = dep["target"]
    return target or next(iter(site_targets(site, "production")), None)


def endpoint_key(endpoint: str | None) -> str:
    """An endpoint as compared: host and port, lower case, loopback spellings as one."""
    if not endpoint:
        return "aws"
    parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    host = (parts.hostname or "").lower()
    host = "loopback" if host in _LOOPBACK else host
    return f"{host}:{parts.port}" if parts.port else host


def bucket_key(bucket: str, endpoint: str | None) -> str:
    """``s3://BUCKET@ENDPOINT``: one bucket, whatever target or prefix names it."""
    return f"s3://{bucket.lower()}@{endpoint_key(endpoint)}"


def url_resources(url: str, distribution: str | None = None) -> set[str]:
    """The resources a target URL (and its distribution) writes to."""
    out = {f"cloudfront:{distribution}"} if distribution else set()
    parts = urlsplit(url)
    if parts.scheme == "s3" and parts.netloc:
        params = dict(parse_qsl(parts.query))
        out.add(bucket_key(parts.netloc, params.get("endpoint")))
    return out


def target_resources(site: Path | str, env: str, target: str) -> set[str]:
    """What ``target`` writes to when ``env`` deploys; empty when the files do not say."""
    t = site_targets(site, env).get(target)
    if t is None or not t.get("url"):
        return set()
    dist = t.get("cloudfrontdistributionid")
    return url_resources(str(t["url"]), str(dist) if dist else None)
