"""The two questions opening media files may need: which HDF5 dataset holds the frames, and how
a grid animation splits into sequences (File › Split Grid Animation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtWidgets import QInputDialog, QMessageBox, QWidget

from ...core import hdf5
from ...core.errors import DataError
from ...core.files.grid_split import GridSplit


def choose_hdf5_dataset(parent: QWidget, path: str) -> str | None:
    """The HDF5 dataset to open: None when there is no choice to make (not HDF5, one candidate,
    or a file the opening itself will report on), ``""`` when the user cancelled."""
    if not hdf5.is_hdf5(path):
        return None
    try:
        entries = [e for e in hdf5.list_datasets(path) if 3 <= len(e.shape) <= 5]
    except DataError:
        return None
    if len(entries) < 2:
        return None
    items = [f"{e.name}  {' × '.join(map(str, e.shape))}  {e.dtype}" for e in entries]
    choice, ok = QInputDialog.getItem(parent, "Choose a dataset",
                                      f"{Path(path).name} holds several datasets of frames:",
                                      items, 0, False)
    return entries[items.index(choice)].name if ok and choice in items else ""


def ask_grid_split(parent: QWidget, config: dict[str, Any] | None) -> GridSplit | None:
    """Rows × columns + gap for splitting a grid animation, proposed from the detected layout
    (``config["source"]["grid_detected"]``) or 4×4+1; None when cancelled or malformed (said)."""
    source = (config or {}).get("source") or {}
    found = source.get("grid_detected") if isinstance(source, dict) else None
    default = (f"{found['rows']}x{found['cols']}+{found['gap']}"
               if isinstance(found, dict) else "4x4+1")
    text, ok = QInputDialog.getText(parent, "Split grid animation",
                                    "Rows × columns + gap (pixels):", text=default)
    if not ok:
        return None
    try:
        size, _, gap = text.lower().replace("×", "x").replace(" ", "").partition("+")
        rows, cols = (int(v) for v in size.split("x"))
        return GridSplit(rows, cols, int(gap) if gap else 1)
    except ValueError:
        QMessageBox.warning(parent, "Split grid animation",
                            f"{text}: expected rows x columns + gap, e.g. 4x4+1")
        return None
