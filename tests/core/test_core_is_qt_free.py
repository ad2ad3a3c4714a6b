"""The core imports numpy and the standard library only: never Qt, directly or indirectly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import mnist_viewer.core

CORE = Path(mnist_viewer.core.__file__).parent
QT_MODULES = ("PyQt6", "PyQt5", "PySide6", "PySide2", "pyqtgraph", "qtpy", "superqt", "sip")


def test_importing_every_core_module_loads_no_qt_and_no_tensorflow() -> None:
    code = (
        "import importlib, pkgutil, sys, mnist_viewer.core as c\n"
        "names = [m.name for m in pkgutil.walk_packages(c.__path__, 'mnist_viewer.core.')]\n"
        "assert len(names) >= 5, names\n"
        "[importlib.import_module(n) for n in names]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{QT_MODULES!r} or m.split('.')[0] == 'tensorflow')\n"
        "print(len(names), bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_core_source_file_mentions_a_qt_import() -> None:
    offenders = []
    files = sorted(CORE.rglob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert offenders == []
