"""Motion models against restatements of their peers' rules: SVG (edenton/svg
data/moving_mnist.py), TFDS (tensorflow_datasets/video/moving_sequence.py), and stochastic."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_viewer.core.generation import GeneratorConfig, generate, ground_truth
from mnist_viewer.core.generation.draws import draw
from mnist_viewer.core.generation.motion import trajectories
from mnist_viewer.core.generation.single import move_one
from mnist_viewer.core.sources.datasets import Dataset, load_dataset


@pytest.fixture(scope="module")
def mnist(mnist_dir) -> Dataset:
    return load_dataset(mnist_dir, "train")


def svg_restated(digits, start, velocity, redraw, frames, size, deterministic):
    """SVG's __getitem__, one digit at a time, reading its random redraws from ``redraw``
    ((T, D, 4): |dy| and dx at a y wall, |dx| and dy at an x wall) instead of np.random."""
    x = np.zeros((frames, size, size), dtype=np.float32)
    for n, digit in enumerate(digits):
        sy, sx = (int(v) for v in start[n])
        dy, dx = (int(v) for v in velocity[n])
        for t in range(frames):
            r = redraw[t, n] if redraw is not None else None
            if sy < 0:
                sy = 0
                if deterministic:
                    dy = -dy
                else:
                    dy, dx = int(r[0]), int(r[1])
            elif sy >= size - 32:
                sy = size - 32 - 1
                if deterministic:
                    dy = -dy
                else:
                    dy, dx = -int(r[0]), int(r[1])
            if sx < 0:
                sx = 0
                if deterministic:
                    dx = -dx
                else:
                    dx, dy = int(r[2]), int(r[3])
            elif sx >= size - 32:
                sx = size - 32 - 1
                if deterministic:
                    dx = -dx
                else:
                    dx, dy = -int(r[2]), int(r[3])
            x[t, sy:sy + 32, sx:sx + 32] += digit
            sy += dy
            sx += dx
    x[x > 1] = 1.0
    return x


@pytest.mark.parametrize("motion", ["svg", "svg-deterministic"])
def test_svg_frames_equal_svgs_code_given_the_same_draws(mnist, motion):
    cfg = GeneratorConfig(num_sequences=40, frames=30, motion=motion, seed=3)
    assert cfg.digit_size == 32 and cfg.combine == "sum"  # SVG's digits and sum
    seqs = generate(cfg, mnist)
    draws = draw(seqs.generator_config, mnist.labels)
    frames = seqs.chunk(0, 40)
    hits = 0
    for i in range(40):
        digits = []
        for k in draws.digit_index[i]:
            resized = Image.fromarray(mnist.images[k]).resize((32, 32), Image.BILINEAR)
            digits.append(np.asarray(resized, dtype=np.float32) / 255)  # ToTensor
        redraw = None if draws.redraw is None else draws.redraw[i]
        expected = svg_restated(digits, draws.pixel_start[i], draws.pixel_velocity[i],
                                redraw, 30, 64, motion == "svg-deterministic")
        np.testing.assert_array_equal(frames[i], np.round(expected * 255).astype(np.uint8))
        pos = seqs.ground_truth.positions[i]
        hits += int(((pos == 0) | (pos == 31)).sum())
    assert hits > 100  # walls were hit, so the redraw / flip rules were exercised
    assert (np.abs(draws.pixel_velocity) <= 4).all()


def test_svg_velocities_after_a_wall_point_away_from_it(mnist):
    cfg = GeneratorConfig(num_sequences=300, frames=40, motion="svg", seed=8)
    truth = generate(cfg, mnist).ground_truth
    pos = np.asarray(truth.positions).astype(int)
    v = np.rint(np.asarray(truth.velocity) * cfg.step_length * cfg.travel).astype(int)
    assert (np.abs(v) <= 4).all() and pos.min() == 0 and pos.max() == 31
    before = pos[:, :-1] + v[:, :-1]  # where each digit went, before the wall rule
    low, high = before < 0, before >= 32
    assert low.sum() > 100 and high.sum() > 100
    for axis in (0, 1):
        other = 1 - axis
        # a later x hit redraws vy, so the y rule is seen alone only without one
        alone = ~(low[..., other] | high[..., other]) if axis == 0 else np.ones_like(low[..., 0])
        after = v[:, 1:, :, axis]
        assert ((after >= 1) & (after <= 4))[low[..., axis] & alone].all()
        assert ((after >= -4) & (after <= -1))[high[..., axis] & alone].all()
    no_hit = ~(low | high).any(axis=-1)
    np.testing.assert_array_equal(v[:, 1:][no_hit], v[:, :-1][no_hit])


def tfds_restated(start, velocity, frames, travel):
    """TFDS: trajectory = start + velocity * t in float32, p % 2 folded, rounded (half even)."""
    t = np.arange(frames, dtype=np.float32)
    traj = start.astype(np.float32)[None, :] + velocity.astype(np.float32)[None, :] * t[:, None]
    traj = traj % np.float32(2)
    traj = np.minimum(np.float32(2) - traj, traj)
    return np.round(traj * np.float32(travel)).astype(np.int32)


def test_tfds_placements_equal_its_formula(mnist):
    cfg = GeneratorConfig(num_sequences=80, frames=60, motion="tfds", step_length=0.23, seed=2)
    seqs = generate(cfg, mnist)
    draws = draw(cfg, mnist.labels)
    truth = seqs.ground_truth
    for i in range(80):
        for d in range(2):
            v = draws.direction[i, d].astype(np.float32) * np.float32(0.23)
            expected = tfds_restated(draws.start[i, d], v, 60, 36)
            np.testing.assert_array_equal(truth.positions[i, :, d], expected)
    # frame 0 is at the start position (no initial step)
    np.testing.assert_array_equal(truth.positions[:, 0], np.round(
        draws.start.astype(np.float32) * np.float32(36)).astype(np.int32))
    # and the frames are the patches placed there, combined by max as TFDS's example
    frame = np.zeros((64, 64), dtype=np.uint8)
    for d in range(2):
        top, left = truth.positions[5, 7, d]
        region = frame[top:top + 28, left:left + 28]
        np.maximum(region, mnist.images[truth.digit_index[5, d]], out=region)
    np.testing.assert_array_equal(seqs.frame(5, 7), frame)


def test_stochastic_new_directions_always_point_inward(mnist):
    cfg = GeneratorConfig(num_sequences=2000, frames=40, motion="stochastic", step_length=0.35,
                          seed=13)
    truth = ground_truth(cfg, mnist.images, mnist.labels)
    p = truth.start.copy()
    bounces = 0
    for t in range(cfg.frames - 1):
        v, nxt = truth.velocity[:, t], truth.velocity[:, t + 1]
        moved = p + v * cfg.step_length
        low, high = moved <= 0, moved >= 1
        p = np.clip(moved, 0, 1)
        assert (nxt[low] > 0).all() and (nxt[high] < 0).all()
        bounces += int((low | high).any(axis=-1).sum())
    assert bounces > 10_000


@pytest.mark.parametrize("motion", ["original", "reflect", "stochastic", "tfds", "svg",
                                    "svg-deterministic"])
def test_one_sequence_path_equals_the_vectorised_one(mnist, motion):
    cfg = GeneratorConfig(num_sequences=300, frames=25, motion=motion, digits=(1, 3),
                          step_length=0.3, seed=17)
    draws = draw(cfg, mnist.labels)
    positions, velocity = trajectories(cfg, draws)
    for i in range(300):
        pos, vel = move_one(cfg, draws, i)
        assert pos.tobytes() == positions[i].tobytes()
        assert vel.tobytes() == velocity[i].tobytes()
