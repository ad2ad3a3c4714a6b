"""The generator: the original algorithm bit for bit, the bounce rules, ground truth, seeding."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mnist_viewer.core.errors import DataError
from mnist_viewer.core.generation import (
    GeneratedSequenceSet,
    GeneratorConfig,
    generate,
    ground_truth,
)
from mnist_viewer.core.generation.draws import BLOCK, RandomDraws, draw
from mnist_viewer.core.generation.motion import trajectories
from mnist_viewer.core.generation.truth import ink_boxes
from mnist_viewer.core.sources.datasets import Dataset, load_dataset


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "train")


def plain_original(start: np.ndarray, theta: np.ndarray, frames: int, step: float, travel: int):
    """Srivastava et al.'s bouncing MNIST, restated one digit and one frame at a time."""
    n, d = theta.shape
    v_y, v_x = np.sin(theta), np.cos(theta)  # as the original: numpy on the angles
    positions = np.zeros((n, frames, d, 2), dtype=np.int64)
    velocity = np.zeros((n, frames, d, 2))
    for i in range(n):
        for j in range(d):
            y, x = start[i, j, 0], start[i, j, 1]
            vy, vx = v_y[i, j], v_x[i, j]
            for t in range(frames):
                velocity[i, t, j] = vy, vx
                y += vy * step
                x += vx * step
                if x <= 0:
                    x = 0.0
                    vx = -vx
                if x >= 1.0:
                    x = 1.0
                    vx = -vx
                if y <= 0:
                    y = 0.0
                    vy = -vy
                if y >= 1.0:
                    y = 1.0
                    vy = -vy
                positions[i, t, j] = int(travel * y), int(travel * x)
    return positions, velocity


def plain_reflect(start, velocity0, frames, step):
    """Continuous positions under exact reflection, one digit and frame at a time."""
    n, d = velocity0.shape[:2]
    out = np.zeros((n, frames, d, 2))
    for i in range(n):
        for j in range(d):
            p = [start[i, j, 0], start[i, j, 1]]
            v = [velocity0[i, j, 0], velocity0[i, j, 1]]
            for t in range(frames):
                for a in range(2):
                    p[a] += v[a] * step
                    if p[a] < 0:
                        p[a], v[a] = -p[a], -v[a]
                    elif p[a] > 1:
                        p[a], v[a] = 2 - p[a], -v[a]
                out[i, t, j] = p
    return out


def given(start: np.ndarray, theta: np.ndarray) -> RandomDraws:
    """Draws with the given starts (n, D, 2) and directions (n, D)."""
    direction = np.stack([np.sin(theta), np.cos(theta)], axis=-1)
    return RandomDraws(0, np.zeros(theta.shape, dtype=np.int64), start, theta, direction,
                       None, None, None, None)


def test_original_matches_a_hand_worked_trajectory():
    # x starts at 0.75 moving right (theta = 0): 0.85, 0.95, 1.05 -> clamped to 1 and flipped,
    # then 0.9, 0.8; left = int(36 x) = 30, 34, 36, 32, 28. y does not move (sin 0 = 0).
    cfg = GeneratorConfig(num_sequences=1, frames=5, digits=1, seed=0)
    start = np.array([[[0.5, 0.75]]])
    positions, velocity = trajectories(cfg, given(start, np.zeros((1, 1))))
    assert positions[0, :, 0, 1].tolist() == [30, 34, 36, 32, 28]
    assert positions[0, :, 0, 0].tolist() == [18] * 5
    assert velocity[0, :, 0, 1].tolist() == [1, 1, 1, -1, -1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_original_is_bit_exact_with_the_plain_restatement(mnist, seed):
    cfg = GeneratorConfig(num_sequences=40, frames=30, seed=seed)
    draws = draw(cfg, mnist.labels)
    expected_pos, expected_vel = plain_original(draws.start, draws.theta, 30, 0.1, 36)
    truth = ground_truth(cfg, mnist.images, mnist.labels, draws)
    assert truth.positions.dtype == np.int32
    np.testing.assert_array_equal(truth.positions, expected_pos)
    # bit for bit, not approximately
    assert truth.velocity.tobytes() == expected_vel.tobytes()
    np.testing.assert_array_equal(truth.start, draws.start)


def test_original_with_other_sizes_and_step_is_bit_exact(mnist):
    cfg = GeneratorConfig(num_sequences=15, frames=40, canvas_size=100, digits=3,
                          step_length=0.23, seed=9)
    draws = draw(cfg, mnist.labels)
    expected_pos, _ = plain_original(draws.start, draws.theta, 40, 0.23, 72)
    truth = ground_truth(cfg, mnist.images, mnist.labels, draws)
    np.testing.assert_array_equal(truth.positions, expected_pos)


@pytest.mark.parametrize("motion", ["original", "reflect", "stochastic"])
def test_positions_always_stay_on_the_canvas(mnist, motion):
    cfg = GeneratorConfig(num_sequences=300, frames=60, motion=motion, step_length=0.35, seed=4)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    assert truth.positions.min() >= 0 and truth.positions.max() <= 36
    if motion != "reflect":  # clamping reaches the walls exactly; reflection almost never
        assert truth.positions.min() == 0 and truth.positions.max() == 36
    else:
        assert truth.positions.max() == 35
    speeds = np.hypot(truth.velocity[..., 0], truth.velocity[..., 1])
    np.testing.assert_allclose(speeds, 1.0, rtol=1e-12)


def test_original_flips_the_velocity_exactly_at_the_walls(mnist):
    cfg = GeneratorConfig(num_sequences=100, frames=40, seed=11)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    p = truth.start.copy()
    flips = 0
    for t in range(cfg.frames):
        v = truth.velocity[:, t]
        moved = p + v * 0.1
        hit = (moved <= 0) | (moved >= 1)
        p = np.clip(moved, 0, 1)
        if t + 1 < cfg.frames:
            nxt = truth.velocity[:, t + 1]
            np.testing.assert_array_equal(nxt[hit], -v[hit])
            np.testing.assert_array_equal(nxt[~hit], v[~hit])
            flips += int(hit.sum())
    assert flips > 50


def test_reflect_mirrors_the_overshoot(mnist):
    cfg = GeneratorConfig(num_sequences=60, frames=40, motion="reflect", step_length=0.3, seed=5)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    continuous = plain_reflect(truth.start, truth.velocity[:, 0], 40, 0.3)
    np.testing.assert_array_equal(truth.positions, (36 * continuous).astype(np.int64))
    # the same as the closed form of a reflected straight line (TFDS: u mod 2, folded)
    times = np.arange(1, 41)[None, :, None, None]
    unfolded = truth.start[:, None] + times * 0.3 * truth.velocity[:, :1]
    folded = unfolded % 2
    folded = np.minimum(folded, 2 - folded)
    np.testing.assert_allclose(continuous, folded, atol=1e-9)
    exact = np.abs(36 * folded - np.round(36 * folded)) > 1e-6  # away from pixel boundaries
    np.testing.assert_array_equal(truth.positions[exact], np.floor(36 * folded[exact]))
    # reflection keeps the overshoot: positions strictly inside the wall are common, and
    # a digit leaves the wall in the same frame it reaches it
    assert (truth.velocity[:, 1:] == -truth.velocity[:, :-1]).any()


def test_stochastic_bounces_point_back_into_the_canvas(mnist):
    cfg = GeneratorConfig(num_sequences=200, frames=40, motion="stochastic", seed=6)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    p = truth.start.copy()
    bounces = not_a_flip = 0
    for t in range(cfg.frames - 1):
        v, nxt = truth.velocity[:, t], truth.velocity[:, t + 1]
        moved = p + v * 0.1
        low, high = moved <= 0, moved >= 1
        p = np.clip(moved, 0, 1)
        np.testing.assert_array_equal(truth.positions[:, t], (36 * p).astype(np.int64))
        hit = (low | high).any(axis=-1)
        assert (nxt[low] > 0).all() and (nxt[high] < 0).all()  # inward on every wall hit
        np.testing.assert_array_equal(nxt[~hit], v[~hit])  # no bounce: no change
        bounces += int(hit.sum())
        flipped = np.where(low | high, -v, v)
        not_a_flip += int((np.abs(nxt[hit] - flipped[hit]) > 1e-9).any(axis=-1).sum())
    assert bounces > 100
    assert not_a_flip > 0.9 * bounces  # a new random direction, not a mirror flip


def test_ground_truth_boxes_hold_exactly_each_digits_ink(mnist):
    seqs = generate(GeneratorConfig(num_sequences=12, frames=8, digits=(1, 3), seed=8), mnist)
    truth = seqs.ground_truth
    for i in range(12):
        frames = seqs.sequence(i)
        for t in range(8):
            union = np.zeros((64, 64), dtype=bool)
            for d in range(3):
                k = truth.digit_index[i, d]
                if k < 0:
                    assert truth.boxes[i, t, d].tolist() == [-1, -1, -1, -1]
                    continue
                alone = np.zeros((64, 64), dtype=np.uint8)
                top, left = truth.positions[i, t, d]
                alone[top:top + 28, left:left + 28] = mnist.images[k]
                ys, xs = np.nonzero(alone)
                expected = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                assert truth.boxes[i, t, d].tolist() == expected
                union |= alone > 0
            np.testing.assert_array_equal(frames[t] > 0, union)


def test_single_digit_box_is_the_frames_ink_box(mnist):
    seqs = generate(GeneratorConfig(num_sequences=10, digits=1, motion="reflect", seed=2), mnist)
    for i in range(10):
        for t in range(20):
            ys, xs = np.nonzero(seqs.frame(i, t))
            box = seqs.ground_truth.boxes[i, t, 0].tolist()
            assert box == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_ink_boxes_of_blank_and_edge_images():
    images = np.zeros((3, 5, 7), dtype=np.uint8)
    images[1, 0, 6] = 9
    images[2, 1:4, 2:5] = 1
    assert ink_boxes(images).tolist() == [[-1, -1, -1, -1], [6, 0, 7, 1], [2, 1, 5, 4]]


def test_labels_indices_and_unused_slots(mnist):
    cfg = GeneratorConfig(num_sequences=500, digits=(1, 3), seed=3)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    used = truth.digit_index >= 0
    counts = used.sum(axis=1)
    assert set(counts.tolist()) == {1, 2, 3}
    assert (used == (np.arange(3) < counts[:, None])).all()  # slots fill from the first
    np.testing.assert_array_equal(truth.labels[used], mnist.labels[truth.digit_index[used]])
    assert (truth.labels[~used] == -1).all()
    unused_frames = ~np.broadcast_to(used[:, None], truth.positions.shape[:3])
    assert (truth.positions[unused_frames] == 0).all()
    assert (truth.velocity[unused_frames] == 0).all()
    assert (truth.boxes[unused_frames] == -1).all()
    assert (truth.start[~used] == 0).all()
    assert ((truth.start[used] >= 0) & (truth.start[used] < 1)).all()
    # each block of sequences draws its digits without replacement
    for a in range(0, 500, BLOCK):
        block = truth.digit_index[a:a + BLOCK][used[a:a + BLOCK]]
        assert len(np.unique(block)) == block.size
    assert truth.labels.dtype == np.int16 and truth.digit_index.dtype == np.int64
    assert truth.boxes.dtype == np.int32 and truth.velocity.dtype == np.float64


def test_class_filter(mnist):
    truth = ground_truth(GeneratorConfig(num_sequences=200, classes=(3, 7), seed=1),
                         mnist.images, mnist.labels)
    assert set(np.unique(truth.labels).tolist()) == {3, 7}
    with pytest.raises(DataError, match="no digits of classes"):
        draw(GeneratorConfig(num_sequences=5, classes=(42,), seed=1), mnist.labels)


def test_small_pool_is_walked_again(mnist):
    labels = mnist.labels[:50]
    draws = draw(GeneratorConfig(num_sequences=60, seed=1), labels)  # needs 120 of 50 digits
    counts = np.bincount(draws.digit_index.ravel(), minlength=50)
    assert counts.min() >= 2 and counts.max() <= 3


def test_same_seed_same_set_different_seed_different_set(mnist):
    cfg = GeneratorConfig(num_sequences=50, motion="stochastic", digits=(1, 2), seed=21)
    a = ground_truth(cfg, mnist.images, mnist.labels)
    b = ground_truth(cfg, mnist.images, mnist.labels)
    c = ground_truth(GeneratorConfig(num_sequences=50, motion="stochastic", digits=(1, 2),
                                     seed=22), mnist.images, mnist.labels)
    for key in ("labels", "digit_index", "positions", "start", "velocity", "boxes"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.digit_index, c.digit_index)
    assert not np.array_equal(a.positions, c.positions)


@pytest.mark.parametrize("motion", ["original", "reflect", "stochastic"])
def test_moving_in_blocks_changes_nothing(mnist, motion):
    cfg = GeneratorConfig(num_sequences=50, frames=30, motion=motion, digits=3, seed=8)
    draws = draw(cfg, mnist.labels)
    whole = trajectories(cfg, draws)
    blocks = trajectories(cfg, draws, block=3)
    for a, b in zip(whole, blocks, strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_larger_set_starts_with_the_smaller_one(mnist):
    small = generate(GeneratorConfig(num_sequences=30, motion="stochastic", digits=(1, 3),
                                     seed=5), mnist)
    large = generate(GeneratorConfig(num_sequences=90, motion="stochastic", digits=(1, 3),
                                     seed=5), mnist)
    np.testing.assert_array_equal(small.chunk(0, 30), large.chunk(0, 30))


def test_seed_is_chosen_and_recorded_when_missing(mnist):
    a = generate(GeneratorConfig(num_sequences=5), mnist)
    b = generate(GeneratorConfig(num_sequences=5), mnist)
    assert isinstance(a.generator_config.seed, int)
    assert a.config["seed"] == a.generator_config.seed
    assert a.generator_config.seed != b.generator_config.seed
    again = generate(GeneratorConfig(num_sequences=5, seed=a.config["seed"]), mnist)
    np.testing.assert_array_equal(again.chunk(0, 5), a.chunk(0, 5))


def test_generate_records_source_and_defaults_to_a_dataset():
    seqs = generate(GeneratorConfig(num_sequences=4, seed=1))  # no MNIST configured: embedded
    assert isinstance(seqs, GeneratedSequenceSet)
    assert seqs.config["source"]["name"] == "embedded-mnist"
    assert seqs.config["split"] == "train"
    assert seqs.chunk(0, 4).shape == (4, 20, 64, 64)


def test_config_json_round_trip_and_validation():
    cfg = GeneratorConfig(num_sequences=7, digits=(1, 3), classes=(7, 1), motion="reflect",
                          combine="sum", seed=4)
    text = json.dumps(cfg.to_dict())
    back = GeneratorConfig.from_dict({**json.loads(text), "version": "x", "source": {}})
    assert back == cfg
    assert back.classes == (1, 7)
    assert GeneratorConfig(digits=(2, 2)).digits == 2
    assert GeneratorConfig().digit_range == (2, 2)
    for bad in ({"num_sequences": 0}, {"frames": 0}, {"canvas_size": 20}, {"digits": 0},
                {"digits": (3, 1)}, {"step_length": 0}, {"step_length": 1.5},
                {"motion": "teleport"}, {"combine": "xor"}, {"split": "val"},
                {"seed": -1}, {"digits": "two"}, {"classes": ()}):
        with pytest.raises(DataError):
            GeneratorConfig(**bad)
    with pytest.raises(DataError):
        GeneratorConfig.from_dict({"num_sequences": "many"})


def test_digits_of_another_size_are_resized_as_torchvision_does(mnist):
    from PIL import Image

    seqs = generate(GeneratorConfig(num_sequences=3, digit_size=20, digits=1, seed=1), mnist)
    assert seqs.config["source"]["resized_from"] == [28, 28]
    k = int(seqs.ground_truth.digit_index[0, 0])
    top, left = seqs.ground_truth.positions[0, 0, 0]
    expected = np.asarray(Image.fromarray(mnist.images[k]).resize((20, 20), Image.BILINEAR))
    np.testing.assert_array_equal(seqs.frame(0, 0)[top:top + 20, left:left + 20], expected)
    with pytest.raises(DataError, match="28x28"):
        ground_truth(GeneratorConfig(num_sequences=3, digit_size=20, seed=1), mnist.images,
                     mnist.labels)


def test_velocity_starts_from_the_drawn_direction(mnist):
    cfg = GeneratorConfig(num_sequences=20, seed=12)
    draws = draw(cfg, mnist.labels)
    truth = ground_truth(cfg, mnist.images, mnist.labels, draws)
    np.testing.assert_array_equal(truth.velocity[:, 0, :, 0], np.sin(draws.theta))
    np.testing.assert_array_equal(truth.velocity[:, 0, :, 1], np.cos(draws.theta))
    assert ((draws.theta >= 0) & (draws.theta < 2 * math.pi)).all()
