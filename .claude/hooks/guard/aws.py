"""``aws`` command lines: a write to a production bucket or CloudFront distribution.

Read word by word (global options, service, operation, paths, ``--bucket``,
``--copy-source``, ``--distribution-id``), so a read of a production object
(``aws s3 cp s3://prod/index.html -``, ``s3api get-object``) passes and a write is named.
A bucket or id only known at run time is not guessed at: the agent's credentials cannot
write production (docs/agent-boundary.md).
"""

from __future__ import annotations

import re

from guard import Block
from guard.config import Knowledge
from guard.lexer import Word

AWS_NAMES = {"aws", "aws2", "awsv2", "awslocal", "awscli"}
GLOBAL_VALUE_OPTS = {"--profile", "--region", "--endpoint-url", "--output", "--query"}
GLOBAL_VALUE_OPTS |= {"--color", "--ca-bundle", "--cli-read-timeout", "--cli-connect-timeout"}
FLAGS = {"--recursive", "--delete", "--quiet", "--dryrun", "--force", "--size-only", "--debug"}
FLAGS |= {"--exact-timestamps", "--no-progress", "--only-show-errors", "--no-verify-ssl"}
S3_WRITES = {"cp", "sync", "mv", "rm", "rb", "mb", "website"}
READ_OP_RE = re.compile(r"^(get|head|list|wait|describe)-")


def split_args(rest: list[Word]) -> tuple[list[Word], dict[str, list[Word]]]:
    """Positional words and option values of an ``aws`` command line (after ``aws``)."""
    pos: list[Word] = []
    opts: dict[str, list[Word]] = {}
    i = 0
    while i < len(rest):
        key, eq, val = rest[i].text.partition("=")
        if not key.startswith("--"):
            pos.append(rest[i])
        elif eq:
            opts.setdefault(key, []).append(Word(val, rest[i].dyn))
        elif (
            i + 1 < len(rest)
            and not rest[i + 1].text.startswith("--")
            and (key in GLOBAL_VALUE_OPTS or (len(pos) >= 2 and key not in FLAGS))
        ):
            opts.setdefault(key, []).append(rest[i + 1])
            i += 1
        i += 1
    return pos, opts


def check(rest: list[Word], shown: str, know: Knowledge) -> None:
    """Block an ``aws`` command (the words after ``aws``) that writes to production."""
    pos, opts = split_args(rest)
    if len(pos) < 2:
        return
    service, op = pos[0].text, pos[1].text
    if (service == "s3" and op in S3_WRITES) or (service == "s3api" and not READ_OP_RE.match(op)):
        paths = [w.text for w in pos[2:]]
        if op in ("cp", "sync") and len(paths) == 2 and "s3://" not in paths[1]:
            paths = []  # copied from S3 to the local disk: a read
        words = paths + [w.text for k in ("--bucket", "--copy-source") for w in opts.get(k, [])]
        buckets = {t.removeprefix("s3://").split("/")[0].split("?")[0].lower() for t in words}
        _configured(know, shown)
        for bucket in sorted(buckets & know.buckets):
            raise Block(f"`{shown}` writes to the production bucket {bucket}")
    if service == "cloudfront" and not READ_OP_RE.match(op):
        _configured(know, shown)
        for w in opts.get("--distribution-id", []) + opts.get("--id", []):
            if w.text in know.dists:
                raise Block(f"`{shown}` changes the production CloudFront distribution {w.text}")


def _configured(know: Knowledge, shown: str) -> None:
    if know.errors:
        raise Block(
            f"`{shown}` writes to S3 or CloudFront, but the project's deploy configuration "
            "could not be read (the guard cannot tell production): " + "; ".join(know.errors[:3])
        )
