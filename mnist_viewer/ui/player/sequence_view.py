"""The image view of the player: one frame, square pixels, ground-truth overlays.

A pyqtgraph ImageItem in a ViewBox: row-major images, fixed levels 0..255 (no flicker), nearest
neighbour zoom with the aspect ratio locked. Overlays are drawn from the ground truth of the
sequence shown: each digit's ink box, its whole trajectory (path of the box centre) and its
label. The pixel under the cursor is reported through :attr:`SequenceView.pixel_hovered`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPen, QResizeEvent
from PyQt6.QtWidgets import QGraphicsRectItem, QLabel, QWidget

from ...core.ground_truth import GroundTruth
from ...core.output.colormaps import COLORMAPS, colormap
from ...core.output.overlays import SLOT_COLOURS  # one table for the view, plots and exports
from .model import PlayerModel

pg.setConfigOptions(imageAxisOrder="row-major")

OVERLAYS: tuple[str, ...] = ("boxes", "trajectories", "labels")
BACKGROUND = "#26282b"


class _ImageItem(pg.ImageItem):
    """An ImageItem that counts how often it has really been painted."""

    def __init__(self) -> None:
        super().__init__()
        self.paint_count = 0

    def paint(self, p, *args) -> None:  # type: ignore[no-untyped-def]
        super().paint(p, *args)
        if self.image is not None:
            self.paint_count += 1


class _SlotOverlay:
    """The box, trajectory and label of one digit slot."""

    def __init__(self, vb: pg.ViewBox, colour: str) -> None:
        pen = QPen(QColor(colour))
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        self.box = QGraphicsRectItem()
        self.box.setPen(pen)
        self.box.setZValue(10)
        path_colour = QColor(colour)
        path_colour.setAlpha(150)
        self.path = pg.PlotCurveItem(pen=pg.mkPen(path_colour, width=1.5), connect="finite")
        self.path.setZValue(9)
        self.label = pg.TextItem("", color=colour, anchor=(0, 1), fill=(20, 20, 20, 170))
        self.label.setZValue(11)
        for item in (self.box, self.path, self.label):
            vb.addItem(item, ignoreBounds=True)

    def set_visible(self, boxes: bool, paths: bool, labels: bool) -> None:
        self.box.setVisible(boxes)
        self.path.setVisible(paths)
        self.label.setVisible(labels)

    def remove(self, vb: pg.ViewBox) -> None:
        for item in (self.box, self.path, self.label):
            vb.removeItem(item)


class SequenceView(pg.GraphicsLayoutWidget):
    """Shows the current frame of a :class:`PlayerModel`, with toggleable overlays."""

    pixel_hovered = pyqtSignal(int, int, int)  # x (column), y (row), value 0..255
    hover_left = pyqtSignal()
    colormap_changed = pyqtSignal(str)

    def __init__(self, model: PlayerModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setBackground(BACKGROUND)
        self.ci.setContentsMargins(4, 4, 4, 4)
        self.setMinimumSize(200, 200)
        self.view_box: pg.ViewBox = self.addViewBox(lockAspect=True, invertY=True, enableMenu=False)
        self.view_box.setDefaultPadding(0.02)
        self.image_item = _ImageItem()
        self.image_item.setLevels((0, 255))
        self.image_item.setAutoDownsample(False)
        self.view_box.addItem(self.image_item)
        border = QPen(QColor("#6c6f75"))
        border.setCosmetic(True)
        self._border = QGraphicsRectItem()
        self._border.setPen(border)
        self._border.setZValue(5)
        self.view_box.addItem(self._border, ignoreBounds=True)
        self._colormap = "grey"
        self._overlay_on = {"boxes": True, "trajectories": True, "labels": True}
        self._slots: list[_SlotOverlay] = []
        self._slot_index: list[int] = []  # digit slot of each overlay
        self._gt: GroundTruth | None = None
        self._shape: tuple[int, int] | None = None
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._busy = QLabel(self)  # "Loading MNIST…" over the canvas while a job runs
        self._busy.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._busy.setStyleSheet("QLabel { color: #f0f0f0; background: rgba(16, 16, 18, 200); "
                                 "padding: 10px 18px; border-radius: 6px; font-size: 15px; }")
        self._busy.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._busy.hide()
        # set_sequence_set() also emits sequence_changed and frame_changed
        model.sequence_changed.connect(self._on_sequence_changed)
        model.frame_changed.connect(self._on_frame_changed)
        self._rebuild_overlays()
        self._on_frame_changed(model.frame_index)

    # --- public ----------------------------------------------------------------------------------
    @property
    def paint_count(self) -> int:
        """How many times a frame has been painted (0 until the first one is on screen)."""
        return self.image_item.paint_count

    @property
    def colormap(self) -> str:
        return self._colormap

    def set_colormap(self, name: str) -> None:
        """Grey or a perceptual map: the tables of :mod:`~mnist_viewer.core.output.colormaps`,
        which the
        exporters use too, so an export has the colours seen on screen."""
        if name not in COLORMAPS:
            raise ValueError(f"unknown colormap {name!r}")
        self._colormap = name
        if name == "grey":
            self.image_item.setLookupTable(None)
        else:
            self.image_item.setLookupTable(colormap(name))
        self.colormap_changed.emit(name)

    def overlay_visible(self, name: str) -> bool:
        return self._overlay_on[name]

    def set_overlay_visible(self, name: str, visible: bool) -> None:
        """Toggle one of :data:`OVERLAYS` ("boxes", "trajectories", "labels")."""
        if name not in self._overlay_on:
            raise ValueError(f"unknown overlay {name!r}")
        self._overlay_on[name] = bool(visible)
        for slot in self._slots:
            slot.set_visible(*(self._overlay_on[k] for k in OVERLAYS))

    def zoom_to_fit(self) -> None:
        """Show the whole canvas as large as the view allows."""
        self.view_box.enableAutoRange(pg.ViewBox.XYAxes, True)
        self.view_box.autoRange()

    def set_busy(self, text: str) -> None:
        """Say what is being done (e.g. "Loading MNIST…") in the middle of the canvas, over
        the frame shown if any; an empty ``text`` hides it."""
        self._busy.setText(text)
        self._busy.adjustSize()
        self._place_busy()
        self._busy.setVisible(bool(text))
        self._busy.raise_()

    def busy_text(self) -> str:
        """The text shown over the canvas ("" when none)."""
        return "" if self._busy.isHidden() else self._busy.text()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self._place_busy()

    def _place_busy(self) -> None:
        if not hasattr(self, "_busy"):  # pyqtgraph resizes during __init__
            return
        size = self._busy.size()
        self._busy.move(max(0, (self.width() - size.width()) // 2),
                        max(0, (self.height() - size.height()) // 2))

    def overlay_items(self) -> list[_SlotOverlay]:
        """The overlay items of the digit slots in use (for tests and exports)."""
        return list(self._slots)

    # --- model -> view ---------------------------------------------------------------------------
    def _on_sequence_changed(self, _index: int) -> None:
        self._rebuild_overlays()

    def _on_frame_changed(self, t: int) -> None:
        frame = self.model.current_frame()
        if frame is None:
            self.image_item.clear()
            self._border.setVisible(False)
            return
        self.image_item.setImage(frame, autoLevels=False, levels=(0, 255))
        shape = (int(frame.shape[0]), int(frame.shape[1]))
        if shape != self._shape:
            self._shape = shape
            self._border.setRect(QRectF(0, 0, shape[1], shape[0]))
            self._border.setVisible(True)
            self.zoom_to_fit()
        self._move_overlays(t)

    def _rebuild_overlays(self) -> None:
        for slot in self._slots:
            slot.remove(self.view_box)
        self._slots = []
        self._slot_index = []
        gt = self.model.ground_truth
        self._gt = gt
        if gt is None:
            return
        n = self.model.sequence_index
        for d in range(gt.num_slots):
            label = int(gt.labels[n, d])
            if int(gt.digit_index[n, d]) < 0:  # unused slot (label -1: unknown, still shown)
                continue
            slot = _SlotOverlay(self.view_box, SLOT_COLOURS[d % len(SLOT_COLOURS)])
            boxes = gt.boxes[n, :, d, :].astype(np.float64)
            empty = boxes[:, 0] < 0
            cx = (boxes[:, 0] + boxes[:, 2]) / 2.0
            cy = (boxes[:, 1] + boxes[:, 3]) / 2.0
            cx[empty] = np.nan
            cy[empty] = np.nan
            slot.path.setData(cx, cy)
            slot.label.setText(str(label) if label >= 0 else "?")
            slot.set_visible(*(self._overlay_on[k] for k in OVERLAYS))
            self._slots.append(slot)
            self._slot_index.append(d)
        self._move_overlays(self.model.frame_index)

    def _move_overlays(self, t: int) -> None:
        gt = self._gt
        if gt is None or not self._slots or t >= gt.num_frames:
            return
        n = self.model.sequence_index
        placed: list[tuple[float, float]] = []
        for slot, d in zip(self._slots, self._slot_index, strict=True):
            x0, y0, x1, y1 = (int(v) for v in gt.boxes[n, t, d])
            if x0 < 0:
                slot.box.setVisible(False)
                slot.label.setVisible(False)
                continue
            slot.box.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
            slot.box.setVisible(self._overlay_on["boxes"])
            x, y, anchor = label_place(x0, y0, x1, y1, placed)
            placed.append((x, y))
            slot.label.setAnchor(anchor)
            slot.label.setPos(QPointF(x, y))
            slot.label.setVisible(self._overlay_on["labels"])

    # --- cursor ----------------------------------------------------------------------------------
    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        frame = self.model.current_frame()
        if frame is None or not self.view_box.sceneBoundingRect().contains(scene_pos):
            self.hover_left.emit()
            return
        p = self.view_box.mapSceneToView(scene_pos)
        x, y = math.floor(p.x()), math.floor(p.y())
        if 0 <= y < frame.shape[0] and 0 <= x < frame.shape[1]:
            self.pixel_hovered.emit(x, y, int(frame[y, x]))
        else:
            self.hover_left.emit()

    def leaveEvent(self, event: QEvent | None) -> None:
        self.hover_left.emit()
        super().leaveEvent(event)


def label_place(
    x0: int, y0: int, x1: int, y1: int, placed: list[tuple[float, float]]
) -> tuple[float, float, tuple[float, float]]:
    """Where a digit's label goes: above its box's left corner; below the box when the box
    touches the top of the canvas; at the right corner when another label is already there.
    Returns (x, y, TextItem anchor)."""
    x, y, ay = float(x0), float(y0), 1.0
    if y0 < 3:  # no room above the box
        y, ay = float(y1), 0.0
    if any(abs(px - x) < 8 and abs(py - y) < 4 for px, py in placed):
        return float(x1), y, (1.0, ay)
    return x, y, (0.0, ay)
