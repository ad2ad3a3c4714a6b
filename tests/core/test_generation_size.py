"""The size of a generated set: what a file of it takes, what it holds in memory, and the refusal
(with the figures) of a set whose working memory cannot fit."""

from __future__ import annotations

import pytest

from mnist_viewer.core.containers import limits
from mnist_viewer.core.errors import DataError
from mnist_viewer.core.files import save_sequences
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.generation.size import (
    RENDER_CACHE_BYTES,
    cached_sequences,
    check_set_fits,
    set_size,
)
from mnist_viewer.core.sources.datasets import embedded_dataset


def test_file_size_is_what_saving_writes(tmp_path) -> None:
    config = GeneratorConfig(num_sequences=70, frames=6, digits=(1, 3), seed=5)
    size = set_size(config)
    assert size.frames_bytes == 70 * 6 * 64 * 64
    seqset = generate(config, embedded_dataset("test"))
    npz = save_sequences(tmp_path / "set.npz", seqset)
    npy = save_sequences(tmp_path / "set.npy", seqset, "torchvision")
    assert size.frames_bytes <= npy.stat().st_size <= size.frames_bytes + 4096  # + header
    written = npz.stat().st_size  # frames, ground truth, settings, zip records
    assert size.file_bytes * 0.9 <= written <= size.file_bytes * 1.1 + 64 * 1024


def test_a_million_long_sequences_is_large_on_disk_and_small_in_memory() -> None:
    size = set_size(GeneratorConfig(num_sequences=1_000_000, frames=100))
    assert size.frames_bytes == 1_000_000 * 100 * 64 * 64  # 409.6 GB of frames
    assert size.memory_bytes < 400 * 10**6  # lazy: blocks of ground truth, a few sequences
    assert size.describe().startswith("1,000,000 × 100 frames of 64×64: 417.")
    assert "GB as a file" in size.describe()


def test_rendered_sequences_kept_are_bounded_in_bytes() -> None:
    big = GeneratorConfig(num_sequences=50, frames=10_000, canvas_size=160)
    assert cached_sequences(big) * 10_000 * 160 * 160 <= RENDER_CACHE_BYTES
    assert cached_sequences(GeneratorConfig(num_sequences=3)) == 3
    assert cached_sequences(big) >= 1


def test_a_set_that_cannot_fit_is_refused_with_the_figures(monkeypatch) -> None:
    monkeypatch.setattr(limits, "available_memory", lambda: 100 * 10**6)
    config = GeneratorConfig(num_sequences=10, frames=10_000, canvas_size=160)
    needed = set_size(config).memory_bytes
    with pytest.raises(DataError, match=r"would need 5\d\d\.\d MB of memory; 80\.0 MB"):
        check_set_fits(config)
    with pytest.raises(DataError, match=limits.human(needed)):
        generate(config, embedded_dataset("test"))
    check_set_fits(GeneratorConfig(num_sequences=10))  # a small one fits
