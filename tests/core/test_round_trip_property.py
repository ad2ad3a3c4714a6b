"""Every file this program writes reads back exactly as written: every layout, many N and T
(T > 100 and N ≤ 100 included), with no layout given when reading.

One known limit: N sequences of ONE frame (T = 1) in a .npy are (N, 1, H, W), which a single
sequence of N frames also is; a few such frames are not enough evidence either way. Then the
reading must say it is a guess (``layout_weak``) and the offered swap must read it exactly.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnist_viewer.core.files import LAYOUTS, open_sequences, save_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.sources.datasets import embedded_dataset

DIGITS = embedded_dataset()
SUFFIX = {"npz": ".npz", "predrnn": ".npz"}


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int]:
    t = draw(st.one_of(st.integers(1, 4), st.integers(1, 30), st.integers(100, 130)))
    n = draw(st.integers(1, max(1, min(100, 1500 // t))))
    return n, t


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(size=sizes(), layout=st.sampled_from(LAYOUTS), seed=st.integers(0, 2**16))
def test_what_we_write_reads_back(size: tuple[int, int], layout: str, seed: int) -> None:
    n, t = size
    seqs = generate(GeneratorConfig(num_sequences=n, frames=t, seed=seed), DIGITS)
    with tempfile.TemporaryDirectory() as folder:
        path = save_sequences(Path(folder) / f"set{SUFFIX.get(layout, '.npy')}", seqs, layout)
        back = open_sequences(path)
        if t == 1 and (back.num_sequences, back.num_frames) != (n, t):
            assert back.how_read is not None and back.how_read["layout_weak"], back.how_read
            back = open_sequences(path, back.how_read["swap_layout"])
        assert (back.num_sequences, back.num_frames) == (n, t), (layout, back.how_read)
        np.testing.assert_array_equal(back.chunk(0, n), seqs.chunk(0, n))
