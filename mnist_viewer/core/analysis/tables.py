"""Statistics written as CSV files (atomically).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence

import numpy as np

from ..jobs import atomic_path
from .summary import SetStatistics, statistics_rows


def write_csv(
    path: str | os.PathLike[str],
    rows: Iterable[Sequence[object]],
    header: Sequence[str] | None = None,
) -> None:
    """Write ``rows`` (and ``header``) as CSV, atomically (no partial file on failure)."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)


def write_statistics_csv(path: str | os.PathLike[str], stats: SetStatistics) -> None:
    """Write :func:`statistics_rows` with the header ``statistic,key,value``."""
    write_csv(path, statistics_rows(stats), ("statistic", "key", "value"))


def write_image_csv(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write a 2-D float image (e.g. a frame-difference mean) as one CSV row per image row."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    write_csv(path, ([repr(float(v)) for v in row] for row in image))
