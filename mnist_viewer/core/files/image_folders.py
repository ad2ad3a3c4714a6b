"""Folders of frame images as sequences: a folder of frames is one sequence, a folder of such
folders is a sequence set.

Frames are the folder's image files (PNG, JPEG, TIFF, BMP, GIF, WebP: by extension, then read by
Pillow) sorted in natural order — digit runs compare as numbers, so ``frame_2`` comes before
``frame_10`` and ``gt2.png`` before ``gt10.png`` (the order Fiji, napari and a person expect).
Colour images are read as grey exactly when their channels are equal, else converted with
BT.601 luma (see :mod:`.media`). All frames of a folder must have one size, and every sequence
folder of a set the same number and size of frames; otherwise a one-line :class:`DataError`
names the first folder (or file) that differs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from ..errors import DataError
from .media import MAX_MEDIA_BYTES, grey_frame, pillow_errors

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp")
MAX_FOLDER_FILES = 1_000_000
"""The most image files looked at in one folder tree."""

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[object, ...]:
    """Sort key comparing digit runs as numbers: ``frame_2`` < ``frame_10``; case-insensitive."""
    parts = _DIGITS.split(name.lower())
    key = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
    return (*key, (2, 0, name))  # equal numbers ("2", "02"): the name breaks the tie


def frame_files(folder: Path) -> list[Path]:
    """The image files directly in ``folder``, in natural order (hidden files left out)."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
             and not p.name.startswith(".") and p.is_file()]
    return sorted(files, key=lambda p: natural_key(p.name))


def sequence_folders(folder: Path) -> list[Path]:
    """The sub-folders of ``folder`` that hold frame images, in natural order."""
    subs = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted((p for p in subs if frame_files(p)), key=lambda p: natural_key(p.name))


def folder_kind(path: str | os.PathLike[str]) -> str | None:
    """``"frames"`` (a folder of frame images), ``"sequences"`` (a folder of such folders) or
    None."""
    path = Path(path)
    if not path.is_dir():
        return None
    try:
        if frame_files(path):
            return "frames"
        if sequence_folders(path):
            return "sequences"
    except OSError:
        return None
    return None


def _read_image(path: Path) -> tuple[np.ndarray, bool]:
    from PIL import Image

    with pillow_errors(path), Image.open(path) as im:
        if im.mode in ("L", "1"):
            return np.asarray(im.convert("L")), True
        if im.mode in ("I;16", "I", "F"):
            raise DataError(path, f"{im.mode} images are not supported (8-bit grey or RGB)")
        return grey_frame(np.asarray(im.convert("RGB")))


def read_frame_folder(folder: str | os.PathLike[str]) -> tuple[np.ndarray, bool]:
    """Frames of one folder as uint8 (T, H, W) and whether they were grey exactly.

    Raises :class:`DataError` naming the folder when it holds no images, and the first file
    whose size differs from the first frame's."""
    folder = Path(folder)
    files = frame_files(folder)
    if not files:
        raise DataError(folder, "no frame images (PNG, JPEG, TIFF…) in this folder")
    first, exact = _read_image(files[0])
    if first.size * len(files) > MAX_MEDIA_BYTES:
        raise DataError(folder, f"{len(files)} frames of {first.shape[1]}x{first.shape[0]} are "
                                "too many to hold in memory")
    out = np.empty((len(files), *first.shape), np.uint8)
    out[0] = first
    for i, path in enumerate(files[1:], 1):
        frame, same = _read_image(path)
        if frame.shape != first.shape:
            raise DataError(path, f"{frame.shape[1]}x{frame.shape[0]} frame among "
                                  f"{first.shape[1]}x{first.shape[0]} frames of {folder.name}")
        out[i] = frame
        exact &= same
    return out, exact


def read_sequence_folders(folder: str | os.PathLike[str]) -> tuple[np.ndarray, list[Path], bool]:
    """A folder of sequence folders as uint8 (N, T, H, W), the folders, and whether all frames
    were grey exactly. Raises :class:`DataError` naming the first folder whose frame count or
    size differs from the first one's."""
    folder = Path(folder)
    subs = sequence_folders(folder)
    if not subs:
        raise DataError(folder, "no sub-folders of frame images here")
    first, exact = read_frame_folder(subs[0])
    if first.nbytes * len(subs) > MAX_MEDIA_BYTES:
        raise DataError(folder, f"{len(subs)} sequences of {first.shape[0]} frames are too many "
                                "to hold in memory")
    out = np.empty((len(subs), *first.shape), np.uint8)
    out[0] = first
    for i, sub in enumerate(subs[1:], 1):
        count = len(frame_files(sub))
        if count != first.shape[0]:
            raise DataError(sub, f"{count} frames, but {subs[0].name} has {first.shape[0]}: every "
                                 "sequence folder must hold the same number of frames")
        frames, same = read_frame_folder(sub)
        if frames.shape != first.shape:
            raise DataError(sub, f"frames of {frames.shape[2]}x{frames.shape[1]}, but "
                                 f"{subs[0].name} has {first.shape[2]}x{first.shape[1]}")
        out[i] = frames
        exact &= same
    return out, subs, exact
