"""``hugopipe.toml`` as raw data, and the one rule for "is this production?".

Standard library only, so three kinds of caller can share it:

- ``hugopipe.config`` builds its pydantic models from :func:`read` (the only parser);
- start-up-critical commands (``hugopipe deploy``, ``validate --public``) ask
  :func:`is_production` before they import pydantic;
- the Claude Code guard (``.claude/hooks/``), which runs under the system ``python3``
  without the project's environment, imports this file by path (with ``src/`` on
  ``sys.path``; ``hugopipe/__init__.py`` and ``hugopipe.errors`` are stdlib-only too).

Production rule: ``production`` is always production; so is an environment marked
``production = true``; a deployment target is production when a production environment
deploys to it, so re-using a production target under another name is still production;
and, given the site, an environment or target is production when its bucket (on its
endpoint) or CloudFront distribution is one a production environment writes to, whatever
it is called (``hugopipe.sitetargets`` reads the URLs from the site's Hugo config files).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from hugopipe import sitesfile, sitetargets
from hugopipe.errors import ConfigError
from hugopipe.tomllines import item_line, line_of

CONFIG_NAME = "hugopipe.toml"
DEFAULT_ENVIRONMENTS = ("dev", "staging", "production")

#: Top-level tables hugopipe.toml may hold; anything else is a typo and an error.
#: (``notify_block``: the site's own notification block, deployments/automations.py)
TOP_LEVEL_ORDER = ("environments", "validate", "notify_block")
TOP_LEVEL_KEYS = frozenset(TOP_LEVEL_ORDER)
#: Keys of one ``[environments.NAME]`` table.
ENVIRONMENT_KEYS = frozenset(
    {
        "target",
        "production",
        "verify_url",
        "verify_paths",
        "index_document",
        "credentials_block",
        "base_url",
        "require_staging_match",
        # who must say yes before a publish writes (hugopipe.approval_rules)
        "approve_automatically_up_to_pages",
        "approve_automatically_with_deletes",
        "approval_expires_after",
        "ask_about_warnings",
        "ask_about_review",
    }
)
#: Keys of the ``[validate]`` table, checked here so a misspelled key fails when the file is
#: loaded (``plan``, ``run``, the flows), not after the build. Its values, rule ids and
#: ``[[validate.accept]]`` entries are ``hugopipe.validate.config``'s to check: importing it
#: here would load the rule catalogue and pydantic on the start-up-critical paths.
#: tests/test_config.py holds this list to the keys that module accepts.
VALIDATE_KEYS = frozenset(
    {
        "skip_fragments", "ignore_urls", "exclude_files", "other_hosts", "indexable",
        "max_page_kb", "max_image_kb", "title_min", "title_max", "description_min",
        "description_max", "jobs", "required", "severity", "environments", "accept", "external",
    }
)  # fmt: skip
#: Keys of one ``[validate.environments.NAME]`` table: the same, less the nesting itself.
VALIDATE_ENV_KEYS = VALIDATE_KEYS - {"environments"}
HINT = "see docs/configuration.md for the keys hugopipe.toml accepts"


def path_of(site: Path | str) -> Path:
    return Path(site) / CONFIG_NAME


def read(site: Path | str) -> dict[str, Any]:
    """The parsed ``<site>/hugopipe.toml`` (``{}`` when there is none).

    Raises ``ConfigError`` naming the file (and line) for bad TOML, unknown keys, or an
    ``[environments]`` entry that is not a table. Value types are left to ``hugopipe.config``.
    """
    path = path_of(site)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte {exc.start})", file=str(path), hint="save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read: {exc.strerror}", file=str(path), hint="check the file"
        ) from None
    return parse(text, str(path))


def parse(text: str, source: str = CONFIG_NAME) -> dict[str, Any]:
    """Parse and check the shape of hugopipe.toml text (see :func:`read`)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}",
            file=source,
            line=int(m.group(1)) if m else None,
            hint="fix the TOML syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    unknown = sorted(set(raw) - TOP_LEVEL_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}",
            file=source,
            line=line_of(text, unknown[0]),
            hint=f"hugopipe.toml accepts only {', '.join(TOP_LEVEL_ORDER)}; {HINT}",
        )
    envs = raw.get("environments", {})
    if not isinstance(envs, dict):
        raise ConfigError(
            "[environments] must be a table",
            file=source,
            line=line_of(text, "environments"),
            hint=HINT,
        )
    for name, env in envs.items():
        if not isinstance(env, dict):
            raise ConfigError(
                f"environments.{name} must be a table ([environments.{name}])",
                file=source,
                line=line_of(text, "environments", name),
                hint=HINT,
            )
        bad = sorted(set(env) - ENVIRONMENT_KEYS)
        if bad:
            raise ConfigError(
                f"unknown key environments.{name}.{bad[0]}",
                file=source,
                line=line_of(text, "environments", name, bad[0]),
                hint=f"an environment accepts {', '.join(sorted(ENVIRONMENT_KEYS))}; {HINT}",
            )
        if "production" in env and not isinstance(env["production"], bool):
            raise ConfigError(
                f"environments.{name}.production must be true or false, not {env['production']!r}",
                file=source,
                line=line_of(text, "environments", name, "production"),
                hint="write production = true (no quotes)",
            )
    _check_validate(raw.get("validate", {}), text, source)
    return raw


def _check_validate(table: Any, text: str, source: str) -> None:
    """The keys of ``[validate]`` and of each ``[validate.environments.NAME]`` (see VALIDATE_KEYS)."""
    if not isinstance(table, dict):
        raise ConfigError(
            "[validate] must be a table", file=source, line=line_of(text, "validate"), hint=HINT
        )
    bad = sorted(set(table) - VALIDATE_KEYS)
    if bad:
        raise ConfigError(
            f"unknown key [validate].{bad[0]}",
            file=source,
            line=line_of(text, "validate", bad[0]),
            hint=f"[validate] accepts {', '.join(sorted(VALIDATE_KEYS))}; {HINT}",
        )
    envs = table.get("environments", {})
    if not isinstance(envs, dict):
        raise ConfigError(
            "[validate.environments] must be a table",
            file=source,
            line=line_of(text, "validate", "environments"),
            hint=HINT,
        )
    for name, over in envs.items():
        where = ("validate", "environments", name)
        if not isinstance(over, dict):
            raise ConfigError(
                f"validate.environments.{name} must be a table ([validate.environments.{name}])",
                file=source,
                line=line_of(text, *where),
                hint=HINT,
            )
        bad = sorted(set(over) - VALIDATE_ENV_KEYS)
        if bad:
            raise ConfigError(
                f"unknown key [validate.environments.{name}].{bad[0]}",
                file=source,
                line=line_of(text, *where, bad[0]),
                hint=f"an environment's [validate] accepts {', '.join(sorted(VALIDATE_ENV_KEYS))}; {HINT}",
            )


def locate(source: Path | str, *key: str) -> int | None:
    """:func:`line_of` for a file on disk (error paths only: it reads the file again)."""
    text = _text(source)
    return None if text is None else line_of(text, *key)


def locate_item(source: Path | str, table: tuple[str, ...], index: int, *key: str) -> int | None:
    """:func:`item_line` for a file on disk (error paths only: it reads the file again)."""
    text = _text(source)
    return None if text is None else item_line(text, table, index, *key)


def _text(source: Path | str) -> str | None:
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def environments(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``[environments]`` of parsed hugopipe.toml, or the defaults when it names none."""
    envs = raw.get("environments") or {}
    if not envs:
        return {name: {} for name in DEFAULT_ENVIRONMENTS}
    return {k: v for k, v in envs.items() if isinstance(v, dict)}


def target_of(name: str, envs: dict[str, dict[str, Any]]) -> str:
    """The ``[[deployment.targets]]`` name an environment deploys to (default: its own name)."""
    env = envs.get(name) or {}
    return str(env.get("target") or name)


def environment_for(target: str, envs: dict[str, dict[str, Any]]) -> str:
    """The environment that deploys to ``target`` (the first in file order), else the target's
    own name: the Hugo environment ``hugopipe deploy --target`` builds the config for."""
    return next((n for n in envs if target_of(n, envs) == target), target)


def is_production(
    name: str,
    envs: dict[str, dict[str, Any]] | None,
    *,
    target: str | None = None,
    site: Path | str | None = None,
) -> bool:
    """Is the environment ``name`` (deploying to ``target``, default its configured one) production?

    The one answer every caller uses: flows, CLI, validator and the Claude Code guard.
    ``name`` may also be a bare target name (``hugopipe deploy --target X``). With ``site``,
    the target's bucket and distribution count too (:func:`production_resources`).
    """
    envs = envs or {}
    tgt = target or target_of(name, envs)
    names = {name, tgt} | {n for n in envs if target_of(n, envs) == tgt}
    if any(_marked(n, envs) for n in names):
        return True
    if site is None:
        return False
    mine = sitetargets.target_resources(site, name, tgt)
    return bool(mine & production_resources(site, envs))


def production_resources(site: Path | str, envs: dict[str, dict[str, Any]]) -> set[str]:
    """Every bucket (``s3://BUCKET@ENDPOINT``) and ``cloudfront:ID`` a production environment
    writes to, read from the site's Hugo config files (``hugopipe.sitetargets``), and those
    of every other site of the workspace file (``hugopipe.sitesfile``): a bucket that is
    production in any site is production in all of them, so site B's staging target
    pointed at site A's production bucket pauses for A's approval like A's own production.
    """
    out = _site_production(site, envs)
    for other in sitesfile.other_sites(site):
        try:
            out |= _site_production(other, environments(read(other)))
        except ConfigError:
            # a site whose hugopipe.toml is broken is judged by the default environments
            # (``production`` is production), never skipped
            out |= _site_production(other, environments({}))
    return out


def _site_production(site: Path | str, envs: dict[str, dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    marked = [n for n in envs if _marked(n, envs)] or ["production"]
    for n in marked:
        out |= sitetargets.target_resources(site, n, target_of(n, envs))
    return out


def writes_production(
    resources: set[str], site: Path | str, envs: dict[str, dict[str, Any]]
) -> bool:
    """Do ``resources`` (a plan's or a loaded target's: ``sitetargets.url_resources``) include
    a production bucket or distribution?"""
    return bool(resources & production_resources(site, envs))


def production_targets(envs: dict[str, dict[str, Any]]) -> set[str]:
    """Every target name a production environment deploys to."""
    return {target_of(n, envs) for n in envs if _marked(n, envs)} | {"production"}


def _marked(name: str, envs: dict[str, dict[str, Any]]) -> bool:
    if name == "production":
        return True
    env = envs.get(name)
    return isinstance(env, dict) and env.get("production", False) is True
