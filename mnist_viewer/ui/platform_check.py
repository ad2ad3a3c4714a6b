"""Before Qt starts on Linux: are the system libraries of Qt's X11 (xcb) platform plugin there?

Qt's wheel ships its own Qt libraries but not the X11/OpenGL ones of the system. When one is
missing, Qt prints a long message that names the plugin, not the library; this module asks the
dynamic linker (``ldd`` on the plugin) which libraries are missing and names the Debian/Ubuntu
packages that provide them, so the app can say so in one line. Imports no Qt widgets (only
``PyQt6.QtCore`` to find the plugin folder), so it runs before the QApplication exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: soname → the Debian/Ubuntu package that provides it (the README's apt-get line lists them all).
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def missing_from_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reported as ``not found``, in order, each once."""
    missing: list[str] = []
    for line in output.splitlines():
        if "not found" in line:
            name = line.split("=>")[0].strip()
            if name and name not in missing:
                missing.append(name)
    return missing


def packages_for(sonames: list[str]) -> list[str]:
    """The Debian/Ubuntu packages providing ``sonames`` (the soname itself when unknown)."""
    packages: list[str] = []
    for name in sonames:
        package = DEBIAN_PACKAGES.get(name, name)
        if package not in packages:
            packages.append(package)
    return packages


def xcb_plugin() -> Path | None:
    """Qt's xcb platform plugin file, or None when this Qt has none (macOS, Windows)."""
    from PyQt6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    plugin = folder / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_xcb_libraries(plugin: Path | None = None) -> list[str]:
    """Sonames Qt's xcb plugin (or ``plugin``) needs that the dynamic linker cannot find.

    Empty when nothing is missing, when there is no xcb plugin, or when ``ldd`` is not
    available (then Qt's own message is all there is).
    """
    plugin = plugin if plugin is not None else xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20,
                                check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return missing_from_ldd(result.stdout)


def uses_xcb() -> bool:
    """True when Qt will pick its X11 plugin: Linux, a DISPLAY, no other platform chosen."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def xcb_problem() -> str | None:
    """One line naming the missing libraries and the apt-get command, or None when all is well."""
    if not uses_xcb():
        return None
    missing = missing_xcb_libraries()
    if not missing:
        return None
    return (f"Qt's X11 platform plugin cannot load: missing {', '.join(missing)}; install "
            f"them with: sudo apt-get install {' '.join(packages_for(missing))}")
