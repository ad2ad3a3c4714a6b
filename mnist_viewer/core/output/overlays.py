"""Captions and ground-truth boxes burned into exported frames, drawn with Pillow.

Captions are drawn by Pillow's ``ImageDraw`` in its own fonts, without anti-aliasing (so a
caption is two values, ink on a black box, and a GIF palette stays small): at scale 1 the
built-in bitmap font (``ImageFont.load_default_imagefont``, crisp at 11 pixels), at larger
scales the scalable font that ships with Pillow ≥ 10.1 (``ImageFont.load_default(size=...)``,
:data:`FONT_PX` × scale pixels), so captions stay sharp when the frames are enlarged.

Ground-truth boxes are outlined in the digit's slot colour (:data:`SLOT_COLOURS`, the table the
viewer draws its overlays with), not in the ink colour, so they never look like strokes; frames
with boxes are therefore RGB (greyscale mapped through the export's colour table first).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np

from .colormaps import apply_colormap
from .colormaps import colormap as _colormap
from .frames import check_frames, check_scale, colour_table, upscale

INK = 255
"""Value of burned-in captions (on a black box); white (255, 255, 255) in RGB frames."""

FONT_PX = 8
"""Caption size at scales ≥ 2, in source pixels (the scalable font at FONT_PX × scale)."""

SLOT_COLOURS: tuple[str, ...] = (
    "#ff6b6b", "#4dabf7", "#69db7c", "#ffd43b", "#da77f2", "#ff922b", "#3bc9db",
)
"""Colour of digit slot d is ``SLOT_COLOURS[d % 7]``: its box and path in the viewer and its
box in exports (one table for both)."""


def slot_rgb(slot: int) -> tuple[int, int, int]:
    """The (r, g, b) uint8 colour of digit slot ``slot`` (:data:`SLOT_COLOURS`, cycling)."""
    code = SLOT_COLOURS[slot % len(SLOT_COLOURS)].lstrip("#")
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


@cache
def _font(scale: int) -> Any:
    from PIL import ImageFont

    if scale == 1:
        return ImageFont.load_default_imagefont()
    return ImageFont.load_default(size=FONT_PX * scale)


@cache
def _ink_rows(scale: int) -> tuple[int, int]:
    """The rows (top, bottom exclusive) that digits, '#', '/' and the letters of
    :data:`CAPTION_FORMS` use in the font, at the origin."""
    mask = _render("#0123456789/frame", scale)
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[0]), int(rows[-1]) + 1


def _render(text: str, scale: int) -> np.ndarray:
    """Bool mask of ``text`` drawn at the origin (cut to the font's bounding box)."""
    from PIL import Image, ImageDraw

    font = _font(scale)
    probe = ImageDraw.Draw(Image.new("1", (1, 1)))
    _, _, right, bottom = (int(v) for v in probe.textbbox((0, 0), text or " ", font=font))
    image = Image.new("1", (max(right, 1), max(bottom, 1)), 0)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"  # no anti-aliasing: ink or background, nothing in between
    draw.text((0, 0), text, font=font, fill=1)
    return np.array(image, dtype=bool)


@lru_cache(maxsize=4096)  # bounded: captions name every sequence and frame of a long export
def _caption(text: str, scale: int) -> np.ndarray:
    """The caption box: the text's ink columns, the rows of :func:`_ink_rows`, a margin of
    ``scale``."""
    drawn = _render(text, scale)
    top, bottom = _ink_rows(scale)
    cols = np.flatnonzero(drawn.any(axis=0))
    left, right = (int(cols[0]), int(cols[-1]) + 1) if cols.size else (0, scale)
    body = np.zeros((bottom - top, right - left), dtype=bool)
    part = drawn[top:bottom, left:right]
    body[: part.shape[0], : part.shape[1]] = part
    mask = np.pad(body, scale)
    mask.flags.writeable = False
    return mask


def caption_mask(text: str, scale: int = 1) -> np.ndarray:
    """Bool (h, w) mask of ``text`` as burned in at ``scale``: True where the ink goes, the
    rest of the (h, w) box is black. The box spans the text's ink horizontally and the font's
    caption height (:func:`_ink_rows`) vertically, plus a ``scale``-pixel margin all round."""
    return _caption(text, check_scale(scale)).copy()


def burn_text(frame: np.ndarray, text: str, corner: str = "tl", scale: int = 1) -> None:
    """Draw ``text`` (INK on a black box) into a (H, W) or (H, W, 3) frame in place.

    ``corner`` is "tl", "tr", "bl" or "br"; text larger than the frame is cut off.
    """
    if corner not in ("tl", "tr", "bl", "br"):
        raise ValueError(f"corner must be tl, tr, bl or br, got {corner!r}")
    mask = _caption(text, check_scale(scale))
    h, w = frame.shape[:2]
    mask = mask[:h, :w] if corner[0] == "t" else mask[-h:, :w]
    mask = mask if corner[1] == "l" else mask[:, -w:]
    y0 = 0 if corner[0] == "t" else h - mask.shape[0]
    x0 = 0 if corner[1] == "l" else w - mask.shape[1]
    values = np.where(mask, INK, 0).astype(np.uint8)
    region = frame[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]]
    region[...] = values[..., None] if frame.ndim == 3 else values


def draw_boxes(frame: np.ndarray, boxes: np.ndarray, scale: int = 1) -> None:
    """Outline boxes (x0, y0, x1, y1) (source pixels, x1/y1 exclusive) in a (H, W, 3) frame.

    Slot d (row d of ``boxes``, (D, 4)) is drawn in :func:`slot_rgb` (d). The 1-pixel outline
    runs just outside the scaled box, so no ink is covered; parts outside the frame are cut
    off; boxes with a negative coordinate (empty slots) are skipped. Drawn with Pillow's
    ``ImageDraw.rectangle``.
    """
    from PIL import Image, ImageDraw

    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"boxes are drawn on RGB (H, W, 3) frames, got {frame.shape}")
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    for d, (x0, y0, x1, y1) in enumerate(np.asarray(boxes).reshape(-1, 4).tolist()):
        if min(x0, y0, x1, y1) < 0 or x1 <= x0 or y1 <= y0:
            continue
        outline = (x0 * scale - 1, y0 * scale - 1, x1 * scale, y1 * scale)
        draw.rectangle(outline, outline=slot_rgb(d), width=1)
    frame[...] = np.asarray(image)


def _per_frame(text: str | Sequence[str] | None, t: int) -> Sequence[str] | None:
    if text is None or isinstance(text, str):
        return None if text is None else [text] * t
    if len(text) != t:
        raise ValueError(f"{len(text)} captions for {t} frames")
    return text


def decorated_is_rgb(colormap: str | np.ndarray | None, captions: bool, boxes: bool) -> bool:
    """Whether :func:`decorate` returns RGB: with boxes, or captions over a colour map."""
    grey = colormap is None or (isinstance(colormap, str) and colormap.lower() in ("grey", "gray"))
    return boxes or (captions and not grey)


def decorate(
    frames: np.ndarray,
    *,
    scale: int = 1,
    top_left: str | Sequence[str] | None = None,
    top_right: str | Sequence[str] | None = None,
    bottom_left: str | Sequence[str] | None = None,
    boxes: np.ndarray | None = None,
    colormap: str | np.ndarray | None = None,
) -> np.ndarray:
    """Upscale greyscale (T, H, W) uint8 frames and burn in captions and boxes (a new array).

    Captions are one string for all frames or one per frame (see the module docstring for the
    fonts). ``boxes`` is (T, D, 4) in source pixels (``GroundTruth.boxes[i]``). Returns
    greyscale (T, H·scale, W·scale) when there is nothing to draw in colour; RGB
    (T, H·scale, W·scale, 3), the frames mapped through ``colormap`` (default grey), when
    ``boxes`` is given or captions go over a colour map (:func:`decorated_is_rgb`), so boxes
    keep their slot colours and captions stay white on black. Without captions or boxes the
    colour map is left to the encoder.
    """
    frames = check_frames(frames)
    if frames.ndim != 3:
        raise ValueError("decorate takes greyscale (T, H, W) frames")
    scale = check_scale(scale)
    t = len(frames)
    texts = [(c, _per_frame(x, t)) for c, x in (("tl", top_left), ("tr", top_right),
                                                  ("bl", bottom_left))]
    captions = any(x is not None for _, x in texts)
    if boxes is not None:
        boxes = np.asarray(boxes)
        if boxes.shape[0] != t or boxes.shape[-1] != 4:
            raise ValueError(f"boxes must be (T={t}, D, 4), got {boxes.shape}")
    out = upscale(frames, scale)
    if decorated_is_rgb(colormap, captions, boxes is not None):
        table = colour_table(colormap, frames)
        out = apply_colormap(out, _colormap("grey") if table is None else table)
    elif out is frames:
        out = frames.copy()
    if boxes is not None:
        for k in range(t):
            draw_boxes(out[k], boxes[k], scale)
    for corner, per_frame in texts:
        if per_frame is not None:
            for k in range(t):
                burn_text(out[k], per_frame[k], corner, scale)
    return out


CAPTION_FORMS: tuple[tuple[str, str | None], ...] = (
    ("#{i} · frame {t}/{n}", None),
    ("#{i} · {t}/{n}", None),
    ("{t}/{n}", "#{i}"),
    ("{t}", "#{i}"),
)
"""The wordings of a sequence's frame captions, longest first, as (top left, top right)
format strings of the sequence index ``i``, the frame index ``t`` (from 0, like the viewer
and ``--frame``) and the number of frames ``n``; :func:`frame_captions` takes the first that
fits."""


@lru_cache(maxsize=256)
def _caption_form(digits: int, num_frames: int, width: int, scale: int) -> int:
    """Index in :data:`CAPTION_FORMS` of the first wording whose corners fit side by side in
    ``width`` pixels at every frame for any sequence index of ``digits`` digits (judged on the
    font's widest digit repeated; the last form if none fits)."""
    wide = max("0123456789", key=lambda c: _caption(c, scale).shape[1]) * digits
    for k, (left, right) in enumerate(CAPTION_FORMS):
        if all(_caption(left.format(i=wide, t=t, n=num_frames), scale).shape[1]
               + (0 if right is None else
                  _caption(right.format(i=wide, t=t, n=num_frames), scale).shape[1])
               <= width for t in range(num_frames)):
            return k
    return len(CAPTION_FORMS) - 1


def frame_captions(
    index: int, num_frames: int, width: int, scale: int = 1, widest: int | None = None,
) -> tuple[list[str], list[str] | None]:
    """The captions naming sequence ``index`` and each of its ``num_frames`` frames, for frames
    ``width`` output pixels wide burned in at ``scale``: (top left, top right or None), one
    string per frame, e.g. ``["#7 · frame 0/20", ...]`` and None.

    The wording is the first of :data:`CAPTION_FORMS` that fits (``"#7 · frame 3/20"``, then
    ``"#7 · 3/20"``, then the frame top left and ``"#7"`` top right), judged for sequence
    ``widest`` (default ``index``; a grid page passes its largest index so that every cell
    uses one wording). Used for single sequences and grid cells alike."""
    scale = check_scale(scale)
    form = _caption_form(len(str(index if widest is None else max(widest, index))),
                         num_frames, int(width), scale)
    left, right = CAPTION_FORMS[form]
    tl = [left.format(i=index, t=t, n=num_frames) for t in range(num_frames)]
    return tl, (None if right is None else
                [right.format(i=index, t=t, n=num_frames) for t in range(num_frames)])


def labels_text(labels: np.ndarray) -> str:
    """The labels of a sequence's digit slots as "3 7" (unused slots, -1, are left out)."""
    return " ".join(str(int(v)) for v in np.asarray(labels).ravel() if v >= 0)
