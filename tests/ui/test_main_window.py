"""The main window, driven like a user would: keys, slider, menus, files, settings."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import QApplication

from mnist_viewer.core.sources.datasets import embedded_path
from mnist_viewer.ui import content as ct
from mnist_viewer.ui.player.menus import TOOLS


def read_idx_gz(path: Path) -> np.ndarray:
    """Plain reader for the IDX .gz files of MNIST (independent of the package's reader)."""
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def shown(win) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(win.view.image_item.image)


def ink_box(image: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(image)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def press(qtbot, win, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(win.view, key)


def test_default_start_shows_generated_moving_digits(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    c = window.content
    assert c.mode == "moving"
    assert c.dataset.name == "embedded-mnist"  # nothing else available in the test home
    assert c.seqset.layout == "generated" and c.seqset.num_sequences == 10_000
    assert all(a.isEnabled() for a in window.menus.overlays.values())
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    image = shown(window)
    assert image.shape == (64, 64) and image.max() > 200
    # every lit pixel lies inside one of the digits' ink boxes drawn as overlays
    inside = np.zeros_like(image, dtype=bool)
    for slot in window.view.overlay_items():
        r = slot.box.rect()
        inside[int(r.top()):int(r.bottom()), int(r.left()):int(r.right())] = True
    assert not (image > 0)[~inside].any()
    assert len(window.view.overlay_items()) == 2


def test_embedded_subset_is_named_in_the_status_bar(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    assert window.content.warnings == (ct.EMBEDDED_WARNING,)
    text = window.status.info.text()
    assert "small embedded subset" in text and "not the full MNIST" in text
    assert "Download MNIST" in window.status.info.toolTip()


def test_a_truncated_keras_cache_does_not_block_the_start(qtbot, window, wait_idle) -> None:
    from mnist_viewer.core.sources.keras import keras_cache_file

    keras = keras_cache_file()
    keras.parent.mkdir(parents=True)
    keras.write_bytes(b"PK\x03\x04" + bytes(64))  # what a failed download leaves
    window.start()
    wait_idle(window)
    assert window.content.dataset.is_embedded  # the next source, not an empty window
    qtbot.waitUntil(lambda: window.view.paint_count > 0)
    assert shown(window).max() > 200
    tip = window.status.info.toolTip()
    assert f"the Keras cache {keras} is skipped" in tip
    assert keras.read_bytes() == b"PK\x03\x04" + bytes(64)


def test_single_digit_mode_box_matches_the_ink(qtbot, window, wait_idle) -> None:
    window.panel.set_mode("single")
    window.generate()
    wait_idle(window)
    assert window.content.mode == "single"
    assert np.all(window.content.seqset.ground_truth.labels >= 0)
    for t in (0, 5, 11, 19):
        window.model.set_frame(t)
        [slot] = window.view.overlay_items()
        r = slot.box.rect()
        assert (int(r.left()), int(r.top()), int(r.right()), int(r.bottom())) == ink_box(
            shown(window))
        assert slot.label.toPlainText() == str(window.content.seqset.ground_truth.labels[0, 0])


def test_keys_step_and_jump(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    m, t = window.model, window.model.num_frames
    seq0 = window.content.seqset.sequence(0)
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Period)
    assert m.frame_index == 2
    np.testing.assert_array_equal(shown(window), seq0[2])
    press(qtbot, window, Qt.Key.Key_Comma)
    assert m.frame_index == 1
    press(qtbot, window, Qt.Key.Key_Left)
    press(qtbot, window, Qt.Key.Key_Left)  # stops at the first frame, even in loop mode
    assert m.frame_index == 0
    press(qtbot, window, Qt.Key.Key_Home)
    assert m.frame_index == 0
    press(qtbot, window, Qt.Key.Key_End)
    assert m.frame_index == t - 1
    press(qtbot, window, Qt.Key.Key_PageDown)
    press(qtbot, window, Qt.Key.Key_PageDown)
    press(qtbot, window, Qt.Key.Key_PageUp)
    assert m.sequence_index == 1
    np.testing.assert_array_equal(shown(window), window.content.seqset.sequence(1)[t - 1])
    assert window.transport.frame_label.text() == f"frame #{t - 1} of {t}"  # indices from 0
    assert window.transport.sequence_spin.value() == 1  # indices from 0, as in files
    press(qtbot, window, Qt.Key.Key_Space)
    assert m.is_playing and window.player_actions.play.isChecked()
    press(qtbot, window, Qt.Key.Key_Space)
    assert not m.is_playing and not m.timer.isActive()


def test_play_advances_with_time(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    window.model.set_fps(60)
    seen: set[int] = set()
    window.model.frame_changed.connect(seen.add)
    window.player_actions.play.trigger()
    qtbot.waitUntil(lambda: len(seen) >= 10, timeout=10_000)
    window.player_actions.play.trigger()
    assert not window.model.timer.isActive()


def test_scrubbing_sets_the_frame_live_and_resumes(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    slider, m = window.transport.slider, window.model
    seq = window.content.seqset.sequence(0)
    m.play()
    slider.setSliderDown(True)  # what a mouse press on the handle does
    assert not m.is_playing  # paused while dragging
    for value in (3, 9, 14):
        slider.setSliderPosition(value)  # each mouse move while dragging
        assert m.frame_index == value
        np.testing.assert_array_equal(shown(window), seq[value])
    slider.setSliderDown(False)
    assert m.is_playing  # playing again after the release
    m.pause()


def test_digit_stream_steps_through_the_dataset(qtbot, window, wait_idle) -> None:
    images = read_idx_gz(embedded_path() / "train-images-idx3-ubyte.gz")
    labels = read_idx_gz(embedded_path() / "train-labels-idx1-ubyte.gz")
    window.panel.set_mode("stream")
    window.generate()
    wait_idle(window)
    assert window.model.num_sequences == 1 and window.model.num_frames == len(images)
    for i in (0, 1, 777, len(images) - 1):
        window.model.set_frame(i)
        np.testing.assert_array_equal(shown(window), images[i])
        assert window.status.caption.text() == f"x_train[{i}] · label {labels[i]}"
        assert window.transport.frame_label.text() == f"digit #{i} of {len(images)}"
    assert window.transport.sequence_spin.isHidden()  # one stream: no sequence to pick


def _write_keras_npz(path: Path) -> None:
    d = embedded_path()
    np.savez(path, x_train=read_idx_gz(d / "train-images-idx3-ubyte.gz"),
             y_train=read_idx_gz(d / "train-labels-idx1-ubyte.gz"),
             x_test=read_idx_gz(d / "t10k-images-idx3-ubyte.gz"),
             y_test=read_idx_gz(d / "t10k-labels-idx1-ubyte.gz"))


@pytest.mark.parametrize("kind", ["folder", "idx-file", "keras-npz"])
def test_opening_datasets(qtbot, window, wait_idle, mnist_dir, tmp_path, kind) -> None:
    window.panel.set_mode("stream")
    if kind == "folder":
        path, split, expected = mnist_dir, "train", mnist_dir / "train-images-idx3-ubyte.gz"
    elif kind == "idx-file":
        path = mnist_dir / "t10k-images-idx3-ubyte.gz"
        split, expected = "test", path
    else:
        path = tmp_path / "mnist.npz"
        _write_keras_npz(path)
        split, expected = "train", embedded_path() / "train-images-idx3-ubyte.gz"
    images = read_idx_gz(expected)
    window.open_path(path)
    wait_idle(window, timeout=60_000)
    c = window.content
    assert c.dataset.split == split and len(c.dataset) == len(images)
    for i in (0, len(images) // 2, len(images) - 1):
        window.model.set_frame(i)
        np.testing.assert_array_equal(shown(window), images[i])
    assert window.settings.recent_files()[0] == str(Path(path).resolve())
    assert window.panel.data_source() == ct.DataSource("path", str(path))


@pytest.mark.parametrize(
    "layout", ["mnist_test_seq", "torchvision", "torchvision_channel", "npz", "predrnn"])
def test_opening_sequence_files(qtbot, window, wait_idle, tmp_path, digit_frames, layout) -> None:
    frames = np.concatenate([digit_frames] * 21)[:120]  # N = 120 > 100: N and T are clear
    if layout == "mnist_test_seq":  # the released file: (T, N, 64, 64)
        path = tmp_path / "mnist_test_seq.npy"
        np.save(path, np.ascontiguousarray(np.swapaxes(frames, 0, 1)))
    elif layout == "torchvision":
        path = tmp_path / "moving.npy"
        np.save(path, frames)
    elif layout == "torchvision_channel":
        path = tmp_path / "moving1.npy"
        np.save(path, frames[:, :, np.newaxis])
    else:  # written by the core; frames compared with the independent array anyway
        from mnist_viewer.core.files import save_sequences
        from mnist_viewer.core.sequences import ArraySequenceSet

        path = tmp_path / f"{layout}.npz"
        save_sequences(path, ArraySequenceSet(frames), layout)
    window.open_path(path)
    wait_idle(window)
    assert window.content.mode == "file" and window.content.path == str(path)
    assert (window.model.num_sequences, window.model.num_frames) == frames.shape[:2]
    np.testing.assert_array_equal(shown(window), frames[0, 0])
    window.model.set_sequence(101)
    window.model.set_frame(7)
    np.testing.assert_array_equal(shown(window), frames[101, 7])
    # frames only (these files were written without ground truth): nothing to overlay
    assert not any(a.isEnabled() for a in window.menus.overlays.values())


def test_a_chosen_layout_overrides_the_detected_one(qtbot, window, wait_idle, tmp_path,
                                                    digit_frames) -> None:
    frames = np.concatenate([digit_frames] * 5)[:30]  # (N=30, T=12, 64, 64): both axes <= 100
    path = tmp_path / "clips.npy"
    np.save(path, frames)
    window.open_sequences(path)
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == frames.shape[:2]  # content
    window.open_sequences(path, "mnist_test_seq")
    wait_idle(window)
    assert window.model.num_sequences == frames.shape[1]  # the override, however wrong
    window.open_sequences(path, "torchvision")
    wait_idle(window)
    assert (window.model.num_sequences, window.model.num_frames) == frames.shape[:2]
    window.model.set_sequence(29)
    window.model.set_frame(3)
    np.testing.assert_array_equal(shown(window), frames[29, 3])


def test_save_and_reopen_keeps_frames_and_ground_truth(qtbot, window, wait_idle, tmp_path):
    window.start()
    wait_idle(window)
    generated = window.content.seqset
    target = tmp_path / "saved.npz"
    job = window.save_sequences(target)
    with qtbot.waitSignal(job.finished, timeout=120_000):
        pass
    qtbot.waitUntil(lambda: not window.workers.is_busy())
    assert [p.name for p in tmp_path.iterdir()] == ["saved.npz"]  # no temporary file left
    window.open_path(target)
    wait_idle(window)
    reopened = window.content.seqset
    assert reopened.layout == "npz" and window.content.mode == "file"
    for i in (0, 57, 99):
        np.testing.assert_array_equal(reopened.sequence(i), generated.sequence(i))
    np.testing.assert_array_equal(reopened.ground_truth.boxes, generated.ground_truth.boxes)
    assert len(window.view.overlay_items()) == 2  # overlays come back with the ground truth
    seed = generated.config["seed"]
    assert window.panel.last_seed.text().endswith(str(seed))  # so it can be reused


def test_a_bad_file_leaves_the_previous_set(qtbot, window, wait_idle, tmp_path) -> None:
    window.start()
    wait_idle(window)
    before, image = window.content, shown(window).copy()
    broken = tmp_path / "broken.npy"
    broken.write_bytes(b"this is not numpy data\n" * 10)
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    for bad in (broken, empty, tmp_path / "missing.npz"):
        with qtbot.waitSignal(window.error_reported, timeout=10_000) as blocker:
            window.open_path(bad)
        [message] = blocker.args
        assert "\n" not in message and str(bad) in message
        assert window.status.last_error == message
        qtbot.waitUntil(lambda: not window.workers.is_busy())
        assert window.content is before
        np.testing.assert_array_equal(shown(window), image)
    assert window.settings.recent_files() == []


def test_bad_generator_settings_are_reported(qtbot, window, wait_idle) -> None:
    window.panel.classes.setText("three")
    with qtbot.waitSignal(window.error_reported, timeout=5000) as blocker:
        window.generate()
    assert "three" in blocker.args[0]
    assert window.content is None


def test_settings_persist_across_a_restart(qtbot, window, wait_idle, tmp_path, digit_frames):
    from mnist_viewer.ui.player.main_window import MainWindow

    path = tmp_path / "seqs.npy"
    np.save(path, digit_frames)
    window.open_path(path)
    wait_idle(window)
    window.model.set_fps(24)
    window.model.set_loop_mode("pingpong")
    window.menus.colormaps["viridis"].trigger()
    window.set_overlay_visible("boxes", False)  # (the menu item is off: no ground truth here)
    window.panel.sequences.setValue(37)
    window.panel.seed.setText("99")
    window.resize(960, 640)
    qtbot.waitUntil(lambda: window.size().width() == 960)
    window.close()

    again = MainWindow()
    again.message_boxes = False
    qtbot.addWidget(again)
    assert again.model.fps == 24 and again.model.loop_mode == "pingpong"
    assert again.transport.fps_spin.value() == 24
    assert again.transport.loop_combo.currentData() == "pingpong"
    assert again.view.colormap == "viridis" and again.menus.colormaps["viridis"].isChecked()
    assert not again.view.overlay_visible("boxes") and not again.menus.overlays["boxes"].isChecked()
    assert again.view.overlay_visible("labels")
    assert again.settings.recent_files() == [str(path.resolve())]
    assert again.settings.last_dir("sequences") == str(tmp_path)
    assert again.panel.sequences.value() == 37 and again.panel.config().seed == 99
    assert (again.size().width(), again.size().height()) == (960, 640)
    again.close()


def test_drag_and_drop_opens_the_file(qtbot, window, wait_idle, tmp_path, digit_frames) -> None:
    path = tmp_path / "dropped.npy"
    np.save(path, digit_frames[2:4])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    wait_idle(window)
    assert window.content.path == str(path)
    np.testing.assert_array_equal(shown(window), digit_frames[2, 0])


def test_quit_closes_every_window_of_the_application(qtbot, window, wait_idle) -> None:
    from PyQt6.QtWidgets import QWidget

    window.start()
    wait_idle(window)
    other = QWidget()  # e.g. a review window opened from File › Open Predictions…
    qtbot.addWidget(other)
    other.show()
    assert window.isVisible() and other.isVisible()
    window.menus.quit.trigger()
    assert not window.isVisible() and not other.isVisible()


def test_menus_and_help(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    for name, action in window.menus.tools.items():
        assert action.isEnabled(), name
        assert TOOLS[name][0].startswith("mnist_viewer.ui.")
    texts = {a.text() for a in window.menuBar().actions()}
    assert texts == {"&File", "&View", "&Playback", "&Help"}
    assert window.menus.quit.shortcut().toString() == "Ctrl+Q"
    window.menus.about.trigger()
    qtbot.waitUntil(lambda: _visible_text(window, "CC BY-SA 3.0"))
    for library in ("Qt", "PyQt6", "pyqtgraph", "numpy"):
        assert _visible_text(window, f"<td>{library}</td>")
    window.menus.shortcuts.trigger()
    from mnist_viewer.ui.player.menus import shortcut_rows

    rows = dict((what, keys) for keys, what in shortcut_rows(window))
    assert rows["Play or Pause"] == "Space" and "Left" in rows["Step Back"] and "PgDown" in rows[
        "Next Sequence"]


def _visible_text(window, needle: str) -> bool:  # type: ignore[no-untyped-def]
    from PyQt6.QtWidgets import QMessageBox

    return any(needle in box.text() and box.isVisible()
               for box in window.findChildren(QMessageBox))


def test_window_close_stops_jobs(qtbot, window) -> None:
    import threading

    from mnist_viewer.core.jobs import check_cancel

    started = threading.Event()

    def forever(progress, cancel):  # type: ignore[no-untyped-def]
        started.set()
        while True:
            check_cancel(cancel)
            threading.Event().wait(0.005)

    window.workers.submit("content", forever)
    assert started.wait(5)
    window.close()
    assert not window.workers.is_busy()


def test_transport_controls_drive_the_model(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    m, bar = window.model, window.transport
    bar.fps_spin.setValue(33)
    assert m.fps == 33
    press(qtbot, window, Qt.Key.Key_BracketRight)  # next faster preset above 33
    assert m.fps == 60 and bar.fps_spin.value() == 60
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    press(qtbot, window, Qt.Key.Key_BracketLeft)
    assert m.fps == 24
    bar.loop_combo.setCurrentIndex(bar.loop_combo.findData("once"))
    assert m.loop_mode == "once" and window.player_actions.loop_modes["once"].isChecked()
    window.player_actions.loop_modes["pingpong"].trigger()
    assert bar.loop_combo.currentData() == "pingpong"
    bar.sequence_spin.setValue(42)  # the index, from 0
    assert m.sequence_index == 42
    np.testing.assert_array_equal(shown(window), window.content.seqset.sequence(42)[0])
    press(qtbot, window, Qt.Key.Key_B)  # overlay toggles
    press(qtbot, window, Qt.Key.Key_T)
    assert not window.view.overlay_visible("boxes")
    assert not window.view.overlay_visible("trajectories")
    assert all(not s.box.isVisible() and not s.path.isVisible() and s.label.isVisible()
               for s in window.view.overlay_items())


def test_pixel_under_the_cursor_goes_to_the_status_bar(qtbot, window, wait_idle) -> None:
    window.start()
    wait_idle(window)
    frame = window.content.seqset.sequence(0)[0]
    ys, xs = np.nonzero(frame)
    for x, y in ((int(xs[0]), int(ys[0])), (0, 0), (63, 63)):
        scene = window.view.view_box.mapViewToScene(QPointF(x + 0.5, y + 0.5))
        window.view.scene().sigMouseMoved.emit(scene)
        assert window.status.pixel.text() == f"x {x}  y {y}  value {frame[y, x]}"
    outside = window.view.view_box.mapViewToScene(QPointF(-3.5, 10.5))
    window.view.scene().sigMouseMoved.emit(outside)
    assert window.status.pixel.text() == ""


def test_tool_dialogs_open_through_create_dialog(qtbot, window, wait_idle, tmp_path,
                                                monkeypatch) -> None:
    from mnist_viewer.ui.player import menus

    (tmp_path / "fake_grid_tool.py").write_text(
        "from PyQt6.QtWidgets import QDialog\n"
        "def create_dialog(window):\n"
        "    d = QDialog(window)\n"
        "    d.setObjectName('fake-grid')\n"
        "    d.model = window.model\n"
        "    return d\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(menus.TOOLS, "grid", ("fake_grid_tool", "&Grid…", "Ctrl+G"))
    dialog = window.open_tool("grid")
    assert dialog.objectName() == "fake-grid" and dialog.isVisible()
    assert dialog.model is window.model
    assert window.open_tool("grid") is dialog  # one instance
    window.close()
    assert not dialog.isVisible()


def test_download_runs_in_the_background(qtbot, window, monkeypatch, tmp_path) -> None:
    from mnist_viewer.core.sources import download

    reports = []

    def fake_download(progress=None, cancel=None):  # type: ignore[no-untyped-def]
        for done in range(0, 101, 10):
            progress(done, 100)
        return tmp_path

    monkeypatch.setattr(download, "download_mnist", fake_download)
    monkeypatch.setattr(download, "is_cached", lambda dest=None: True)
    job = window.download_mnist()
    job.progress.connect(lambda d, t: reports.append((d, t)))
    assert window.status.progress_visible
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: not window.status.progress_visible)
    assert reports[-1] == (100, 100)
    assert str(tmp_path) in window.status.info.text()
    cache = window.panel.source.findData("cache")
    assert window.panel.source.model().item(cache).isEnabled()


def test_start_with_a_bad_path_reports_it_and_shows_the_default(qtbot, window, tmp_path):
    missing = tmp_path / "nowhere.npy"
    with qtbot.waitSignal(window.error_reported, timeout=10_000) as blocker:
        window.start(str(missing))
    assert str(missing) in blocker.args[0]
    qtbot.waitUntil(lambda: window.content is not None and not window.workers.is_busy(),
                    timeout=20_000)
    assert window.content.mode == "moving"
    assert window.status.last_error == blocker.args[0]


def test_the_app_starts_playing_its_first_content_only(qtbot, window, wait_idle) -> None:
    from mnist_viewer.ui.app import play_first_content

    play_first_content(window)
    window.start()
    wait_idle(window)
    assert window.model.is_playing
    start = window.model.frame_index
    qtbot.waitUntil(lambda: window.model.frame_index != start, timeout=5_000)
    window.model.pause()
    window.generate()  # a later set does not start playback by itself
    wait_idle(window)
    assert not window.model.is_playing


def test_status_bar_progress_and_cancel_belong_to_its_own_jobs(qtbot, window, wait_idle) -> None:
    import threading

    release = threading.Event()

    def untracked(progress, cancel):  # e.g. a statistics job, which reports in its dialog
        while not release.wait(0.01):
            if cancel():
                return "cancelled"
        return "done"

    def tracked(progress, cancel):
        while not cancel():
            release.wait(0.01)
        return None

    other = window.workers.submit("stats", untracked)
    job = window.workers.submit("save", tracked)
    window.track(job, "Saving…")
    assert window.status.progress_visible
    window.cancel_tracked()  # the status bar's Cancel
    qtbot.waitUntil(lambda: not window.status.progress_visible, timeout=5_000)
    assert not other.is_cancelled() and window.workers.is_busy("stats")
    with qtbot.waitSignal(other.finished, timeout=5_000) as result:
        release.set()
    assert result.args == ["done"]


def test_a_recent_file_that_is_gone_leaves_the_list(qtbot, window, wait_idle, tmp_path,
                                                    digit_frames) -> None:
    kept, gone = tmp_path / "kept.npy", tmp_path / "gone.npy"
    for path in (kept, gone):
        np.save(path, digit_frames)
        window.settings.add_recent_file(path)
    gone.unlink()
    errors: list[str] = []
    window.error_reported.connect(errors.append)
    assert window.open_recent(str(gone)) is None
    assert errors == [f"{gone}: no longer exists (removed from Open Recent)"]
    assert window.settings.recent_files() == [str(kept)]
    window.test_errors.clear()  # that error was expected
    window.open_recent(str(kept))
    wait_idle(window)
    assert window.content.path == str(kept)


def test_download_asks_first_and_does_nothing_when_declined(qtbot, window, monkeypatch) -> None:
    from PyQt6.QtWidgets import QMessageBox

    import mnist_viewer.ui.player.file_dialogs as mw

    asked: list[str] = []

    def decline(_parent, _title, text):  # type: ignore[no-untyped-def]
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(mw.QMessageBox, "question", decline)
    started: list[object] = []
    monkeypatch.setattr(window, "download_mnist", lambda: started.append(1))
    window.menus.download.trigger()
    assert len(asked) == 1 and "11 MB" in asked[0] and "SHA-256" in asked[0]
    assert started == [] and not window.workers.is_busy()


def test_digit_labels_do_not_sit_on_each_other() -> None:
    from mnist_viewer.ui.player.sequence_view import label_place

    placed: list[tuple[float, float]] = []
    first = label_place(10, 20, 30, 45, placed)
    placed.append(first[:2])
    second = label_place(12, 21, 36, 44, placed)  # nearly the same top-left corner
    assert first == (10.0, 20.0, (0.0, 1.0))
    assert second == (36.0, 21.0, (1.0, 1.0))  # moved to the right corner of its box
    top = label_place(5, 0, 25, 18, [])  # a box touching the top edge: label below it
    assert top == (5.0, 18.0, (0.0, 0.0))
