"""Ground truth of a generated set: each digit's ink box in each frame, and the complete
:class:`GroundTruth` from the random draws.

An ink box is (x0, y0, x1, y1) in canvas pixels, x1/y1 exclusive, around the pixels of the digit
that hold ink (non-zero); a digit with no ink has the box of its whole patch.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np
import numpy.random  # loaded now, not on the first generation (it takes a few ms)

from ..errors import DataError
from ..ground_truth import GroundTruth
from .config import GeneratorConfig
from .draws import RandomDraws, draw
from .motion import trajectories


def _ink_rows_cols(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """bool (M, h) and (M, w): which rows and columns of each image hold ink.

    The images are packed to one bit per pixel in one flat pass; a group of k rows
    (k * w bits) then fills whole bytes, so each row is an OR of a few masked bytes.
    """
    m, h, w = images.shape
    k = 8 // math.gcd(w, 8)
    if h % k:
        return images.max(axis=2) > 0, images.max(axis=1) > 0
    bits = np.packbits((images != 0).reshape(-1)).reshape(m, h // k, k * w // 8)
    rows = np.empty((m, h // k, k), dtype=bool)
    for r in range(k):
        first, last = r * w, (r + 1) * w - 1  # bit range of row r in its group
        b0, b1 = first // 8, last // 8
        end_mask = (0xFF << (7 - last % 8)) & 0xFF  # big-endian bits up to `last`
        acc = bits[:, :, b0] & (0xFF >> (first % 8))
        if b1 == b0:
            acc &= end_mask
        else:
            for b in range(b0 + 1, b1):
                acc |= bits[:, :, b]
            acc |= bits[:, :, b1] & end_mask
        rows[:, :, r] = acc != 0
    folded = bits  # OR every group of rows together, halving each time
    while folded.shape[1] > 1:
        half = folded.shape[1] // 2
        merged = folded[:, :half] | folded[:, half:2 * half]
        if folded.shape[1] % 2:
            merged[:, 0] |= folded[:, -1]
        folded = merged
    cols = np.asarray(np.unpackbits(folded[:, 0], axis=1).reshape(m, k, w).any(axis=1))
    return rows.reshape(m, h), cols


def ink_boxes(images: np.ndarray) -> np.ndarray:
    """int32 (M, 4) ink box (x0, y0, x1, y1) of each (M, h, w) image, exclusive; -1 if blank."""
    images = np.ascontiguousarray(images)
    m, h, w = images.shape
    rows, cols = _ink_rows_cols(images)
    blank = ~rows.any(axis=1)
    boxes = np.empty((m, 4), dtype=np.int32)
    boxes[:, 0] = cols.argmax(axis=1)
    boxes[:, 1] = rows.argmax(axis=1)
    boxes[:, 2] = w - cols[:, ::-1].argmax(axis=1)
    boxes[:, 3] = h - rows[:, ::-1].argmax(axis=1)
    boxes[blank] = -1
    return boxes


def frame_boxes(
    positions: np.ndarray, digit_boxes: np.ndarray, used: np.ndarray, canvas_size: int
) -> np.ndarray:
    """int32 (N, T, D, 4) ink boxes in the canvas, clipped; -1 for blank digits / unused slots.

    ``digit_boxes`` (N, D, 4) are the boxes of each slot's digit inside its own patch.
    """
    n, t, d, _ = positions.shape
    boxes = np.empty((n, t, d, 4), dtype=np.int32)
    flat = boxes.reshape(n, t, d * 4)  # strided copies of whole planes: no length-2 loops
    top, left = positions[..., 0], positions[..., 1]
    flat[:, :, 0::4] = left
    flat[:, :, 1::4] = top
    flat[:, :, 2::4] = left
    flat[:, :, 3::4] = top
    boxes += digit_boxes[:, None, :, :]
    np.clip(boxes, 0, canvas_size, out=boxes)
    empty = ~used | (digit_boxes[..., 0] < 0)  # (N, D)
    if empty.any():
        boxes[np.broadcast_to(empty[:, None, :], boxes.shape[:3])] = -1
    return boxes


class _InkBoxTable:
    """Ink boxes of source digits, each computed once per images array and then looked up.

    Generating again from the same (already loaded, never modified) split then costs almost
    nothing for the boxes. Tables are dropped when their images array is freed.
    """

    def __init__(self) -> None:
        self._tables: dict[int, tuple[weakref.ref[np.ndarray], np.ndarray]] = {}
        self._lock = threading.Lock()

    def _table(self, images: np.ndarray) -> np.ndarray:
        key = id(images)
        entry = self._tables.get(key)
        if entry is None or entry[0]() is not images:

            def forget(_ref: object, key: int = key) -> None:
                self._tables.pop(key, None)

            ref = weakref.ref(images, forget)
            entry = (ref, np.full((images.shape[0], 4), -2, dtype=np.int32))  # -2: not yet
            self._tables[key] = entry
        return entry[1]

    def lookup(self, images: np.ndarray, index: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """int32 (*index.shape, 4): the ink boxes of images[index]."""
        flat = index.ravel()
        with self._lock:
            try:
                table = self._table(images)
            except TypeError:  # an object that can't be weakly referenced: no caching
                table = np.full((images.shape[0], 4), -2, dtype=np.int32)
            wanted = np.zeros(images.shape[0], dtype=bool)
            wanted[flat] = True
            todo = np.flatnonzero(wanted & (table[:, 0] == -2))
            for i in range(0, todo.size, chunk):
                part = todo[i:i + chunk]
                table[part] = ink_boxes(images[part])
            return table[flat].reshape((*index.shape, 4))


_ink_table = _InkBoxTable()


def check_digits(config: GeneratorConfig, images: np.ndarray) -> None:
    """Raise :class:`DataError` unless ``images`` are (M, digit_size, digit_size)."""
    if images.ndim != 3 or images.shape[1:] != (config.digit_size, config.digit_size):
        raise DataError(
            None,
            f"the source digits are {'x'.join(map(str, images.shape[1:]))} but the generator "
            f"is set to {config.digit_size}x{config.digit_size}",
        )


def assemble(
    config: GeneratorConfig,
    draws: RandomDraws,
    positions: np.ndarray,
    velocity: np.ndarray,
    labels: np.ndarray,
    digit_boxes: np.ndarray,
) -> GroundTruth:
    """The :class:`GroundTruth` of drawn sequences from their motion (n, T, D, 2) and the ink
    boxes (n, D, 4) of their digits (anything for unused slots): unused slots zeroed."""
    used = draws.used
    if not used.all():
        positions[~np.broadcast_to(used[:, None, :], positions.shape[:3])] = 0
        velocity[~np.broadcast_to(used[:, None, :], velocity.shape[:3])] = 0.0
    safe_index = np.where(used, draws.digit_index, 0)
    boxes = frame_boxes(positions, digit_boxes, used, config.canvas_size)
    digit_labels = np.where(used, np.asarray(labels)[safe_index].astype(np.int16), -1)
    digit_labels = digit_labels.astype(np.int16)
    if draws.pixel_start is not None:  # svg models: the integer start, normalised
        start = draws.pixel_start / float(config.travel)
    else:
        start = draws.start
    start = np.where(used[..., None], start, 0.0)
    return GroundTruth(
        labels=digit_labels,
        digit_index=draws.digit_index.copy(),
        positions=positions,
        start=start,
        velocity=velocity,
        boxes=boxes,
    )


def ground_truth(
    config: GeneratorConfig,
    images: np.ndarray,
    labels: np.ndarray,
    draws: RandomDraws | None = None,
    start: int = 0,
    stop: int | None = None,
) -> GroundTruth:
    """The ground truth of sequences ``start:stop`` (default: the whole set) from the source
    split's images (M, h, w) uint8 and labels (M,); ``draws`` (of exactly those sequences)
    are drawn when not given. Time and memory are O(stop - start), whatever the set's size.

    Raises :class:`DataError` if the digits are not ``digit_size`` square or the class filter
    leaves no digit.
    """
    images = np.asarray(images)
    check_digits(config, images)
    if draws is None:
        draws = draw(config, labels, start, stop)
    positions, velocity = trajectories(config, draws)
    digit_boxes = _ink_table.lookup(images, np.where(draws.used, draws.digit_index, 0))
    return assemble(config, draws, positions, velocity, labels, digit_boxes)
