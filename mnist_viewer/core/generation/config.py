"""GeneratorConfig: every setting of a Moving MNIST set, validated, with its limits.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import numpy.random  # loaded now, not on the first generation (it takes a few ms)

from ..errors import DataError

MOTIONS = ("original", "reflect", "stochastic", "tfds", "svg", "svg-deterministic")
"""Motion models (see :mod:`.motion`); the CLI and the GUI offer every one listed here."""
COMBINES = ("max", "sum")
SVG_MOTIONS = ("svg", "svg-deterministic")
SVG_DIGIT_SIZE = 32  # SVG's digits: MNIST resized to 32 x 32


MAX_SEQUENCE_BYTES = 256 * 2**20
"""The largest single sequence (frames × canvas²) a config may ask for: one whole sequence is
rendered at a time (the GUI shows one), so it must fit in memory comfortably."""


MAX_SEQUENCES = 2**31
"""The most sequences one set may have (sets are lazy, but their ground truth is not)."""

GROUND_TRUTH_BYTES_PER_SLOT = 26
GROUND_TRUTH_BYTES_PER_STEP = 40
"""Ground-truth bytes per (sequence, digit slot): labels, index, start; and per frame of it:
positions, velocities, boxes (see :class:`~..ground_truth.GroundTruth`)."""


@dataclass(frozen=True)
class GeneratorConfig:
    """Settings of a generated set. Defaults are those of the original Moving MNIST."""

    num_sequences: int = 10_000
    frames: int = 20
    canvas_size: int = 64
    digit_size: int = 0  # 0: the model's own (32 for the svg models, as SVG; else 28)
    digits: int | tuple[int, int] = 2  # a fixed number, or an inclusive (min, max) range
    step_length: float = 0.1
    motion: str = "original"
    combine: str = ""  # "": the model's own ("sum" for the svg models, as SVG; else "max")
    split: str = "train"
    classes: tuple[int, ...] | None = None  # only digits with these labels, or all
    seed: int | None = None  # None: a random seed is chosen (and recorded) by generate()

    def __post_init__(self) -> None:
        digits = self.digits
        if isinstance(digits, (list, tuple)):
            if len(digits) != 2:
                raise DataError(None, f"digits must be a number or a (min, max) pair, not {digits}")
            digits = (_as_int("digits", digits[0]), _as_int("digits", digits[1]))
            if digits[0] == digits[1]:
                digits = digits[0]
        else:
            digits = _as_int("digits", digits)
        object.__setattr__(self, "digits", digits)
        if self.classes is not None:
            classes = tuple(sorted({_as_int("classes", c) for c in self.classes}))
            object.__setattr__(self, "classes", classes)
        for name in ("num_sequences", "frames", "canvas_size", "digit_size"):
            object.__setattr__(self, name, _as_int(name, getattr(self, name)))
        object.__setattr__(self, "step_length", float(self.step_length))
        svg = self.motion in SVG_MOTIONS
        if self.digit_size == 0:
            object.__setattr__(self, "digit_size", SVG_DIGIT_SIZE if svg else 28)
        if self.combine == "":
            object.__setattr__(self, "combine", "sum" if svg else "max")
        if self.seed is not None:
            object.__setattr__(self, "seed", _as_int("seed", self.seed))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`DataError` if the settings make no sense."""
        problems = []
        if self.num_sequences < 1:
            problems.append("the number of sequences must be at least 1")
        if self.num_sequences > MAX_SEQUENCES:
            problems.append(f"at most {MAX_SEQUENCES:,} sequences, not {self.num_sequences:,}")
        if self.frames < 1:
            problems.append("the number of frames must be at least 1")
        if self.digit_size < 1 or self.canvas_size < self.digit_size:
            problems.append(
                f"the canvas ({self.canvas_size}) must be at least the digit size "
                f"({self.digit_size})"
            )
        lo, hi = self.digit_range
        if lo < 1 or hi < lo:
            problems.append(
                f"digits per sequence must be at least 1 (and min <= max), not {self.digits}"
            )
        if not 0.0 < self.step_length <= 1.0 or math.isnan(self.step_length):
            problems.append(f"the step length must be in (0, 1], not {self.step_length}")
        if self.motion not in MOTIONS:
            problems.append(f"unknown motion {self.motion!r} (use {', '.join(MOTIONS)})")
        if self.motion in SVG_MOTIONS and self.canvas_size <= self.digit_size:
            problems.append(f"the {self.motion} model needs a canvas larger than the digits")
        if self.combine not in COMBINES:
            problems.append(f"unknown combine rule {self.combine!r} (use {', '.join(COMBINES)})")
        if self.split not in ("train", "test"):
            problems.append(f"unknown split {self.split!r} (use 'train' or 'test')")
        if self.classes is not None and (not self.classes or min(self.classes) < 0):
            problems.append("the digit classes must be non-negative labels")
        if self.seed is not None and self.seed < 0:
            problems.append("the seed must be a non-negative integer")
        sequence_bytes = self.frames * self.canvas_size**2
        if self.frames >= 1 and self.canvas_size >= 1 and sequence_bytes > MAX_SEQUENCE_BYTES:
            problems.append(
                f"one sequence of {self.frames} frames of {self.canvas_size}x{self.canvas_size} "
                f"would take {sequence_bytes / 2**20:,.0f} MB; at most "
                f"{MAX_SEQUENCE_BYTES // 2**20} MB (fewer frames or a smaller canvas)"
            )
        if problems:
            raise DataError(None, "; ".join(problems))

    @property
    def ground_truth_bytes(self) -> int:
        """Bytes of this set's ground truth (held in memory while the set is in use)."""
        per_slot = GROUND_TRUTH_BYTES_PER_SLOT + GROUND_TRUTH_BYTES_PER_STEP * self.frames
        return self.num_sequences * self.num_slots * per_slot

    @property
    def file_bytes(self) -> int:
        """Bytes of the frames of this set (what a file of it holds, ground truth aside)."""
        return self.num_sequences * self.frames * self.canvas_size**2

    @property
    def digit_range(self) -> tuple[int, int]:
        """(min, max) digits per sequence."""
        if isinstance(self.digits, tuple):
            return self.digits
        return self.digits, self.digits

    @property
    def num_slots(self) -> int:
        """D: the largest number of digits in a sequence."""
        return self.digit_range[1]

    @property
    def travel(self) -> int:
        """How far a patch can move, in pixels (canvas - digit)."""
        return self.canvas_size - self.digit_size

    def with_seed(self) -> GeneratorConfig:
        """This config with a concrete seed (a fresh random one if none was set)."""
        if self.seed is not None:
            return self
        return replace(self, seed=secrets.randbits(63))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings."""
        d = asdict(self)
        d["digits"] = list(self.digits) if isinstance(self.digits, tuple) else self.digits
        d["classes"] = None if self.classes is None else list(self.classes)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GeneratorConfig:
        """Settings from :meth:`to_dict` output; unknown keys (source, version...) are ignored."""
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise DataError(None, f"generator settings must be a mapping, not {kind}")
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("digits", "classes"):
            if isinstance(kwargs.get(key), list):
                kwargs[key] = tuple(kwargs[key])
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise DataError(None, f"bad generator settings ({exc})") from None


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return int(value)
        raise DataError(None, f"{name} must be an integer, not {value!r}")
    return int(value)
