"""Start the GUI: the QApplication, the main window, and the ``--screenshot`` mode."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from PyQt6.QtCore import QEvent, QEventLoop, QMessageLogContext, QtMsgType, qInstallMessageHandler
from PyQt6.QtWidgets import QApplication, QWidget

from ..version import __version__

SCREENSHOT_TIMEOUT = 60.0  # seconds to wait for the content before giving up
SCREENSHOT_SIZE = (1100, 720)


def _app_icon():  # type: ignore[no-untyped-def]
    from .icons import app_icon

    icon = app_icon()
    return None if icon.isNull() else icon


_QUIET = ("This plugin does not support propagateSizeHints()",
          "This plugin does not support raise()")
_previous_handler = None


def _message_handler(mode: QtMsgType, context: QMessageLogContext, message: str | None) -> None:
    """Drop the offscreen plugin's harmless chatter; pass everything else on."""
    if message in _QUIET:
        return
    if _previous_handler is not None:
        _previous_handler(mode, context, message)
    else:
        print(message, file=sys.stderr)


def application(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with the names QSettings and desktops use."""
    global _previous_handler
    app = QApplication.instance()
    if app is None:
        _previous_handler = qInstallMessageHandler(_message_handler)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("mnist-viewer")
    app.setOrganizationName("mnist-viewer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("mnist-viewer")  # packaging/mnist-viewer.desktop
    icon = _app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def process_until(condition, timeout: float = SCREENSHOT_TIMEOUT) -> bool:  # type: ignore[no-untyped-def]
    """Run the event loop until ``condition()`` is true; False on timeout."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if not condition():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
    return True


def _fail(message: str) -> int:
    print(f"mnist-viewer: error: {message}", file=sys.stderr)
    return 2


def _no_display() -> bool:
    """True on X11/Wayland systems where no display is reachable and no platform was chosen."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def play_first_content(window) -> None:  # type: ignore[no-untyped-def]
    """Start playing as soon as the first content is shown: digits move from the start."""

    def first(_content: object) -> None:
        window.content_changed.disconnect(first)
        window.model.play()

    window.content_changed.connect(first)


def run_gui(args: argparse.Namespace) -> int:
    """Open the main window (and PATH); with ``--screenshot`` save a PNG of it and exit."""
    view = getattr(args, "view", None)
    if getattr(args, "command", None) == "review" or view in ("review", "review-grid"):
        from .review.launch import run_review  # predictions beside the truth

        return run_review(args)
    if _no_display():
        if not getattr(args, "screenshot", None):
            return _fail("no display found: set DISPLAY, or for headless use save a picture "
                         "with 'mnist-viewer --screenshot OUT.png' (see --help)")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    from .platform_check import xcb_problem

    problem = xcb_problem()
    if problem is not None:
        return _fail(problem)
    app = application()
    # The data-source warnings (a source skipped, the embedded subset) go to the status bar
    # (Content.warnings), not to Python's last-resort handler on stderr.
    logging.getLogger("mnist_viewer").addHandler(logging.NullHandler())
    from .player.main_window import MainWindow  # after the QApplication, like every widget

    window = MainWindow()
    seed = getattr(args, "seed", None)
    if seed is None and getattr(args, "screenshot", None):
        seed = 0  # reproducible screenshots
    if seed is not None:
        window.panel.seed.setText(str(seed))
    try:
        if getattr(args, "screenshot", None):
            return _screenshot(app, window, args)
        window.show()
        play_first_content(window)
        window.start(getattr(args, "path", None))
        return int(app.exec())
    finally:
        # Delete the window (and its dialogs) while Qt is still whole: left to the
        # interpreter's exit, PyQt's clean-up can crash in the widgets' destructors.
        window.close()
        window.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def _screenshot(app: QApplication, window, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """Show the first sequence (or PATH) at frame K, wait until it is painted, save a PNG."""
    out = Path(args.screenshot)
    view = getattr(args, "view", "main") or "main"
    window.message_boxes = False
    errors: list[str] = []
    window.error_reported.connect(errors.append)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    path = getattr(args, "path", None)
    if path:
        window.open_path(path)
    else:
        window.generate()
    try:
        if not process_until(lambda: errors or (window.content is not None
                                                and not window.workers.is_busy())):
            return _fail("timed out waiting for the content to load")
        if errors:
            return _fail(errors[0])
        frames = window.model.num_frames
        frame = int(getattr(args, "frame", 0) or 0)
        if not 0 <= frame < frames:
            return _fail(f"--frame {frame}: out of range 0..{frames - 1}")
        window.model.set_frame(frame)
        target: QWidget = window
        if view != "main":
            target = window.open_tool(view)
            if view == "stats":  # at the main view's size, not clamped to an 800 px screen
                target.resize(*SCREENSHOT_SIZE)
            ready = getattr(target, "is_ready", None)
            if callable(ready) and not process_until(
                    lambda: bool(ready()) and not window.workers.is_busy()):
                return _fail(f"timed out waiting for the {view} view")
        painted = window.view.paint_count
        window.view.zoom_to_fit()
        window.view.update()
        if not process_until(lambda: window.view.paint_count > painted):
            return _fail("timed out waiting for the first frame to be painted")
        app.processEvents()  # pending layout changes (status bar texts) before the grab
        image = target.grab()
        out.parent.mkdir(parents=True, exist_ok=True)
        if image.isNull() or not image.save(str(out), "PNG"):
            return _fail(f"{out}: could not write the screenshot")
        print(f"{out}: {image.width()}×{image.height()} screenshot of the {view} view")
        return 0
    finally:
        window.close()
