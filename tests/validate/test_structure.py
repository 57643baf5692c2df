"""The validator's rooms stay apart: no import circles, records that keep every field."""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path

from hugopipe.validate import records

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "hugopipe" / "validate"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules a module imports, at any depth (a function's lazy import
    counts: it runs too), except under ``if TYPE_CHECKING:`` (never run)."""
    out: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:  # "from pkg import mod" imports the module, not pkg's __init__
                sub = f"{node.module}.{a.name}"
                if sub in modules:
                    out.add(sub)
                elif node.module in modules:
                    out.add(node.module)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _graph() -> dict[str, set[str]]:
    files = {
        "hugopipe.validate" + ("" if p.stem == "__init__" else "." + p.stem): p
        for p in PACKAGE.glob("*.py")
    }
    return {
        m: _imports(ast.parse(p.read_text("utf-8")), set(files)) - {m} for m, p in files.items()
    }


def test_no_import_circles_in_the_validator() -> None:
    graph = _graph()
    assert graph.get("hugopipe.validate.extract")
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                circles.append([*path[path.index(n) :], n])
            elif n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert circles == []


def test_no_module_of_the_validator_over_450_lines() -> None:
    sizes = {p.name: len(p.read_text("utf-8").splitlines()) for p in PACKAGE.glob("*.py")}
    assert {n: s for n, s in sizes.items() if s > 450} == {}


def test_a_page_record_keeps_every_field_through_pickle() -> None:
    """A worker's records reach the parent pickled; every field, present and future,
    must survive (each gets a value of its own, unlike any default)."""
    names = [f.name for f in dataclasses.fields(records.Page)]
    assert len(names) >= 19
    page = records.Page(*(f"value of {n}" for n in names))  # type: ignore[arg-type]
    back = pickle.loads(pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(back) is records.Page
    assert {n: getattr(back, n) for n in names} == {n: f"value of {n}" for n in names}
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(page, protocol=protocol)) == page
    default = records.Page(path="a.html")
    assert pickle.loads(pickle.dumps(default)) == default
