"""The shape of the engine: no import loops, no huge files, no huge functions.

The package boundaries themselves (webui only through `from engine import ...`,
SpiffWorkflow only in engine.process, SQLAlchemy only in engine.db, the layers)
are import-linter contracts in pyproject.toml, checked by `lint-imports`.
See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ENGINE = Path(__file__).resolve().parent.parent / "engine"
MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 60


def _engine_files() -> list[Path]:
    return sorted(
        path for path in ENGINE.rglob("*.py") if "__pycache__" not in path.parts
    )


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: every component of mutually reachable modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            if successors:
                nxt = successors.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _a_loop(graph: dict[str, set[str]], members: list[str]) -> list[str]:
    """One concrete loop through the component, for the failure message."""
    inside = set(members)
    start = members[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in sorted(graph[node] & inside):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    following.append(nxt)
        frontier = following
    return members


def test_no_import_cycles_inside_engine() -> None:
    imports = grimp.build_graph("engine")
    graph = {
        module: {
            imported
            for imported in imports.find_modules_directly_imported_by(module)
            if imported == "engine" or imported.startswith("engine.")
        }
        for module in imports.modules
        if module == "engine" or module.startswith("engine.")
    }
    cycles = [
        component
        for component in _strongly_connected(graph)
        if len(component) > 1 or component[0] in graph[component[0]]
    ]
    assert not cycles, "import cycles inside engine:\n" + "\n".join(
        f"  {', '.join(members)}\n    e.g. {' -> '.join(_a_loop(graph, members))}"
        for members in cycles
    )


def test_no_engine_file_is_over_the_line_limit() -> None:
    too_long = []
    for path in _engine_files():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_FILE_LINES:
            too_long.append(f"  {path.relative_to(ENGINE.parent)}: {lines} lines")
    assert not too_long, f"engine files over {MAX_FILE_LINES} lines:\n" + "\n".join(
        too_long
    )


def test_no_engine_function_is_long_without_saying_why() -> None:
    too_long = []
    for path in _engine_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            start = min(
                [node.lineno, *(decorator.lineno for decorator in node.decorator_list)]
            )
            assert node.end_lineno is not None
            length = node.end_lineno - start + 1
            if length <= MAX_FUNCTION_LINES:
                continue
            docstring = ast.get_docstring(node) or ""
            if "long" in docstring.lower():
                continue
            too_long.append(
                f"  {path.relative_to(ENGINE.parent)}:{node.name}: {length} lines"
            )
    assert not too_long, (
        f"engine functions over {MAX_FUNCTION_LINES} lines whose docstring does not "
        "say why they are long:\n" + "\n".join(too_long)
    )
