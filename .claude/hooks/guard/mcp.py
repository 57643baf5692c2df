"""MCP tool calls, judged by what they do rather than by the tool's name alone.

An MCP server's tool names are its author's choice (``resume_flow_run``, ``http``, ``call``),
so the input decides: a run input or the phrase (``run_input``, ``confirmation``), a state
set to running/scheduled, a POST to a flow-run path, a write (``put_object``, ``sync`` …)
naming a production bucket, a file path among the guard's own files. A tool whose name
says it only reads (``get_``, ``list_`` …) may mention anything, as long as its input asks
for none of the state changes: reading a run, its logs or a production object is routine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from guard import Block, protect, text
from guard.config import Project

READ_NAME_RE = re.compile(
    r"^(?:get|read|list|search|describe|show|count|fetch|find|query|inspect|view|head)(?:_|$)", re.I
)
STATE_NAME_RE = re.compile(
    r"resume|set_state|set_flow_run_state|change_state|update_state|approve|propose_state|run_input",
    re.I,
)
RUN_INPUT_KEYS = {"run_input", "confirmation", "runinput"}
ACTIVE_STATES = {"RUNNING", "SCHEDULED", "PENDING", "COMPLETED"}
FLOW_RUN_PATH_RE = re.compile(r"/flow_runs\b", re.I)


def _walk(obj: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield str(k).lower(), v
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


def check(tool: str, tool_input: dict[str, Any], project: Project, cwd: str) -> None:
    """Raise :class:`Block` when the MCP call changes a run's state, sends an approval,
    writes production storage or the guard's files."""
    action = tool.split("__")[-1]
    blob = unquote(unquote(json.dumps(tool_input)))
    reads = bool(READ_NAME_RE.match(action))
    if not reads and STATE_NAME_RE.search(action):
        raise Block(f"MCP tool {tool} changes a flow run's state or input")
    method = ""
    for key, value in _walk(tool_input):
        if key in RUN_INPUT_KEYS:
            raise Block(f"MCP tool {tool} sends a run input ({key})")
        if isinstance(value, str):
            if (
                key in ("state", "state_type", "type")
                and value.upper() in ACTIVE_STATES
                and not reads
            ):
                raise Block(f"MCP tool {tool} sets a state ({value})")
            if key == "method":
                method = value.upper()
            if not reads and protect.protected_file(value, cwd):
                raise Block(f"MCP tool {tool} writes {value}, part of the production guard")
    if method not in ("", "GET", "HEAD", "OPTIONS") and FLOW_RUN_PATH_RE.search(blob):
        raise Block(f"MCP tool {tool} sends {method} to the Prefect flow-run API")
    if not reads:  # a read may name anything (a search, a production object)
        text.check(f"{action} {blob}", project.know, f"MCP tool {tool}")
