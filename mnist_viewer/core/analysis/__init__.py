"""Statistics of frames and ground truth, comparisons, metrics, summaries and tables.

Each statistic is a pure function of arrays returning a small frozen dataclass; no Qt and no
file reading (results may be written as CSV). May import: the core's shared leaves. Never
sources, files, generation, output, Qt, ui or commands.
"""

from .comparison import Comparison, DigitComparison, compare, compare_digits
from .frames import (
    FrameDiffStats,
    MotionEnergy,
    digit_stream_diff_stats,
    frame_diff_stats,
    motion_energy,
    set_frame_diff_stats,
    set_frame_stats,
)
from .ground_truth_stats import (
    DEFAULT_PATCH,
    DEFAULT_STEP_LENGTH,
    GROUND_TRUTH_STATISTICS,
    NO_GROUND_TRUTH,
    GroundTruthStats,
    Histogram,
    Motion,
    Overlap,
    Trajectories,
    ground_truth_stats,
    histogram,
    label_counts,
    motion,
    overlap,
    patch_size,
    step_length,
    trajectories,
    velocity_scale,
)
from .ground_truth_sums import TRAJECTORIES_KEPT, MeanSpeeds, OverlapCounts
from .summary import SetStatistics, sequence_statistics, set_statistics, statistics_rows, summary
from .tables import write_csv, write_image_csv, write_statistics_csv

__all__ = [
    "DEFAULT_PATCH",
    "DEFAULT_STEP_LENGTH",
    "GROUND_TRUTH_STATISTICS",
    "NO_GROUND_TRUTH",
    "TRAJECTORIES_KEPT",
    "Comparison",
    "DigitComparison",
    "FrameDiffStats",
    "GroundTruthStats",
    "Histogram",
    "MeanSpeeds",
    "Motion",
    "MotionEnergy",
    "Overlap",
    "OverlapCounts",
    "SetStatistics",
    "Trajectories",
    "compare",
    "compare_digits",
    "digit_stream_diff_stats",
    "frame_diff_stats",
    "ground_truth_stats",
    "histogram",
    "label_counts",
    "motion",
    "motion_energy",
    "overlap",
    "patch_size",
    "sequence_statistics",
    "set_frame_diff_stats",
    "set_frame_stats",
    "set_statistics",
    "statistics_rows",
    "step_length",
    "summary",
    "trajectories",
    "velocity_scale",
    "write_csv",
    "write_image_csv",
    "write_statistics_csv",
]
