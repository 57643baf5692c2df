"""MCP tool calls, judged by what their input asks for rather than by the tool's name.

An MCP server's tool names are its author's choice (``resume_flow_run``, ``http``,
``call``…), so the name alone neither proves nor disproves a resume. What the input
says does:

- it carries a run input or the phrase (``run_input``, ``confirmation``), or a state
  change to a running/scheduled state, or a resume/set_state/input API path;
- it is a request (``method`` other than GET/HEAD) to a Prefect flow-run path;
- it names a production bucket with a storage write, or the phrase (``text.check``).

A tool whose name says it only reads (``get_``, ``read_``, ``list_``…) and whose
input carries none of the above passes: reading a run, its logs or a production object
is routine. The guard is friction; the boundary is the production credentials and the
approval code that only the serving process holds (README: security).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from guard import Block
from guard.prefect import PHRASE_RE

READ_NAME_RE = re.compile(
    r"^(?:get|read|list|search|describe|show|count|fetch|find|query|inspect|view|head)(?:_|$)",
    re.I,
)
STATE_NAME_RE = re.compile(
    r"resume|set_state|set_flow_run_state|change_state|update_state|approve|propose_state|"
    r"create_flow_run_input|run_input",
    re.I,
)
RUN_INPUT_KEYS = {"run_input", "confirmation", "runinput"}
ACTIVE_STATES = {"RUNNING", "SCHEDULED", "PENDING", "COMPLETED"}
FLOW_RUN_WRITE_PATH_RE = re.compile(r"flow_runs/[^\s\"']*?/(?:resume|set_state|input)\b", re.I)
FLOW_RUN_PATH_RE = re.compile(r"/flow_runs\b", re.I)
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _walk(obj: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k), v
            yield from _walk(v, str(k))
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v, key)


def check(tool: str, tool_input: dict[str, Any]) -> None:
    """Raise :class:`Block` when the MCP call changes a flow run's state or sends an approval."""
    action = tool.split("__")[-1]
    blob = json.dumps(tool_input)
    decoded = unquote(unquote(blob))
    read_only = bool(READ_NAME_RE.match(action))
    if not read_only and STATE_NAME_RE.search(action):
        raise Block(f"MCP tool {tool} changes a flow run's state or input")
    if FLOW_RUN_WRITE_PATH_RE.search(decoded):
        raise Block(f"MCP tool {tool} calls a flow run's resume/set_state/input endpoint")
    method = ""
    for key, value in _walk(tool_input):
        k = key.lower()
        if k in RUN_INPUT_KEYS:
            raise Block(f"MCP tool {tool} sends a run input ({key})")
        if (
            k in {"state", "state_type", "type"}
            and isinstance(value, str)
            and value.upper() in ACTIVE_STATES
            and not read_only
        ):
            raise Block(f"MCP tool {tool} sets a state ({value})")
        if k == "method" and isinstance(value, str):
            method = value.upper()
    if method and method not in READ_METHODS and FLOW_RUN_PATH_RE.search(decoded):
        raise Block(f"MCP tool {tool} sends {method} to the Prefect flow-run API")
    if not read_only and (PHRASE_RE.search(decoded) or '"run_input' in decoded.replace("\\", "")):
        raise Block(f"MCP tool {tool} sends the approval phrase or a run input")


def reads(tool: str) -> bool:
    """Does the tool's name say it only reads? (``check`` has looked at its input already.)"""
    return bool(READ_NAME_RE.match(tool.split("__")[-1]))
