"""Ground truth + digit images -> frames, fast and chunked.

A digit patch of h rows of w pixels, placed at (top, left) in a canvas of W columns, lies in
the ``(h - 1) * W + w`` bytes from its first pixel to its last. The output is viewed, without
copying, as an array of overlapping records of that length (one starting at every byte), and
each digit is laid out once with the canvas' row pitch (zeros between its rows). Placing one
digit slot in one frame of many sequences is then a single fancy-index assignment of one
record per sequence, at byte offsets computed from the strides of ``out``: on a blank frame
the zeros between the rows write zeros over zeros; for later slots the record is read, combined
(``np.maximum``, or a sum clipped to 255, never wrapping: zeros leave the pixels as they are)
and written back. Sequences go in small chunks, one frame at a time, so the frames being
composed stay in the CPU cache. The result is bit-identical to placing each patch with plain
slicing.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..ground_truth import GroundTruth

CHUNK = 128  # sequences composed together: 128 x 4 KiB frames stay in L2


def _check(gt: GroundTruth, digits: np.ndarray, start: int, stop: int, size: int) -> None:
    if digits.ndim != 3 or digits.dtype != np.uint8:
        raise ValueError(f"digits must be uint8 (M, h, w), not {digits.dtype} {digits.shape}")
    if not 0 <= start <= stop <= gt.num_sequences:
        raise IndexError(f"sequences {start}:{stop} out of range 0:{gt.num_sequences}")
    dh, dw = digits.shape[1:]
    index = gt.digit_index[start:stop]
    used = index >= 0
    if not used.any():
        return
    positions = gt.positions[start:stop]
    mask = np.broadcast_to(used[:, None, :], positions.shape[:3])
    top, left = positions[..., 0][mask], positions[..., 1][mask]
    if top.min() < 0 or left.min() < 0 or top.max() > size - dh or left.max() > size - dw:
        raise ValueError(f"digit positions fall outside the {size}x{size} canvas")
    if index.max() >= digits.shape[0]:
        raise ValueError(f"digit index {index.max()} out of range of {digits.shape[0]} digits")


def _records(out: np.ndarray, width: int) -> np.ndarray:
    """Every ``width``-byte run of ``out``'s memory as one record (a zero-copy view)."""
    if any(s < 0 for s in out.strides):
        raise ValueError("out must not have negative strides")
    span = sum((n - 1) * s for n, s in zip(out.shape, out.strides, strict=True)) + 1
    flat = as_strided(out, shape=(span,), strides=(1,))
    return np.ndarray(shape=(span - width + 1,), dtype=f"V{width}", buffer=flat, strides=(1,))


def render(
    ground_truth: GroundTruth,
    digits: np.ndarray,
    start: int,
    stop: int,
    combine: str = "max",
    out: np.ndarray | None = None,
    size: int = 64,
) -> np.ndarray:
    """Frames of sequences ``start:stop`` as uint8 (stop-start, T, size, size).

    ``digits`` are the source images (M, h, w) uint8 that ``ground_truth.digit_index`` points
    into. ``out`` may be any writable uint8 array of that shape whose rows are contiguous
    (e.g. a transposed view of a (T, n, H, W) buffer); its size wins over ``size``.
    """
    if combine not in ("max", "sum"):
        raise ValueError(f"unknown combine rule {combine!r}")
    n, frames, slots = stop - start, ground_truth.num_frames, ground_truth.num_slots
    if out is None:
        out = np.empty((n, frames, size, size), dtype=np.uint8)
    size = out.shape[-1]
    if out.dtype != np.uint8 or out.shape != (n, frames, size, size):
        raise ValueError(f"out must be uint8 ({n}, {frames}, H, H), not {out.dtype} {out.shape}")
    _check(ground_truth, digits, start, stop, size)
    if n == 0:
        return out
    if out.strides[-1] != 1 or out.strides[-2] != size:
        raise ValueError("out must have packed rows (strides (..., W, 1))")
    dh, dw = digits.shape[1:]
    # a patch is one record: from its first pixel to its last, through whole canvas rows
    span = (dh - 1) * size + dw
    records = _records(out, span)
    s0, s1 = out.strides[:2]
    frame_offset = np.arange(frames, dtype=np.int64) * s1
    for a in range(0, n, CHUNK):
        b = min(n, a + CHUNK)
        gi = ground_truth.digit_index[start + a:start + b]
        pos = ground_truth.positions[start + a:start + b].astype(np.int64)
        # byte offset of each patch's first pixel in out: (k, T, D)
        base = (np.arange(a, b, dtype=np.int64)[:, None, None] * s0 + frame_offset[None, :, None]
                + pos[..., 0] * size + pos[..., 1])
        slot_data = []
        for d in range(slots):
            used = gi[:, d] >= 0
            sel = None if used.all() else np.flatnonzero(used)
            index = gi[:, d] if sel is None else gi[sel, d]
            # the digits laid out with the canvas' row pitch, zeros between their rows
            padded = np.zeros((index.shape[0], dh * size), dtype=np.uint8)
            padded.reshape(-1, dh, size)[:, :, :dw] = digits[index]
            patches = np.ndarray(shape=(index.shape[0],), dtype=f"V{span}", buffer=padded,
                                 strides=(dh * size,))
            offsets = base[:, :, d] if sel is None else base[sel, :, d]
            slot_data.append((patches, padded[:, :span], offsets))
        for t in range(frames):
            out[a:b, t] = 0
            for d, (patches, pixels, offsets) in enumerate(slot_data):
                if patches.shape[0] == 0:
                    continue
                where = offsets[:, t]
                if d == 0:  # the canvas is blank: max(0, p) = 0 + p = p, and the zeros
                    records[where] = patches  # between the patch rows stay zeros
                    continue
                current = records[where]  # the zeros between rows leave what is there as is
                cur = current.view(np.uint8).reshape(-1, span)
                if combine == "max":
                    np.maximum(cur, pixels, out=cur)
                else:
                    total = cur.astype(np.uint16)
                    total += pixels
                    np.minimum(total, 255, out=total)
                    cur[...] = total
                records[where] = current
    return out


def render_frame(
    ground_truth: GroundTruth,
    digits: np.ndarray,
    index: int,
    t: int,
    combine: str = "max",
    size: int = 64,
) -> np.ndarray:
    """One frame (size, size) uint8, placed with plain slicing (fast for a single frame)."""
    frame = np.zeros((size, size), dtype=np.uint8)
    dh, dw = digits.shape[1:]
    for d in range(ground_truth.num_slots):
        k = int(ground_truth.digit_index[index, d])
        if k < 0:
            continue
        top, left = (int(v) for v in ground_truth.positions[index, t, d])
        if top < 0 or left < 0 or top + dh > size or left + dw > size:
            raise ValueError(f"digit position ({top}, {left}) falls outside the canvas")
        region = frame[top:top + dh, left:left + dw]
        if combine == "max":
            np.maximum(region, digits[k], out=region)
        else:
            region[...] = np.minimum(region.astype(np.uint16) + digits[k], 255)
    return frame
