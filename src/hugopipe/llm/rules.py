"""Deterministic one-line explanations of the failures we know, before any model is asked.

Hugo template and front-matter errors, AWS credential, permission and throttling
errors, network errors: each rule is a pattern, the failure class it means and one
sentence a person (or Claude Code) can act on, with the file or code it names. Plain
``re`` and no pydantic: ``hugopipe retries`` explains each attempt with these and
must stay fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hugopipe.errors import FailureClass


@dataclass(frozen=True)
class Rule:
    name: str
    failure_class: FailureClass
    pattern: re.Pattern[str]
    #: ``{where}`` is the file/line (or error code) the message names, when it names one
    explanation: str


_LAYOUT = r"(?P<where>layouts/[\w./-]+(?::\d+(?::\d+)?)?)"
_CONTENT = r"(?P<where>content/[\w./-]+(?::\d+(?::\d+)?)?)"

_PATH = re.compile(r"(?:content|layouts)/[\w./-]+(?::\d+(?::\d+)?)?")

RULES: tuple[Rule, ...] = (
    Rule(
        "hugo-template",
        FailureClass.TEMPLATE,
        re.compile(rf"{_LAYOUT}|execute of template|html/template|partial \"|shortcode", re.I),
        "Hugo could not render a template ({where}): fix the layout Hugo names and rebuild.",
    ),
    Rule(
        "front-matter",
        FailureClass.CONTENT,
        re.compile(r"front ?matter|failed to unmarshal", re.I),
        "A page's front matter is not valid YAML/TOML ({where}): fix its header and rebuild.",
    ),
    Rule(
        "aws-credentials",
        FailureClass.CREDENTIALS,
        re.compile(
            r"(?P<where>NoCredentials\w*|Unable to locate credentials|InvalidAccessKeyId|"
            r"SignatureDoesNotMatch|ExpiredToken\w*|InvalidClientTokenId|"
            r"security token .{0,40}(invalid|expired))",
            re.I,
        ),
        "AWS credentials are missing, wrong or expired ({where}): the user must renew them.",
    ),
    Rule(
        "aws-permission",
        FailureClass.CREDENTIALS,
        re.compile(
            r"(?P<where>AccessDenied|AllBucketsDisabled|\bForbidden\b|not authorized)", re.I
        ),
        "AWS refused the request ({where}): the credentials lack a permission; escalate.",
    ),
    Rule(
        "aws-throttling",
        FailureClass.TRANSIENT,
        re.compile(
            r"(?P<where>Throttl\w*|SlowDown|TooManyRequests\w*|RequestLimitExceeded|"
            r"Too Many Requests|\b429\b)",
            re.I,
        ),
        "AWS is throttling requests ({where}): retried with backoff; it passes on its own.",
    ),
    Rule(
        "network",
        FailureClass.TRANSIENT,
        re.compile(
            r"(?P<where>EndpointConnectionError|ConnectTimeout|ReadTimeout|timed? ?out|"
            r"connection (?:refused|reset|aborted)|Could not connect|"
            r"Name or service not known|Temporary failure in name resolution|"
            r"Max retries exceeded)",
            re.I,
        ),
        "A network error ({where}) interrupted the run: it is retried; if it persists, "
        "check the connection and the endpoint.",
    ),
)


def explain_known(text: str) -> tuple[FailureClass, str, str] | None:
    """(class, one-line explanation, rule name) for a message a rule recognises, else None."""
    for rule in RULES:
        m = rule.pattern.search(text or "")
        if m is None:
            continue
        where = (m.groupdict().get("where") or "").strip()
        if not where and (named := _PATH.search(text)) is not None:
            where = named.group(0)  # the file the message names, wherever it names it
        line = rule.explanation.replace(" ({where})", f" ({where})" if where else "")
        return rule.failure_class, line, rule.name
    return None
