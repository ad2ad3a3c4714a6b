"""Per-block generation: O(block) start, chunking- and size-independent output, lazy ground
truth; and the MovingMNIST training-loop dataset equal to generate()."""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
from operator import getitem

import numpy as np
import pytest

import mnist_viewer
from mnist_viewer.core.generation import GeneratorConfig, generate, ground_truth
from mnist_viewer.core.generation.draws import BLOCK, GENERATOR_VERSION
from mnist_viewer.core.generation.sets import GeneratedSequenceSet
from mnist_viewer.core.sources.datasets import Dataset, load_dataset

FIELDS = ("labels", "digit_index", "positions", "start", "velocity", "boxes")


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "train")


def test_a_set_of_a_billion_sequences_opens_and_shows_its_last_frame(mnist):
    # everything up front would need terabytes: this only passes if nothing is
    seqs = generate(GeneratorConfig(num_sequences=10**9, seed=3), mnist)
    last = seqs.frame(10**9 - 1, 19)
    assert last.shape == (64, 64) and last.any()
    assert seqs.ground_truth.labels[10**9 - 1].shape == (2,)
    assert seqs.config["generator_version"] == GENERATOR_VERSION


@pytest.mark.parametrize("motion", ["original", "stochastic", "svg"])
def test_output_is_independent_of_chunks_and_set_size(mnist, motion):
    cfg = GeneratorConfig(num_sequences=300, frames=12, digits=(1, 3), motion=motion, seed=7)
    whole = generate(cfg, mnist).chunk(0, 300)
    seqs = generate(cfg, mnist)
    cuts = [0, 1, 37, BLOCK, BLOCK + 1, 200, 299, 300]
    parts = [seqs.chunk(a, b) for a, b in itertools.pairwise(cuts)]
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    smaller = generate(GeneratorConfig(num_sequences=70, frames=12, digits=(1, 3),
                                       motion=motion, seed=7), mnist)
    np.testing.assert_array_equal(smaller.chunk(0, 70), whole[:70])
    for i in (0, 65, 299):
        np.testing.assert_array_equal(seqs.sequence(i), whole[i])


def test_lazy_ground_truth_equals_the_eager_one(mnist):
    cfg = GeneratorConfig(num_sequences=2500, frames=10, digits=(1, 2), seed=4)
    seqs = generate(cfg, mnist)
    eager = ground_truth(cfg, mnist.images, mnist.labels)
    lazy = seqs.ground_truth
    assert lazy.num_sequences == 2500 and lazy.num_frames == 10 and lazy.num_slots == 2
    for key in FIELDS:
        np.testing.assert_array_equal(np.asarray(getattr(lazy, key)), getattr(eager, key))
        part = getattr(seqs.ground_truth_for(1000, 2100), key)
        np.testing.assert_array_equal(part, getattr(eager, key)[1000:2100])
    np.testing.assert_array_equal(lazy.boxes[1500, :, 1], eager.boxes[1500, :, 1])
    np.testing.assert_array_equal(lazy.labels[7], eager.labels[7])
    np.testing.assert_array_equal(lazy.labels[5:9], eager.labels[5:9])
    picked = lazy.select(np.array([3, 2000, 3]))
    np.testing.assert_array_equal(picked.positions, eager.positions[[3, 2000, 3]])
    # an explicit ground truth still makes a set (as files/writing and tests do)
    again = GeneratedSequenceSet(eager.select(slice(0, 5)), seqs.digits, seqs.generator_config)
    np.testing.assert_array_equal(again.chunk(0, 5), seqs.chunk(0, 5))


def test_moving_mnist_is_importable_from_the_root_without_loading_it():
    assert "MovingMNIST" in mnist_viewer.__all__
    assert mnist_viewer.MovingMNIST.__name__ == "MovingMNIST"


@pytest.mark.parametrize("settings", [
    {}, {"motion": "stochastic", "digits": (1, 3)}, {"motion": "svg"},
    {"motion": "tfds", "frames": 7, "canvas_size": 80}, {"combine": "sum", "digits": 3},
])
def test_dataset_items_equal_generate(mnist, settings):
    ds = mnist_viewer.MovingMNIST(200, seed=11, data=mnist, **settings)
    cfg = GeneratorConfig(num_sequences=200, seed=11, **settings)
    seqs = generate(cfg, mnist)
    order = [199, 0, 64, 63, 130, 5, 64]  # any order, repeats
    for i in order:
        frames = ds[i]
        assert frames.dtype == np.uint8 and frames.shape == (cfg.frames, cfg.canvas_size,
                                                              cfg.canvas_size)
        np.testing.assert_array_equal(frames, seqs.sequence(i))
    frames, truth = ds.item(130, ground_truth=True)
    assert truth is not None
    for key in FIELDS:
        np.testing.assert_array_equal(getattr(truth, key),
                                      getattr(seqs.ground_truth_for(130, 131), key))
    assert len(ds) == 200 and ds[-1].tobytes() == ds[199].tobytes()
    with pytest.raises(IndexError):
        ds[200]


def test_stream_continues_the_set_forever(mnist):
    ds = mnist_viewer.MovingMNIST(10, seed=2, data=mnist)
    big = mnist_viewer.MovingMNIST(500, seed=5, data=mnist)
    stream = ds.stream(seed=5)
    for i in range(70):
        np.testing.assert_array_equal(next(stream), big[i])
    odd = ds.stream(seed=5, start=1, step=2)
    np.testing.assert_array_equal(next(odd), big[1])
    np.testing.assert_array_equal(next(odd), big[3])


def test_dataset_on_the_embedded_subset_gives_python_advice(caplog):
    # the default source falls back to the embedded subset here (conftest isolates the caches)
    ds = mnist_viewer.MovingMNIST(3, frames=2, seed=1)
    assert ds[0].shape == (2, 64, 64)
    [note] = [r.getMessage() for r in caplog.records if "embedded subset" in r.getMessage()]
    assert "MovingMNIST(..., data=PATH)" in note and "$MNIST_VIEWER_DATA=PATH" in note
    assert "--data" not in note and "File ›" not in note  # no CLI flag, no GUI menu


def test_dataset_pickles_and_gives_the_same_items_in_worker_processes(mnist_dir):
    ds = mnist_viewer.MovingMNIST(300, seed=9, data=mnist_dir, motion="stochastic")
    expected = [ds[i] for i in (0, 150, 299)]
    blob = pickle.dumps(ds)
    assert len(blob) < 10_000  # settings and a path, not the digits
    context = multiprocessing.get_context("spawn")
    # operator.getitem: a task the spawned workers can unpickle (a function of this test module
    # may not be importable there, and a task that cannot be unpickled hangs Pool.map)
    with context.Pool(2) as pool:
        first = pool.starmap_async(getitem, [(ds, i) for i in (299, 150, 0)]).get(timeout=300)
        again = pool.starmap_async(
            getitem, [(pickle.loads(blob), i) for i in (0, 150, 299)]).get(timeout=300)
    for got in (first[::-1], again):
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)


def test_a_seed_reproduces_its_set_within_generator_version_2() -> None:
    """Digests recorded from generator version 2 (mnist-viewer 1.x): a change of the draws'
    order or of the redraw-repeats rule (here exercised hard: 128 picks per block from a pool
    of 200 digits of class 3) must bump GENERATOR_VERSION and these digests together."""
    import hashlib

    from mnist_viewer.core.generation.draws import draw
    from mnist_viewer.core.sources.datasets import embedded_dataset

    data = embedded_dataset("train")
    config = GeneratorConfig(num_sequences=300, frames=4, seed=11, classes=(3,))
    picks = draw(config, data.labels).digit_index
    frames = np.ascontiguousarray(generate(config, data).chunk(0, 300))
    assert GENERATOR_VERSION == 2
    assert hashlib.sha256(picks.tobytes()).hexdigest()[:16] == "ed8b2b6e51677dbd"
    assert hashlib.sha256(frames.tobytes()).hexdigest()[:16] == "5eac4d67241d332e"
