"""The grid view: rows×cols sequences playing in sync with the main player, as ONE mosaic image.

Each cell shows frame t of one sequence of the current grid page (t follows the main player, so
play, pause, scrubbing, fps and loop mode all act on the grid). The whole grid is one
:func:`~mnist_viewer.core.mosaic.mosaic` written into a reused buffer and shown by one
ImageItem; captions (sequence number and digit labels) are TextItems. Clicking a cell shows
that sequence in the main window; the main window's sequence is outlined.

For the digit stream (one long sequence whose frames are dataset digits) the cells are
rows×cols consecutive digits, static; the page follows the main player's frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QKeyEvent, QKeySequence, QPen, QShortcut, QShowEvent
from PyQt6.QtWidgets import (
    QDialog,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.colormaps import colormap
from ..core.errors import DataError
from ..core.jobs import check_cancel, report
from ..core.mosaic import GAP_FILL, GridLayout, mosaic
from ..core.sequences import SequenceSet
from .sequence_view import BACKGROUND
from .widgets import spin_box
from .workers import error_message

PAGE_JOB = "grid-page"
MAX_SIDE = 10  # rows and columns go up to this
GAP = 1  # separator width in image pixels
SYNC_LIMIT = 16 << 20  # pages up to this many bytes are fetched at once; bigger ones in a worker
HIGHLIGHT = "#ffd43b"


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
        self.resize(760, 800)
        settings = window.settings
        self._rows = min(max(1, settings.get_int("grid/rows", 4)), MAX_SIDE)
        self._cols = min(max(1, settings.get_int("grid/cols", 4)), MAX_SIDE)
        self._page = 0
        self._data: np.ndarray | None = None  # (K, T, H, W) sequences or (K, H, W) stream digits
        self._data_key: tuple[Any, ...] | None = None
        self._wanted_key: tuple[Any, ...] | None = None
        self._buffer: np.ndarray | None = None
        self._layout: GridLayout | None = None
        self._captions: list[pg.TextItem] = []
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
        self.page_label = QLabel()
        self.page_label.setMinimumWidth(230)
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
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setAutoDownsample(False)
        self.view_box.addItem(self.image_item)
        pen = QPen(QColor(HIGHLIGHT))
        pen.setCosmetic(True)
        pen.setWidthF(2.5)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pen)
        self.highlight.setZValue(20)
        self.highlight.setVisible(False)
        self.view_box.addItem(self.highlight, ignoreBounds=True)
        self.status_label = QLabel()

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
        return self._layout

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
        assert self._layout is not None
        x0, y0, x1, y1 = self._layout.cell_rect(*divmod(int(cell), self._cols))
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
            self._layout = None
            self.image_item.clear()
            self.highlight.setVisible(False)
            self._set_captions([])
            self._update_labels()
            return
        start, stop = self.page_range()
        stream = self.stream_mode
        h, w = seqset.height, seqset.width
        self._ensure_layout(h, w)
        key = (id(seqset), stream, start, stop, self._rows, self._cols)
        self._wanted_key = key
        self._set_captions(self._caption_texts(start, stop))
        self._update_highlight()
        if stream:
            self._show_data(key, self._stream_digits(seqset, start, stop))
            return
        nbytes = (stop - start) * seqset.num_frames * h * w
        if nbytes <= self.sync_limit:
            try:
                self._show_data(key, fetch_sequences(seqset, start, stop))
            except (DataError, OSError, ValueError) as exc:  # e.g. a truncated file
                self.status_label.setText(error_message(exc))
            return
        self._buffer_blank()
        self._update_labels(loading=True)
        job = self.workers.submit(PAGE_JOB, lambda progress, cancel: fetch_sequences(
            seqset, start, stop, progress, cancel))
        job.finished.connect(lambda data, key=key: self._show_data(key, data))
        job.failed.connect(lambda message: self.status_label.setText(message))

    def _stream_digits(self, seqset: SequenceSet, start: int, stop: int) -> np.ndarray:
        dataset = self.window_.content.dataset
        if dataset is not None and len(dataset.images) == seqset.num_frames:
            return np.ascontiguousarray(dataset.images[start:stop])
        return np.stack([seqset.frame(0, t) for t in range(start, stop)])

    def _show_data(self, key: tuple[Any, ...], data: np.ndarray) -> None:
        if key != self._wanted_key:
            return  # an older page
        self._data = data
        self._data_key = key
        self._render()
        self._update_labels()
        self.page_shown.emit()

    def _ensure_layout(self, h: int, w: int) -> None:
        layout = GridLayout(self._rows, self._cols, h, w, GAP)
        if layout == self._layout:
            return
        self._layout = layout
        self._buffer = np.zeros(layout.shape, np.uint8)
        hm, wm = layout.shape
        self.view_box.setRange(QRectF(0, 0, wm, hm), padding=0.005)
        for item in self._captions:
            self.view_box.removeItem(item)
        self._captions = []
        font = QFont()
        font.setPointSizeF(8.0 if self.cells <= 25 else 7.0)
        for cell in range(layout.cells):
            x0, y0, _x1, _y1 = layout.cell_rect(*divmod(cell, self._cols))
            item = pg.TextItem("", color="#e9ecef", anchor=(0, 0), fill=(20, 20, 20, 150))
            item.setFont(font)
            item.setPos(x0, y0)
            item.setZValue(10)
            self.view_box.addItem(item, ignoreBounds=True)
            self._captions.append(item)

    def _caption_texts(self, start: int, stop: int) -> list[str]:
        content = self.window_.content
        if self.stream_mode:
            labels = content.frame_labels
            return [f"{i} · {int(labels[i])}" if labels is not None else str(i)
                    for i in range(start, stop)]
        gt = self.model.ground_truth
        texts = []
        for i in range(start, stop):
            digits = [str(int(v)) for v in gt.labels[i] if v >= 0] if gt is not None else []
            texts.append(f"#{i} · " + " ".join(digits) if digits else f"#{i}")
        return texts

    def _set_captions(self, texts: list[str]) -> None:
        for k, item in enumerate(self._captions):
            text = texts[k] if k < len(texts) else ""
            item.setText(text)
            item.setVisible(bool(text))

    # --- drawing --------------------------------------------------------------------------------
    def _render(self) -> None:
        data, buffer = self._data, self._buffer
        if data is None or buffer is None or self._layout is None:
            return
        frames = data if data.ndim == 3 else data[:, min(self.model.frame_index,
                                                           data.shape[1] - 1)]
        mosaic(frames, self._rows, self._cols, GAP, GAP_FILL, out=buffer)
        self.image_item.setImage(buffer, autoLevels=False, levels=(0, 255))

    def _buffer_blank(self) -> None:
        if self._buffer is not None and self._layout is not None:
            h, w = self._layout.height, self._layout.width
            mosaic(np.zeros((0, h, w), np.uint8), self._rows, self._cols, GAP, GAP_FILL,
                   out=self._buffer)
            self.image_item.setImage(self._buffer, autoLevels=False, levels=(0, 255))

    def _update_highlight(self) -> None:
        layout = self._layout
        start, stop = self.page_range()
        current = self._current_item()
        if layout is None or self.model.sequence_set is None or not start <= current < stop:
            self.highlight.setVisible(False)
            return
        x0, y0, x1, y1 = layout.cell_rect(*divmod(current - start, self._cols))
        self.highlight.setRect(QRectF(x0 - 0.5, y0 - 0.5, x1 - x0 + 1.0, y1 - y0 + 1.0))
        self.highlight.setVisible(True)

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
        if event.button() != Qt.MouseButton.LeftButton or self._layout is None:
            return
        p = self.view_box.mapSceneToView(event.scenePos())
        cell = self._layout.cell_at(p.x(), p.y())
        if cell is not None:
            event.accept()
            self.activate_cell(cell)

    # --- Qt -------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """PgUp/PgDown page (also when the dialog is not the active window, e.g. in tests)."""
        key = None if event is None else event.key()
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.previous_page() if key == Qt.Key.Key_PageUp else self.next_page()
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
        self.image_item.setLookupTable(None if name == "grey" else colormap(name))


def fetch_sequences(seqset: SequenceSet, start: int, stop: int, progress: Any = None,
                    cancel: Any = None, step: int = 4) -> np.ndarray:
    """Frames of sequences ``start:stop`` as one C-contiguous (K, T, H, W) uint8 array."""
    out = np.empty((stop - start, seqset.num_frames, seqset.height, seqset.width), np.uint8)
    for first in range(start, stop, step):
        check_cancel(cancel)
        last = min(first + step, stop)
        out[first - start:last - start] = seqset.chunk(first, last)
        report(progress, last - start, stop - start)
    return out


def create_dialog(window: Any) -> GridDialog:
    """The grid dialog of a main window (View › Grid…)."""
    return GridDialog(window)
