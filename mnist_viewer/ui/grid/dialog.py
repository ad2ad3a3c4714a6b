"""The grid view: rows×cols sequences playing in sync with the main player, as ONE mosaic image.

Each cell shows frame t of one sequence of the current grid page (t follows the main player, so
play, pause, scrubbing, fps and loop mode all act on the grid). The whole grid is one
:func:`~mnist_viewer.core.output.mosaic.mosaic` written into a reused buffer and shown by one
ImageItem; captions (sequence number and digit labels) are TextItems (:mod:`.grid_pages`).
Clicking a cell shows that sequence in the main window; the main window's sequence is outlined.

For the digit stream (one long sequence whose frames are dataset digits) the cells are
rows×cols consecutive digits, static; the page follows the main player's frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PyQt6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DataError
from ...core.output.mosaic import GridLayout
from ..elided_label import ElidedLabel
from ..player.sequence_view import BACKGROUND
from ..screen_fit import resize_to_fit
from ..widgets import spin_box
from ..workers import error_message
from .pages import PagePicture, caption_texts, fetch_sequences, stream_digits

PAGE_JOB = "grid-page"
MAX_SIDE = 10  # rows and columns go up to this
SYNC_LIMIT = 16 << 20  # pages up to this many bytes are fetched at once; bigger ones in a worker


class GridDialog(QDialog):
    """A rows×cols grid of sequences (or stream digits) following the main window's player."""

    page_shown = pyqtSignal()  # a page's frames are loaded and drawn

    def __init__(self, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.window_ = window
        self.model = window.model
        self.workers = window.workers
        self.sync_limit = SYNC_LIMIT
        self.setWindowTitle("Grid — mnist-viewer")
        self.setModal(False)
        resize_to_fit(self, 760, 800)  # 760×~740 on a 1280×800 screen
        settings = window.settings
        self._rows = min(max(1, settings.get_int("grid/rows", 4)), MAX_SIDE)
        self._cols = min(max(1, settings.get_int("grid/cols", 4)), MAX_SIDE)
        self._page = 0
        self._data: np.ndarray | None = None  # (K, T, H, W) sequences or (K, H, W) stream digits
        self._data_key: tuple[Any, ...] | None = None
        self._wanted_key: tuple[Any, ...] | None = None
        self._needs_reload = True

        self.rows_spin = spin_box(1, MAX_SIDE, self._rows, "Rows of the grid")
        self.cols_spin = spin_box(1, MAX_SIDE, self._cols, "Columns of the grid")
        style = self.style()
        assert style is not None
        sp = QStyle.StandardPixmap
        self.prev_button = QPushButton(style.standardIcon(sp.SP_ArrowBack), "Previous")
        self.prev_button.setToolTip("Previous page (PgUp)")
        self.next_button = QPushButton(style.standardIcon(sp.SP_ArrowForward), "Next")
        self.next_button.setToolTip("Next page (PgDown)")
        self.page_label = ElidedLabel()  # "…" rather than overlapping the buttons
        self.page_label.setMinimumWidth(120)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        actions = getattr(window, "player_actions", None)
        self.play_button = QToolButton()  # the main window's Play action: same icon, text, key
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if actions is not None:
            self.play_button.setDefaultAction(actions.play)
        else:
            self.play_button.setText("Play / Pause")
            self.play_button.clicked.connect(lambda _=False: self.model.toggle_play())
        for button in (self.prev_button, self.next_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Rows"))
        top.addWidget(self.rows_spin)
        top.addWidget(QLabel("Columns"))
        top.addWidget(self.cols_spin)
        top.addStretch(1)
        top.addWidget(self.prev_button)
        top.addWidget(self.page_label)
        top.addWidget(self.next_button)
        top.addStretch(1)
        top.addWidget(self.play_button)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(BACKGROUND)
        self.view.ci.setContentsMargins(2, 2, 2, 2)
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view_box: pg.ViewBox = self.view.addViewBox(lockAspect=True, invertY=True,
                                                         enableMenu=False)
        self.view_box.setMouseEnabled(False, False)
        self.picture = PagePicture(self.view_box)
        self.image_item, self.highlight = self.picture.image_item, self.picture.highlight
        self.status_label = ElidedLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)

        self.rows_spin.valueChanged.connect(lambda v: self.set_grid(v, self._cols))
        self.cols_spin.valueChanged.connect(lambda v: self.set_grid(self._rows, v))
        self.prev_button.clicked.connect(lambda _=False: self.previous_page())
        self.next_button.clicked.connect(lambda _=False: self.next_page())
        for key, slot in ((Qt.Key.Key_PageUp, self.previous_page),
                          (Qt.Key.Key_PageDown, self.next_page)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
        if actions is not None:  # Space, arrows, Home/End, [ ] work here too
            self.addActions([*actions.navigation(), actions.faster, actions.slower])
        menus = getattr(window, "menus", None)
        self.labels_action = None if menus is None else menus.overlays.get("labels")
        if self.labels_action is not None:  # L: the main view's labels and these captions
            self.addAction(self.labels_action)
            self.labels_action.toggled.connect(self.picture.set_captions_visible)
        self.picture.set_captions_visible(window.view.overlay_visible("labels"))
        self.view.scene().sigMouseClicked.connect(self._on_scene_clicked)
        m = self.model
        m.sequence_set_changed.connect(lambda _s: self._reset())
        m.sequence_changed.connect(self._on_sequence_changed)
        m.frame_changed.connect(self._on_frame_changed)
        window.view.colormap_changed.connect(self._follow_colormap)
        self.view.setFocus()
        self._reset()

    # --- public ---------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        return self._rows

    @property
    def cols(self) -> int:
        return self._cols

    @property
    def cells(self) -> int:
        return self._rows * self._cols

    @property
    def page(self) -> int:
        return self._page

    @property
    def grid_layout(self) -> GridLayout | None:
        """Geometry of the mosaic shown (None without content)."""
        return self.picture.layout

    @property
    def _captions(self) -> list[pg.TextItem]:
        """The caption items of the cells (for tests)."""
        return self.picture.captions

    @property
    def stream_mode(self) -> bool:
        """True when the cells are consecutive digits of the digit stream."""
        content = self.window_.content
        return content is not None and content.is_stream

    def num_items(self) -> int:
        """How many cells the whole set fills: sequences, or digits of the stream."""
        seqset = self.model.sequence_set
        if seqset is None:
            return 0
        return seqset.num_frames if self.stream_mode else seqset.num_sequences

    def num_pages(self) -> int:
        return max(1, -(-self.num_items() // self.cells))

    def page_range(self) -> tuple[int, int]:
        """(start, stop) of the sequences (or stream digits) on the current page."""
        start = self._page * self.cells
        return start, min(start + self.cells, self.num_items())

    def is_ready(self) -> bool:
        """True when the frames of the current page are loaded and drawn."""
        return self.model.sequence_set is None or (
            self._data is not None and self._data_key == self._wanted_key)

    def set_grid(self, rows: int, cols: int) -> None:
        """Use a rows×cols grid, keeping the first cell of the page visible (for the digit
        stream: the page holding the digit the player shows)."""
        rows = min(max(1, int(rows)), MAX_SIDE)
        cols = min(max(1, int(cols)), MAX_SIDE)
        if (rows, cols) == (self._rows, self._cols):
            return
        first = self._page * self.cells
        self._rows, self._cols = rows, cols
        self.window_.settings.set_value("grid/rows", rows)
        self.window_.settings.set_value("grid/cols", cols)
        for spin, value in ((self.rows_spin, rows), (self.cols_spin, cols)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        if self.stream_mode and self.model.sequence_set is not None:
            first = self.model.frame_index
        self._page = first // self.cells
        self._reload()

    def set_page(self, page: int) -> None:
        """Show grid page ``page`` (clamped). For the stream, the player moves to that page."""
        page = min(max(0, int(page)), self.num_pages() - 1)
        stream = self.stream_mode and self.model.sequence_set is not None
        if stream and page != self.model.frame_index // self.cells:
            self.model.set_frame(page * self.cells)  # comes back through frame_changed
            return
        if page != self._page:
            self._page = page
            self._reload()

    def next_page(self) -> None:
        self.set_page(self._page + 1)

    def previous_page(self) -> None:
        self.set_page(self._page - 1)

    def activate_cell(self, cell: int) -> None:
        """Show the sequence (or stream digit) of cell ``cell`` of the page in the main window."""
        start, stop = self.page_range()
        index = start + int(cell)
        if not 0 <= int(cell) < stop - start:
            return
        if self.stream_mode:
            self.model.set_frame(index)
        else:
            self.model.set_sequence(index)

    def cell_center(self, cell: int) -> tuple[float, float]:
        """Centre (x, y) of a cell in image coordinates (for tests and tools)."""
        assert self.picture.layout is not None
        x0, y0, x1, y1 = self.picture.layout.cell_rect(*divmod(int(cell), self._cols))
        return (x0 + x1) / 2.0, (y0 + y1) / 2.0

    # --- loading a page -------------------------------------------------------------------------
    def _reset(self) -> None:
        """New content: go to the page of the main window's sequence (or frame)."""
        if self.model.sequence_set is None:
            self._page = 0
        else:
            self._page = self._current_item() // self.cells
        self._reload()

    def _current_item(self) -> int:
        return self.model.frame_index if self.stream_mode else self.model.sequence_index

    def _reload(self) -> None:
        if not self.isVisible():
            self._needs_reload = True
            return
        self._needs_reload = False
        seqset = self.model.sequence_set
        self._data = None
        self._data_key = self._wanted_key = None
        self.workers.cancel(PAGE_JOB)
        if seqset is None:
            self.picture.clear()
            self._update_labels()
            return
        start, stop = self.page_range()
        stream = self.stream_mode
        h, w = seqset.height, seqset.width
        self.picture.set_layout(self._rows, self._cols, h, w)
        key = (id(seqset), stream, start, stop, self._rows, self._cols)
        self._wanted_key = key
        self.picture.set_captions(caption_texts(self.window_.content, self.model.ground_truth,
                                                stream, start, stop))
        self._update_highlight()
        if stream:
            self._show_data(key, stream_digits(self.window_.content, seqset, start, stop))
            return
        nbytes = (stop - start) * seqset.num_frames * h * w
        if nbytes <= self.sync_limit:
            try:
                self._show_data(key, fetch_sequences(seqset, start, stop))
            except (DataError, OSError, ValueError) as exc:  # e.g. a truncated file
                self.status_label.setText(error_message(exc))
            return
        self.picture.blank(self._rows, self._cols)
        self._update_labels(loading=True)
        job = self.workers.submit(PAGE_JOB, lambda progress, cancel: fetch_sequences(
            seqset, start, stop, progress, cancel))
        job.finished.connect(lambda data, key=key: self._show_data(key, data))
        job.failed.connect(lambda message: self.status_label.setText(message))

    def _show_data(self, key: tuple[Any, ...], data: np.ndarray) -> None:
        if key != self._wanted_key:
            return  # an older page
        self._data = data
        self._data_key = key
        self._render()
        self._update_labels()
        self.page_shown.emit()

    # --- drawing --------------------------------------------------------------------------------
    def _render(self) -> None:
        if self._data is not None:
            self.picture.draw(self._data, self.model.frame_index, self._rows, self._cols)

    def _update_highlight(self) -> None:
        start, stop = self.page_range()
        current = self._current_item()
        shown = self.picture.layout is not None and self.model.sequence_set is not None
        self.picture.outline(divmod(current - start, self._cols)
                             if shown and start <= current < stop else None)

    def _update_labels(self, loading: bool = False) -> None:
        n, pages = self.num_items(), self.num_pages()
        start, stop = self.page_range()
        what = "digits" if self.stream_mode else "sequences"
        self.page_label.setText(f"Page {self._page + 1} of {pages} · {what} {start}–"
                                f"{max(start, stop - 1)} of {n}" if n else "No content")
        self.prev_button.setEnabled(n > 0 and self._page > 0)
        self.next_button.setEnabled(n > 0 and self._page < pages - 1)
        if loading:
            text = "Loading the page…"
        elif not n:
            text = "Open or generate sequences in the main window."
        elif self.stream_mode:
            text = (f"Digit {self.model.frame_index} is shown in the main window · click a "
                    "digit to show it · PgUp/PgDown: pages")
        else:
            text = (f"Frame #{self.model.frame_index} of {self.model.num_frames} · click a "
                    "cell to show it in the main window · PgUp/PgDown: pages")
        self.status_label.setText(text)

    # --- model -> view --------------------------------------------------------------------------
    def _on_sequence_changed(self, index: int) -> None:
        if self.stream_mode or self.model.sequence_set is None:
            return
        page = index // self.cells
        if page != self._page:  # the main window went to a sequence of another page
            self._page = page
            self._reload()
        else:
            self._update_highlight()

    def _on_frame_changed(self, t: int) -> None:
        if self.model.sequence_set is None or self._needs_reload:
            return
        if self.stream_mode:
            page = t // self.cells
            if page != self._page:
                self._page = page
                self._reload()
                return
            self._update_highlight()
        elif self.isVisible():
            self._render()
        self._update_labels(loading=self._data is None)

    def _on_scene_clicked(self, event: Any) -> None:
        layout = self.picture.layout
        if event.button() != Qt.MouseButton.LeftButton or layout is None:
            return
        p = self.view_box.mapSceneToView(event.scenePos())
        cell = layout.cell_at(p.x(), p.y())
        if cell is not None:
            event.accept()
            self.activate_cell(cell)

    # --- Qt -------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """PgUp/PgDown page, L shows or hides the captions (also when the dialog is not the
        active window, e.g. in tests)."""
        key = None if event is None else event.key()
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.previous_page() if key == Qt.Key.Key_PageUp else self.next_page()
            return
        plain = event is not None and event.modifiers() == Qt.KeyboardModifier.NoModifier
        if key == Qt.Key.Key_L and plain:
            if self.labels_action is not None:
                self.labels_action.toggle()
            else:
                self.picture.set_captions_visible(not self.picture.captions_on)
            return
        super().keyPressEvent(event)

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        self._follow_colormap(self.window_.view.colormap)
        if self._needs_reload:
            self._reset()
        else:
            self._render()

    def _follow_colormap(self, name: str) -> None:
        """The main view's colour map (the same core table)."""
        self.picture.set_colormap(name)


def create_dialog(window: Any) -> GridDialog:
    """The grid dialog of a main window (View › Grid…)."""
    return GridDialog(window)
