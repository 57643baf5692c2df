"""Warnings a person accepted: ``validation-baseline.json`` in the site.

A minimal version of the baseline (the decision card ``flows/decision.warnings_card``
writes it; ``flows/gates.py`` asks only about warnings it does not cover). A finding is
identified by rule, file, URL and message, so an accepted warning asks again when
what it says changes. The file is JSON, sorted, one entry per accepted finding, with
who accepted it, when and why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from hugopipe.validate.findings import Finding

FILE_NAME = "validation-baseline.json"


def finding_key(f: Finding) -> str:
    return "|".join((f.rule, f.file, f.url or "", f.message))


class Entry(BaseModel):
    key: str
    rule: str
    file: str
    message: str
    note: str = ""
    by: str = ""
    accepted_at: str = ""


class Baseline(BaseModel):
    entries: list[Entry] = Field(default_factory=list)

    def covers(self, f: Finding) -> bool:
        return finding_key(f) in {e.key for e in self.entries}


def load(site_dir: Path) -> Baseline:
    """The site's baseline (empty when there is none)."""
    path = Path(site_dir) / FILE_NAME
    if not path.is_file():
        return Baseline()
    return Baseline.model_validate(json.loads(path.read_text(encoding="utf-8")))


def accept(site_dir: Path, findings: Sequence[Finding], *, note: str = "", by: str = "") -> Path:
    """Add ``findings`` to the site's baseline; returns the file's path."""
    path = Path(site_dir) / FILE_NAME
    base = load(site_dir)
    known = {e.key for e in base.entries}
    when = datetime.now(UTC).isoformat(timespec="seconds")
    for f in findings:
        key = finding_key(f)
        if key not in known:
            known.add(key)
            base.entries.append(
                Entry(
                    key=key,
                    rule=f.rule,
                    file=f.file,
                    message=f.message,
                    note=note,
                    by=by,
                    accepted_at=when,
                )
            )
    base.entries.sort(key=lambda e: e.key)
    path.write_text(base.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path
