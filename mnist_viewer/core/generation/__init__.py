"""Moving MNIST generation: GeneratorConfig, the motion models, rendering, ground truth, the
lazily generated sequence sets (drawn per block of sequences) and the MovingMNIST dataset.

May import: the core's shared leaves and :mod:`..sources` (the digits). Never files, analysis,
output, Qt, ui or commands.
"""

from .config import COMBINES, MAX_SEQUENCE_BYTES, MOTIONS, GeneratorConfig
from .sets import GeneratedSequenceSet, generate
from .truth import ground_truth

__all__ = [
    "COMBINES",
    "MAX_SEQUENCE_BYTES",
    "MOTIONS",
    "GeneratedSequenceSet",
    "GeneratorConfig",
    "generate",
    "ground_truth",
]
