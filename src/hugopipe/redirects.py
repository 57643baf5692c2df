"""A site's ``_redirects`` file (the Netlify format many Hugo sites carry), read once.

Two readers share it: the validator, so a link to a moved page resolves through the
site's own redirect instead of being reported broken, and the deployer, which turns
the *plain* rules into S3 website redirects (S3 itself never reads the file).

Format, one rule per line (``#`` starts a comment)::

    /old-path   /new-path        301
    /blog/*     /posts/:splat    302!
    /docs/:lang/intro  /:lang/start

A rule is *plain* when S3 can serve it as an object with
``x-amz-website-redirect-location``: an exact source path (no ``*``, no ``:name``
placeholder, no query or conditions), a 301/302 status and a target without
placeholders. Rewrites (200), custom 404 pages, splats and conditions stay
validator-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "_redirects"
_STATUS = re.compile(r"^(?P<code>[1-5]\d\d)(?P<force>!?)$")
_PLACEHOLDER = re.compile(r":[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class RedirectRule:
    """One line of ``_redirects``."""

    source: str
    target: str
    status: int
    line: int
    force: bool = False
    conditions: tuple[str, ...] = ()

    @property
    def is_redirect(self) -> bool:
        """A reader's browser is sent elsewhere (3xx), not served another file (200) or a 404."""
        return 300 <= self.status < 400

    @property
    def plain(self) -> bool:
        """S3 can serve this rule as a website-redirect object."""
        return (
            self.status in (301, 302)
            and not self.conditions
            and "*" not in self.source
            and not _PLACEHOLDER.search(self.source)
            and not _PLACEHOLDER.search(self.target)
            and "?" not in self.source
            and self.source.startswith("/")
        )

    def match(self, path: str) -> str | None:
        """The target ``path`` is redirected to by this rule, or None.

        Placeholders (``:name``) match one path segment; a trailing ``*`` matches the rest
        and fills ``:splat``. Trailing slashes are ignored on both sides, as Netlify does.
        """
        pattern, names = _compile(self.source)
        m = pattern.match(path.rstrip("/") or "/")
        if not m:
            return None
        target = self.target
        for name in names:
            target = target.replace(f":{name}", m.group(name) or "")
        return target


@dataclass(frozen=True)
class RedirectProblem:
    """A line that is not a rule: reported by the validator with its line."""

    line: int
    message: str


def _compile(source: str) -> tuple[re.Pattern[str], list[str]]:
    names: list[str] = []
    out = ""
    src = source.rstrip("/") or "/"
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "*":
            out += "(?P<splat>.*)"
            names.append("splat")
            i += 1
            continue
        m = _PLACEHOLDER.match(src, i)
        if m and (i == 0 or src[i - 1] == "/"):
            name = m.group()[1:]
            out += f"(?P<{name}>[^/]+)"
            names.append(name)
            i = m.end()
            continue
        out += re.escape(ch)
        i += 1
    return re.compile(f"^{out}/?$"), names


def parse(text: str) -> tuple[list[RedirectRule], list[RedirectProblem]]:
    """Every rule of a ``_redirects`` text, and every line that is not one."""
    rules: list[RedirectRule] = []
    problems: list[RedirectProblem] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        # a whole-line comment, or one after whitespace: a target may carry a #fragment
        line = "" if raw.lstrip().startswith("#") else re.split(r"\s#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) < 2:
            problems.append(
                RedirectProblem(n, f"a rule needs a source and a target: {raw.strip()!r}")
            )
            continue
        source, target, rest = parts[0], parts[1], parts[2:]
        status, force = 301, False
        conditions: list[str] = []
        for token in rest:
            m = _STATUS.match(token)
            if m and status == 301 and not conditions:
                status, force = int(m.group("code")), bool(m.group("force"))
            else:
                conditions.append(token)
        if not source.startswith("/") and "://" not in source:
            problems.append(RedirectProblem(n, f"source {source!r} must start with / or be a URL"))
            continue
        rules.append(RedirectRule(source, target, status, n, force, tuple(conditions)))
    return rules, problems


def read(public_dir: Path) -> tuple[list[RedirectRule], list[RedirectProblem]]:
    """The rules of ``public_dir/_redirects`` (none when the file does not exist)."""
    path = public_dir / FILE_NAME
    if not path.is_file():
        return [], []
    return parse(path.read_text(encoding="utf-8", errors="replace"))


def resolve(rules: list[RedirectRule], path: str) -> RedirectRule | None:
    """The first 3xx rule that redirects ``path`` (Netlify applies the first match)."""
    for rule in rules:
        if rule.is_redirect and not rule.conditions and rule.match(path) is not None:
            return rule
    return None
