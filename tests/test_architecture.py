"""The rooms' contracts, checked on the import graph of the package's source (no import runs).

* the core imports no Qt and never ``mnist_viewer.ui`` or ``mnist_viewer.commands``;
* ``commands`` never imports ``ui``; the package root is imported by no module inside it;
* each core room imports only the rooms its ``__init__`` docstring allows (:data:`CORE_ROOMS`);
* no import cycle between modules (module-level imports, ``TYPE_CHECKING`` ones included;
  importing ``a.b.c`` also imports the packages ``a.b`` and ``a``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import mnist_viewer

PACKAGE = Path(mnist_viewer.__file__).parent
QT = ("PyQt6", "pyqtgraph", "PySide6", "PySide2", "PyQt5", "qtpy", "superqt")
# compute: the Dask engine every whole-set job (files, analysis, output) runs its chunks on;
# hdf5: the HDF5 container layer that both sources (digits) and files (sequences) read through
SHARED_CORE = {"errors", "jobs", "sequences", "ground_truth", "playback", "containers", "compute",
               "hdf5"}
# core room -> the other core rooms it may import (the shared leaves above are always allowed)
CORE_ROOMS: dict[str, set[str]] = {
    "sources": set(),
    "generation": {"sources"},
    "files": {"generation", "sources"},
    "analysis": set(),
    "output": set(),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _top_level_imports(path: Path, name: str) -> set[str]:
    """Absolute names of the modules ``path`` imports outside function bodies."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
            elif isinstance(node, (ast.If, ast.Try, ast.With)):
                for block in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, block, []):
                        visit(getattr(child, "body", [child]) if block == "handlers" else [child])
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        own_ancestors = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        edges: set[str] = set()
        for target in _top_level_imports(path, name):
            parts = target.split(".")
            for i in range(2, len(parts) + 1):  # a.b.c imports a.b too (never the root facade)
                prefix = ".".join(parts[:i])
                if prefix in modules and prefix != name and prefix not in own_ancestors:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def _external_imports(prefix: str) -> dict[str, set[str]]:
    return {name: _top_level_imports(path, name) | _all_imports(path)
            for name, path in _modules().items() if name.startswith(prefix)}


def _all_imports(path: Path) -> set[str]:
    """Every import anywhere in the file (function bodies too), as written (absolute part)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def test_the_graph_sees_the_package() -> None:
    graph = _graph()
    assert "mnist_viewer.core.errors" in graph["mnist_viewer.core.jobs"]
    assert "mnist_viewer.ui.player.model" in graph["mnist_viewer.ui.player.main_window"]
    assert len(graph) > 40


def test_core_imports_no_qt_ui_or_commands() -> None:
    graph = _graph()
    offences = []
    for name, imports in _external_imports("mnist_viewer.core").items():
        offences += [(name, i) for i in imports if i.split(".")[0] in QT]
    for name, edges in graph.items():
        if name.startswith("mnist_viewer.core"):
            offences += [(name, e) for e in edges
                         if e.startswith(("mnist_viewer.ui", "mnist_viewer.commands"))]
    assert offences == []


def test_commands_never_import_the_gui() -> None:
    offences = [(name, e) for name, edges in _graph().items() if name.startswith(
        "mnist_viewer.commands") for e in edges if e.startswith("mnist_viewer.ui")]
    assert offences == []


def test_no_module_imports_the_package_root() -> None:
    offences = [name for name, path in _modules().items() if name != "mnist_viewer"
                and "mnist_viewer" in _top_level_imports(path, name) - {name}]
    assert offences == []


def test_core_rooms_import_only_what_they_may() -> None:
    offences = []
    for name, edges in _graph().items():
        parts = name.split(".")
        if len(parts) < 4 or parts[1] != "core" or parts[2] not in CORE_ROOMS:
            continue
        room = parts[2]
        for edge in edges:
            other = edge.split(".")
            if other[1] != "core" or len(other) < 3 or other[2] in SHARED_CORE | {room}:
                continue
            if other[2] not in CORE_ROOMS[room]:
                offences.append((name, edge))
    assert offences == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            strongconnect(v)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []
