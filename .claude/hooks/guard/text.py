"""The substring net: rules that look at text without parsing it.

Used on whole shell commands (``mode="shell"``), on program code (``"code"``: ``python -c``,
scripts, heredocs fed to interpreters) and on file contents being written (``"content"``).
Each text is also tried with quotes and backslashes removed and ``$'...'`` decoded, so
``s3://acme-pr"od"-w'ww'`` still names the bucket.

On a shell command the storage and CDN rules stand back when every command that names a
production bucket or distribution is a plain ``aws`` command with nothing computed at
run time: ``aws.check`` reads those word by word and tells a read from a write.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from guard import Block, aws, hugo
from guard.config import Project
from guard.prefect import (
    API_TEXT_RE,
    CODE_RESUME_RE,
    DB_RE,
    PHRASE_CTX_RE,
    PHRASE_RE,
    PREFECT_CTX_RE,
    RESUME_RE,
    RESUME_WORD_RE,
)
from guard.quoting import ansi_c
from guard.rules import APPROVE_TEXT_RE

OBFUSCATION_RE = re.compile(
    r"b64decode|base64\s+(?:-d|--decode|-D)|fromhex|rot.?13|zlib\.decompress|marshal\.loads|codecs\.decode"
)
EXEC_RE = re.compile(
    r"\b(?:exec|eval|system|popen|subprocess|spawn|check_output|run)\b|\|\s*(?:ba|z|da)?sh\b"
)
PROTECTED_TEXT_RE = re.compile(
    r"\.claude/(?:settings[^/\s'\"]*\.json|hooks\b)|disableAllHooks|guard_production"
)
WRITE_CALL_RE = re.compile(
    r"open\([^)]*[\"'](?:w|a|r\+|wb|ab|x)[\"']|write_text|write_bytes|unlink|remove|rename|replace\(|rmtree|shutil\.|chmod|truncate|os\.system|subprocess"
)


def variants(text: str) -> list[str]:
    t = re.sub(r"\$'((?:[^'\\]|\\.)*)'", lambda m: ansi_c(m.group(1)), text).replace("\\\n", "")
    t2 = re.sub(r"[\"'\\]", "", t)
    out = [text, t2, re.sub(r"\s+", " ", t2)]
    if "%" in t2:  # a percent-encoded URL path (/flow_runs/x/%72esume)
        out.append(unquote(t2))
    return out


def check(
    project: Project,
    text: str,
    mode: str,
    where: str | None = None,
    aws_reads: bool = False,
) -> None:
    """Block ``text`` if it resumes a run, sends the phrase or writes production storage.

    ``aws_reads``: the shell walker found that every command naming production storage is a
    static ``aws`` command, which ``aws.check`` decides precisely.
    """
    where = where or ("the command" if mode == "shell" else "the code")
    know = project.know
    stops = _stops_only(text)  # read as written: quotes stay, so each type is a literal
    for t in variants(text):
        m = RESUME_RE.search(t)
        if m and not (stops and m.group(0).lower().endswith("set_state")):
            raise Block(
                f"{where} resumes or changes the state of a Prefect flow run ({m.group(0)})"
            )
        if RESUME_WORD_RE.search(t) and PREFECT_CTX_RE.search(t) and not stops:
            raise Block(f"{where} looks like a Prefect resume/set_state call")
        if (
            mode != "content"
            and t.count("\n") == text.count("\n")
            and any(
                PHRASE_RE.search(line) and PHRASE_CTX_RE.search(line) for line in t.splitlines()
            )
        ):
            raise Block(
                f"{where} sends the production approval phrase; only a human types it, in the Prefect UI"
            )
        if DB_RE.search(t):
            raise Block(f"{where} writes to Prefect's database directly")
        if (
            mode != "shell"
            and CODE_RESUME_RE.search(t)
            and re.search(r"prefect|PrefectApi|hugopipe", t, re.I)
        ):
            raise Block(f"{where} calls resume/set_state on a Prefect client")
        if mode != "shell" and APPROVE_TEXT_RE.search(t):
            raise Block(f"{where} runs `hugopipe approve`, which the guard cannot verify here")
        if not aws_reads:
            _storage(t, where, know.prod_buckets, know.prod_dists)
        if mode != "shell" and API_TEXT_RE.search(t):
            raise Block(f"{where} calls `prefect api`, which can resume runs")
        if mode != "shell":  # shell commands: the structural rule reads `hugo deploy` precisely
            hugo.check_text(project, t, where)
        if mode == "code":
            _code(t, where, know.markers())


STATE_TYPE_RE = re.compile(r"[\"']?type[\"']?\s*[:=]\s*(\S{0,3})")
STOP_TYPE_RE = re.compile(r"[\"'](?:CANCELLED|CANCELLING)[\"']")


def _stops_only(t: str) -> bool:
    """Does ``t`` set states only to Cancelled/Cancelling, each written out literally, and
    never resume? (``scripts/demo.sh stop`` marks orphaned paused runs Cancelled.) A type
    computed at run time, or any other, keeps the resume rules on."""
    if any(not m.group(0).lower().endswith("set_state") for m in RESUME_RE.finditer(t)):
        return False  # a resume call, a run input, a state proposal
    values = [m.start(1) for m in STATE_TYPE_RE.finditer(t)]
    return bool(values) and all(STOP_TYPE_RE.match(t, i) for i in values)


def _storage(t: str, where: str, buckets: set[str], dists: set[str]) -> None:
    if aws.STORAGE_VERB_RE.search(t):
        for b in sorted(buckets):
            if aws.bucket_ref_re(b).search(t):
                raise Block(
                    f"{where} writes to the production bucket {b} (learned from the project's "
                    "Hugo [deployment] targets)"
                )
    if aws.CDN_VERB_RE.search(t):
        for d in sorted(dists):
            if aws.dist_ref_re(d).search(t):
                raise Block(
                    f"{where} invalidates or changes the production CloudFront distribution {d}"
                )


def _code(t: str, where: str, markers: set[str]) -> None:
    if OBFUSCATION_RE.search(t) and EXEC_RE.search(t):
        raise Block(f"{where} decodes something and executes it; the guard cannot inspect that")
    if aws.S3_API_RE.search(t) or aws.CDN_VERB_RE.search(t):
        for mk in sorted(markers):
            if re.search(r"(?<![\w-])" + re.escape(mk) + r"(?![\w-])", t, re.I):
                raise Block(f"{where} calls an S3/CloudFront write API and names production ({mk})")
    if PROTECTED_TEXT_RE.search(t) and WRITE_CALL_RE.search(t):
        raise Block(f"{where} writes to the guard's settings or hook files")


def names_storage(text: str, buckets: set[str], dists: set[str]) -> bool:
    """Does ``text`` (any variant) name a production bucket or distribution?"""
    return any(aws.bucket_ref_re(b).search(t) for t in variants(text) for b in buckets) or any(
        aws.dist_ref_re(d).search(t) for t in variants(text) for d in dists
    )
