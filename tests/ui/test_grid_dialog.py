"""The grid dialog: one mosaic of many sequences following the main player, offscreen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtWidgets import QApplication

from mnist_viewer.core.generation import GeneratorConfig
from mnist_viewer.core.output.mosaic import GAP_FILL
from mnist_viewer.core.sources.datasets import embedded_dataset
from mnist_viewer.ui import content as ct


def tile(frames: np.ndarray, rows: int, cols: int, gap: int = 1) -> np.ndarray:
    """Plain loop tiling, independent of core.mosaic: cells row by row, empty cells black."""
    k, h, w = frames.shape
    out = np.full((rows * h + (rows - 1) * gap, cols * w + (cols - 1) * gap), GAP_FILL, np.uint8)
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            cell = out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w]
            cell[:] = frames[i] if i < k else 0
    return out


def frames_at(seqset, first: int, stop: int, t: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.stack([seqset.sequence(i)[t] for i in range(first, stop)])


def shown(dialog) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(dialog.image_item.image)


def open_grid(qtbot, window):  # type: ignore[no-untyped-def]
    """Open the grid dialog and wait until it is the active window (keys go to it)."""
    dialog = window.open_tool("grid")
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.waitUntil(dialog.is_ready)
    return dialog


def click_cell(qtbot, dialog, cell: int) -> None:  # type: ignore[no-untyped-def]
    x, y = dialog.cell_center(cell)
    point = dialog.view.mapFromScene(dialog.view_box.mapViewToScene(QPointF(x, y)))
    qtbot.mouseClick(dialog.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


@pytest.fixture
def moving(window):  # type: ignore[no-untyped-def]
    """The window showing 40 generated sequences of 10 frames (real embedded MNIST digits)."""
    config = GeneratorConfig(num_sequences=40, frames=10, seed=7)
    window.set_content(ct.generated(config, embedded_dataset("train")))
    return window


@pytest.fixture
def grid(qtbot, moving):  # type: ignore[no-untyped-def]
    return open_grid(qtbot, moving)


def test_grid_follows_the_player(qtbot, moving, grid) -> None:
    seqset, model = moving.content.seqset, moving.model
    assert (grid.rows, grid.cols, grid.page_range()) == (4, 4, (0, 16))
    for t in (0, 3, 9, 4):
        model.set_frame(t)
        assert np.array_equal(shown(grid), tile(frames_at(seqset, 0, 16, t), 4, 4))
    model.set_loop_mode("pingpong")
    model.set_fps(60)
    model.play()
    for _ in range(3):
        with qtbot.waitSignal(model.frame_changed, timeout=3000):
            pass
    model.pause()
    t = model.frame_index
    assert np.array_equal(shown(grid), tile(frames_at(seqset, 0, 16, t), 4, 4))
    # captions: sequence number and the digits' labels from the ground truth
    gt = seqset.ground_truth
    texts = [item.toPlainText() for item in grid._captions]
    assert texts[5] == f"#5 · {gt.labels[5, 0]} {gt.labels[5, 1]}"
    assert texts[0].startswith("#0 · ")


def test_clicking_a_cell_shows_its_sequence(qtbot, moving, grid) -> None:
    moving.model.set_frame(6)
    click_cell(qtbot, grid, 9)
    assert moving.model.sequence_index == 9
    expected = moving.content.seqset.sequence(9)[6]
    assert np.array_equal(np.asarray(moving.view.image_item.image), expected)
    # the main window's sequence is outlined in the grid
    rect = grid.highlight.rect()
    x0, y0, x1, y1 = grid.grid_layout.cell_rect(2, 1)
    assert grid.highlight.isVisible()
    assert (rect.center().x(), rect.center().y()) == ((x0 + x1) / 2, (y0 + y1) / 2)
    click_cell(qtbot, grid, 0)
    assert moving.model.sequence_index == 0


def test_paging_with_keys_and_buttons(qtbot, moving, grid) -> None:
    seqset, model = moving.content.seqset, moving.model
    model.set_frame(2)
    qtbot.keyClick(grid.view, Qt.Key.Key_PageDown)
    assert grid.page == 1 and grid.page_range() == (16, 32)
    assert np.array_equal(shown(grid), tile(frames_at(seqset, 16, 32, 2), 4, 4))
    assert not grid.highlight.isVisible()  # sequence 0 is not on this page
    qtbot.mouseClick(grid.next_button, Qt.MouseButton.LeftButton)
    assert grid.page_range() == (32, 40)  # the last page is partly empty (black cells)
    assert np.array_equal(shown(grid), tile(frames_at(seqset, 32, 40, 2), 4, 4))
    assert not grid.next_button.isEnabled()
    qtbot.keyClick(grid.view, Qt.Key.Key_PageDown)
    assert grid.page == 2
    qtbot.keyClick(grid.view, Qt.Key.Key_PageUp)
    qtbot.mouseClick(grid.prev_button, Qt.MouseButton.LeftButton)
    assert grid.page == 0 and not grid.prev_button.isEnabled()
    # the main window going to a sequence of another page takes the grid along
    model.set_sequence(21)
    assert grid.page == 1 and grid.highlight.isVisible()


def test_rows_and_columns_change_the_layout(qtbot, moving, grid) -> None:
    seqset = moving.content.seqset
    moving.model.set_frame(5)
    grid.set_page(1)  # sequences 16..31
    grid.rows_spin.setValue(2)
    grid.cols_spin.setValue(3)
    assert (grid.rows, grid.cols) == (2, 3)
    assert shown(grid).shape == (2 * 64 + 1, 3 * 64 + 2)
    start, stop = grid.page_range()
    assert start <= 16 < stop and stop - start == 6  # the first sequence shown stays visible
    assert np.array_equal(shown(grid), tile(frames_at(seqset, start, stop, 5), 2, 3))
    click_cell(qtbot, grid, 5)
    assert moving.model.sequence_index == start + 5


def test_digit_stream_grid(qtbot, window) -> None:
    dataset = embedded_dataset("train")
    window.set_content(ct.digit_stream(dataset))
    dialog = open_grid(qtbot, window)
    window.model.set_frame(37)
    qtbot.waitUntil(dialog.is_ready)
    assert dialog.page == 2 and dialog.page_range() == (32, 48)
    assert np.array_equal(shown(dialog), tile(dataset.images[32:48], 4, 4))
    texts = [item.toPlainText() for item in dialog._captions]
    assert texts[5] == f"37 · {dataset.labels[37]}"
    rect = dialog.highlight.rect()
    x0, y0, x1, y1 = dialog.grid_layout.cell_rect(1, 1)  # cell 5 = digit 37
    assert (rect.center().x(), rect.center().y()) == ((x0 + x1) / 2, (y0 + y1) / 2)
    click_cell(qtbot, dialog, 0)
    assert window.model.frame_index == 32
    qtbot.keyClick(dialog.view, Qt.Key.Key_PageDown)  # the player moves to the next page
    assert window.model.frame_index == 48 and dialog.page == 3
    assert np.array_equal(shown(dialog), tile(dataset.images[48:64], 4, 4))
    window.model.set_frame(100)  # the grid follows the player
    assert dialog.page == 6
    assert np.array_equal(shown(dialog), tile(dataset.images[96:112], 4, 4))


def test_big_pages_load_in_a_worker(qtbot, moving, grid) -> None:
    seqset = moving.content.seqset
    grid.sync_limit = 0  # every page goes through the worker pool
    moving.model.set_frame(7)
    with qtbot.waitSignal(grid.page_shown, timeout=10_000):
        grid.next_page()
        assert not grid.is_ready()
        assert "Loading" in grid.status_label.text()
    assert grid.is_ready()
    assert np.array_equal(shown(grid), tile(frames_at(seqset, 16, 32, 7), 4, 4))
    # a newer page request supersedes an older one still loading
    with qtbot.waitSignal(grid.page_shown, timeout=10_000):
        grid.next_page()
        grid.previous_page()
    qtbot.waitUntil(lambda: not moving.workers.is_busy())
    assert grid.page == 1
    assert np.array_equal(shown(grid), tile(frames_at(seqset, 16, 32, 7), 4, 4))


def test_grid_screenshot(tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    result = subprocess.run([sys.executable, "-m", "mnist_viewer", "--screenshot", str(out),
                             "--view", "grid"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rgb = np.asarray(Image.open(out).convert("RGB")).astype(np.int16)
    h, w, _ = rgb.shape
    assert w >= 500 and h >= 500
    grey = (rgb.max(axis=2) - rgb.min(axis=2)) < 12
    ink = grey & (rgb.min(axis=2) > 200)
    black = (rgb.max(axis=2) < 16)
    assert ink.sum() > 2000  # digits of many cells
    assert black.sum() > h * w // 4  # on black canvases


def test_grid_follows_the_main_views_colour_map(qtbot, window, wait_idle) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.core.output.colormaps import colormap

    window.start()
    wait_idle(window)
    grid = window.open_tool("grid")
    assert grid.image_item.lut is None  # grey
    window.set_colormap("magma")
    np.testing.assert_array_equal(grid.image_item.lut, colormap("magma"))
    window.set_colormap("grey")
    assert grid.image_item.lut is None


def test_digit_stream_new_layout_shows_the_current_digit(qtbot, window) -> None:
    dataset = embedded_dataset("train")
    window.set_content(ct.digit_stream(dataset))
    dialog = open_grid(qtbot, window)
    window.model.set_frame(37)
    qtbot.waitUntil(dialog.is_ready)
    dialog.cols_spin.setValue(3)  # 12 digits a page: digit 37 is on page 3 (36..47)
    qtbot.waitUntil(dialog.is_ready)
    start, stop = dialog.page_range()
    assert (start, stop) == (36, 48) and window.model.frame_index == 37
    assert np.array_equal(shown(dialog), tile(dataset.images[36:48], 4, 3))
    assert dialog.highlight.isVisible()
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)  # Next moves on
    assert window.model.frame_index == 48 and dialog.page_range() == (48, 60)
    assert np.array_equal(shown(dialog), tile(dataset.images[48:60], 4, 3))
    dialog.rows_spin.setValue(2)  # 6 a page: digit 48 is the first of page 8
    assert dialog.page_range() == (48, 54)
    assert np.array_equal(shown(dialog), tile(dataset.images[48:54], 2, 3))
    dialog.previous_page()
    assert window.model.frame_index == 42 and dialog.page_range() == (42, 48)


def test_play_button_is_the_main_windows_play_action(qtbot, moving, grid) -> None:
    play = moving.player_actions.play
    assert grid.play_button.defaultAction() is play
    qtbot.mouseClick(grid.play_button, Qt.MouseButton.LeftButton)
    assert moving.model.is_playing
    assert grid.play_button.text() == play.text().replace("&", "") == "Pause"
    qtbot.mouseClick(grid.play_button, Qt.MouseButton.LeftButton)
    assert not moving.model.is_playing and grid.play_button.text() == "Play"


def test_the_grid_layout_is_remembered(qtbot, window, wait_idle) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.ui.grid.dialog import create_dialog

    window.start()
    wait_idle(window)
    first = create_dialog(window)
    first.set_grid(3, 5)
    first.close()
    again = create_dialog(window)  # a new dialog (as after a restart) reads the settings
    assert (again.rows, again.cols) == (3, 5)
    assert (again.rows_spin.value(), again.cols_spin.value()) == (3, 5)
    again.close()


def test_captions_scale_with_the_cells_and_hide_with_l(qtbot, moving, grid) -> None:
    from mnist_viewer.ui.grid.pages import caption_pixel_size

    assert caption_pixel_size(20) is None  # too small to leave the digit visible
    assert caption_pixel_size(60) < caption_pixel_size(150) <= caption_pixel_size(1000)
    grid.resize(700, 700)
    qtbot.waitUntil(lambda: grid.picture.caption_px is not None)
    big = grid.picture.caption_px
    captions = [c for c in grid._captions if c.toPlainText()]
    assert captions and all(c.isVisible() for c in captions)
    assert captions[0].textItem.font().pixelSize() == big
    grid.set_grid(8, 8)  # smaller cells: smaller captions
    qtbot.waitUntil(lambda: grid.picture.caption_px != big)
    assert grid.picture.caption_px is None or grid.picture.caption_px < big
    grid.set_grid(4, 4)
    qtbot.waitUntil(lambda: grid.picture.caption_px == big)
    qtbot.keyClick(grid.view, Qt.Key.Key_L)  # like the main view's labels (the same action)
    assert not any(c.isVisible() for c in grid._captions)
    assert not moving.view.overlay_visible("labels")
    moving.set_overlay_visible("labels", True)  # from the main window: the grid follows
    assert all(c.isVisible() for c in grid._captions if c.toPlainText())
