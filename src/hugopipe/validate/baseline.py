"""The site's baseline: findings a person has accepted, kept in ``validation-baseline.json``.

A site that switches validation on meets its history: hundreds of short descriptions,
a legacy page without a canonical. The baseline lets someone say "known, leave it" once
per rule and page, so the report stops asking and shows what is new; the report keeps
those findings (marked accepted, with the note) and says how many the baseline took
(``ValidationReport.suppressed``). Unlike ``[[validate.accept]]`` in hugopipe.toml (globs,
a reason, an end date, written by hand), the baseline is written by tools: ``hugopipe
validate --accept-warnings`` and the approvals' decision card (``accept``).

The file, in the site folder, human-editable (docs/validation.md)::

    {
      "version": 1,
      "entries": [
        {"rule": "S4", "file": "blog/old-post/index.html",
         "note": "legacy post, no description", "by": "ana", "added": "2026-12-05"}
      ]
    }

An entry matches a finding with the same ``rule`` and ``file`` (the page or file the
finding names: the built page for output rules, the content file for source rules).
It never applies to an *error*: errors still fail the run (docs/validation.md), so a
hand-written entry for E1 cannot turn a production leak into "accepted" (the same entry
still quiets that rule where the environment makes it a warning). ``accept`` skips errors,
and an entry whose rule is not in ``rules.RULES`` is an error naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ValidationError

from hugopipe.errors import ConfigError
from hugopipe.validate.findings import Finding, ValidationReport
from hugopipe.validate.rules import RULES

FILE_NAME = "validation-baseline.json"
VERSION = 1
_HINT = (
    f"fix the JSON of {FILE_NAME} (an object with 'version': 1 and 'entries', each with "
    "'rule' and 'file'; see docs/validation.md), or delete the file to start a new baseline"
)


class BaselineEntry(BaseModel):
    """One accepted finding: a rule on one page or file."""

    rule: str
    file: str
    note: str = ""
    by: str = ""
    added: str = ""  # ISO date the entry was written


class Baseline(BaseModel):
    """The entries of one site's baseline file (none when it does not exist)."""

    path: Path
    entries: list[BaselineEntry] = []

    def keys(self) -> set[tuple[str, str]]:
        return {(e.rule, e.file) for e in self.entries}

    def match(self, f: Finding) -> BaselineEntry | None:
        """The entry that accepts ``f`` (never one for an error: errors fail the run)."""
        if f.severity == "error":
            return None
        for e in self.entries:
            if e.rule == f.rule and e.file == f.file:
                return e
        return None

    def apply(self, findings: Iterable[Finding]) -> int:
        """Mark the findings an entry accepts (those not accepted already); returns how many."""
        if not self.entries:
            return 0
        by_key = {(e.rule, e.file): e for e in self.entries}
        n = 0
        for f in findings:
            if f.accepted or f.severity == "error":
                continue
            e = by_key.get((f.rule, f.file))
            if e is not None:
                f.accepted = True
                f.accepted_reason = "baseline" + (f": {e.note}" if e.note else "")
                n += 1
        return n


def path_of(site_dir: Path) -> Path:
    return Path(site_dir) / FILE_NAME


def load(site_dir: Path) -> Baseline:
    """The baseline of ``site_dir`` (empty when there is no file).

    A file that is not what docs/validation.md describes raises ``ConfigError`` naming the
    file and the line, so a hand edit gone wrong is found, not silently ignored.
    """
    path = path_of(site_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Baseline(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}", file=str(path), hint=_HINT) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{FILE_NAME} is not valid JSON: {exc.msg}", file=str(path), line=exc.lineno, hint=_HINT
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        raise ConfigError(
            f"{FILE_NAME} must be an object with an 'entries' list",
            file=str(path),
            line=1,
            hint=_HINT,
        )
    if data.get("version", VERSION) != VERSION:
        raise ConfigError(
            f"{FILE_NAME} has version {data.get('version')!r}; this hugopipe reads version {VERSION}",
            file=str(path),
            line=_key_line(text, "version"),
            hint=_HINT,
        )
    entries = []
    lines = _entry_lines(text)
    for i, raw in enumerate(data.get("entries", [])):
        try:
            entries.append(BaselineEntry.model_validate(raw))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise ConfigError(
                f"{FILE_NAME}: entry {i + 1} is invalid: {where}: {first['msg']}",
                file=str(path),
                line=lines[i] if i < len(lines) else None,
                hint=_HINT,
            ) from exc
        if entries[-1].rule not in RULES:
            raise ConfigError(
                f"{FILE_NAME}: entry {i + 1} names rule {entries[-1].rule!r}, which hugopipe "
                "does not have",
                file=str(path),
                line=lines[i] if i < len(lines) else None,
                hint="use a rule id docs/validation.md lists (L1, S4, …), or remove the entry",
            )
    return Baseline(path=path, entries=entries)


def accept(site_dir: Path, findings: Sequence[Finding], *, note: str = "", by: str = "") -> Path:
    """Add an entry for each finding (keyed by rule and page/file; one already there is
    kept as it is) to the site's baseline file, written atomically; returns its path.
    Errors are skipped: the baseline never accepts one (it would not apply)."""
    base = load(site_dir)
    have = base.keys()
    today = dt.date.today().isoformat()
    for f in findings:
        key = (f.rule, f.file)
        if f.severity == "error" or key in have:
            continue
        have.add(key)
        base.entries.append(BaselineEntry(rule=f.rule, file=f.file, note=note, by=by, added=today))
    _write(base)
    return base.path


def apply(report: ValidationReport, site_dir: Path | None) -> ValidationReport:
    """Mark what the site's baseline accepts in ``report`` and count it (``suppressed``)."""
    if site_dir is None:
        return report
    report.suppressed += load(site_dir).apply(report.findings)
    return report


def _write(base: Baseline) -> None:
    """One entry per line, so a diff shows what was accepted; replaced in one rename."""
    rows = [
        "  " + json.dumps(e.model_dump(), ensure_ascii=False)
        for e in sorted(base.entries, key=lambda e: (e.rule, e.file))
    ]
    text = (
        f'{{\n"version": {VERSION},\n"entries": [\n'
        + ",\n".join(rows)
        + ("\n" if rows else "")
        + "]\n}\n"
    )
    base.path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", dir=base.path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, base.path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _key_line(text: str, key: str) -> int | None:
    i = text.find(f'"{key}"')
    return text.count("\n", 0, i) + 1 if i >= 0 else None


def _entry_lines(text: str) -> list[int]:
    """The line each element of ``entries`` starts on (for errors about one entry)."""
    i = text.find('"entries"')
    if i < 0:
        return []
    i = text.find("[", i)
    dec = json.JSONDecoder()
    out: list[int] = []
    pos = i + 1
    while 0 < pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        out.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
    return out
