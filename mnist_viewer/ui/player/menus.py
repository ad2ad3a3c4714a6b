"""The main window's menu bar: File, View, Playback, Help, and the recent-files submenu."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import QApplication, QMenu, QMenuBar, QStyle

from .sequence_view import COLORMAPS, OVERLAYS


class MenuHost(Protocol):
    """What the menus need of the window that holds them (the main window): its slots and parts.

    A protocol rather than the window class itself, so that this module does not import
    :mod:`.main_window` (which imports this one).
    """

    view: Any
    panel: Any
    panel_dock: Any
    player_actions: Any
    settings: Any

    def menuBar(self) -> QMenuBar | None: ...
    def style(self) -> QStyle | None: ...
    def findChildren(self, kind: Any) -> Any: ...
    def close(self) -> bool: ...
    def choose_dataset(self) -> None: ...
    def choose_folder(self) -> None: ...
    def choose_sequences(self) -> None: ...
    def choose_predictions(self) -> None: ...
    def choose_save_path(self) -> None: ...
    def confirm_download(self) -> Any: ...
    def set_colormap(self, name: str) -> None: ...
    def set_overlay_visible(self, name: str, visible: bool) -> None: ...
    def show_shortcuts(self) -> None: ...
    def show_about(self) -> None: ...
    def open_tool(self, name: str) -> Any: ...
    def split_grid_animation(self) -> Any: ...
    def open_recent(self, path: str) -> Any: ...

# tool dialogs, imported when first opened: name -> (module, menu text, shortcut)
TOOLS: dict[str, tuple[str, str, str]] = {
    "grid": ("mnist_viewer.ui.grid.dialog", "&Grid…", "Ctrl+G"),
    "stats": ("mnist_viewer.ui.stats.dialog", "&Statistics…", "Ctrl+T"),
    "export": ("mnist_viewer.ui.export.dialog", "&Export…", "Ctrl+E"),
}
OVERLAY_TEXT = {"boxes": ("Digit &Boxes", "B"), "trajectories": ("&Trajectories", "T"),
                "labels": ("&Labels", "L")}
COLORMAP_TEXT = {"grey": "&Grey", "viridis": "&Viridis", "magma": "&Magma",
                 "inferno": "&Inferno", "plasma": "&Plasma", "cividis": "&Cividis"}


class Menus:
    """Builds the menu bar of a window (a :class:`MenuHost`) and keeps its actions."""

    def __init__(self, window: MenuHost) -> None:
        self.window = window
        self.parent = cast(QObject, window)  # the window is a QMainWindow
        bar = window.menuBar()
        assert bar is not None
        style = window.style()
        assert style is not None
        sp = QStyle.StandardPixmap

        def act(menu: QMenu, text: str, slot: Callable[[], object], keys: object = None,
                icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
            action = QAction(text, self.parent)
            if keys is not None:
                if isinstance(keys, (list, tuple)):
                    action.setShortcuts([QKeySequence(k) for k in keys])
                else:
                    action.setShortcut(QKeySequence(keys))
            if icon is not None:
                action.setIcon(style.standardIcon(icon))
            if tip:
                action.setStatusTip(tip)
            action.triggered.connect(lambda _=False: slot())
            menu.addAction(action)
            return action

        # File ------------------------------------------------------------------------------------
        file_menu = bar.addMenu("&File")
        assert file_menu is not None
        self.open_dataset = act(file_menu, "Open &Dataset…", window.choose_dataset,
                                QKeySequence.StandardKey.Open, sp.SP_DialogOpenButton,
                                "Open an MNIST IDX file (.gz or not) or a Keras mnist.npz "
                                "(File › Open Folder… opens a folder)")
        self.open_folder = act(file_menu, "Open &Folder…", window.choose_folder,
                               "Ctrl+Shift+D", sp.SP_DirOpenIcon,
                               "Open a folder: an MNIST (IDX) folder, a .zarr store, a folder of "
                               "frames or a predictions folder")
        self.open_sequences = act(file_menu, "Open &Sequences…", window.choose_sequences,
                                  "Ctrl+Shift+O", sp.SP_FileIcon,
                                  "Open a sequence file (.npy, .npz, …)")
        self.open_predictions = act(file_menu, "Open &Predictions…", window.choose_predictions,
                                    None, None, "Review a model's predictions beside the truth "
                                    "(an OpenSTL saved/ or PredRNN results folder)")
        self.split_grid = act(file_menu, "Split &Grid Animation…", window.split_grid_animation,
                              tip="Reopen a grid GIF or video as the sequences of its cells")
        recent_menu = file_menu.addMenu("Open &Recent")
        assert recent_menu is not None
        self.recent_menu: QMenu = recent_menu
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        file_menu.addSeparator()
        self.save_as = act(file_menu, "Save Sequences &As…", window.choose_save_path,
                           QKeySequence.StandardKey.SaveAs, sp.SP_DialogSaveButton,
                           "Save the sequences shown to a file")
        self.tools: dict[str, QAction] = {}
        self.tools["export"] = self._tool_action(file_menu, "export")
        file_menu.addSeparator()
        self.download = act(file_menu, "Download &MNIST…", window.confirm_download, None, None,
                            "Download the full MNIST into the cache (about 11 MB)")
        file_menu.addSeparator()
        # every window (a review window opened from here too), not only this one
        self.quit = act(file_menu, "&Quit", QApplication.closeAllWindows, ["Ctrl+Q"], None,
                        "Quit mnist-viewer: close this and every other window")
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)

        # View ------------------------------------------------------------------------------------
        view_menu = bar.addMenu("&View")
        assert view_menu is not None
        self.tools["grid"] = self._tool_action(view_menu, "grid")
        self.tools["stats"] = self._tool_action(view_menu, "stats")
        view_menu.addSeparator()
        self.overlays: dict[str, QAction] = {}
        for name in OVERLAYS:
            text, key = OVERLAY_TEXT[name]
            action = QAction(text, self.parent)
            action.setCheckable(True)
            action.setChecked(window.view.overlay_visible(name))
            action.setShortcut(QKeySequence(key))
            action.toggled.connect(lambda on, n=name: window.set_overlay_visible(n, on))
            view_menu.addAction(action)
            self.overlays[name] = action
        colormap_menu = view_menu.addMenu("&Colormap")
        assert colormap_menu is not None
        self.colormap_group = QActionGroup(self.parent)
        self.colormaps: dict[str, QAction] = {}
        for name in COLORMAPS:
            action = QAction(COLORMAP_TEXT.get(name, name), self.parent)
            action.setCheckable(True)
            action.setChecked(name == window.view.colormap)
            action.triggered.connect(lambda _=False, n=name: window.set_colormap(n))
            self.colormap_group.addAction(action)
            colormap_menu.addAction(action)
            self.colormaps[name] = action
        view_menu.addSeparator()
        self.zoom_fit = act(view_menu, "&Zoom to Fit", window.view.zoom_to_fit, "Ctrl+0",
                            None, "Show the whole canvas")
        self.side_panel = window.panel_dock.toggleViewAction()
        assert self.side_panel is not None
        self.side_panel.setText("&Generator Panel")
        self.side_panel.setShortcut(QKeySequence("F9"))
        view_menu.addAction(self.side_panel)
        self.generate = window.panel.generate_action  # Ctrl+R, owned by the panel
        view_menu.addAction(self.generate)

        # Playback --------------------------------------------------------------------------------
        play_menu = bar.addMenu("&Playback")
        assert play_menu is not None
        pa = window.player_actions
        for action in pa.navigation():
            play_menu.addAction(action)
        play_menu.addSeparator()
        play_menu.addAction(pa.previous_sequence)
        play_menu.addAction(pa.next_sequence)
        play_menu.addSeparator()
        play_menu.addAction(pa.faster)
        play_menu.addAction(pa.slower)
        loop_menu = play_menu.addMenu("&Loop Mode")
        assert loop_menu is not None
        for action in pa.loop_modes.values():
            loop_menu.addAction(action)

        # Help ------------------------------------------------------------------------------------
        help_menu = bar.addMenu("&Help")
        assert help_menu is not None
        self.shortcuts = act(help_menu, "&Keyboard Shortcuts", window.show_shortcuts,
                             QKeySequence.StandardKey.HelpContents, None, "List the shortcuts")
        self.about = act(help_menu, "&About mnist-viewer", window.show_about, None, None,
                         "Versions and data attribution")
        self.about.setMenuRole(QAction.MenuRole.AboutRole)

    def _tool_action(self, menu: QMenu, name: str) -> QAction:
        _module, text, key = TOOLS[name]
        action = QAction(text, self.parent)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False: self.window.open_tool(name))
        menu.addAction(action)
        return action

    def fill_recent(self) -> None:
        """Rebuild the Open Recent submenu from the settings."""
        menu = self.recent_menu
        menu.clear()
        files = self.window.settings.recent_files()
        for i, path in enumerate(files):
            label = f"&{i + 1} {path}" if i < 9 else path  # the path: two "mnist" differ
            action = menu.addAction(label)
            assert action is not None
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _=False, p=path: self.window.open_recent(p))
        if not files:
            empty = menu.addAction("No Recent Files")
            assert empty is not None
            empty.setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear Menu")
        assert clear is not None
        clear.setEnabled(bool(files))
        clear.triggered.connect(lambda _=False: self.window.settings.clear_recent_files())

    def update_enabled(self, has_content: bool, has_ground_truth: bool = False) -> None:
        self.save_as.setEnabled(has_content)
        for action in self.overlays.values():  # overlays are drawn from the ground truth
            action.setEnabled(has_ground_truth)
            action.setStatusTip("" if has_ground_truth else "This set has no ground truth")
        for name, action in self.tools.items():
            action.setEnabled(has_content or name == "stats")
        self.zoom_fit.setEnabled(has_content)


# the order of the groups in the shortcut list; menus not named here come after them
SHORTCUT_GROUPS = ("Playback", "File", "View", "Generator", "Help")


def _menu_actions(menu: QMenu) -> list[QAction]:
    """The actions of ``menu`` and of its submenus, in menu order."""
    found: list[QAction] = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            found += _menu_actions(sub)
        elif not action.isSeparator():
            found.append(action)
    return found


def shortcut_groups(window: MenuHost) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group, [(keys, what), ...]), ...] for the shortcuts dialog, read from the menus.

    Groups follow :data:`SHORTCUT_GROUPS` (the generator panel's actions form "Generator");
    alternative keys are joined with " or " ("Left or ,"), and each key appears once: in the
    first group and row that has it. Window actions with a shortcut in no menu come last.
    """
    bar = window.menuBar()
    assert bar is not None
    generator = {window.panel.generate_action, window.panel_dock.toggleViewAction()}
    grouped: dict[str, list[QAction]] = {}
    for top in bar.actions():
        menu = top.menu()
        if not isinstance(menu, QMenu):
            continue
        title = top.text().replace("&", "")
        for action in _menu_actions(menu):
            grouped.setdefault("Generator" if action in generator else title, []).append(action)
    listed = {a for actions in grouped.values() for a in actions}
    others = [a for a in window.findChildren(QAction) if a not in listed
              and a.shortcutContext() != Qt.ShortcutContext.WidgetShortcut]
    grouped.setdefault("Other", []).extend(others)
    order = [g for g in SHORTCUT_GROUPS if g in grouped]
    order += [g for g in grouped if g not in order]
    seen: set[str] = set()
    result: list[tuple[str, list[tuple[str, str]]]] = []
    for group in order:
        rows: list[tuple[str, str]] = []
        for action in grouped[group]:
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText)
                    for k in action.shortcuts()]
            keys = [k for k in keys if k and k not in seen]
            text = str(action.property("shortcut_text") or
                       action.text().replace("&", "").rstrip("…"))
            if keys and text:
                seen.update(keys)
                rows.append((" or ".join(keys), text))
        if rows:
            result.append((group, rows))
    return result


def shortcut_rows(window: MenuHost) -> list[tuple[str, str]]:
    """(keys, what) of every shortcut, group after group (see :func:`shortcut_groups`)."""
    return [row for _group, rows in shortcut_groups(window) for row in rows]
