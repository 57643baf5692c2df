"""Result files: the user's contract for telling Claude Code what a run did.

YAML front matter (task_id, task_type, status, timings, outputs, logs)
followed by a Markdown summary, written under
``results/YYYY-MM-DD/<task_id>.result.md`` (docs/cli.md#result-files). Secrets never reach this file:
``redact`` masks the values of secret-looking environment variables in logs.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

Status = Literal["success", "failed", "paused", "running", "cancelled", "crashed", "pending"]

_SECRET_NAMES = re.compile(r"(SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|AUTH)", re.I)


def redact(text: str) -> str:
    """Mask every secret-looking environment variable's value that appears in ``text``."""
    for name, value in os.environ.items():
        if value and len(value) >= 6 and _SECRET_NAMES.search(name):
            text = text.replace(value, "********")
    return text


class ResultFile(BaseModel):
    task_id: str
    task_type: str
    status: Status
    environment: str | None = None
    #: the site's name (hugopipe.sites: its name in hugopipe-workspace.toml, else its folder's)
    site: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    worker_id: str = Field(default_factory=lambda: f"hugopipe@{socket.gethostname()}")
    flow_run_id: str | None = None
    flow_run_url: str | None = None
    failure_class: str | None = None
    next_step: str | None = None
    #: the task file's ``context`` (why this run exists: the user's request, the branch…)
    context: dict[str, Any] | None = None
    #: where the task file went when the run ended (``tasks/completed/<task_id>.md``)
    task_file: str | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    #: each of the task file's expected outputs, checked: name, expected, actual, passed, reason
    expected_outputs: list[dict[str, Any]] | None = None
    expectations_passed: bool | None = None
    #: why it failed, in one line, and whether rules or a local model said so (hugopipe.llm.explain)
    failure_explanation: dict[str, Any] | None = None
    #: the second-pass review of changed pages: scores, warnings (hugopipe.llm.review)
    review: dict[str, Any] | None = None
    logs: str = ""
    summary: str = Field("", description="Markdown body under the front matter")

    def render(self) -> str:
        front = self.model_dump(mode="json", exclude={"summary"}, exclude_none=True)
        front["logs"] = redact(front.get("logs", ""))
        text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
        return f"---\n{text}---\n\n{redact(self.summary).rstrip()}\n"

    @classmethod
    def parse(cls, text: str) -> ResultFile:
        """Raises ``ValueError`` (a pydantic ``ValidationError`` is one) or ``yaml.YAMLError``."""
        from hugopipe.safeyaml import load_limited

        if not text.startswith("---"):
            raise ValueError("a result file starts with '---' YAML front matter")
        parts = text.split("---", 2)
        if len(parts) < 3:
            raise ValueError("the YAML front matter is not closed by a second '---' line")
        _, front, body = parts
        data = load_limited(front) or {}
        if not isinstance(data, dict):
            raise ValueError("the front matter is not a mapping of `key: value` lines")
        return cls.model_validate({**data, "summary": body.strip()})


def results_root() -> Path:
    return Path(os.environ.get("HUGOPIPE_RESULTS_DIR", "results"))


def result_path(task_id: str, when: datetime | None = None, root: Path | None = None) -> Path:
    day = (when or datetime.now(UTC)).strftime("%Y-%m-%d")
    return (root or results_root()) / day / f"{task_id}.result.md"


def write_result(result: ResultFile, root: Path | None = None) -> Path:
    """Write atomically (tmp + rename) so a reader never sees half a file; point
    ``results/latest/<task_type>.result.md`` at it."""
    path = result_path(result.task_id, result.completed_at or result.started_at, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(result.render(), encoding="utf-8")
    tmp.replace(path)
    _point_latest(path, result.task_type, root or results_root())
    return path


LATEST = "latest"


def _point_latest(path: Path, task_type: str, root: Path) -> None:
    """A relative symlink per task type (the seeds' ``results/latest/``), swapped atomically.

    Best effort: a file system without symlinks still has ``hugopipe result --latest``,
    which scans the day folders.
    """
    if not re.fullmatch(r"[A-Za-z0-9._-]+", task_type):
        return
    folder = root / LATEST
    link = folder / f"{task_type}.result.md"
    tmp = folder / f".{task_type}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(Path("..") / path.parent.name / path.name)
        tmp.replace(link)
    except OSError:
        tmp.unlink(missing_ok=True)


def latest_result(task_type: str | None = None, root: Path | None = None) -> Path | None:
    """The newest result file (of ``task_type``), by the time it was written.

    Scans the day folders (newest first, stopping at the first that has a match)
    rather than trusting ``latest/``, which a copied or archived folder can leave stale.
    """
    base = root or results_root()
    if not base.is_dir():
        return None
    days = sorted(
        (p for p in base.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name)),
        reverse=True,
    )
    for day in days:
        best: tuple[float, Path] | None = None
        for path in day.glob("*.result.md"):
            if task_type is not None and _task_type_of(path) != task_type:
                continue
            stamp = path.stat().st_mtime
            if best is None or stamp > best[0]:
                best = (stamp, path)
        if best is not None:
            return best[1]
    return None


def _task_type_of(path: Path) -> str | None:
    """``task_type`` from the head of a result file, without parsing the whole file."""
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    m = re.search(r"^task_type: *(\S+)", head, re.M)
    return m.group(1).strip("'\"") if m else None
