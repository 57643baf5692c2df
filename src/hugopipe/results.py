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
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_seconds: float | None = None
    worker_id: str = Field(default_factory=lambda: f"hugopipe@{socket.gethostname()}")
    flow_run_id: str | None = None
    flow_run_url: str | None = None
    failure_class: str | None = None
    next_step: str | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
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
    """Write atomically (tmp + rename) so a reader never sees half a file."""
    path = result_path(result.task_id, result.completed_at or result.started_at, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(result.render(), encoding="utf-8")
    tmp.replace(path)
    return path
