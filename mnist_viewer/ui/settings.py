"""What the GUI remembers between runs, kept with QSettings.

When the environment variable ``MNIST_VIEWER_SETTINGS`` names a file, that INI file is used
instead of the user's settings (the tests point it at a temporary file).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QByteArray, QSettings

ENV_SETTINGS = "MNIST_VIEWER_SETTINGS"
MAX_RECENT = 10


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class Settings:
    """Typed access to the few things the application remembers."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        path = path if path is not None else os.environ.get(ENV_SETTINGS) or None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.qsettings = QSettings(str(path), QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                "mnist-viewer", "mnist-viewer",
            )

    @property
    def file_name(self) -> str:
        """The file the settings are stored in."""
        return self.qsettings.fileName()

    # generic typed access -------------------------------------------------------------
    def value(self, key: str, default: Any = None) -> Any:
        return self.qsettings.value(key, default)

    def set_value(self, key: str, value: Any) -> None:
        self.qsettings.setValue(key, value)

    def get_str(self, key: str, default: str = "") -> str:
        value = self.qsettings.value(key, default)
        return default if value is None else str(value)

    def get_float(self, key: str, default: float) -> float:
        try:
            return float(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default

    def get_int(self, key: str, default: int) -> int:
        try:
            return int(self.qsettings.value(key, default))
        except (TypeError, ValueError):
            return default

    def get_bool(self, key: str, default: bool) -> bool:
        return _to_bool(self.qsettings.value(key, default))

    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.qsettings.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def sync(self) -> None:
        """Write pending changes to disk."""
        self.qsettings.sync()

    # recent files -----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Most recent first, at most :data:`MAX_RECENT`."""
        value = self.qsettings.value("recent/files", [])
        if isinstance(value, str):  # QSettings returns one string for a one-item list
            value = [value]
        return [str(v) for v in (value or []) if str(v)][:MAX_RECENT]

    def add_recent_file(self, path: str | os.PathLike[str]) -> list[str]:
        """Put ``path`` first in the recent files and return the new list."""
        entry = str(Path(path).expanduser().resolve())
        files = [entry] + [f for f in self.recent_files() if f != entry]
        self.qsettings.setValue("recent/files", files[:MAX_RECENT])
        return files[:MAX_RECENT]

    def remove_recent_file(self, path: str | os.PathLike[str]) -> None:
        files = [f for f in self.recent_files() if f != str(path)]
        self.qsettings.setValue("recent/files", files)

    def clear_recent_files(self) -> None:
        self.qsettings.setValue("recent/files", [])

    # last directories (one per kind of file dialog) -------------------------------------
    def last_dir(self, kind: str) -> str:
        folder = self.get_str(f"dirs/{kind}", "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def set_last_dir(self, kind: str, path: str | os.PathLike[str]) -> None:
        p = Path(path)
        self.qsettings.setValue(f"dirs/{kind}", str(p if p.is_dir() else p.parent))

    # the layout chosen for a sequence file (the swap of sequences and frames) ---------
    @staticmethod
    def _file_key(path: str | os.PathLike[str]) -> str:
        import hashlib

        resolved = str(Path(path).expanduser().resolve())
        return "file_layouts/" + hashlib.sha1(resolved.encode("utf-8")).hexdigest()

    def file_layout(self, path: str | os.PathLike[str]) -> str | None:
        """The layout the user chose for this file (by the swap action), or None."""
        value = self.value(self._file_key(path))
        return str(value) if value else None

    def set_file_layout(self, path: str | os.PathLike[str], layout: str | None) -> None:
        """Remember (or forget, with None) the layout chosen for this file."""
        if layout:
            self.set_value(self._file_key(path), layout)
        else:
            self.qsettings.remove(self._file_key(path))
