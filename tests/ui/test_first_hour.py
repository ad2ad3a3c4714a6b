"""The small things a new user notices (issue 14): the loading state on the canvas, folders in
File › Open Folder…, the name Save As proposes, the running Qt in About, what the generator panel
enables in each mode and the set's size it shows, the Speed menu, the sequence buttons."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PyQt6.QtCore import qVersion
from PyQt6.QtWidgets import QFileDialog

from mnist_viewer.core.containers import limits
from mnist_viewer.core.sources.datasets import embedded_path
from mnist_viewer.ui import dialogs

from ..core.prediction_files import write_openstl


def test_loading_mnist_is_said_on_the_canvas_then_generating(qtbot, window, wait_idle) -> None:
    window.start()
    assert window.view.busy_text() == "Loading MNIST…"  # reading the data, not generating
    assert window.status.progress_label.text() == "Loading MNIST…"
    wait_idle(window)
    assert window.view.busy_text() == ""
    window.generate()  # the digits are loaded: only the set is made
    assert window.view.busy_text() == "Generating…"
    wait_idle(window)
    assert window.view.busy_text() == ""


def test_open_folder_opens_an_idx_folder_a_zarr_store_and_predictions(
        qtbot, window, wait_idle, monkeypatch, tmp_path, digit_frames) -> None:
    folder = tmp_path / "my mnist"
    shutil.copytree(embedded_path(), folder)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    assert "folder" in window.menus.open_folder.statusTip()
    window.menus.open_folder.trigger()
    wait_idle(window)
    assert window.content.dataset.provenance.startswith(str(folder))
    store = tmp_path / "set.zarr"
    from mnist_viewer.core.files import save_sequences
    from mnist_viewer.core.sequences import ArraySequenceSet

    save_sequences(store, ArraySequenceSet(digit_frames[:2, :4]))
    window.open_recent(str(store))  # a folder too: opened as the sequences it stores
    wait_idle(window)
    assert window.content.path == str(store) and window.content.seqset.num_frames == 4
    saved = write_openstl(tmp_path / "run", np.random.default_rng(0).random((2, 6, 16, 16)), 3)
    window.open_path(saved)  # a predictions folder: the review window
    review = next(w for k, w in window._tools.items() if k.startswith("review:"))
    assert review.isVisible()
    window.menus.fill_recent()  # Open Recent shows the whole path of each
    texts = [a.text() for a in window.menus.recent_menu.actions()]
    assert any(str(saved) in t for t in texts) and any(str(folder) in t for t in texts)


def test_save_as_proposes_a_name_in_the_last_folder(qtbot, window, wait_idle, monkeypatch,
                                                    tmp_path) -> None:
    window.settings.set_last_dir("sequences", tmp_path)
    window.panel.seed.setText("7")
    window.panel.sequences.setValue(12)
    window.panel.frames.setValue(5)
    window.generate()
    wait_idle(window)
    asked: list[str] = []

    def save_dialog(_parent, _title, start, _filters):  # type: ignore[no-untyped-def]
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    window.menus.save_as.trigger()
    assert asked == [str(tmp_path / "moving_mnist_12x5_seed7.npz")]


def test_saving_refuses_a_target_without_room_with_the_figures(
        qtbot, window, wait_idle, monkeypatch, tmp_path) -> None:
    window.generate()
    wait_idle(window)
    free = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: free._replace(free=1000))
    assert window.save_sequences(tmp_path / "big.npz") is None
    assert "of disk space; 1.0 kB is free" in window.test_errors[-1]
    assert not window.workers.is_busy() and not (tmp_path / "big.npz").exists()


def test_about_names_the_running_qt_once() -> None:
    html = dialogs.about_html()
    assert dialogs.versions()["Qt"] == qVersion()
    assert html.count("<td>Qt</td>") == 1 and f"&nbsp;{qVersion()}</td>" in html


def test_panel_enables_what_applies_in_each_mode(qtbot, window) -> None:
    panel = window.panel
    assert panel.generator_box.title() != window.panel_dock.windowTitle()  # no doubled title
    generator = (panel.sequences, panel.frames, panel.digits_min, panel.digits_max,
                 panel.combine, panel.classes, panel.seed, panel.motion)
    panel.set_mode("moving")
    assert all(w.isEnabled() for w in generator)
    panel.set_mode("single")
    assert not any(w.isEnabled() for w in (panel.digits_min, panel.digits_max, panel.combine))
    assert panel.classes.isEnabled() and panel.seed.isEnabled() and panel.frames.isEnabled()
    panel.set_mode("stream")
    assert not panel.classes.isEnabled() and not panel.seed.isEnabled()
    assert panel.size_label.text() == ""


def test_panel_shows_the_start_of_a_long_data_path(qtbot, window) -> None:
    panel = window.panel
    long = "/home/someone/projects/2026/experiments/data/" + "deep/" * 12 + "mnist"
    panel.source.setCurrentIndex(panel.source.findData("path"))
    panel.path.setText(long)
    assert panel.path.cursorPosition() == 0  # the start is shown, the end cut
    assert panel.path.toolTip() == long
    assert panel.path.fontMetrics().horizontalAdvance(long) > panel.path.width()


def test_panel_shows_the_size_and_refuses_a_set_that_cannot_fit(
        qtbot, window, monkeypatch) -> None:
    panel = window.panel
    panel.set_mode("moving")
    panel.sequences.setValue(1_000_000)
    panel.frames.setValue(100)
    assert "Size: 417.7 GB as a file" in panel.size_label.text()
    monkeypatch.setattr(limits, "available_memory", lambda: 50 * 10**6)
    panel.frames.setValue(99)
    assert "would need" in panel.size_label.text() and "40.0 MB is available" in \
        panel.size_label.text()
    assert window.generate() is None  # refused at once, with the figures
    assert "of memory; 40.0 MB is available" in window.test_errors[-1]
    assert not window.workers.is_busy()


def test_speed_menu_marks_one_rate_and_follows_the_model(qtbot, window) -> None:
    bar, model = window.transport, window.model
    assert bar.preset_group.isExclusive()
    model.set_fps(24)
    bar.preset_actions[24].trigger()  # picking the rate already marked keeps it marked
    assert [f for f, a in bar.preset_actions.items() if a.isChecked()] == [24]
    bar.preset_actions[5].trigger()
    assert model.fps == 5
    assert [f for f, a in bar.preset_actions.items() if a.isChecked()] == [5]
    model.set_fps(33)  # not a preset: none marked
    assert not any(a.isChecked() for a in bar.preset_actions.values())


@pytest.mark.parametrize(("button", "tip"), [("previous_button", "Previous sequence (PgUp)"),
                                             ("next_button", "Next sequence (PgDown)")])
def test_sequence_buttons_say_what_they_do(window, button: str, tip: str) -> None:
    action = getattr(window.transport, button).defaultAction()
    assert action.toolTip().replace("Page Down", "PgDown").replace("Page Up", "PgUp") == tip
    assert not action.icon().isNull()
    spin = window.transport.sequence_spin  # no arrows of its own that point the other way
    assert spin.buttonSymbols() == spin.ButtonSymbols.NoButtons


def test_pixel_readout_says_value(window) -> None:
    window.status.set_pixel(3, 4, 255)
    assert window.status.pixel.text() == "x 3  y 4  value 255"



def test_a_long_seed_and_size_never_widen_the_panel(window) -> None:
    panel = window.panel
    before = panel.minimumSizeHint().width()
    panel.show_seed(2**63 - 1)
    panel.sequences.setValue(1_000_000)
    assert panel.minimumSizeHint().width() == before
    assert panel.last_seed.toolTip() == f"shown: seed {2**63 - 1}"
