"""Task files: the Markdown-with-YAML-front-matter requests Claude Code writes for ``hugopipe submit``.

Four rooms: ``model`` (the contract: which fields, which task types), ``reader``
(front matter, every problem with its file line, rules a schema cannot say),
``expected`` (``expected_outputs`` and their checks against a result's outputs) and
``sites`` (which site a task means: ``site:``, ``params.site_path`` or the default).
"""

from hugopipe.taskfile.expected import ExpectedOutput, OutputCheck, checks_text, parse_expected
from hugopipe.taskfile.model import TASK_TYPES, Problem, TaskFileError, TaskRequest
from hugopipe.taskfile.reader import load_task
from hugopipe.taskfile.sites import default_site, site_environments

__all__ = [
    "TASK_TYPES",
    "ExpectedOutput",
    "OutputCheck",
    "Problem",
    "TaskFileError",
    "TaskRequest",
    "checks_text",
    "default_site",
    "load_task",
    "parse_expected",
    "site_environments",
]
