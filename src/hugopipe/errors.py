"""Errors a user can act on.

Every error the pipeline raises for a user mistake or an outside failure is a
``HugopipeError``: it names the file and line when there is one, says what to do
next (``hint``), and carries a ``FailureClass`` so retries, the CLI's ``retries``
command and Claude Code can decide between "fix and retry" and "escalate"
without parsing messages. Tracebacks are for bugs only.
"""

from __future__ import annotations

from enum import StrEnum


class FailureClass(StrEnum):
    """What kind of failure this is, and so who fixes it (the user's error policy: retry transient failures, escalate the rest)."""

    TRANSIENT = "transient"  # network blip, 5xx, SlowDown: retry with backoff
    CONTENT = "content"  # front matter, broken link: Claude fixes the content and retries
    TEMPLATE = "template"  # Hugo template error: Claude fixes the layout and retries
    CONFIGURATION = "configuration"  # hugopipe.toml, hugo config, [deployment]: fix or escalate
    CREDENTIALS = "credentials"  # AWS credentials, access denied: escalate to the user
    UNKNOWN = "unknown"  # anything else: escalate with the message


#: The next step for each class, shown by the CLI and written into result files.
NEXT_STEP: dict[FailureClass, str] = {
    FailureClass.TRANSIENT: "Retried automatically with backoff; if it keeps failing, check the endpoint and run again.",
    FailureClass.CONTENT: "Fix the named content file (front matter, link or image) and run again.",
    FailureClass.TEMPLATE: "Fix the named template in layouts/ (Hugo's message has the file and line) and run again.",
    FailureClass.CONFIGURATION: "Fix the named configuration (hugopipe.toml, hugo config, [deployment] target) and run again.",
    FailureClass.CREDENTIALS: "Escalate to the user: AWS credentials are missing, expired or lack permission.",
    FailureClass.UNKNOWN: "Escalate to the user with the error message; do not retry blindly.",
}


def stopped_next_step(why: str, *, deploying: bool, deployed: bool) -> str:
    """The next step after a person stopped a run (reject, cancel): not a failure to fix or
    retry, so no failure class. What to say depends on how far the deploy had got."""
    if deployed:
        where = "The deploy had finished; the run was stopped while checking the live site."
    elif deploying:
        where = (
            "It was stopped during the deploy: check the target with `hugopipe plan` "
            "before starting another run."
        )
    else:
        where = "Nothing was deployed."
    return f"{why.rstrip('.')}. {where} Tell the user; start a new run only if they ask."


class HugopipeError(Exception):
    """A failure with a place, a reason and a next step."""

    failure_class: FailureClass = FailureClass.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        hint: str | None = None,
        failure_class: FailureClass | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        if failure_class is not None:
            self.failure_class = failure_class

    def location(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or ""

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "hint": self.hint,
            "failure_class": str(self.failure_class),
        }


class ConfigError(HugopipeError):
    failure_class = FailureClass.CONFIGURATION


class ContentError(HugopipeError):
    failure_class = FailureClass.CONTENT


class TemplateError(HugopipeError):
    failure_class = FailureClass.TEMPLATE


class TransientError(HugopipeError):
    failure_class = FailureClass.TRANSIENT


class Unreachable(TransientError):
    """A required service did not answer at all (connection refused, no such host, timeout):
    the CLI exits 4, like a missing Prefect server."""


class CredentialsError(HugopipeError):
    failure_class = FailureClass.CREDENTIALS


class RunBusy(HugopipeError):
    """A task would start a run that an earlier run of the same deployment, site and
    environment would make it yield to (one at a time): nothing is started and the task
    waits in ``pending/`` until that run ends. Not a failure: nothing was lost."""

    failure_class = FailureClass.TRANSIENT

    def __init__(self, message: str, *, run: dict[str, object], hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.run = run


class ProductionRefused(HugopipeError):
    """Raised by any non-flow path asked to touch production (production is sacred)."""

    failure_class = FailureClass.CONFIGURATION
