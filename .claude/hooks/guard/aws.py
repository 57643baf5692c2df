"""S3 and CloudFront: which ``aws`` command lines and API calls write, and to what.

Two layers. :func:`check` reads an ``aws`` command word by word (global options, service,
operation, paths, ``--bucket``/``--copy-source``/``--distribution-id``) and blocks a write
to a production bucket or distribution; it tells a read from a write, so copying a
production object *to* the local disk (``aws s3 cp s3://prod/index.html -``) passes.
The regular expressions below are the substring net ``text`` casts over text the lexer
cannot take apart (code, scripts, other tools such as ``s3cmd`` or ``rclone``).
"""

from __future__ import annotations

import re

from guard import Block
from guard.config import Knowledge
from guard.lexer import Word

AWS_NAMES = {"aws", "aws2", "awsv2", "awslocal"}
GLOBAL_VALUE_OPTS = {
    "--profile",
    "--region",
    "--endpoint-url",
    "--output",
    "--query",
    "--color",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--cli-binary-format",
}
FLAG_OPTS = {
    "--recursive",
    "--dryrun",
    "--delete",
    "--quiet",
    "--force",
    "--debug",
    "--no-verify-ssl",
    "--no-paginate",
    "--no-sign-request",
    "--no-cli-pager",
    "--exact-timestamps",
    "--size-only",
    "--follow-symlinks",
    "--no-follow-symlinks",
    "--only-show-errors",
    "--no-progress",
    "--no-guess-mime-type",
}
S3_WRITES = {"cp", "sync", "mv", "rm", "rb", "mb", "website"}
READ_OP_RE = re.compile(r"^(get|head|list|wait)-?")

STORAGE_VERB_RE = re.compile(
    r"(?<![\w-])(?:cp|sync|mv|rm|rb|mb|website|put-[\w-]+|delete-[\w-]+|copy-object|restore-object"
    r"|upload-part[\w-]*|create-multipart-upload|complete-multipart-upload|put_object|put_bucket_\w+"
    r"|upload_file(?:obj)?|upload_part\w*|copy_object|copy|delete_objects?|delete_bucket\w*"
    r"|create_multipart_upload|put|upload|del|delete|remove|purge|move|moveto|copyto|rcat|setacl"
    r"|modify|deploy|s3deploy|PUT|DELETE|POST|PATCH)(?![\w-])|--upload-file|(?<!\S)-T(?!\S)"
    r"|\.put\(|\.upload\(|--request|(?<!\S)-X(?!\S)"
)
CDN_VERB_RE = re.compile(
    r"create-invalidation|create_invalidation|CreateInvalidation|update-distribution"
    r"|update_distribution|UpdateDistribution|delete-distribution|delete_distribution"
    r"|DeleteDistribution|invalidat",
    re.I,
)
S3_API_RE = re.compile(
    r"put_object|upload_file(?:obj)?|upload_part|copy_object|delete_objects?|delete_bucket|put_bucket_"
    r"|create_invalidation|\.Object\(|\.Bucket\(|s3\.meta\.client\.copy|\bapply_plan\b|\bput_one\b"
    r"|\bapply_rollback\b|\binvalidate\s*\("
)


def bucket_ref_re(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", re.I)


def dist_ref_re(dist: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(dist) + r"(?![A-Za-z0-9])")


def split_args(rest: list[Word]) -> tuple[list[Word], dict[str, list[Word]]]:
    """Positional words and option values of an ``aws`` command line (after ``aws``)."""
    pos: list[Word] = []
    opts: dict[str, list[Word]] = {}
    i = 0
    while i < len(rest):
        t = rest[i].text
        if not t.startswith("--"):
            pos.append(rest[i])
            i += 1
            continue
        key, eq, val = t.partition("=")
        if eq:
            opts.setdefault(key, []).append(Word(val, rest[i].dyn, False, True))
        elif (
            i + 1 < len(rest)
            and not rest[i + 1].text.startswith("--")
            and key not in FLAG_OPTS
            and (key in GLOBAL_VALUE_OPTS or len(pos) >= 2)
        ):
            opts.setdefault(key, []).append(rest[i + 1])
            i += 1
        i += 1
    return pos, opts


def read_source(op: str, paths: list[Word]) -> Word | None:
    """The S3 source of ``cp``/``sync`` to a local path: read, not written."""
    if op not in ("cp", "sync") or len(paths) != 2 or any(w.dyn for w in paths):
        return None
    src, dst = paths
    return src if "s3://" in src.text and "s3://" not in dst.text else None


def _bucket_of(text: str) -> str:
    return text.split("s3://", 1)[-1].split("/")[0].split("?")[0].lower()


def check(rest: list[Word], shown: str, know: Knowledge) -> None:
    """Block an ``aws`` command (the words after ``aws``) that writes to production."""
    pos, opts = split_args(rest)
    if len(pos) < 2:
        if any(w.dyn for w in pos):
            raise Block(f"`{shown}`: the AWS service or operation is computed at run time")
        return
    service, op = pos[0], pos[1]
    if service.dyn or op.dyn:
        raise Block(f"`{shown}`: the AWS service or operation is computed at run time")
    s, o = service.text, op.text
    if ("--cli-input-json" in opts or "--cli-input-yaml" in opts) and (
        (s == "s3api" and not re.match(r"^(get|head|list)-", o))
        or (s == "cloudfront" and not re.match(r"^(get|list)-", o))
    ):
        raise Block(f"`{shown}` reads its parameters from a file the guard does not inspect")
    if (s == "s3" and o in S3_WRITES) or (s == "s3api" and not READ_OP_RE.match(o)):
        _check_s3_write(pos, opts, o, shown, know)
    if s == "cloudfront" and not READ_OP_RE.match(o):
        _check_cdn_write(opts, o, shown, know)


def _check_s3_write(
    pos: list[Word], opts: dict[str, list[Word]], op: str, shown: str, know: Knowledge
) -> None:
    source = read_source(op, pos[2:])
    words = [w for w in pos[2:] if ("s3://" in w.text or w.dyn) and w is not source]
    words += opts.get("--bucket", []) + opts.get("--copy-source", [])
    words += [
        w
        for k, ws in opts.items()
        if k not in ("--bucket", "--copy-source")
        for w in ws
        if "s3://" in w.text
    ]
    if know.errors:
        raise Block(
            f"`{shown}` writes to S3, but the project's deploy configuration could not be read: "
            + "; ".join(know.errors[:3])
        )
    if not words and source is None:
        raise Block(f"`{shown}` writes to S3 but names no bucket the guard can check")
    for w in words:
        if w.dyn:
            raise Block(f"`{shown}` writes to an S3 bucket computed at run time")
        bucket = _bucket_of(w.text)
        if bucket in know.prod_buckets:
            raise Block(f"`{shown}` writes to the production bucket {bucket}")


def _check_cdn_write(opts: dict[str, list[Word]], op: str, shown: str, know: Knowledge) -> None:
    ids = opts.get("--distribution-id", []) + opts.get("--id", [])
    if know.errors:
        raise Block(
            f"`{shown}` changes CloudFront, but the project's deploy configuration could not be "
            "read: " + "; ".join(know.errors[:3])
        )
    if (
        op.startswith(("create-invalidation", "update-", "delete-", "associate-", "tag-", "untag-"))
        and not ids
    ):
        raise Block(f"`{shown}` names no distribution id the guard can check")
    for w in ids:
        if w.dyn:
            raise Block(f"`{shown}`: the distribution id is computed at run time")
        if w.text in know.prod_dists:
            raise Block(f"`{shown}` changes the production CloudFront distribution {w.text}")
