"""The layout's rules, checked on the source: queries only in store/, no import circles.

The layer order and the ORM boundary are import-linter contracts (`lint-imports` in CI,
[tool.importlinter] in pyproject.toml); what import-linter cannot see is checked here: a
module that builds a query with SQLAlchemy's constructs, and module-level import circles.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "monitor"
#: SQLAlchemy's query builders: a module importing one builds SQL, which only store/ may do.
QUERY_BUILDERS = frozenset({
    "select", "insert", "update", "delete", "func", "text", "and_", "or_", "not_", "exists",
    "literal", "literal_column", "case", "column", "table", "join", "outerjoin", "union",
    "bindparam", "cast", "null", "true", "false", "tuple_",
})  # fmt: skip
#: Modules under these folders may build queries: the store, and the migrations it runs.
MAY_QUERY = ("store", "migrations")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield module_name(path), ast.parse(path.read_text(encoding="utf-8"))


def query_builders(tree: ast.Module) -> set[str]:
    """SQLAlchemy query constructs a module imports (from sqlalchemy, .sql, .dialects)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "sqlalchemy":
                found |= {a.name for a in node.names} & QUERY_BUILDERS
            elif node.module.startswith(("sqlalchemy.sql", "sqlalchemy.dialects")):
                found |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {
                a.name for a in node.names if a.name.startswith(("sqlalchemy.sql", "sqlalchemy.d"))
            }
    return found


def top_level_imports(name: str, tree: ast.Module, modules: set[str]) -> set[str]:
    """Monitor modules imported when `name` is (not inside functions, not TYPE_CHECKING)."""
    out: set[str] = set()
    package = name if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists() else None
    base = package or name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            target = node.module
            if node.level:  # relative import
                target = ".".join([*base.split(".")[: len(base.split(".")) - node.level + 1]])
                target = f"{target}.{node.module}" if node.module else target
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules:
                    out.add(sub)  # `from monitor.delivery import outbox`: the submodule
                elif target in modules:
                    out.add(target)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_only_the_store_builds_queries() -> None:
    offenders = {
        name: sorted(builders)
        for name, tree in sources()
        if name.split(".")[1:2] and name.split(".")[1] not in MAY_QUERY
        if (builders := query_builders(tree))
    }
    assert offenders == {}, f"query constructs outside monitor/store: {offenders}"


def test_no_module_imports_itself_through_others() -> None:
    trees = dict(sources())
    modules = set(trees)
    graph = {name: top_level_imports(name, tree, modules) for name, tree in trees.items()}
    assert cycles(graph) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("from sqlalchemy import select, func", {"select", "func"}, id="builders"),
        pytest.param("from sqlalchemy.orm import Session", set(), id="session types are fine"),
        pytest.param("from sqlalchemy import Engine", set(), id="engine type is fine"),
        pytest.param(
            "from sqlalchemy.dialects import sqlite", {"sqlalchemy.dialects.sqlite"}, id="dialects"
        ),
        pytest.param(
            "def f():\n    from sqlalchemy import text\n", {"text"}, id="inside a function too"
        ),
    ],
)
def test_query_builders_are_recognised(source: str, expected: set[str]) -> None:
    assert query_builders(ast.parse(source)) == expected


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        pytest.param({"a": {"b"}, "b": {"a"}}, [["a", "b"]], id="two modules"),
        pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]], id="three"),
        pytest.param({"a": {"b"}, "b": {"c"}, "c": set()}, [], id="a chain is no circle"),
    ],
)
def test_circles_are_found(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected
