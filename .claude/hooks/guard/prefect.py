"""Prefect: resuming or changing the state of a flow run, ``prefect api``, and the run lookup.

A paused production run is resumed only by a human typing DEPLOY TO PRODUCTION in the
Prefect UI, so every other way to resume it (the REST paths, the client functions, the
CLI, its database) is blocked. ``hugopipe approve`` is allowed for a run the Prefect API
shows to be clearly not production: the guard fetches the run with a tiny ``urllib``
client and asks ``hugopipe.projectfile`` (through :class:`config.Knowledge`) about the
run's ``env`` parameter. Anything it cannot confirm is refused.
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.request
from typing import Any

from guard import Block
from guard.config import Knowledge
from guard.lexer import DYN, Word

API_TIMEOUT = 2.0
DEFAULT_API = "http://127.0.0.1:4200/api"
RUN_ID_RE = re.compile(r"^[0-9a-fA-F-]{8,64}$")

RESUME_RE = re.compile(
    r"a?resume_flow_run|resume[-_ ]flow[-_ ]run|set_flow_run_state|create_flow_run_input"
    r"|propose_state|change-flow-run-state|flow_runs/\S*?/(?:resume|set_state|input)\b",
    re.I,
)
RESUME_WORD_RE = re.compile(r"(?<![\w-])(?:resume|set_state|set-state)(?![\w-])", re.I)
PREFECT_CTX_RE = re.compile(r"flow_run|flow-run|prefect|:4200\b|/api/flow", re.I)
CODE_RESUME_RE = re.compile(r"\.(?:a?resume|set_state|set_flow_run_state)\s*\(")
DB_RE = re.compile(
    r"prefect\.db|(?:update|insert\s+into|delete\s+from)\s+[\"'`]?(?:flow_run|flow_run_state|flow_run_input)\b",
    re.I,
)
PHRASE_RE = re.compile(r"DEPLOY\W+TO\W+PRODUCTION", re.I)
#: the phrase is sent somewhere only as data: a form field, a request body, an input.
#: Shown to a person (an echo telling them what to type in the UI) it is routine.
PHRASE_CTX_RE = re.compile(
    r"confirmation|run_input|--input|--data|(?<!\w)-d\s|-F\s|json|requests\.|urllib|httpx|"
    r"resume_flow_run",
    re.I,
)
API_TEXT_RE = re.compile(r"\bprefect\b[\s\"',\[\]]{1,6}api\b")
FLOW_RUN_OK = ("", "ls", "inspect", "logs", "cancel", "delete", "watch")


def check(rest: list[Word], shown: str, know: Knowledge) -> None:
    """Block ``prefect`` CLI calls (the words after ``prefect``) that resume runs or start production."""
    words = [w for w in rest if not w.text.startswith("-")]
    # `start_bg prefect "$VENV/prefect" server start`: the word after a label is the program
    # itself, by a computed path whose last part is literal: the command is what follows it
    while words and words[0].text.rsplit("/", 1)[-1] == "prefect":
        words = words[1:]
    if not words:
        return
    if any(w.dyn for w in words[:2]):
        raise Block(f"`{shown}`: the Prefect command is computed at run time")
    group = words[0].text
    if group == "api" and len(words) >= 2:
        _check_api(words[1].text.upper(), words[2] if len(words) > 2 else None, shown)
    if group == "flow-run":
        sub = words[1].text if len(words) > 1 else ""
        if sub not in FLOW_RUN_OK:
            raise Block(f"`{shown}`: `prefect flow-run {sub}` is not allowed; use the hugopipe CLI")
    if group == "deployment" and len(words) > 1 and words[1].text == "run":
        text = " ".join(w.text for w in rest)
        if DYN in text:
            raise Block(f"`{shown}`: parameters computed at run time")
        if not re.search(r"env\W{1,3}(\w+)", text) or names_any(text, know.prod_names()):
            raise Block(
                f"`{shown}` can start a production deployment; start production only with "
                "`uv run hugopipe run publish --env production`"
            )


def _check_api(method: str, path: Word | None, shown: str) -> None:
    if path is not None and path.dyn:
        raise Block(f"`{shown}`: the API path is computed at run time")
    ptext = path.text if path is not None else ""
    if re.search(r"resume|set_state|/input", ptext):
        raise Block(f"`{shown}` resumes or changes the state of a flow run")
    if method in ("GET", "HEAD"):
        return
    if method == "POST" and re.search(r"/(filter|count|paginate|history)/?$", ptext):
        return
    raise Block(f"`{shown}` is a write through `prefect api`; use the hugopipe CLI")


def names_any(text: str, names: set[str]) -> bool:
    """Does ``text`` name any of ``names`` as a whole word (case-insensitive)?"""
    return any(re.search(r"(?<![\w-])" + re.escape(m) + r"(?![\w-])", text, re.I) for m in names)


# ---- the run lookup ----------------------------------------------------------------------


def auth_headers() -> dict[str, str]:
    headers = {"Accept": "application/json"}
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    key = os.environ.get("PREFECT_API_KEY")
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    elif key:
        headers["Authorization"] = "Bearer " + key
    return headers


def api_get(path: str) -> bytes:
    base = (os.environ.get("PREFECT_API_URL") or DEFAULT_API).rstrip("/")
    req = urllib.request.Request(base + path, headers=auth_headers())
    with urllib.request.urlopen(req, timeout=API_TIMEOUT) as resp:
        data: bytes = resp.read()
        return data


def run_is_production(run: dict[str, Any], know: Knowledge) -> str | None:
    """Why ``run`` (a Prefect flow run as JSON) may be production, or None when it is clearly not."""
    params = run.get("parameters") or {}
    env = params.get("env") or params.get("environment")
    if env is None:
        return "has no env parameter, so it may be production"
    if know.is_production(str(env)):
        return "is a production run"
    if names_any(json.dumps([params, run.get("tags") or []]), know.prod_names()):
        return "names production in its parameters or tags, so it is treated as a production run"
    return None


def check_run(run_id: str, shown: str, know: Knowledge) -> None:
    """Ask the Prefect API what the run is; anything but a clearly non-production run is refused."""
    if not RUN_ID_RE.match(run_id):
        raise Block(f"`{shown}`: {run_id!r} is not a flow run id the guard can check")
    if know.env_errors:
        raise Block(
            f"`{shown}`: which environments are production is unknown ("
            + "; ".join(know.env_errors[:2])
            + ")"
        )
    try:
        run = json.loads(api_get("/flow_runs/" + run_id).decode("utf-8"))
    except Exception as exc:
        raise Block(
            f"`{shown}`: cannot confirm with the Prefect API that run {run_id} is not production "
            f"({exc.__class__.__name__}); approve it in the Prefect UI instead"
        ) from None
    if not isinstance(run, dict):
        raise Block(f"`{shown}`: the Prefect API did not describe run {run_id}")
    state = run.get("state") or {}
    keyset = (state.get("state_details") or {}).get("run_input_keyset") or {}
    if keyset.get("schema"):
        try:
            schema = api_get(f"/flow_runs/{run_id}/input/{keyset['schema']}").decode(
                "utf-8", "replace"
            )
        except Exception as exc:
            raise Block(
                f"`{shown}`: cannot read the approval form of run {run_id} "
                f"({exc.__class__.__name__}); approve it in the Prefect UI"
            ) from None
        if PHRASE_RE.search(schema):
            raise Block(
                f"`{shown}`: run {run_id} asks for DEPLOY TO PRODUCTION; only a human types that, in the Prefect UI"
            )
    why = run_is_production(run, know)
    if why:
        raise Block(
            f"`{shown}`: run {run_id} {why}; only a human approves it, by typing DEPLOY TO "
            "PRODUCTION in the Prefect UI"
        )
