"""Source digits resized to the generator's digit size, each one when first used.

The convention is torchvision's ``transforms.Resize(size)`` on a PIL image (as SVG's loader
uses it, ``edenton/svg`` ``data/moving_mnist.py``): ``PIL.Image.resize((size, size),
Image.BILINEAR)`` on the 8-bit grey image. Resizing all 60,000 MNIST digits takes seconds, so
digits are resized lazily: :meth:`ResizedDigits.ensure` before the digits of a range are used.
"""

from __future__ import annotations

import threading

import numpy as np


def resize_digit(image: np.ndarray, size: int) -> np.ndarray:
    """One (h, w) uint8 digit as (size, size) uint8, Pillow bilinear (torchvision Resize)."""
    from PIL import Image  # imported when first needed (only resized sets use it)

    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.BILINEAR))


class ResizedDigits:
    """A (M, size, size) uint8 array of the source digits, filled on demand (thread-safe)."""

    def __init__(self, images: np.ndarray, size: int) -> None:
        self.source = images
        self.size = int(size)
        self.images = np.zeros((images.shape[0], self.size, self.size), dtype=np.uint8)
        self._done = np.zeros(images.shape[0], dtype=bool)
        self._lock = threading.Lock()

    def ensure(self, index: np.ndarray) -> None:
        """Resize every digit in ``index`` (any shape; negative entries ignored) not yet done."""
        flat = np.unique(np.asarray(index).ravel())
        flat = flat[flat >= 0]
        with self._lock:
            for k in flat[~self._done[flat]].tolist():
                self.images[k] = resize_digit(self.source[k], self.size)
                self._done[k] = True
