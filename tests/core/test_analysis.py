"""Statistics in core/analysis.py against plain numpy and hand-made sequences with known answers."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from mnist_viewer.core import analysis
from mnist_viewer.core.analysis import ground_truth_sums
from mnist_viewer.core.errors import Cancelled
from mnist_viewer.core.generation import GeneratorConfig, generate
from mnist_viewer.core.ground_truth import GroundTruth
from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.core.sources.datasets import Dataset, load_dataset

CANVAS = 64
PATCH = 28
STEP = 0.1  # generator step length recorded in the hand-made sets' config


@pytest.fixture(scope="module")
def digits(mnist_dir: Path) -> Dataset:
    return load_dataset(mnist_dir, "test")


def _ink_box(digit: np.ndarray, top: int, left: int) -> list[int]:
    rows = np.flatnonzero(digit.any(axis=1))
    cols = np.flatnonzero(digit.any(axis=0))
    if rows.size == 0:
        return [-1, -1, -1, -1]
    return [left + cols[0], top + rows[0], left + cols[-1] + 1, top + rows[-1] + 1]


def _place(digit_images: list[np.ndarray], positions: np.ndarray, labels: np.ndarray,
           velocity: np.ndarray | None = None) -> ArraySequenceSet:
    """Sequences with digits at (N, T, D, 2) integer positions; frames = max of the patches."""
    n, t, d, _ = positions.shape
    frames = np.zeros((n, t, CANVAS, CANVAS), np.uint8)
    boxes = np.full((n, t, d, 4), -1, np.int32)
    for i in range(n):
        for j in range(d):
            if labels[i, j] < 0:
                continue
            digit = digit_images[i * d + j]
            for k in range(t):
                top, left = positions[i, k, j]
                view = frames[i, k, top:top + PATCH, left:left + PATCH]
                np.maximum(view, digit, out=view)
                boxes[i, k, j] = _ink_box(digit, top, left)
    if velocity is None:
        velocity = np.zeros((n, t, d, 2))
    gt = GroundTruth(
        labels=labels.astype(np.int16),
        digit_index=np.where(labels >= 0, np.arange(n * d).reshape(n, d), -1).astype(np.int64),
        positions=positions.astype(np.int32),
        start=np.zeros((n, d, 2)),
        velocity=velocity.astype(np.float64),
        boxes=boxes,
    )
    config = {"digit_size": PATCH, "step_length": STEP}
    return ArraySequenceSet(frames, gt, config=config, layout="generated")


def _bouncing(digits: Dataset, n: int, t: int, d: int, seed: int) -> ArraySequenceSet:
    """Real MNIST digits bouncing with integer velocities (some sequences with one digit)."""
    rng = np.random.default_rng(seed)
    limit = CANVAS - PATCH
    positions = np.zeros((n, t, d, 2), np.int64)
    velocity = np.zeros((n, t, d, 2))
    for i in range(n):
        for j in range(d):
            pos = rng.integers(0, limit + 1, 2)
            step = rng.integers(-4, 5, 2)
            for k in range(t):
                for axis in range(2):
                    nxt = pos[axis] + step[axis]
                    if not 0 <= nxt <= limit:
                        step[axis] = -step[axis]
                        nxt = pos[axis] + step[axis]
                    pos[axis] = nxt
                positions[i, k, j] = pos
                velocity[i, k, j] = step / (limit * STEP)  # moves velocity·STEP·limit px
    labels = np.zeros((n, d), np.int64)
    index = rng.choice(len(digits), n * d, replace=False)
    labels[:] = digits.labels[index].reshape(n, d)
    if d > 1:
        labels[::3, d - 1] = -1  # every third sequence has one digit fewer
    unused = np.broadcast_to((labels < 0)[:, None, :], (n, t, d))
    positions[unused] = 0
    velocity[unused] = 0
    images = [digits.images[k] for k in index]
    return _place(images, positions, labels, velocity)


# ------------------------------------------------------------------------------ frame differences


def test_sequence_diff_stats_match_numpy_on_real_digits(digits: Dataset) -> None:
    frames = _bouncing(digits, 1, 20, 2, seed=1).sequence(0)
    d = np.diff(frames.astype(np.float64), axis=0)
    stats = analysis.frame_diff_stats(frames)
    assert stats.count == 19
    np.testing.assert_allclose(stats.mean, d.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.std, d.std(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(stats.abs_mean, np.abs(d).mean(axis=0), rtol=0, atol=1e-12)
    assert stats.mean_summary == pytest.approx(d.mean(axis=0).mean())
    assert stats.std_summary == pytest.approx(d.std(axis=0).mean())
    assert np.abs(stats.mean).max() > 1 and stats.std.max() > 50


def test_differences_are_signed_not_wrapped() -> None:
    frames = np.zeros((3, 2, 2), np.uint8)
    frames[0] = 255  # 255 -> 0 -> 0: one difference of -255, one of 0
    stats = analysis.frame_diff_stats(frames)
    np.testing.assert_array_equal(stats.mean, np.full((2, 2), -127.5))
    np.testing.assert_array_equal(stats.std, np.full((2, 2), 127.5))
    np.testing.assert_array_equal(stats.abs_mean, np.full((2, 2), 127.5))
    np.testing.assert_array_equal(analysis.motion_energy(frames), [255.0, 0.0])


def test_float_frames_use_the_float_path() -> None:
    rng = np.random.default_rng(3)
    frames = rng.normal(size=(9, 5, 4))
    d = np.diff(frames, axis=0)
    stats = analysis.frame_diff_stats(frames)
    np.testing.assert_allclose(stats.mean, d.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(stats.std, d.std(axis=0), atol=1e-12)


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 64])
def test_whole_set_streamed_equals_direct_numpy(digits: Dataset, chunk_size: int) -> None:
    seqset = _bouncing(digits, 11, 10, 2, seed=2)
    d = np.diff(seqset.frames.astype(np.float64), axis=1)  # (N, T-1, H, W)
    pooled = d.reshape(-1, CANVAS, CANVAS)
    calls: list[tuple[int, int]] = []
    diff, energy = analysis.set_frame_stats(
        seqset, lambda done, total: calls.append((done, total)), chunk_size=chunk_size
    )
    assert diff.count == 11 * 9
    np.testing.assert_allclose(diff.mean, pooled.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(diff.std, pooled.std(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(diff.abs_mean, np.abs(pooled).mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(energy.per_sequence, np.abs(d).mean(axis=(2, 3)), atol=1e-12)
    np.testing.assert_allclose(energy.curve, np.abs(d).mean(axis=(0, 2, 3)), atol=1e-12)
    assert energy.mean == pytest.approx(np.abs(d).mean())
    assert calls[0] == (0, 11) and calls[-1] == (11, 11)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    assert len(calls) == 1 + math.ceil(11 / chunk_size)


def test_set_range_and_single_sequence(digits: Dataset) -> None:
    seqset = _bouncing(digits, 6, 8, 2, seed=4)
    part = analysis.set_frame_diff_stats(seqset, start=2, stop=5, chunk_size=2)
    d = np.diff(seqset.frames[2:5].astype(np.float64), axis=1).reshape(-1, CANVAS, CANVAS)
    np.testing.assert_allclose(part.std, d.std(axis=0), atol=1e-9)
    one = analysis.set_frame_diff_stats(seqset, start=4, stop=5)
    direct = analysis.frame_diff_stats(seqset.sequence(4))
    np.testing.assert_array_equal(one.mean, direct.mean)
    np.testing.assert_array_equal(one.std, direct.std)
    with pytest.raises(IndexError):
        analysis.set_frame_diff_stats(seqset, start=3, stop=7)


def test_cancel_stops_the_whole_set_scan(digits: Dataset) -> None:
    seqset = _bouncing(digits, 6, 5, 1, seed=5)
    seen: list[int] = []
    with pytest.raises(Cancelled):
        analysis.set_frame_stats(seqset, lambda done, _t: seen.append(done),
                                 lambda: len(seen) >= 2, chunk_size=1)
    assert seen == [0, 1]
    with pytest.raises(Cancelled):
        analysis.set_statistics(seqset, cancel=lambda: True)


@pytest.mark.parametrize("chunk_size", [1, 7, 250, 4096])
def test_digit_stream_matches_numpy_on_real_mnist(digits: Dataset, chunk_size: int) -> None:
    images = digits.images
    stop = min(500 if chunk_size == 1 else 3000, len(images))
    d = np.diff(images[:stop].astype(np.float64), axis=0)  # images[1:] - images[:-1]
    stats = analysis.digit_stream_diff_stats(images, stop=stop, chunk_size=chunk_size)
    assert stats.count == stop - 1
    np.testing.assert_allclose(stats.mean, d.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.std, d.std(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(stats.abs_mean, np.abs(d).mean(axis=0), rtol=0, atol=1e-12)


def test_digit_stream_range_and_progress(digits: Dataset) -> None:
    calls: list[tuple[int, int]] = []
    stats = analysis.digit_stream_diff_stats(
        digits.images, lambda a, b: calls.append((a, b)), start=100, stop=350, chunk_size=100
    )
    d = np.diff(digits.images[100:350].astype(np.float64), axis=0)
    np.testing.assert_allclose(stats.std, d.std(axis=0), atol=1e-9)
    assert calls == [(0, 250), (100, 250), (200, 250), (250, 250)]


# ------------------------------------------------------------------------------ comparisons


def test_identical_sequences_compare_as_zero(digits: Dataset) -> None:
    seqset = _bouncing(digits, 2, 12, 2, seed=6)
    a = seqset.sequence(0)
    result = analysis.compare(a, a.copy())
    assert result.mean_distance == 0.0 and result.std_distance == 0.0
    assert result.frames_rms == 0.0 and result.identical
    assert not result.mean_difference.any() and not result.std_difference.any()


def test_compare_two_sequences_against_numpy(digits: Dataset) -> None:
    seqset = _bouncing(digits, 2, 12, 2, seed=7)
    a, b = seqset.sequence(0), seqset.sequence(1)
    da = np.diff(a.astype(np.float64), axis=0)
    db = np.diff(b.astype(np.float64), axis=0)
    result = analysis.compare(a, b)
    mean_diff = da.mean(axis=0) - db.mean(axis=0)
    std_diff = da.std(axis=0) - db.std(axis=0)
    np.testing.assert_allclose(result.mean_difference, mean_diff, atol=1e-12)
    np.testing.assert_allclose(result.std_difference, std_diff, atol=1e-9)
    assert result.mean_distance == pytest.approx(np.abs(mean_diff).mean())
    assert result.std_distance == pytest.approx(np.abs(std_diff).mean())
    rms = np.sqrt(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    assert result.frames_rms == pytest.approx(rms)
    assert result.std_distance > 1 and not result.identical
    np.testing.assert_allclose(result.first.std, da.std(axis=0), atol=1e-9)
    with pytest.raises(ValueError):
        analysis.compare(a, b[:5])


def test_compare_digits(digits: Dataset) -> None:
    a, b = digits.images[0], digits.images[1]
    same = analysis.compare_digits(a, a)
    assert same.mean_abs == 0.0 and same.rms == 0.0 and not same.difference.any()
    result = analysis.compare_digits(a, b)
    expected = a.astype(np.float64) - b.astype(np.float64)
    np.testing.assert_array_equal(result.difference, expected)
    assert result.difference.min() < 0  # signed, not wrapped
    assert result.mean_abs == pytest.approx(np.abs(expected).mean())
    assert result.rms == pytest.approx(np.sqrt(np.mean(expected**2)))


# ------------------------------------------------------------------------------ motion energy


def test_static_sequence_has_zero_motion_energy(digits: Dataset) -> None:
    frames = np.repeat(np.pad(digits.images[3], 18)[None], 7, axis=0)
    np.testing.assert_array_equal(analysis.motion_energy(frames), np.zeros(6))
    stats = analysis.frame_diff_stats(frames)
    assert not stats.mean.any() and not stats.std.any()


def test_motion_energy_of_a_moving_digit(digits: Dataset) -> None:
    seqset = _bouncing(digits, 1, 15, 1, seed=8)
    frames = seqset.sequence(0).astype(np.int64)
    expected = [np.abs(frames[k + 1] - frames[k]).mean() for k in range(14)]
    np.testing.assert_allclose(analysis.motion_energy(seqset.sequence(0)), expected, atol=1e-12)


# ------------------------------------------------------------------------------ ground truth


def _one_digit_path(
    digits: Dataset, steps: list[tuple[int, int]], start: tuple[int, int] = (10, 10)
) -> ArraySequenceSet:
    positions = np.array([[[start]]], np.int64).repeat(len(steps) + 1, axis=1)
    for k, (dy, dx) in enumerate(steps):
        positions[0, k + 1, 0] = positions[0, k, 0] + (dy, dx)
    return _place([digits.images[0]], positions, np.array([[int(digits.labels[0])]]))


@pytest.mark.parametrize(
    ("step", "speed", "angle"),
    [((0, 1), 1.0, 0.0), ((-1, 0), 1.0, 90.0), ((0, -1), 1.0, 180.0), ((1, 0), 1.0, 270.0),
     ((1, 1), math.sqrt(2), 315.0), ((-3, 4), 5.0, math.degrees(math.atan2(3, 4)))],
)
def test_a_digit_moving_at_a_known_step(
    digits: Dataset, step: tuple[int, int], speed: float, angle: float
) -> None:
    seqset = _one_digit_path(digits, [step] * 6, start=(20, 10))
    assert seqset.ground_truth is not None
    mot = analysis.motion(seqset.ground_truth, (CANVAS, CANVAS), (PATCH, PATCH))
    np.testing.assert_allclose(mot.step_speed[0, :, 0], speed, atol=1e-12)
    np.testing.assert_allclose(mot.step_direction[0, :, 0], angle, atol=1e-9)
    assert mot.mean_step_speed == pytest.approx(speed)
    # The frames agree: the digit moved by exactly that step.
    frames = seqset.sequence(0)
    np.testing.assert_array_equal(
        frames[1][20 + step[0]:20 + step[0] + PATCH, 10 + step[1]:10 + step[1] + PATCH],
        frames[0][20:20 + PATCH, 10:10 + PATCH],
    )


def test_one_pixel_per_frame_statistics_end_to_end(digits: Dataset) -> None:
    seqset = _one_digit_path(digits, [(0, 1)] * 9)
    stats = analysis.set_statistics(seqset)
    info = analysis.summary(stats)
    assert info["mean_speed_px"] == 1.0
    assert stats.ground_truth is not None
    hist = stats.ground_truth.step_direction_histogram
    assert hist.total == 9 and hist.counts[0] == 9  # every step points right (0 degrees)
    speed_hist = stats.ground_truth.step_speed_histogram
    assert speed_hist.total == 9 and speed_hist.counts[-1] == 9 and speed_hist.edges[-1] == 1.0
    centres = stats.ground_truth.trajectories.centres[0, :, 0]
    np.testing.assert_array_equal(centres[:, 0], 10 + PATCH / 2)
    np.testing.assert_array_equal(centres[:, 1], 10 + PATCH / 2 + np.arange(10))
    assert info["overlap_fraction"] == 0.0


def test_a_digit_that_does_not_move_has_no_direction(digits: Dataset) -> None:
    seqset = _one_digit_path(digits, [(0, 0), (0, 2)])
    assert seqset.ground_truth is not None
    mot = analysis.motion(seqset.ground_truth)
    assert math.isnan(mot.step_direction[0, 0, 0]) and mot.step_direction[0, 1, 0] == 0.0
    np.testing.assert_array_equal(mot.step_speed[0, :, 0], [0.0, 2.0])


def test_speeds_and_directions_of_a_real_set_against_numpy(digits: Dataset) -> None:
    seqset = _bouncing(digits, 9, 12, 2, seed=9)
    gt = seqset.ground_truth
    assert gt is not None
    stats = analysis.ground_truth_stats(gt, (CANVAS, CANVAS), (PATCH, PATCH), STEP)
    used = gt.labels >= 0
    pos = gt.positions.astype(np.float64)
    step = pos[:, 1:] - pos[:, :-1]
    speeds = np.sqrt((step**2).sum(-1))  # (N, T-1, D)
    valid_speeds = speeds.transpose(0, 2, 1)[used]
    assert stats.motion.mean_step_speed == pytest.approx(valid_speeds.mean())
    assert np.isnan(stats.motion.step_speed.transpose(0, 2, 1)[~used]).all()
    # The hand-made velocities are the integer steps in units of STEP * (64 - 28) px.
    vel_px = np.sqrt(((gt.velocity * STEP * (CANVAS - PATCH)) ** 2).sum(-1))
    vel_px = vel_px.transpose(0, 2, 1)[used]
    assert stats.motion.mean_speed == pytest.approx(vel_px.mean())
    angles = np.degrees(np.arctan2(-step[..., 0], step[..., 1])) % 360
    moved = (speeds > 0).transpose(0, 2, 1) & used[:, :, None]
    expected_hist, _ = np.histogram(angles.transpose(0, 2, 1)[moved], bins=36, range=(0, 360))
    np.testing.assert_array_equal(stats.step_direction_histogram.counts, expected_hist)
    assert stats.step_speed_histogram.total == valid_speeds.size
    assert stats.label_counts == tuple(np.bincount(gt.labels[used], minlength=10))
    assert sum(stats.label_counts) == used.sum()
    centres = stats.trajectories.centres
    np.testing.assert_array_equal(centres[used[:, None, :].repeat(12, 1)],
                                  (pos + PATCH / 2)[used[:, None, :].repeat(12, 1)])


def _boxes_gt(boxes: np.ndarray, labels: np.ndarray, positions: np.ndarray) -> GroundTruth:
    n, t, d, _ = boxes.shape
    return GroundTruth(
        labels=labels.astype(np.int16), digit_index=np.zeros((n, d), np.int64),
        positions=positions.astype(np.int32), start=np.zeros((n, d, 2)),
        velocity=np.zeros((n, t, d, 2)), boxes=boxes.astype(np.int32),
    )


def test_overlap_fraction_of_hand_placed_boxes() -> None:
    # Two sequences of four frames, three slots; boxes are (x0, y0, x1, y1), x1/y1 exclusive.
    empty = [-1, -1, -1, -1]
    boxes = np.array([
        [  # sequence 0: slots 0 and 1 used, slot 2 unused
            [[0, 0, 10, 10], [9, 9, 20, 20], empty],      # share pixel (9, 9): overlap
            [[0, 0, 10, 10], [10, 0, 20, 10], empty],     # touching edges only: no overlap
            [[0, 0, 10, 10], [30, 30, 40, 40], empty],    # apart
            [[5, 5, 15, 15], [0, 0, 30, 30], empty],      # one inside the other: overlap
        ],
        [  # sequence 1: slot 1 has no ink in frame 0; slot 2 overlaps slot 0 in frame 2
            [[0, 0, 10, 10], empty, [40, 40, 50, 50]],
            [[0, 0, 10, 10], [50, 50, 60, 60], [20, 20, 30, 30]],
            [[0, 0, 10, 10], [50, 50, 60, 60], [0, 9, 10, 19]],  # rows 9..18 meet row 9
            [[0, 0, 10, 10], [0, 10, 10, 20], [10, 0, 20, 10]],  # corners/edges touch only
        ],
    ])
    labels = np.array([[1, 2, -1], [3, 4, 5]])
    positions = np.zeros((2, 4, 3, 2))
    positions[1, :, 1] = [36, 0]  # patches of sequence 1: rows 0..27 / 36..63, cols 0..27
    positions[1, :, 2] = [20, 36]  # rows 20..47, cols 36..63: meets neither of the others
    result = analysis.overlap(_boxes_gt(boxes, labels, positions), (PATCH, PATCH))
    expected = np.array([[True, False, False, True], [False, False, True, False]])
    np.testing.assert_array_equal(result.ink, expected)
    assert result.fraction == 3 / 8
    np.testing.assert_array_equal(result.per_frame, [0.5, 0.0, 0.5, 0.5])
    # Patches (28×28 at the positions): in sequence 0 both sit at (0, 0), so they always
    # overlap; the three patches of sequence 1 are apart.
    np.testing.assert_array_equal(result.patch, [[True] * 4, [False] * 4])
    assert result.patch_fraction == 0.5


def test_overlap_agrees_with_pixel_test_on_real_set(digits: Dataset) -> None:
    seqset = _bouncing(digits, 12, 10, 3, seed=10)
    gt = seqset.ground_truth
    assert gt is not None
    expected = _ink_overlap_by_masks(gt)
    result = analysis.overlap(gt)
    np.testing.assert_array_equal(result.ink, expected)
    assert 0 < result.fraction < 1
    assert result.fraction == pytest.approx(expected.mean())


# ------------------------------------------------------------------------------ whole set


def test_set_statistics_with_ground_truth(digits: Dataset) -> None:
    seqset = _bouncing(digits, 8, 10, 2, seed=11)
    stats = analysis.set_statistics(seqset, chunk_size=3)
    assert stats.missing == () and stats.ground_truth is not None
    info = analysis.summary(stats)
    d = np.diff(seqset.frames.astype(np.float64), axis=1).reshape(-1, CANVAS, CANVAS)
    assert info["num_sequences"] == 8 and info["frames"] == 10
    assert info["diff_mean"] == pytest.approx(d.mean(axis=0).mean())
    assert info["diff_std"] == pytest.approx(d.std(axis=0).mean())
    assert len(info["motion_energy"]) == 9
    gt = seqset.ground_truth
    assert gt is not None
    used = gt.labels >= 0
    step = np.diff(gt.positions.astype(np.float64), axis=1)
    speeds = np.sqrt((step**2).sum(-1)).transpose(0, 2, 1)[used]
    assert info["mean_speed_px"] == pytest.approx(speeds.mean())
    assert info["label_counts"] == np.bincount(gt.labels[used], minlength=10).tolist()


def test_sequence_statistics_is_the_one_sequence(digits: Dataset) -> None:
    seqset = _bouncing(digits, 5, 9, 2, seed=12)
    stats = analysis.sequence_statistics(seqset, 3)
    assert stats.start == 3 and stats.num_sequences == 1
    frames = seqset.sequence(3).astype(np.float64)
    np.testing.assert_allclose(stats.energy.curve, np.abs(np.diff(frames, axis=0)).mean((1, 2)))
    assert stats.ground_truth is not None
    np.testing.assert_array_equal(
        stats.ground_truth.trajectories.labels, seqset.ground_truth.labels[3:4]  # type: ignore[union-attr]
    )
    with pytest.raises(IndexError):
        analysis.sequence_statistics(seqset, 5)


def test_set_without_ground_truth_lists_what_is_missing(digits: Dataset) -> None:
    frames = _bouncing(digits, 4, 6, 2, seed=13).frames
    seqset = ArraySequenceSet(frames, layout="mnist_test_seq")
    stats = analysis.set_statistics(seqset)
    assert stats.ground_truth is None
    assert set(stats.missing) >= {"trajectories", "speed", "direction", "overlap_fraction",
                                  "label_counts"}
    assert "ground truth" in stats.missing_reason
    info = analysis.summary(stats)
    assert "mean_speed_px" not in info and "overlap_fraction" not in info
    assert info["missing"] == list(stats.missing)
    d = np.diff(frames.astype(np.float64), axis=1)
    np.testing.assert_allclose(info["motion_energy"], np.abs(d).mean(axis=(0, 2, 3)))


# ------------------------------------------------------------------------------ generated sets


def _ink_overlap_by_masks(gt: GroundTruth) -> np.ndarray:
    """Independent overlap test: paint each ink box, look for a pixel covered twice."""
    n, t, d = gt.positions.shape[:3]
    expected = np.zeros((n, t), bool)
    for i in range(n):
        for k in range(t):
            count = np.zeros((CANVAS, CANVAS), int)
            for j in range(d):
                x0, y0, x1, y1 = gt.boxes[i, k, j]
                if gt.labels[i, j] >= 0 and x1 > x0:
                    count[y0:y1, x0:x1] += 1
            expected[i, k] = count.max() > 1
    return expected


@pytest.mark.parametrize("motion_model", ["original", "reflect", "stochastic"])
def test_generated_set_against_numpy(digits: Dataset, motion_model: str) -> None:
    config = GeneratorConfig(num_sequences=24, digits=(1, 3), motion=motion_model, seed=21)
    seqset = generate(config, digits)
    gt = seqset.ground_truth
    frames = seqset.chunk(0, 24)
    stats = analysis.set_statistics(seqset, chunk_size=5)
    d = np.diff(frames.astype(np.float64), axis=1)
    pooled = d.reshape(-1, CANVAS, CANVAS)
    np.testing.assert_allclose(stats.diff.mean, pooled.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.diff.std, pooled.std(axis=0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(stats.energy.curve, np.abs(d).mean(axis=(0, 2, 3)), atol=1e-12)
    assert stats.ground_truth is not None
    result = analysis.ground_truth_stats(gt, (CANVAS, CANVAS), analysis.patch_size(seqset),
                                         analysis.step_length(seqset))
    _same_summary(stats.ground_truth, result)
    used = gt.digit_index >= 0
    assert (~used).any() and used.any()
    used_t = np.broadcast_to(used[:, None, :], gt.positions.shape[:3])
    # Every model moves step_length * travel = 0.1 * (64 - 28) = 3.6 px per frame.
    np.testing.assert_allclose(result.motion.speed[used_t], 3.6, rtol=1e-12)
    assert np.isnan(result.motion.speed[~used_t]).all()
    assert result.motion.mean_speed == pytest.approx(3.6)
    step = np.diff(gt.positions.astype(np.float64), axis=1)
    speeds = np.sqrt((step**2).sum(-1))[used_t[:, 1:]]
    assert result.motion.mean_step_speed == pytest.approx(speeds.mean())
    assert 2.5 < result.motion.mean_step_speed <= 3.6 + 1  # truncation to whole pixels
    theta = np.degrees(np.arctan2(-gt.velocity[..., 0], gt.velocity[..., 1])) % 360
    counts, _ = np.histogram(theta[used_t], bins=36, range=(0, 360))
    np.testing.assert_array_equal(result.direction_histogram.counts, counts)
    np.testing.assert_array_equal(result.overlap.ink, _ink_overlap_by_masks(gt))
    centres = gt.positions + PATCH / 2
    np.testing.assert_array_equal(result.trajectories.centres[used_t], centres[used_t])
    assert result.label_counts == tuple(np.bincount(gt.labels[used], minlength=10))
    info = analysis.summary(stats)
    assert info["mean_speed_px"] == pytest.approx(speeds.mean())
    assert info["overlap_fraction"] == pytest.approx(_ink_overlap_by_masks(gt).mean())


def _same_summary(summary: analysis.GroundTruthStats, whole: analysis.GroundTruthStats
                  ) -> None:
    """A set's chunk-wise summary says what the whole-array statistics say."""
    for name in ("step_speed_histogram", "step_direction_histogram", "speed_histogram",
                 "direction_histogram"):
        got, expected = getattr(summary, name), getattr(whole, name)
        np.testing.assert_array_equal(got.counts, expected.counts, err_msg=name)
        np.testing.assert_array_equal(got.edges, expected.edges, err_msg=name)
    assert summary.motion.mean_step_speed == pytest.approx(whole.motion.mean_step_speed,
                                                           rel=1e-12, nan_ok=True)
    assert summary.motion.mean_speed == pytest.approx(whole.motion.mean_speed, rel=1e-12,
                                                      nan_ok=True)
    assert summary.overlap.fraction == whole.overlap.fraction
    assert summary.overlap.patch_fraction == whole.overlap.patch_fraction
    np.testing.assert_array_equal(summary.overlap.per_frame, whole.overlap.per_frame)
    assert summary.label_counts == whole.label_counts
    kept = len(summary.trajectories.centres)
    assert kept == min(len(whole.trajectories.centres), ground_truth_sums.TRAJECTORIES_KEPT)
    np.testing.assert_array_equal(summary.trajectories.centres,
                                  whole.trajectories.centres[:kept])
    np.testing.assert_array_equal(summary.trajectories.labels, whole.trajectories.labels[:kept])


@pytest.mark.parametrize("motion_model", ["svg", "stochastic"])
def test_set_summary_is_chunk_wise_and_equals_the_whole_arrays(
        digits: Dataset, motion_model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks whose speeds span different ranges are counted again over the set's range."""
    config = GeneratorConfig(num_sequences=40, frames=6, digits=(1, 3), motion=motion_model,
                             seed=23)
    seqset = generate(config, digits)
    whole = analysis.ground_truth_stats(seqset.ground_truth.select(slice(3, 40)),
                                        (CANVAS, CANVAS), analysis.patch_size(seqset),
                                        analysis.step_length(seqset))
    monkeypatch.setattr("mnist_viewer.core.analysis.ground_truth_sums.TRAJECTORIES_KEPT", 7)
    for chunk in (1, 5, 37):
        stats = analysis.set_statistics(seqset, start=3, chunk_size=chunk)
        assert stats.ground_truth is not None
        _same_summary(stats.ground_truth, whole)


def test_generated_set_streamed_with_any_chunk_size(digits: Dataset) -> None:
    seqset = generate(GeneratorConfig(num_sequences=13, frames=6, seed=22), digits)
    d = np.diff(seqset.chunk(0, 13).astype(np.float64), axis=1).reshape(-1, CANVAS, CANVAS)
    results = [analysis.set_frame_diff_stats(seqset, chunk_size=c) for c in (1, 4, 13, 100)]
    for result in results:
        np.testing.assert_allclose(result.std, d.std(axis=0), rtol=0, atol=1e-9)
        np.testing.assert_array_equal(result.mean, results[0].mean)
        np.testing.assert_array_equal(result.std, results[0].std)  # exact: integer sums


# ------------------------------------------------------------------------------ CSV


def test_statistics_csv_round_trip(digits: Dataset, tmp_path: Path) -> None:
    seqset = _bouncing(digits, 5, 7, 2, seed=14)
    stats = analysis.set_statistics(seqset)
    target = tmp_path / "stats.csv"
    analysis.write_statistics_csv(target, stats)
    with open(target, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["statistic", "key", "value"]
    energy = [float(r[2]) for r in rows if r[0] == "motion_energy"]
    assert energy == [float(v) for v in stats.energy.curve]  # full precision
    d = np.diff(seqset.frames.astype(np.float64), axis=1)
    np.testing.assert_allclose(energy, np.abs(d).mean(axis=(0, 2, 3)))
    by_name = {r[0]: r[2] for r in rows if r[1] == ""}
    assert int(by_name["num_sequences"]) == 5
    assert float(by_name["overlap_fraction"]) == stats.ground_truth.overlap.fraction  # type: ignore[union-attr]
    labels = [int(r[2]) for r in rows if r[0] == "label_count"]
    assert len(labels) == 10 and sum(labels) == int((seqset.ground_truth.labels >= 0).sum())  # type: ignore[union-attr]
    assert [p.name for p in tmp_path.iterdir()] == ["stats.csv"]


def test_csv_without_ground_truth_names_missing(digits: Dataset, tmp_path: Path) -> None:
    seqset = ArraySequenceSet(_bouncing(digits, 2, 4, 1, seed=15).frames)
    rows = analysis.statistics_rows(analysis.set_statistics(seqset))
    missing = [r[1] for r in rows if r[0] == "missing"]
    assert missing == list(analysis.GROUND_TRUTH_STATISTICS)
    assert not any(r[0] == "mean_speed_px" for r in rows)


def test_failed_csv_write_leaves_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def rows():
        yield ("a", "b", "1")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        analysis.write_csv(target, rows())
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_image_csv(tmp_path: Path, digits: Dataset) -> None:
    image = analysis.frame_diff_stats(_bouncing(digits, 1, 5, 1, seed=16).sequence(0)).std
    target = tmp_path / "std.csv"
    analysis.write_image_csv(target, image)
    loaded = np.loadtxt(target, delimiter=",")
    np.testing.assert_array_equal(loaded, image)
