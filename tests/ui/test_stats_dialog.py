"""The statistics dialog: numbers on screen equal plain numpy computations, offscreen."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import Qt

from mnist_viewer.core.generation import GeneratorConfig
from mnist_viewer.core.sequences import ArraySequenceSet, SequenceSet
from mnist_viewer.core.sources.datasets import embedded_dataset
from mnist_viewer.ui import content as ct


def diff_moments(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel mean, std and mean |d| of d = f[t+1] - f[t] for (T, H, W) or (N, T, H, W)."""
    signed = frames.astype(np.int64)
    d = np.diff(signed, axis=-3).reshape(-1, *frames.shape[-2:]).astype(np.float64)
    return d.mean(axis=0), d.std(axis=0), np.abs(d).mean(axis=0)


def open_stats(qtbot, window):  # type: ignore[no-untyped-def]
    dialog = window.open_tool("stats")
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(dialog.is_ready, timeout=20_000)
    return dialog


def wait_ready(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(dialog.is_ready, timeout=20_000)


@pytest.fixture
def moving(window):  # type: ignore[no-untyped-def]
    """The window showing 24 generated sequences of 12 frames (real embedded MNIST digits)."""
    config = GeneratorConfig(num_sequences=24, frames=12, seed=11)
    window.set_content(ct.generated(config, embedded_dataset("train")))
    return window


def test_current_sequence_statistics_equal_numpy(qtbot, moving) -> None:
    seqset, model = moving.content.seqset, moving.model
    model.set_sequence(3)
    dialog = open_stats(qtbot, moving)
    assert dialog.scope == "sequence"
    frames = seqset.sequence(3)
    mean, std, absolute = diff_moments(frames)
    np.testing.assert_allclose(dialog.diff_panel.mean.shown, mean, atol=1e-9)
    np.testing.assert_allclose(dialog.diff_panel.std.shown, std, atol=1e-9)
    assert f"{mean.mean():.4f}" in dialog.diff_panel.summary.text()
    assert f"{absolute.mean():.3f}" in dialog.diff_panel.summary.text()
    levels = dialog.diff_panel.mean.bar.levels()  # signed mean: symmetric colour bar
    assert levels[0] == -levels[1] == -np.abs(mean).max()
    energy = np.abs(np.diff(frames.astype(np.int64), axis=0)).mean(axis=(1, 2))
    np.testing.assert_allclose(dialog.motion_panel.curve_data(), energy, atol=1e-9)
    # ground truth of that one sequence: labels and the path of each digit's patch centre
    gt = seqset.ground_truth
    heights = dialog.gt_panel.bar_items["labels"].opts["height"]
    assert list(heights) == list(np.bincount(gt.labels[3][gt.labels[3] >= 0], minlength=10))
    x, y = dialog.gt_panel.path_items[0].getData()
    np.testing.assert_allclose(x[:-1], gt.positions[3, :, 0, 1] + 14.0)
    np.testing.assert_allclose(y[:-1], gt.positions[3, :, 0, 0] + 14.0)
    # another sequence in the main window: the statistics follow
    model.set_sequence(7)
    wait_ready(qtbot, dialog)
    np.testing.assert_allclose(dialog.diff_panel.mean.shown, diff_moments(seqset.sequence(7))[0],
                               atol=1e-9)


def test_whole_set_statistics_equal_numpy(qtbot, moving) -> None:
    seqset = moving.content.seqset
    dialog = open_stats(qtbot, moving)
    dialog.set_scope("set")
    wait_ready(qtbot, dialog)
    frames = seqset.chunk(0, seqset.num_sequences)
    mean, std, _ = diff_moments(frames)
    np.testing.assert_allclose(dialog.diff_panel.mean.shown, mean, atol=1e-9)
    np.testing.assert_allclose(dialog.diff_panel.std.shown, std, atol=1e-9)
    energy = np.abs(np.diff(frames.astype(np.int64), axis=1)).mean(axis=(2, 3))
    np.testing.assert_allclose(dialog.motion_panel.curve_data(), energy.mean(axis=0), atol=1e-9)
    gt = seqset.ground_truth
    counts = np.bincount(gt.labels[gt.labels >= 0], minlength=10)
    assert list(dialog.gt_panel.bar_items["labels"].opts["height"]) == list(counts)
    # overlap: some pair of ink boxes (x0, y0, x1, y1; exclusive) shares a pixel
    b = gt.boxes.astype(np.int64)
    a0, a1 = b[:, :, 0], b[:, :, 1]
    meet = ((a0[..., 0] < a1[..., 2]) & (a1[..., 0] < a0[..., 2])
            & (a0[..., 1] < a1[..., 3]) & (a1[..., 1] < a0[..., 3])
            & (a0[..., 0] >= 0) & (a1[..., 0] >= 0))
    assert f"{100 * meet.mean():.1f}% of the frames" in dialog.gt_panel.summary.text()
    assert dialog.gt_panel.note.isHidden() and not dialog.gt_panel.graphics.isHidden()


def test_a_set_without_ground_truth_says_what_is_missing(qtbot, window, wait_idle,
                                                         digit_frames, tmp_path) -> None:
    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, np.ascontiguousarray(digit_frames.transpose(1, 0, 2, 3)))  # (T, N, H, W)
    window.open_sequences(path)
    wait_idle(window)
    assert window.content.seqset.ground_truth is None
    dialog = open_stats(qtbot, window)
    dialog.set_scope("set")
    wait_ready(qtbot, dialog)
    mean, std, _ = diff_moments(digit_frames)  # computable from the frames alone
    np.testing.assert_allclose(dialog.diff_panel.mean.shown, mean, atol=1e-9)
    np.testing.assert_allclose(dialog.diff_panel.std.shown, std, atol=1e-9)
    assert dialog.statistics.missing
    note = dialog.gt_panel.note
    assert not note.isHidden() and dialog.gt_panel.graphics.isHidden()
    for words in ("trajectories", "speed", "direction", "overlap", "label counts",
                  "needs ground truth"):
        assert words in note.text()
    assert "not in this set" in dialog.tabs.tabText(dialog.tabs.indexOf(dialog.gt_panel))
    dialog.tabs.setCurrentIndex(4)  # the digit stream: there are no dataset digits here
    wait_ready(qtbot, dialog)
    assert "No dataset digits" in dialog.stream_panel.note.text()


def test_compare_identical_sequences_is_zero(qtbot, window, digit_frames) -> None:
    frames = np.stack([digit_frames[0], digit_frames[0], digit_frames[2]])
    window.set_content(ct.Content(ArraySequenceSet(frames), "file", "three"))
    dialog = open_stats(qtbot, window)
    dialog.tabs.setCurrentWidget(dialog.compare_panel)
    dialog.compare_panel.set_request("sequences", 0, 1)
    wait_ready(qtbot, dialog)
    c = dialog.comparison.comparison
    assert c.identical and c.mean_distance == 0.0 and c.frames_rms == 0.0
    assert not np.any(dialog.compare_panel.mean_diff.shown)
    assert "0.0000" in dialog.compare_panel.distance.text()
    assert "identical" in dialog.compare_panel.summary.text()
    dialog.compare_panel.set_request("sequences", 0, 2)
    wait_ready(qtbot, dialog)
    mean_a, std_a, _ = diff_moments(frames[0])
    mean_b, std_b, _ = diff_moments(frames[2])
    np.testing.assert_allclose(dialog.compare_panel.mean_diff.shown, mean_a - mean_b, atol=1e-9)
    np.testing.assert_allclose(dialog.compare_panel.std_diff.shown, std_a - std_b, atol=1e-9)
    distance = np.abs(mean_a - mean_b).mean()
    assert distance > 0 and f"{distance:.4f}" in dialog.compare_panel.distance.text()


def test_digit_stream_and_digit_comparison(qtbot, window) -> None:
    dataset = embedded_dataset("train")
    window.set_content(ct.digit_stream(dataset))
    window.model.set_frame(30)
    dialog = open_stats(qtbot, window)
    assert dialog.needed() == "stream"  # the stream opens on its own tab
    _mean, std, absolute = diff_moments(dataset.images)
    np.testing.assert_allclose(dialog.stream_panel.abs_mean.shown, absolute, atol=1e-9)
    np.testing.assert_allclose(dialog.stream_panel.std.shown, std, atol=1e-9)
    dialog.stream_first.setValue(10)
    dialog.stream_count.setValue(100)
    wait_ready(qtbot, dialog)
    np.testing.assert_allclose(dialog.stream_panel.abs_mean.shown,
                               diff_moments(dataset.images[10:110])[2], atol=1e-9)
    assert dialog.stream_panel.mean is None  # it telescopes: (last − first) / (count − 1)
    assert "telescopes" in dialog.stream_panel.caption.text()
    assert "Digit stream tab" in dialog.diff_panel.note.text()  # no set statistics here
    dialog.tabs.setCurrentWidget(dialog.compare_panel)
    wait_ready(qtbot, dialog)  # digits 30 and 31 of the stream by default
    result = dialog.comparison
    assert (result.kind, result.a, result.b) == ("digits", 30, 31)
    diff = dataset.images[30].astype(np.float64) - dataset.images[31]
    np.testing.assert_allclose(dialog.compare_panel.digit_diff.shown, diff)
    assert f"{np.abs(diff).mean():.3f}" in dialog.compare_panel.distance.text()
    dialog.compare_panel.set_request("digits", 5, 5)
    wait_ready(qtbot, dialog)
    assert dialog.comparison.digits.rms == 0.0
    assert "identical" in dialog.compare_panel.summary.text()


def test_saving_csv_and_png(qtbot, moving, tmp_path: Path) -> None:
    dialog = open_stats(qtbot, moving)
    seqset = moving.content.seqset
    mean = diff_moments(seqset.sequence(0))[0]
    dialog.save_csv(tmp_path / "stats.csv", "statistics")
    with open(tmp_path / "stats.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["statistic", "key", "value"]
    values = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert float(values[("diff_mean", "")]) == pytest.approx(mean.mean(), abs=1e-12)
    assert int(values[("num_sequences", "")]) == 1
    dialog.save_csv(tmp_path / "mean.csv", "mean")
    np.testing.assert_allclose(np.loadtxt(tmp_path / "mean.csv", delimiter=","), mean, atol=1e-12)
    dialog.save_png(tmp_path / "diff.png")
    with Image.open(tmp_path / "diff.png") as image:
        size = image.size
    page = dialog.tabs.currentWidget()
    assert size == (page.width(), page.height())
    dialog.save_figure(tmp_path / "diff-figure.png", 900)  # the plots, drawn again at 900 px
    with Image.open(tmp_path / "diff-figure.png") as image:
        assert image.size[0] == 900
    dialog.save_figure(tmp_path / "diff.svg")
    assert (tmp_path / "diff.svg").read_text().lstrip().startswith("<?xml")
    assert [w for w, _ in dialog.csv_choices()] == ["statistics", "abs_mean", "std", "mean"]
    # a folder that does not exist: an error naming the target, and no file left behind
    from mnist_viewer.core.errors import DataError

    with pytest.raises(DataError, match=r"missing/x\.png: cannot write there"):
        dialog.save_png(tmp_path / "missing" / "x.png")
    assert not (tmp_path / "missing").exists()
    dialog.tabs.setCurrentWidget(dialog.compare_panel)
    wait_ready(qtbot, dialog)
    dialog.save_csv(tmp_path / "compare.csv", "statistics")
    with open(tmp_path / "compare.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert ["kind", "sequences"] in rows and ["a", "0"] in rows and ["b", "1"] in rows


class BlockingSet(SequenceSet):
    """A set whose chunks wait for a go-ahead, so a whole-set job is still running."""

    def __init__(self, frames: np.ndarray) -> None:
        n, t, h, w = frames.shape
        super().__init__(n, t, h, w)
        self.frames = frames
        self.go = threading.Event()
        self.started = threading.Event()

    def chunk(self, start: int, stop: int) -> np.ndarray:
        if stop - start > 1:  # the whole-set job, not the current sequence
            self.started.set()
            self.go.wait(10)
        return self.frames[start:stop]


def test_cancel_a_whole_set_computation(qtbot, window, digit_frames) -> None:
    seqset = BlockingSet(np.concatenate([digit_frames] * 25))  # 150 sequences: 3 chunks
    window.set_content(ct.Content(seqset, "file", "blocking"))
    dialog = open_stats(qtbot, window)
    shown = dialog.diff_panel.mean.shown.copy()  # the current sequence
    dialog.set_scope("set")
    qtbot.waitUntil(seqset.started.is_set)
    assert dialog.progress_bar.isVisibleTo(dialog) and dialog.cancel_button.isVisibleTo(dialog)
    assert not dialog.is_ready()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    seqset.go.set()
    qtbot.waitUntil(lambda: not window.workers.is_busy())
    assert dialog.status_label.text() == "Cancelled."
    assert not dialog.progress_bar.isVisibleTo(dialog)
    np.testing.assert_array_equal(dialog.diff_panel.mean.shown, shown)  # nothing new shown
    dialog.tabs.setCurrentIndex(1)  # no automatic restart after a cancel...
    assert not window.workers.is_busy()
    qtbot.mouseClick(dialog.compute_button, Qt.MouseButton.LeftButton)  # ...until asked
    wait_ready(qtbot, dialog)
    np.testing.assert_allclose(dialog.diff_panel.mean.shown, diff_moments(seqset.frames)[0],
                               atol=1e-9)


def test_stats_screenshot(tmp_path: Path) -> None:
    out = tmp_path / "stats.png"
    result = subprocess.run([sys.executable, "-m", "mnist_viewer", "--screenshot", str(out),
                             "--view", "stats"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert Image.open(out).size == (1100, 720)  # the main view's size, not the 800 px screen
    rgb = np.asarray(Image.open(out).convert("RGB")).astype(np.int16)
    red = (rgb[..., 0] > 150) & (rgb[..., 2] < 110)  # the diverging map's positive side
    blue = (rgb[..., 2] > 150) & (rgb[..., 0] < 110)  # and its negative side
    assert red.sum() > 500 and blue.sum() > 500
