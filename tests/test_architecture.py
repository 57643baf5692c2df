"""The house rules, checked from the source: no import circles in the core, no flow importing
the CLI, the core free of Prefect, and no module a newcomer has to scroll through for long.

A 60-line AST walk rather than a dependency: every ``import``/``from … import`` counts,
including the lazy ones inside functions (a lazy import that closes a circle is still a
circle a reader has to untangle), except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

SRC = ROOT / "src"
MAX_LINES = 450
SKIP_DIRS = {".venv", "tests", "bench", "examples", "node_modules", ".git", "__pycache__"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "hugopipe").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, module: str, known: set[str] | None = None) -> set[str]:
    """Every module name ``module`` imports, resolved to absolute dotted names.

    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module (in
    ``known``), else as importing ``pkg`` (grimp's reading).
    """
    known = known or set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):  # `if TYPE_CHECKING:` blocks import nothing at run time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    pkg = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = pkg.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {
        m: {i for i in _imports(p, m, set(mods)) if i in mods and i != m} for m, p in mods.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return [*stack[stack.index(n) :], n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_walk_sees_imports() -> None:
    """The checks below are only as good as the walk: it must see a real, known edge."""
    graph = _graph()
    assert "hugopipe.errors" in graph["hugopipe.config"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circles_in_the_core() -> None:
    assert _cycle(_graph()) is None, "import circle: " + " → ".join(_cycle(_graph()) or [])


def test_core_is_prefect_free() -> None:
    """The core and the CLI never import Prefect: the CLI speaks REST (``hugopipe.prefect_rest``),
    so every command starts fast and the core is testable without a server."""
    offenders = [
        f"{m} imports {i}"
        for m, p in _modules().items()
        for i in _imports(p, m)
        if i == "prefect" or i.startswith(("prefect.", "prefect_aws"))
    ]
    assert offenders == []


def test_nothing_imports_the_adapters_upwards() -> None:
    """flows → tasks → core: the core imports neither; tasks never import flows."""
    offenders = [
        f"{m} imports {i}"
        for m, p in _modules().items()
        for i in _imports(p, m)
        if i.split(".")[0] in {"flows", "tasks", "deployments", "blocks"}
    ]
    offenders += [
        f"{p.relative_to(ROOT)} imports {i}"
        for p in sorted((ROOT / "tasks").rglob("*.py"))
        for i in _imports(p, f"tasks.{p.stem}")
        if i.split(".")[0] in {"flows", "deployments"}
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", ["flows", "tasks", "deployments", "blocks"])
def test_adapters_never_import_the_cli(folder: str) -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {i}"
        for p in sorted((ROOT / folder).rglob("*.py"))
        for i in _imports(p, f"{folder}.{p.stem}")
        if i == "hugopipe.cli" or i.startswith("hugopipe.cli.")
    ]
    assert offenders == []


def test_no_module_over_the_limit() -> None:
    too_long = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if SKIP_DIRS & set(rel.parts[:-1]):
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            too_long.append(f"{rel}: {n} lines")
    assert too_long == [], f"split these (limit {MAX_LINES}): {too_long}"
