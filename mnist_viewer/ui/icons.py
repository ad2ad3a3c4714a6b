"""The application icon, built from the PNG renderings in ``resources/icons``."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QSize
from PyQt6.QtGui import QIcon

from ..resources import resources_dir

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SVG_NAME = "mnist-viewer.svg"


def icons_dir() -> Path | None:
    """The folder holding the icon files, or None if the resources are missing."""
    try:
        return resources_dir() / "icons"
    except FileNotFoundError:
        return None


def app_icon() -> QIcon:
    """The window and launcher icon: every PNG size found; the SVG for sizes with no PNG.

    Missing files are tolerated: with no PNG at all the SVG is used alone, and with neither the
    icon is empty (Qt then shows its default), so a damaged install never stops the start-up.
    """
    icon = QIcon()
    folder = icons_dir()
    if folder is None:
        return icon
    for size in ICON_SIZES:
        png = folder / f"mnist-viewer-{size}.png"
        if png.is_file():
            icon.addFile(str(png), QSize(size, size))
    svg = folder / SVG_NAME
    if icon.isNull() and svg.is_file():
        icon.addFile(str(svg))
    return icon
