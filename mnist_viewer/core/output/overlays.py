"""Captions and ground-truth boxes burned into greyscale frames, in a built-in bitmap font.

Works without any font or drawing library: the glyphs are 5-pixel-high bitmaps defined here,
magnified by the export's scale, so captions look the same on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .frames import check_frames, check_scale, upscale

INK = 255
"""Value of burned-in captions and boxes (captions sit on a black background)."""


_GLYPH_ROWS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "011", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
    "#": ("01010", "11111", "01010", "11111", "01010"),
    "/": ("001", "001", "010", "100", "100"),
    "-": ("000", "000", "111", "000", "000"),
    " ": ("000", "000", "000", "000", "000"),
    "?": ("111", "001", "011", "000", "010"),
}
GLYPHS: dict[str, np.ndarray] = {
    ch: np.array([[c == "1" for c in row] for row in rows], dtype=bool)
    for ch, rows in _GLYPH_ROWS.items()
}
"""The built-in bitmap font, 5 pixels high, 3 wide ('#' 5); others are drawn as '?'."""


def text_bitmap(text: str, size: int = 1) -> np.ndarray:
    """Bool mask of ``text`` (glyphs 1 pixel apart, a 1-pixel margin), pixels ``size``² big."""
    glyphs = [GLYPHS.get(ch, GLYPHS["?"]) for ch in text] or [GLYPHS[" "]]
    mask = np.zeros((7, 1 + sum(g.shape[1] + 1 for g in glyphs)), dtype=bool)
    x = 1
    for glyph in glyphs:
        mask[1:6, x : x + glyph.shape[1]] = glyph
        x += glyph.shape[1] + 1
    return mask.repeat(size, axis=0).repeat(size, axis=1)


def burn_text(frame: np.ndarray, text: str, corner: str = "tl", size: int = 1) -> None:
    """Draw ``text`` (INK on a black box) into a (H, W) frame in place, at a corner.

    ``corner`` is "tl", "tr", "bl" or "br"; text larger than the frame is cut off.
    """
    if corner not in ("tl", "tr", "bl", "br"):
        raise ValueError(f"corner must be tl, tr, bl or br, got {corner!r}")
    mask = text_bitmap(text, size)
    h, w = frame.shape
    mask = mask[:h, :w] if corner[0] == "t" else mask[-h:, :w]
    mask = mask if corner[1] == "l" else mask[:, -w:]
    y0 = 0 if corner[0] == "t" else h - mask.shape[0]
    x0 = 0 if corner[1] == "l" else w - mask.shape[1]
    frame[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]] = np.where(mask, INK, 0)


def draw_boxes(frame: np.ndarray, boxes: np.ndarray, scale: int = 1) -> None:
    """Outline boxes (x0, y0, x1, y1) (source pixels, x1/y1 exclusive) in a (H, W) frame.

    The 1-pixel INK outline runs just outside the scaled box, so no ink is covered; parts
    outside the frame are cut off; boxes with a negative coordinate (empty slots) are skipped.
    """
    h, w = frame.shape
    for x0, y0, x1, y1 in np.asarray(boxes).reshape(-1, 4):
        if min(x0, y0, x1, y1) < 0 or x1 <= x0 or y1 <= y0:
            continue
        left, top, right, bottom = x0 * scale - 1, y0 * scale - 1, x1 * scale, y1 * scale
        xs = slice(max(left, 0), min(right, w - 1) + 1)
        ys = slice(max(top, 0), min(bottom, h - 1) + 1)
        for y in (top, bottom):
            if 0 <= y < h:
                frame[y, xs] = INK
        for x in (left, right):
            if 0 <= x < w:
                frame[ys, x] = INK


def _per_frame(text: str | Sequence[str] | None, t: int) -> Sequence[str] | None:
    if text is None or isinstance(text, str):
        return None if text is None else [text] * t
    if len(text) != t:
        raise ValueError(f"{len(text)} captions for {t} frames")
    return text


def decorate(
    frames: np.ndarray,
    *,
    scale: int = 1,
    top_left: str | Sequence[str] | None = None,
    top_right: str | Sequence[str] | None = None,
    bottom_left: str | Sequence[str] | None = None,
    boxes: np.ndarray | None = None,
) -> np.ndarray:
    """Upscale greyscale (T, H, W) frames and burn in captions and boxes (a new array).

    Captions are one string for all frames or one per frame; they are drawn in the bitmap
    font (:data:`GLYPHS`) magnified by ``scale``. ``boxes`` is (T, D, 4) in source pixels
    (``GroundTruth.boxes[i]``).
    """
    frames = check_frames(frames)
    if frames.ndim != 3:
        raise ValueError("decorate takes greyscale (T, H, W) frames")
    scale = check_scale(scale)
    out = upscale(frames, scale)
    if out is frames:
        out = frames.copy()
    t = len(out)
    if boxes is not None:
        boxes = np.asarray(boxes)
        if boxes.shape[0] != t or boxes.shape[-1] != 4:
            raise ValueError(f"boxes must be (T={t}, D, 4), got {boxes.shape}")
        for k in range(t):
            draw_boxes(out[k], boxes[k], scale)
    for corner, text in (("tl", top_left), ("tr", top_right), ("bl", bottom_left)):
        texts = _per_frame(text, t)
        if texts is not None:
            for k in range(t):
                burn_text(out[k], texts[k], corner, scale)
    return out


def labels_text(labels: np.ndarray) -> str:
    """The labels of a sequence's digit slots as "3 7" (unused slots, -1, are left out)."""
    return " ".join(str(int(v)) for v in np.asarray(labels).ravel() if v >= 0)
