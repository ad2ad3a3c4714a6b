"""Windows that fit the screen: default and restored sizes clamped to the available area.

The available area is the screen minus task bars and docks (``QScreen.availableGeometry``);
a window frame (title bar, borders) is allowed for around it, so that the whole window,
status bar included, is on screen (a 760×800 grid at 1280×800 becomes 760×~740).
"""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QWidget

FRAME = (16, 48)  # width and height a window manager's frame adds, at most (px)


def fit_size(width: int, height: int, available: QRect,
             frame: tuple[int, int] = FRAME) -> tuple[int, int]:
    """(width, height) no larger than ``available`` less ``frame`` (px), never below 200×150."""
    w = min(width, available.width() - frame[0])
    h = min(height, available.height() - frame[1])
    return max(200, w), max(150, h)


def fit_rect(rect: QRect, available: QRect, frame: tuple[int, int] = FRAME) -> QRect:
    """``rect`` (a window's geometry) shrunk to :func:`fit_size` and moved inside ``available``."""
    w, h = fit_size(rect.width(), rect.height(), available, frame)
    x = min(max(rect.x(), available.left()), available.left() + available.width() - w)
    y = min(max(rect.y(), available.top() + frame[1] - frame[0]),
            available.top() + available.height() - h - frame[0])
    return QRect(x, max(available.top(), y), w, h)


def available_geometry(widget: QWidget | None = None) -> QRect | None:
    """The available area of the screen ``widget`` is on (else the primary screen)."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return None if screen is None else screen.availableGeometry()


def resize_to_fit(widget: QWidget, width: int, height: int) -> None:
    """``widget.resize(width, height)``, clamped to its screen's available area."""
    available = available_geometry(widget)
    if available is not None:
        width, height = fit_size(width, height, available)
    widget.resize(width, height)


def keep_on_screen(widget: QWidget) -> None:
    """Shrink and move ``widget`` (after ``restoreGeometry``) so that it fits its screen."""
    available = available_geometry(widget)
    if available is None:
        return
    fitted = fit_rect(widget.geometry(), available)
    if fitted != widget.geometry():
        widget.setGeometry(fitted)
