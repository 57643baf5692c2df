"""One place that decides what goes to stdout (data) and what goes to stderr (everything else).

gh's contract: stdout carries data only, so ``--json`` output can be piped
into ``jq`` or parsed by Claude Code; messages, progress and errors go to
stderr; the exit code says what happened.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

# Exit codes and the table that maps errors to them live in exits.py, which renders errors
# through ``error`` below; this module imports nothing of the CLI, so the two form no circle.

__all__ = ["emit", "error", "info", "table", "to_data"]

#: Set by ``fastexit.prepare`` for a command that ends with ``os._exit`` (its process
#: frees nothing one by one); never set when ``main`` runs in-process (tests).
QUICK_EXIT_AHEAD = False


def to_data(obj: Any) -> Any:
    # duck-typed, so printing never imports pydantic (~0.2 s) for commands that do not need it
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if hasattr(obj, "to_dict"):
        return to_data(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_data(dataclasses.asdict(obj))
    if isinstance(obj, list):
        return [to_data(o) for o in obj]
    if isinstance(obj, dict):
        return {k: to_data(v) for k, v in obj.items()}
    return obj


def emit(obj: Any, *, json_output: bool, text: str | None = None) -> None:
    """Print data: JSON when asked, else the human ``text`` (or a readable dump)."""
    if json_output:
        sys.stdout.write(json.dumps(to_data(obj), indent=2, default=str) + "\n")
    elif text is not None:
        sys.stdout.write(text.rstrip() + "\n")
    else:
        data = to_data(obj)
        if isinstance(data, dict):
            width = max((len(k) for k in data), default=0)
            for k, v in data.items():
                sys.stdout.write(f"{k:<{width}}  {v}\n")
        else:
            sys.stdout.write(f"{data}\n")
    sys.stdout.flush()


def info(message: str) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()


def error(message: str, *, hint: str | None = None) -> None:
    sys.stderr.write(f"error: {message.rstrip()}\n")
    if hint:
        sys.stderr.write(f"  hint: {hint}\n")
    sys.stderr.flush()


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table (no colour, safe for pipes and phones)."""
    cells = [[str(r.get(c, "") if r.get(c) is not None else "") for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)
