"""The ``[validate]`` table of ``hugopipe.toml``: severities per environment and accepted findings.

Example::

    [validate]
    max_page_kb = 1024
    skip_fragments = ["^#/"]          # client-side routes
    ignore_urls = ["^/api/"]          # never checked
    other_hosts = ["preview.example.org"]
    [validate.severity]
    L3 = "error"                      # our host does not redirect /dir to /dir/
    [validate.required]
    "*" = ["title"]
    blog = ["title", "date", "description"]
    [validate.environments.staging]
    indexable = false                 # staging must carry noindex / disallow-all
    [validate.environments.staging.severity]
    S4 = "off"
    [[validate.accept]]
    rule = "L1"
    file = "legacy/**"
    url = "/old-shop/*"
    reason = "served by the legacy app behind the same CloudFront distribution"
    until = 2027-01-31

An accepted finding keeps its place in the report (marked accepted, with the
reason) but no longer blocks; a rule is never disabled by accepting one finding.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from hugopipe import projectfile
from hugopipe.errors import ConfigError
from hugopipe.validate.findings import Finding
from hugopipe.validate.rules import RULES, Level


class Acceptance(BaseModel):
    rule: str
    reason: str = Field(min_length=3)
    file: str | None = None  # glob on Finding.file
    url: str | None = None  # glob on Finding.url
    until: dt.date | None = None  # stops applying after this date

    def matches(self, f: Finding, today: dt.date) -> bool:
        if self.rule not in ("*", f.rule):
            return False
        if self.until is not None and today > self.until:
            return False
        if self.file is not None and not fnmatch.fnmatchcase(f.file, self.file):
            return False
        return not (self.url is not None and not fnmatch.fnmatchcase(f.url or "", self.url))


class ExternalConfig(BaseModel):
    max_cache_age: str = "7d"
    max_concurrency: int = 32
    host_concurrency: int = 2
    max_retries: int = 3
    retry_wait_time: int = 2
    timeout: int = 20
    exclude: list[str] = Field(default_factory=list)
    accept_status: list[int] = Field(default_factory=lambda: [200, 203, 204, 206, 999])


class ValidateConfig(BaseModel):
    """Resolved settings for one environment."""

    env: str = "staging"
    production: bool = False
    severity: dict[str, Level] = Field(default_factory=dict)
    accept: list[Acceptance] = Field(default_factory=list)
    required: dict[str, list[str]] = Field(default_factory=dict)
    skip_fragments: list[str] = Field(default_factory=list)
    ignore_urls: list[str] = Field(default_factory=list)
    exclude_files: list[str] = Field(default_factory=list)
    other_hosts: list[str] = Field(default_factory=list)
    indexable: bool | None = None
    max_page_kb: int = 1024
    max_image_kb: int = 2048
    title_min: int = 10
    title_max: int = 70
    description_min: int = 50
    description_max: int = 160
    jobs: int | None = None
    external: ExternalConfig = Field(default_factory=ExternalConfig)

    # -- severities --------------------------------------------------------------------------
    def level(self, rule: str) -> Level:
        if rule in self.severity:
            return self.severity[rule]
        r = RULES[rule]
        return r.production if self.production else r.other

    def enabled(self, rule: str) -> bool:
        return self.level(rule) != "off"

    def apply(self, findings: list[Finding], today: dt.date | None = None) -> list[Finding]:
        """Set configured severities, drop disabled rules, mark accepted findings."""
        today = today or dt.date.today()
        out: list[Finding] = []
        for f in findings:
            lvl = self.level(f.rule)
            if lvl == "off":
                continue
            f.severity = lvl
            for a in self.accept:
                if a.matches(f, today):
                    f.accepted = True
                    f.accepted_reason = a.reason
                    break
            out.append(f)
        return out

    def url_ignored(self, url: str) -> bool:
        return any(p.search(url) for p in self._ignore_res)

    @property
    def _ignore_res(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.ignore_urls]


_SCALARS = {
    "skip_fragments", "ignore_urls", "exclude_files", "other_hosts", "indexable", "max_page_kb",
    "max_image_kb", "title_min", "title_max", "description_min", "description_max", "jobs",
    "required",
}  # fmt: skip
#: Every key of ``[validate]``; ``projectfile.VALIDATE_KEYS`` repeats it, stdlib-only, so the
#: loader rejects a misspelled key early (tests/test_config.py holds the two equal).
KEYS = frozenset(_SCALARS | {"severity", "environments", "accept", "external"})
ENV_KEYS = KEYS - {"environments"}
_INVALID_HINT = (
    "see the docstring of src/hugopipe/validate/config.py for the allowed keys; "
    "every [[validate.accept]] needs rule and reason"
)


def load_config(
    raw: dict[str, Any] | None, env: str, production: bool, source: str | None = None
) -> ValidateConfig:
    """Resolve the raw ``[validate]`` table for ``env`` (environment overrides win).

    ``source``: the hugopipe.toml the table came from; errors name it and, read again, the
    line (without one they name ``hugopipe.toml`` and no line).
    """
    where = _Where(source, raw or {}, env)
    raw = dict(raw or {})
    envs = raw.get("environments", {}) or {}
    envs = envs if isinstance(envs, dict) else {}
    tables = [(None, raw)] + [(n, o) for n, o in envs.items() if isinstance(o, dict)]
    for over_env, table in tables:
        allowed = KEYS if over_env is None else ENV_KEYS
        for key in table:
            if key not in allowed:
                name = "validate" if over_env is None else f"validate.environments.{over_env}"
                raise ConfigError(
                    f"unknown key [{name}].{key}",
                    file=where.file,
                    line=where.line(key, env=over_env, base=over_env is None),
                    hint="allowed keys: " + ", ".join(sorted(allowed)),
                )
    raw.pop("environments", None)
    over = dict(envs.get(env) or {})
    for over_env, table in ((None, raw), (env, over)):
        for key, kind, word in (("severity", dict, "a table"), ("accept", list, "a list")):
            if not isinstance(table.get(key) or kind(), kind):
                raise ConfigError(
                    f"[validate] is invalid: {key} must be {word}",
                    file=where.file,
                    line=where.line(key, env=over_env, base=over_env is None),
                    hint=_INVALID_HINT,
                )
    severity = dict(raw.pop("severity", {}) or {})
    severity.update(over.pop("severity", {}) or {})
    accept = list(raw.pop("accept", []) or []) + list(over.pop("accept", []) or [])
    data: dict[str, Any] = {**raw, **over}
    for rule in severity:
        if rule not in RULES:
            raise ConfigError(
                f"[validate.severity] names unknown rule {rule!r}",
                file=where.file,
                line=where.line("severity", rule),
                hint="rule ids: " + ", ".join(RULES),
            )
    try:
        return ValidateConfig(
            env=env, production=production, severity=severity, accept=accept, **data
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise ConfigError(
            f"[validate] is invalid: {'.'.join(str(p) for p in loc)}: {first['msg']}",
            file=where.file,
            line=where.line(*loc),
            hint=_INVALID_HINT,
        ) from exc


class _Where:
    """Finds the line of a ``[validate]`` key in ``source`` (error paths only: reads it again).

    A merged value may come from ``[validate]`` or from ``[validate.environments.ENV]``
    (the override wins), and ``accept`` is one list of both; this maps a key or a pydantic
    error location back to the table that set it.
    """

    def __init__(self, source: str | None, raw: dict[str, Any], env: str) -> None:
        self.source = source
        self.file = source or "hugopipe.toml"
        self.raw = raw
        self.env = env
        envs = raw.get("environments")
        over = envs.get(env) if isinstance(envs, dict) else None
        self.over: dict[str, Any] = over if isinstance(over, dict) else {}

    def line(self, *loc: str | int, env: str | None = None, base: bool = False) -> int | None:
        """The line of ``loc`` in ``[validate.environments.ENV]`` (``env``), in ``[validate]``
        itself (``base``), or, with neither, in whichever of the two set the merged value."""
        if not self.source or not loc:
            return None
        key = str(loc[0])
        if env is None and not base and self._overridden(loc):
            env = self.env
        table = ("validate",) if env is None else ("validate", "environments", env)
        if key == "accept" and len(loc) > 1 and isinstance(loc[1], int):
            index = loc[1]
            shared = self.raw.get("accept") or []  # [[validate.accept]] come first in the list
            if env is not None and isinstance(shared, list):
                index -= len(shared)
            rest = tuple(str(p) for p in loc[2:])
            return projectfile.locate_item(self.source, (*table, "accept"), index, *rest)
        return projectfile.locate(self.source, *table, *(str(p) for p in loc))

    def _overridden(self, loc: tuple[str | int, ...]) -> bool:
        """Did ``[validate.environments.ENV]`` set the value at ``loc``?"""
        key = loc[0]
        if key == "accept" and len(loc) > 1 and isinstance(loc[1], int):
            base = self.raw.get("accept") or []
            return loc[1] >= (len(base) if isinstance(base, list) else 0)
        if key == "severity" and len(loc) > 1:
            sev = self.over.get("severity")
            return isinstance(sev, dict) and loc[1] in sev
        return key in self.over
