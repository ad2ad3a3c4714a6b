"""File › Export…: the dialog runs an export in a worker while the window keeps playing.

Exported files are decoded with Pillow / OpenCV and compared with the frames of the sequence
set shown (and, for decorated output, with the core's frame builders).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageSequence
from PyQt6.QtCore import Qt, QThreadPool
from PyQt6.QtGui import QStandardItemModel

from mnist_viewer.core.output import export
from mnist_viewer.core.output.colormaps import colormap
from mnist_viewer.core.output.mosaic import GAP_FILL
from mnist_viewer.ui.export import dialog as export_dialog
from mnist_viewer.ui.export import worker as export_worker


def read_gif(path: Path) -> tuple[np.ndarray, list[int], dict]:
    """(frames (T, H, W, 3) RGB, per-frame delays in ms, info of the first frame)."""
    with Image.open(path) as im:
        info = dict(im.info)
        frames, delays = [], []
        for frame in ImageSequence.Iterator(im):
            frames.append(np.asarray(frame.convert("RGB")))
            delays.append(int(frame.info["duration"]))
    return np.stack(frames), delays, info


def grey(rgb: np.ndarray) -> np.ndarray:
    """The grey level of RGB frames whose three channels are equal (asserted)."""
    assert (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all()
    return rgb[..., 0]


def enlarge(frames: np.ndarray, k: int) -> np.ndarray:
    """Plain nearest-neighbour upscaling of (..., H, W) by k."""
    return frames.repeat(k, axis=-2).repeat(k, axis=-1)


class Gate:
    """Holds an export after its ``hold_at``-th frame until released or cancelled."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, hold_at: int = 2) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.saw_cancel = False
        real = export_worker.run_export

        def gated(request, progress=None, cancel=None):  # type: ignore[no-untyped-def]
            def step(done: int, total: int) -> None:
                if progress is not None:
                    progress(done, total)
                if done == hold_at:
                    self.reached.set()
                    while not self.release.wait(0.005):
                        if cancel is not None and cancel():
                            self.saw_cancel = True
                            return

            return real(request, step, cancel)

        monkeypatch.setattr(export_worker, "run_export", gated)


@pytest.fixture
def dialog(qtbot, window, wait_idle):  # type: ignore[no-untyped-def]
    """The export dialog of a window showing freshly generated Moving MNIST."""
    window.start()
    wait_idle(window)
    dlg = window.open_tool("export")
    qtbot.waitExposed(dlg)
    return dlg


@pytest.fixture
def gate(monkeypatch, window) -> Iterator[Gate]:  # type: ignore[no-untyped-def]
    """An export held halfway (released at teardown, before the window closes)."""
    g = Gate(monkeypatch)
    yield g
    g.release.set()


def run(qtbot, dlg, timeout: int = 20_000) -> list[Path]:  # type: ignore[no-untyped-def]
    """Click Export and wait for the paths written."""
    with qtbot.waitSignal(dlg.exported, timeout=timeout) as blocker:
        qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.is_exporting)
    return blocker.args[0]


def test_current_sequence_gif_is_exact(qtbot, window, dialog, tmp_path) -> None:
    window.model.set_sequence(3)
    window.model.set_fps(20)
    dialog.sync_player()
    target = tmp_path / "seq.gif"
    dialog.set_path(target)
    assert dialog.format_key() == "gif"
    progress: list[tuple[int, int]] = []
    window.workers.job_started.connect(lambda job: job.progress.connect(
        lambda d, t: progress.append((d, t))))
    assert run(qtbot, dialog) == [target]

    frames, delays, info = read_gif(target)
    source = window.content.seqset.sequence(3)
    np.testing.assert_array_equal(grey(frames), source)
    assert info["loop"] == 0  # loops forever
    assert all(d % 10 == 0 for d in delays)
    assert abs(sum(delays) - 1000 * len(source) / 20) <= 10  # 20 fps on average
    # progress advanced to the end, and the preview told the truth
    assert progress and progress[-1] == (len(source), len(source))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    assert dialog.preview_label.text().startswith(f"64 × 64 px · {len(source)} frames")
    assert str(target) in window.status.info.text()
    assert window.settings.last_dir("export") == str(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq.gif"]
    assert not window.test_errors


def test_grid_page_scaled_with_colormap(qtbot, window, dialog, tmp_path) -> None:
    dialog.set_what("grid")
    dialog.what_box.rows_spin.setValue(2)
    dialog.what_box.cols_spin.setValue(3)
    dialog.what_box.page_spin.setValue(3)  # sequences 12..17
    dialog.scale_spin.setValue(2)
    dialog.colormap_combo.setCurrentIndex(dialog.colormap_combo.findData("viridis"))
    dialog.loop_check.setChecked(False)
    dialog.set_path(tmp_path / "grid.gif")
    [path] = run(qtbot, dialog)

    frames, _delays, info = read_gif(path)
    seqs = window.content.seqset
    t = seqs.num_frames
    cell, gap = 64 * 2, 2  # scale 2: cells and separators both doubled
    assert frames.shape == (t, 2 * cell + gap, 3 * cell + 2 * gap, 3)
    assert "loop" not in info  # plays once
    table = colormap("viridis")
    for k, index in enumerate(range(12, 18)):
        r, c = divmod(k, 3)
        y, x = r * (cell + gap), c * (cell + gap)
        expected = table[enlarge(seqs.sequence(index), 2)]
        np.testing.assert_array_equal(frames[:, y:y + cell, x:x + cell], expected)
    assert (frames[:, cell:cell + gap] == table[GAP_FILL]).all()  # the separator row
    w, h = (int(v) for v in dialog.preview_label.text().split(" px")[0].split(" × "))
    assert (h, w) == frames.shape[1:3]


def test_captions_and_boxes_match_the_core(qtbot, window, dialog, tmp_path) -> None:
    window.model.set_sequence(5)
    dialog.captions_check.setChecked(True)
    assert dialog.boxes_check.isEnabled()  # generated sets have ground truth
    dialog.boxes_check.setChecked(True)
    dialog.scale_spin.setValue(3)
    dialog.set_path(tmp_path / "captioned.gif")
    [path] = run(qtbot, dialog)
    frames, _, _ = read_gif(path)
    expected = export.sequence_frames(window.content.seqset, 5, scale=3, captions=True,
                                        boxes=True)
    assert expected.shape[-1] == 3  # boxes in the viewer's slot colours: RGB
    np.testing.assert_array_equal(frames, expected)
    plain = enlarge(window.content.seqset.sequence(5), 3)
    assert (frames != plain[..., None]).any()  # something was burned in


def test_range_writes_one_file_per_sequence(qtbot, window, dialog, tmp_path) -> None:
    dialog.set_what("range")
    assert Path(dialog.path_edit.text()).name == "sequences.gif"  # the name follows the choice
    dialog.what_box.range_from.setValue(7)  # sequences #7..#9, indices as in the file names
    dialog.what_box.range_to.setValue(3)
    assert dialog.what_box.range_to.value() == 7  # never before "from"
    dialog.what_box.range_to.setValue(9)
    dialog.set_path(tmp_path / "many.gif")
    assert "3 files" in dialog.preview_label.text()
    paths = run(qtbot, dialog)
    assert [p.name for p in paths] == ["many_0007.gif", "many_0008.gif", "many_0009.gif"]
    for index, path in zip(range(7, 10), paths, strict=True):
        frames, _, _ = read_gif(path)
        np.testing.assert_array_equal(grey(frames), window.content.seqset.sequence(index))
    assert sorted(tmp_path.iterdir()) == paths
    assert "3 of the files exist" in dialog.note_label.text()  # a second export replaces them


def test_digit_stream_as_a_sheet(qtbot, window, wait_idle, tmp_path) -> None:
    window.panel.set_mode("stream")
    window.generate()
    wait_idle(window)
    window.model.set_frame(40)
    dlg = window.open_tool("export")
    assert dlg.what() == "stream"
    assert not dlg.what_box.buttons["sequence"].isEnabled()  # one 2000-frame "sequence"
    assert not dlg.boxes_check.isEnabled()
    assert dlg.what_box.stream_start.value() == 40  # starts at the digit shown
    dlg.what_box.stream_count.setValue(7)
    dlg.set_format("sheet")
    dlg.set_path(tmp_path / "digits.png")
    [path] = run(qtbot, dlg)
    sheet = np.asarray(Image.open(path))
    digits = window.content.dataset.images[40:47]
    cols = math.ceil(math.sqrt(7))  # about square: 3 × 3 cells of 28 px, 1 px apart
    assert sheet.shape == (3 * 28 + 2, 3 * 28 + 2)
    for k, digit in enumerate(digits):
        r, c = divmod(k, cols)
        np.testing.assert_array_equal(sheet[r * 29:r * 29 + 28, c * 29:c * 29 + 28], digit)
    assert dlg.preview_label.text().startswith("86 × 86 px · 7 frames on one sheet")


def test_file_without_ground_truth_to_lossless_avi(qtbot, window, wait_idle, tmp_path,
                                                   digit_frames) -> None:
    frames = np.concatenate([digit_frames] * 21)[:120]  # (N=120, T=12): unambiguous layout
    source = tmp_path / "moving.npy"
    np.save(source, frames)
    window.open_path(source)
    wait_idle(window)
    window.model.set_sequence(2)
    dlg = window.open_tool("export")
    assert not dlg.boxes_check.isEnabled()
    assert not dlg.what_box.buttons["stream"].isEnabled()  # no dataset behind a file
    dlg.set_format("avi-ffv1")
    dlg.set_path(tmp_path / "lossless.avi")
    assert dlg.format_key() == "avi-ffv1"  # an .avi name keeps the codec chosen
    [path] = run(qtbot, dlg)
    cap = cv2.VideoCapture(str(path))
    decoded = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        decoded.append(frame[..., 0])
    cap.release()
    np.testing.assert_array_equal(np.stack(decoded), frames[2])


def read_avi(path: Path) -> np.ndarray:
    """Every frame of a video as (T, H, W, 3) BGR (OpenCV)."""
    cap = cv2.VideoCapture(str(path))
    decoded = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        decoded.append(frame)
    cap.release()
    return np.stack(decoded)


@pytest.mark.parametrize("fmt", ["avi", "avi-ffv1"])
def test_default_grid_page_to_avi_is_padded_and_says_so(qtbot, window, dialog, tmp_path,
                                                        fmt) -> None:
    dialog.set_what("grid")  # the default 4x4 page: 4 * 64 + 3 = 259 px, odd
    dialog.set_format(fmt)
    dialog.set_path(tmp_path / "grid.avi")
    preview = dialog.preview_label.text()
    assert preview.startswith("260 × 260 px (259 × 259 padded with the background"), preview
    [path] = run(qtbot, dialog)
    got = read_avi(path)
    want = export.grid_frames(window.content.seqset, 4, 4)
    assert got.shape == (window.content.seqset.num_frames, 260, 260, 3)
    if fmt == "avi-ffv1":
        np.testing.assert_array_equal(got[:, :259, :259, 0], want)
        assert not got[:, 259:].any() and not got[:, :, 259:].any()
    else:
        mse = np.mean((got[:, :259, :259, 1].astype(float) - want) ** 2)
        assert 10 * math.log10(255**2 / max(mse, 1e-12)) > 30


def test_mp4_when_imageio_ffmpeg_is_installed(qtbot, window, dialog, tmp_path) -> None:
    pytest.importorskip("imageio_ffmpeg")
    window.model.set_sequence(1)
    dialog.set_format("mp4")
    dialog.set_path(tmp_path / "clip.mp4")
    assert dialog.preview_label.text().startswith("64 × 64 px · 20 frames · 2.00 s at 10 fps")
    [path] = run(qtbot, dialog)
    cap = cv2.VideoCapture(str(path))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, first = cap.read()
    cap.release()
    assert ok and count == window.content.seqset.num_frames and first.shape == (64, 64, 3)
    source = window.content.seqset.sequence(1)[0].astype(float)
    mse = np.mean((first[..., 1].astype(float) - source) ** 2)
    assert 10 * math.log10(255**2 / max(mse, 1e-12)) > 30  # lossy, but the same picture


def test_format_follows_the_name_and_the_choice(qtbot, dialog, tmp_path) -> None:
    dialog.set_path(tmp_path / "a.avi")
    assert dialog.format_key() == "avi"
    dialog.set_format("avi-ffv1")
    assert dialog.path_edit.text() == str(tmp_path / "a.avi")
    dialog.set_format("frames")
    assert dialog.path_edit.text() == str(tmp_path / "a")
    assert "PNG files in 1 folder" in dialog.preview_label.text()
    assert not dialog.fps_spin.isEnabled() and not dialog.loop_check.isEnabled()
    dialog.set_path(tmp_path / "b.png")
    assert dialog.format_key() == "sheet"
    dialog.set_path(tmp_path / "c.jpg")  # unknown: nothing to start, one clear note
    assert not dialog.export_button.isEnabled()
    assert ".jpg" in dialog.note_label.text()


def test_defaults_follow_the_player_and_gif_fps_is_capped(qtbot, window, dialog) -> None:
    dialog.close()
    window.model.set_fps(60)
    window.model.set_loop_mode("once")
    window.set_colormap("magma")
    dlg = window.open_tool("export")
    assert dlg is dialog  # kept and re-shown
    assert dlg.fps_spin.value() == 60 and not dlg.loop_check.isChecked()
    assert dlg.colormap_combo.currentData() == "magma"
    dlg.set_format("gif")
    assert "50 fps" in dlg.fps_note.text()
    assert "at 50 fps" in dlg.preview_label.text()
    assert dlg.request().options.fps == 60  # the core caps GIF delays itself
    dlg.set_format("avi")
    assert dlg.fps_note.text() == "" and "at 60 fps" in dlg.preview_label.text()


def test_mp4_choice_disabled_without_imageio_ffmpeg(qtbot, window, wait_idle, monkeypatch,
                                                    tmp_path) -> None:
    monkeypatch.setattr(export_worker, "mp4_available", lambda: False)
    window.start()
    wait_idle(window)
    dlg = export_dialog.ExportDialog(window)
    qtbot.addWidget(dlg)
    model = dlg.format_combo.model()
    assert isinstance(model, QStandardItemModel)
    item = model.item(dlg.format_combo.findData("mp4"))
    assert item is not None and not item.isEnabled()
    assert "mnist-viewer[mp4]" in item.toolTip()
    dlg.set_path(tmp_path / "x.mp4")
    assert not dlg.export_button.isEnabled()
    assert "pip install" in dlg.note_label.text()


def test_browse_remembers_the_last_export_folder(qtbot, window, dialog, tmp_path,
                                                 monkeypatch) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    calls = []

    def fake(parent, title, start, filters, selected):  # type: ignore[no-untyped-def]
        calls.append(start)
        return str(folder / "clip"), "AVI video (*.avi)"

    monkeypatch.setattr(export_dialog.QFileDialog, "getSaveFileName", staticmethod(fake))
    dialog.choose_path()
    assert dialog.path_edit.text() == str(folder / "clip.avi")
    assert dialog.format_key() == "avi"
    assert window.settings.last_dir("export") == str(folder)
    dialog.path_edit.clear()
    dialog.choose_path()
    assert calls[1] == str(folder)


@pytest.mark.parametrize("where", ["missing-folder", "parent-is-a-file"])
def test_missing_folder_is_refused_before_the_click(qtbot, window, dialog, tmp_path,
                                                    where) -> None:
    if where == "parent-is-a-file":
        (tmp_path / "file.txt").write_text("not a folder")
        folder = tmp_path / "file.txt"
    else:
        folder = tmp_path / "nowhere"
    before = sorted(tmp_path.iterdir())
    dialog.set_path(folder / "out.gif")
    assert dialog.preview_label.text() == f"The folder {folder} does not exist"
    assert not dialog.export_button.isEnabled()
    dialog.set_format("frames")  # a folder of frames inside a missing folder: the same
    assert "does not exist" in dialog.preview_label.text()
    assert not dialog.export_button.isEnabled()
    assert dialog.start_export() is None and not dialog.is_exporting  # refused, one line
    [message] = window.test_errors
    assert "\n" not in message and str(folder) in message and "folder" in message
    assert sorted(tmp_path.iterdir()) == before
    dialog.set_path(tmp_path / "out.gif")  # an existing folder: ready again
    assert dialog.export_button.isEnabled() and "does not exist" not in (
        dialog.preview_label.text())


def test_failing_export_reports_one_line(qtbot, window, dialog, tmp_path) -> None:
    target = tmp_path / "busy"
    target.mkdir()  # frames into a folder holding other files: the writer refuses it
    (target / "notes.txt").write_text("keep me")
    before = sorted(tmp_path.iterdir())
    dialog.set_path(target)
    assert dialog.format_key() == "frames" and dialog.export_button.isEnabled()
    with qtbot.waitSignal(window.error_reported, timeout=20_000) as blocker:
        assert dialog.start_export() is not None  # fails in the worker
    qtbot.waitUntil(lambda: not dialog.is_exporting)
    [message] = window.test_errors
    assert message == blocker.args[0] and "\n" not in message
    assert str(target) in message and "folder" in message
    assert dialog.message_label.text() == message
    assert window.status.last_error == message
    assert sorted(tmp_path.iterdir()) == before  # no temporary file left
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    assert dialog.export_button.isEnabled()  # ready for another try


def test_cancel_stops_the_export_and_leaves_no_file(qtbot, window, dialog, gate,
                                                    tmp_path) -> None:
    target = tmp_path / "cancelled.gif"
    dialog.set_path(target)
    job = dialog.start_export()
    assert job is not None and dialog.is_exporting and not dialog.export_button.isEnabled()
    qtbot.waitUntil(gate.reached.is_set)
    qtbot.waitUntil(lambda: dialog.progress_bar.value() >= 1)  # progress arrives meanwhile
    assert dialog.progress_bar.maximum() == window.content.seqset.num_frames
    with qtbot.waitSignal(job.cancelled):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_exporting)
    assert gate.saw_cancel
    assert list(tmp_path.iterdir()) == []
    assert "cancelled" in dialog.message_label.text()
    assert not window.test_errors


def test_window_keeps_playing_during_an_export(qtbot, window, dialog, gate, tmp_path) -> None:
    window.model.set_fps(50)
    window.model.play()
    dialog.set_path(tmp_path / "while-playing.gif")
    job = dialog.start_export()
    qtbot.waitUntil(gate.reached.is_set)
    seen: list[int] = []
    window.model.frame_changed.connect(seen.append)
    qtbot.waitUntil(lambda: len(seen) >= 5, timeout=10_000)
    assert job.is_running and window.model.is_playing  # frames advanced mid-export
    assert window.status.progress_visible  # the status bar shows the export too
    dialog.close()  # closing the dialog leaves the export running in the background
    assert job.is_running and dialog.is_exporting
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        gate.release.set()
    assert window.model.is_playing
    assert "while-playing.gif" in window.status.info.text()
    window.model.pause()
    frames, _, _ = read_gif(tmp_path / "while-playing.gif")
    assert len(frames) == window.content.seqset.num_frames


def test_closing_the_window_cancels_the_export(qtbot, window, dialog, gate, tmp_path) -> None:
    dialog.set_path(tmp_path / "closing.gif")
    job = dialog.start_export()
    assert job is not None
    qtbot.waitUntil(gate.reached.is_set)
    window.model.play()
    window.close()
    assert gate.saw_cancel and not job.is_running
    assert not window.workers.is_busy() and not window.model.timer.isActive()
    pool = QThreadPool.globalInstance()
    assert pool is not None and pool.activeThreadCount() == 0
    assert not dialog.isVisible() and not dialog.is_exporting
    assert list(tmp_path.iterdir()) == []
    assert not window.test_errors


def test_options_follow_the_player_until_edited_here(qtbot, window, dialog) -> None:
    assert dialog.isVisible()
    window.model.set_fps(24)  # while the dialog is open
    window.model.set_loop_mode("once")
    window.set_colormap("viridis")
    assert dialog.fps_spin.value() == 24 and not dialog.loop_check.isChecked()
    assert dialog.colormap_combo.currentData() == "viridis"
    dialog.fps_spin.setValue(7)  # the user's own choices stay
    dialog.colormap_combo.setCurrentIndex(dialog.colormap_combo.findData("magma"))
    window.model.set_fps(30)
    window.model.set_loop_mode("loop")
    window.set_colormap("grey")
    assert dialog.fps_spin.value() == 7 and dialog.colormap_combo.currentData() == "magma"
    assert dialog.loop_check.isChecked()  # not edited: still follows
    dialog.close()
    window.model.set_fps(60)
    assert window.open_tool("export") is dialog  # re-shown: the user's choices are kept
    assert dialog.fps_spin.value() == 7 and dialog.colormap_combo.currentData() == "magma"
    assert dialog.request().options.fps == 7


def test_grid_export_defaults_to_the_grid_dialog(qtbot, window, wait_idle) -> None:
    from mnist_viewer.ui.grid.dialog import MAX_SIDE

    window.start()
    wait_idle(window)
    grid = window.open_tool("grid")
    grid.set_grid(2, 3)
    grid.set_page(2)
    dlg = window.open_tool("export")
    box = dlg.what_box
    assert (box.rows_spin.value(), box.cols_spin.value(), box.page_spin.value()) == (2, 3, 3)
    dlg.set_what("grid")
    assert dlg.request().page == 2 and (dlg.request().rows, dlg.request().cols) == (2, 3)
    assert box.rows_spin.maximum() == box.cols_spin.maximum() == MAX_SIDE
    assert grid.rows_spin.maximum() == MAX_SIDE
    box.rows_spin.setValue(4)  # chosen here: re-showing keeps it
    dlg.close()
    grid.set_grid(5, 5)
    window.open_tool("export")
    assert (box.rows_spin.value(), box.cols_spin.value()) == (4, 3)


def test_captions_and_boxes_choices_are_remembered(qtbot, window, dialog, tmp_path) -> None:
    from mnist_viewer.ui.export.dialog import ExportDialog

    dialog.captions_check.setChecked(True)
    dialog.boxes_check.setChecked(True)
    dialog.set_path(tmp_path / "one.gif")
    run(qtbot, dialog)
    again = ExportDialog(window)  # as after a restart: read from the settings
    assert again.captions_check.isChecked() and again.boxes_check.isChecked()
    again.close()
