"""The task-file contract: what Claude Code may write in a task file's front matter.

A task file can never approve production: production is approved by a human
typing ``DEPLOY TO PRODUCTION`` in the Prefect UI. ``approval_confirmation``
(the user's template names the phrase) is ignored; ``approval_confirmed`` is
refused (reader.py reports both).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hugopipe.taskfile.expected import ExpectedOutput, parse_expected

#: task_type → (what runs, the environment it implies or None for "any")
TASK_TYPES: dict[str, tuple[str, str | None]] = {
    "hugo-build": ("local-build", None),
    "hugo-validate": ("local-validate", None),
    "hugo-deploy-dev": ("publish", "dev"),
    "hugo-deploy-staging": ("publish", "staging"),
    "hugo-deploy-production": ("publish", "production"),
    "content": ("local-content", None),
    # a prompt in prompts/ answered by a local model (flows/llm_task.py), never a deploy
    "local-model": ("llm", None),
}

APPROVAL_PHRASE = "DEPLOY TO PRODUCTION"


class TaskFileError(Exception):
    """A task file that cannot start anything: every problem, each with its line."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)")


class Problem(BaseModel):
    field: str
    line: int | None
    message: str
    fix: str

    def render(self, path: str) -> str:
        where = f"{path}:{self.line}" if self.line else path
        return f"{where}: {self.field}: {self.message}\n  fix: {self.fix}"


class TaskContext(BaseModel):
    model_config = ConfigDict(extra="allow")

    user_request: str | None = None
    branch: str | None = None
    files_changed: list[str] = Field(default_factory=list)


class TaskParams(BaseModel):
    """Known parameters are typed; others (bucket, cloudfront_id…) are kept and reported as ignored."""

    model_config = ConfigDict(extra="allow")

    site_path: str | None = None
    environment: str | None = None
    base_url: str | None = None
    minify: bool = True
    clean: bool = True
    #: content tasks: the page, relative to the site's content folder (``posts/new.md``)
    page: str | None = None
    #: content tasks: front matter to write (merged into an existing page's on edit)
    front_matter: dict[str, Any] | None = None
    #: content tasks: the Markdown body (an edit without one keeps the page's body)
    body: str | None = None
    #: content tasks: ``create`` refuses an existing page, ``edit`` a missing one; unset = either
    mode: Literal["create", "edit"] | None = None
    #: local-model tasks: the prompt's name in prompts/ (``classify_log``)
    prompt: str | None = None
    #: local-model tasks: the prompt's variables, each by name
    inputs: dict[str, Any] | None = None
    #: local-model tasks: ``local-only`` (the default) never leaves this machine; ``private``
    #: may use the configured private networks; ``any`` a remote host its role allows
    privacy: Literal["local-only", "private", "any"] | None = None

    @field_validator("environment")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[a-z][a-z0-9_-]*", v):
            raise ValueError("an environment is a lowercase name like dev, staging or production")
        return v


class TaskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
    task_type: Literal[
        "hugo-build",
        "hugo-validate",
        "hugo-deploy-dev",
        "hugo-deploy-staging",
        "hugo-deploy-production",
        "content",
        "local-model",
    ]
    created_at: datetime | None = None
    created_by: str | None = None
    status: Literal["pending", "in-progress", "completed", "failed"] = "pending"
    worker_type: str | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    timeout_minutes: int = Field(30, ge=1, le=1440)
    #: the site, by its name in hugopipe-workspace.toml (taskfile/sites.py checks it);
    #: absent: ``params.site_path``, else the default site
    site: str | None = None
    context: TaskContext = Field(default_factory=TaskContext)
    params: TaskParams = Field(default_factory=TaskParams)
    expected_outputs: list[ExpectedOutput] = Field(default_factory=list)
    requires_approval: bool | None = None
    approval_confirmation: str | None = None
    approval_confirmed: bool | None = None
    # -- written by the task exchange as the file moves (hugopipe.exchange) --------------
    picked_up_at: datetime | None = None
    picked_up_by: str | None = None
    flow_run_id: str | None = None
    flow_run_url: str | None = None
    finished_at: datetime | None = None
    result_path: str | None = None
    failure_reason: str | None = None
    previous_failure: str | None = Field(
        None, description="why the last attempt failed, kept when a failed/ file is submitted again"
    )
    description: str = Field("", description="the Markdown body under the front matter")

    @field_validator("task_id", "created_by", "worker_type", mode="before")
    @classmethod
    def _stringify(cls, v: Any) -> Any:
        # YAML reads `task_id: 2026-01-19` as a date and `task_id: 42` as an int.
        return str(v) if v is not None and not isinstance(v, str | dict | list) else v

    @field_validator("expected_outputs", mode="before")
    @classmethod
    def _expected(cls, v: Any) -> Any:
        if v is None:
            return []
        if not isinstance(v, list):
            raise ValueError("expected_outputs is a YAML list (`- file_count: integer (>100)`)")
        return [
            parse_expected(item) if not isinstance(item, ExpectedOutput) else item for item in v
        ]

    @property
    def runner(self) -> str:
        return TASK_TYPES[self.task_type][0]

    @property
    def environment(self) -> str:
        implied = TASK_TYPES[self.task_type][1]
        return self.params.environment or implied or "dev"
