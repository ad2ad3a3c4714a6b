"""Sequence files: untrusted containers (npy header, zip/npz, gzip) with their limits, how a
file's layout is decided, and the readers and writers of each layout.

May import: the core's shared leaves (errors, jobs, sequences, ground_truth) and
:mod:`..generation` (a generated set is rendered chunk by chunk while it is saved). Never
analysis, output, Qt, ui or commands.
"""

from .layout_decision import READ_LAYOUTS, LayoutDecision, decide_layout
from .layouts import LAYOUTS, NPY_LAYOUTS, NPZ_LAYOUTS, READABLE_LAYOUTS, npy_layout
from .reading import describe_sequences, is_sequence_file, open_sequences
from .values import ValueMapping, value_mapping
from .writing import layout_for, save_sequences

__all__ = [
    "LAYOUTS",
    "NPY_LAYOUTS",
    "NPZ_LAYOUTS",
    "READABLE_LAYOUTS",
    "READ_LAYOUTS",
    "LayoutDecision",
    "ValueMapping",
    "decide_layout",
    "describe_sequences",
    "is_sequence_file",
    "layout_for",
    "npy_layout",
    "open_sequences",
    "save_sequences",
    "value_mapping",
]
