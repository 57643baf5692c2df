"""Rules that read text without parsing it: one command's words (``curl``, ``python -c``,
``s3cmd``, a heredoc), or an MCP tool call's input.

- a Prefect resume: the ``/flow_runs/ID/resume`` or ``/set_state`` path (also
  percent-encoded), a write to ``/flow_runs/ID/input``, the client's ``resume_flow_run``;
  setting a run Cancelled (``scripts/demo.sh stop``) is routine;
- the approval phrase sent as data (a form field, a request body); shown to a person it is not;
- a storage write (``sync``, ``put_object``, ``PUT`` …) next to a production bucket, or a
  CloudFront invalidation next to a production distribution.

Each text is also read with quotes and backslashes removed (``/flow_runs/$ID/res""ume``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from guard import Block
from guard.config import Knowledge

RESUME_RE = re.compile(
    r"flow_runs/\S*?/(?:resume|set_state)\b|a?resume_flow_run|set_flow_run_state"
    r"|create_flow_run_input|resume[-_ ]flow[-_ ]run",
    re.I,
)
INPUT_WRITE_RE = re.compile(r"flow_runs/\S*?/input\b(?![^\n]*/filter)")
WRITE_HINT_RE = re.compile(
    r"\b(?:POST|PUT|PATCH)\b|--data|--json|(?<!\S)-[dF]\s|\.post\(|json=", re.I
)
STOP_STATE_RE = re.compile(r"[\"']?type[\"']?\s*[:=]\s*[\"']?(\w*)")
PHRASE_RE = re.compile(r"DEPLOY\W+TO\W+PRODUCTION", re.I)
PHRASE_DATA_RE = re.compile(
    r"confirmation|run_input|--input|--data|(?<!\w)-d\s|-F\s|json|requests\.|urllib|httpx", re.I
)
STORAGE_VERB_RE = re.compile(
    r"(?<![\w-])(?:cp|sync|mv|rm|rb|put-[\w-]+|delete-[\w-]+|copy-object|put_object|put_bucket_\w+"
    r"|upload_file(?:obj)?|upload_part\w*|copy_object|delete_objects?|delete_bucket\w*|put|upload"
    r"|delete|remove|copy|move|copyto|moveto|deploy|PUT|DELETE|POST)(?![\w-])|--upload-file|(?<!\S)-T(?!\S)"
)
CDN_VERB_RE = re.compile(r"create[-_]?invalidation|update[-_]?distribution|invalidat", re.I)


def variants(text: str) -> list[str]:
    bare = re.sub(r"[\"'\\]", "", text)
    return [text, bare, unquote(bare)] if "%" in bare else [text, bare]


def check(text: str, know: Knowledge, where: str) -> None:
    """Block ``text`` if it resumes a run, sends the phrase or writes production storage."""
    for t in variants(text):
        m = RESUME_RE.search(t)
        if m and not _cancels_only(t):
            raise Block(
                f"{where} resumes or changes the state of a Prefect flow run ({m.group(0)})"
            )
        if INPUT_WRITE_RE.search(t) and WRITE_HINT_RE.search(t):
            raise Block(f"{where} writes a Prefect flow run's input")
        if any(PHRASE_RE.search(ln) and PHRASE_DATA_RE.search(ln) for ln in t.splitlines()):
            raise Block(
                f"{where} sends the production approval phrase; only a human types it, in the Prefect UI"
            )
        if STORAGE_VERB_RE.search(t):
            for b in sorted(know.buckets):
                if re.search(rf"(?<![\w.-]){re.escape(b)}(?![\w-])", t, re.I):
                    raise Block(f"{where} writes to the production bucket {b}")
        if CDN_VERB_RE.search(t):
            for d in sorted(know.dists):
                if re.search(rf"(?<![A-Za-z0-9]){re.escape(d)}(?![A-Za-z0-9])", t):
                    raise Block(f"{where} changes the production CloudFront distribution {d}")


def _cancels_only(t: str) -> bool:
    """Does ``t`` only set states, each to Cancelled/Cancelling, written out literally?"""
    if any(not m.group(0).lower().endswith("set_state") for m in RESUME_RE.finditer(t)):
        return False
    states = [m.group(1).upper() for m in STOP_STATE_RE.finditer(t)]
    return bool(states) and all(s in ("CANCELLED", "CANCELLING") for s in states)
