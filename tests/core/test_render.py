"""Rendering: bit-identical to plain per-sequence, per-digit, per-frame slicing."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_viewer.core.generation import GeneratorConfig, ground_truth
from mnist_viewer.core.generation.render import render, render_frame
from mnist_viewer.core.ground_truth import GroundTruth
from mnist_viewer.core.sources.datasets import Dataset, load_dataset


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "train")


def plain_render(truth: GroundTruth, digits: np.ndarray, size: int, combine: str) -> np.ndarray:
    """Each digit of each frame of each sequence placed with slicing, as the original does."""
    n, t, d = truth.positions.shape[:3]
    h, w = digits.shape[1:]
    out = np.zeros((n, t, size, size), dtype=np.uint8)
    for i in range(n):
        for j in range(d):
            k = truth.digit_index[i, j]
            if k < 0:
                continue
            for f in range(t):
                top, left = truth.positions[i, f, j]
                region = out[i, f, top:top + h, left:left + w]
                if combine == "max":
                    region[...] = np.maximum(region, digits[k])
                else:
                    region[...] = np.minimum(region.astype(np.int64) + digits[k], 255)
    return out


@pytest.mark.parametrize("combine", ["max", "sum"])
@pytest.mark.parametrize("digits", [1, 2, (1, 3)])
def test_render_is_bit_identical_to_plain_slicing(mnist, combine, digits):
    cfg = GeneratorConfig(num_sequences=150, frames=12, digits=digits, combine=combine, seed=7)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    expected = plain_render(truth, mnist.images, 64, combine)
    got = render(truth, mnist.images, 0, 150, combine)
    assert got.dtype == np.uint8 and got.shape == (150, 12, 64, 64)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("size", [28, 41, 100])
def test_other_canvas_sizes(mnist, size):
    cfg = GeneratorConfig(num_sequences=20, frames=6, canvas_size=size, digits=3, seed=2)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    np.testing.assert_array_equal(render(truth, mnist.images, 0, 20, size=size),
                                  plain_render(truth, mnist.images, size, "max"))


def test_sum_saturates_and_never_wraps(mnist):
    digit = mnist.images[0]
    assert digit.max() > 127  # two copies overflow uint8 where the ink is dark
    positions = np.zeros((1, 1, 2, 2), dtype=np.int32)
    positions[0, 0, 1] = (0, 0)
    truth = GroundTruth(
        labels=np.zeros((1, 2), np.int16), digit_index=np.zeros((1, 2), np.int64),
        positions=positions, start=np.zeros((1, 2, 2)), velocity=np.zeros((1, 1, 2, 2)),
        boxes=np.zeros((1, 1, 2, 4), np.int32),
    )
    frame = render(truth, mnist.images, 0, 1, "sum", size=28)[0, 0]
    expected = np.minimum(2 * digit.astype(np.int64), 255)
    np.testing.assert_array_equal(frame, expected)
    np.testing.assert_array_equal(render(truth, mnist.images, 0, 1, "max", size=28)[0, 0], digit)
    np.testing.assert_array_equal(render_frame(truth, mnist.images, 0, 0, "sum", 28), expected)


def test_chunks_and_single_frames_agree_with_the_whole(mnist):
    cfg = GeneratorConfig(num_sequences=300, frames=5, digits=(1, 2), seed=3)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    whole = render(truth, mnist.images, 0, 300)
    for start, stop in [(0, 1), (5, 133), (129, 300), (299, 300), (7, 7)]:
        np.testing.assert_array_equal(render(truth, mnist.images, start, stop),
                                      whole[start:stop])
    for i, t in [(0, 0), (17, 4), (299, 2)]:
        np.testing.assert_array_equal(render_frame(truth, mnist.images, i, t), whole[i, t])


def test_render_into_a_dirty_buffer_and_a_transposed_view(mnist):
    cfg = GeneratorConfig(num_sequences=140, frames=4, seed=4)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    expected = plain_render(truth, mnist.images, 64, "max")
    warm = np.full((140, 4, 64, 64), 77, dtype=np.uint8)
    assert render(truth, mnist.images, 0, 140, out=warm) is warm
    np.testing.assert_array_equal(warm, expected)
    time_major = np.full((4, 140, 64, 64), 9, dtype=np.uint8)  # the mnist_test_seq layout
    render(truth, mnist.images, 0, 140, out=time_major.transpose(1, 0, 2, 3))
    np.testing.assert_array_equal(time_major, expected.transpose(1, 0, 2, 3))


def test_render_writes_nothing_outside_out(mnist):
    cfg = GeneratorConfig(num_sequences=40, frames=3, digits=3, combine="sum", seed=6)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    big = np.full((42, 5, 64, 64), 201, dtype=np.uint8)
    inner = big[1:41, 1:4]  # neighbours on every side, in memory before and after
    render(truth, mnist.images, 0, 40, "sum", out=inner)
    np.testing.assert_array_equal(inner, plain_render(truth, mnist.images, 64, "sum"))
    assert (big[0] == 201).all() and (big[41] == 201).all()
    assert (big[:, 0] == 201).all() and (big[:, 4] == 201).all()
    with pytest.raises(ValueError, match="packed rows"):
        wide = np.zeros((40, 3, 64, 70), dtype=np.uint8)[..., :64]
        render(truth, mnist.images, 0, 40, out=wide)


def test_bad_inputs_are_refused(mnist):
    cfg = GeneratorConfig(num_sequences=3, frames=2, seed=1)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    with pytest.raises(ValueError, match="outside"):
        render(truth, mnist.images, 0, 3, size=40)  # positions go up to 36, patches to 64
    with pytest.raises(ValueError, match="uint8"):
        render(truth, mnist.images.astype(np.float32), 0, 3)
    with pytest.raises(IndexError):
        render(truth, mnist.images, 2, 4)
    with pytest.raises(ValueError, match="out must be"):
        render(truth, mnist.images, 0, 3, out=np.zeros((3, 2, 64, 64), np.int16))
    with pytest.raises(ValueError, match="combine"):
        render(truth, mnist.images, 0, 3, "xor")
    with pytest.raises(ValueError, match="out of range"):
        render(truth, mnist.images[:10], 0, 3)
