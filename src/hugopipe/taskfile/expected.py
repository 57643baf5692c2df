"""``expected_outputs`` of a task file: ``name: type (constraint)``, checked when the run ends.

A task file says what a good run leaves in its result (``- file_count: integer
(>100)``). A name is looked up in the result's ``outputs`` first, then among its
top-level fields (``duration_seconds``, ``status``…), because the seeds' examples
name both. A bare name means "present": there and not null. ``hugopipe submit``,
the task exchange (``hugopipe.exchange``) and ``hugopipe result --task-file`` check
each one and report pass or fail with the actual value; the exchange also writes
the checks into the result file, whose status turns ``failed`` when one fails.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

_TYPES = {
    "boolean": "boolean",
    "bool": "boolean",
    "integer": "integer",
    "int": "integer",
    "float": "float",
    "number": "float",
    "string": "string",
    "str": "string",
    "array": "array",
    "list": "array",
    "object": "object",
    "dict": "object",
    "any": "any",
}
_SPEC = re.compile(r"^\s*(?P<type>[A-Za-z_]+)?\s*(?:\((?P<constraint>[^)]*)\))?\s*$")
_CMP = re.compile(r"^\s*(?P<op>>=|<=|==|!=|>|<|=)\s*(?P<num>-?\d+(?:\.\d+)?)\s*$")
_WORD_CONSTRAINTS = {"empty", "non-empty", "not empty", "nonempty", "present", "true", "false"}


class ExpectedOutput(BaseModel):
    """``file_count: integer (>100)`` → name, type and constraint, checked when the run ends."""

    name: str
    type: str | None = None
    constraint: str | None = None

    def check(self, outputs: dict[str, Any], fields: dict[str, Any] | None = None) -> OutputCheck:
        """Check against ``outputs``, then the result's top-level ``fields``."""
        if self.name in outputs:
            value = outputs[self.name]
        elif fields is not None and self.name in fields:
            value = fields[self.name]
        else:
            return OutputCheck(
                name=self.name,
                expected=self.describe(),
                passed=False,
                reason="missing from outputs" + (" and the result's fields" if fields else ""),
            )
        ok, reason = _type_ok(self.type, value)
        if ok and self.constraint:
            ok, reason = _constraint_ok(self.constraint, value)
        elif ok and not self.type and value is None:
            ok, reason = False, "is null (a bare name means present: not null)"
        return OutputCheck(
            name=self.name, expected=self.describe(), actual=value, passed=ok, reason=reason
        )

    def describe(self) -> str:
        text = self.type or "present"
        return f"{text} ({self.constraint})" if self.constraint else text


class OutputCheck(BaseModel):
    name: str
    expected: str
    actual: Any = None
    passed: bool
    reason: str = ""


def _type_ok(kind: str | None, value: Any) -> tuple[bool, str]:
    checks = {
        "boolean": lambda v: isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    check = checks.get(kind or "")
    if check is None or check(value):
        return True, ""
    return False, f"expected {kind}, got {type(value).__name__}"


def _constraint_ok(constraint: str, value: Any) -> tuple[bool, str]:
    c = constraint.strip().lower()
    if c in {"empty"}:
        ok = hasattr(value, "__len__") and len(value) == 0
        return ok, "" if ok else f"expected empty, has {_size(value)}"
    if c in {"non-empty", "not empty", "nonempty"}:
        ok = hasattr(value, "__len__") and len(value) > 0
        return ok, "" if ok else "expected non-empty"
    if c == "present":
        return value is not None, "" if value is not None else "is null"
    if c in {"true", "false"}:
        ok = value is (c == "true")
        return ok, "" if ok else f"expected {c}"
    m = _CMP.match(constraint)
    if not m:
        return False, f"cannot evaluate constraint {constraint!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False, f"{value!r} is not a number"
    num = float(m.group("num"))
    op = m.group("op")
    ok = {
        ">": value > num,
        "<": value < num,
        ">=": value >= num,
        "<=": value <= num,
        "==": value == num,
        "=": value == num,
        "!=": value != num,
    }[op]
    return ok, "" if ok else f"{value} is not {op} {m.group('num')}"


def _size(value: Any) -> str:
    try:
        return f"{len(value)} item(s)"
    except TypeError:
        return repr(value)


def parse_expected(item: Any) -> ExpectedOutput:
    """Accept ``- name``, ``- name: type (constraint)`` and ``- "name: type (constraint)"``."""
    if isinstance(item, str):
        name, sep, spec = item.partition(":")
        item = {name.strip(): spec.strip()} if sep else {item.strip(): None}
    if not isinstance(item, dict) or len(item) != 1:
        raise ValueError("each expected output is `name` or `name: type (constraint)`")
    ((name, spec),) = item.items()
    name = str(name).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"output name {name!r} must be a plain identifier like file_count")
    if spec is None or spec == "":
        return ExpectedOutput(name=name)
    m = _SPEC.match(str(spec))
    if not m:
        raise ValueError(f"cannot read {spec!r}; write `type (constraint)`, e.g. `integer (>100)`")
    kind = m.group("type")
    if kind and kind.lower() not in _TYPES:
        raise ValueError(
            f"unknown type {kind!r}; use one of {', '.join(sorted(set(_TYPES.values())))}"
        )
    constraint = (m.group("constraint") or "").strip() or None
    if constraint and constraint.lower() not in _WORD_CONSTRAINTS and not _CMP.match(constraint):
        raise ValueError(
            f"unknown constraint {constraint!r}; use >N, <N, >=N, <=N, ==N, empty, non-empty or present"
        )
    return ExpectedOutput(
        name=name, type=_TYPES[kind.lower()] if kind else None, constraint=constraint
    )


def checks_text(checks: list[OutputCheck]) -> str:
    """The checks as a Markdown list (``- PASS name: expected …, got …``)."""
    lines = ["## Expected outputs", ""]
    for c in checks:
        mark = "PASS" if c.passed else "FAIL"
        actual = json.dumps(c.actual, default=str) if c.actual is not None else "-"
        lines.append(
            f"- {mark} {c.name}: expected {c.expected}, got {actual}"
            + (f" ({c.reason})" if c.reason else "")
        )
    return "\n".join(lines)
