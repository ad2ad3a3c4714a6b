"""The review window on real prediction files: rows, sync with the player, curves computed in
a worker, the ranked table, exports, and opening it from the main window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from mnist_viewer.core.analysis.metrics import evaluate
from mnist_viewer.core.files.predictions import open_predictions

from ..core.prediction_files import write_openstl


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import embedded_dataset

    whole = generate(GeneratorConfig(num_sequences=6, frames=20, seed=11),
                     embedded_dataset("test")).chunk(0, 6)
    return write_openstl(tmp_path_factory.mktemp("openstl"), whole / np.float32(255), 10)


@pytest.fixture
def review(qtbot, saved):  # type: ignore[no-untyped-def]
    from mnist_viewer.ui.review.window import ReviewWindow

    win = ReviewWindow(open_predictions(saved))
    win.message_boxes = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not win.workers.is_busy()


def test_rows_are_labelled_and_future_steps_numbered(review) -> None:  # type: ignore[no-untyped-def]
    assert review.canvas.row_labels() == ["Context", "Ground truth", "Prediction", "Error"]
    assert review.canvas.column_labels() == [f"t+{k}" for k in range(1, 11)]
    assert review.model.num_frames == 20  # the player runs over context + future


def test_canvas_follows_the_player_and_clicks_set_the_frame(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    review.model.set_frame(12)
    assert review.canvas.frame == 12 and "t+3" in review.caption.text()
    qtbot.waitUntil(lambda: review.canvas.cell_rect(4) is not None)
    rect = review.canvas.cell_rect(4)
    qtbot.mouseClick(review.canvas, Qt.MouseButton.LeftButton, pos=rect.center())
    assert review.model.frame_index == 4 and review.canvas.frame == 4
    review.model.step(1)
    assert review.canvas.frame == 5


def test_whole_set_curves_and_ranked_table_come_from_a_worker(qtbot, review, saved) -> None:  # type: ignore[no-untyped-def]
    job = review.workers.current("evaluate")
    assert job is not None or review.is_ready()  # submitted to the pool, not computed inline
    qtbot.waitUntil(review.is_ready, timeout=60_000)
    expected = evaluate(open_predictions(saved))
    np.testing.assert_allclose(review.curves.curve_data("set", "mse"), expected.per_step()["mse"])
    table = review.table_model
    assert table.rowCount() == 6
    per_seq = expected.per_sequence()["mse"]
    ranked = [table.sequence_at(r) for r in range(6)]
    assert ranked == list(np.argsort(-per_seq, kind="stable"))  # worst first
    table.sort(4, Qt.SortOrder.DescendingOrder)  # SSIM, worst (lowest) first
    ssim = expected.per_sequence()["ssim"]
    assert table.sequence_at(0) == int(np.argmin(ssim))
    # the shown sequence's own curve
    seq = review.model.sequence_index
    np.testing.assert_allclose(review.curves.curve_data("sequence", "mse"), expected.mse[seq])


def test_clicking_a_table_row_shows_that_sequence(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(review.is_ready, timeout=60_000)
    row = 2
    target = review.table_model.sequence_at(row)
    view = review.table
    rect = view.visualRect(review.table_model.index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert review.model.sequence_index == target
    np.testing.assert_array_equal(review.current_frames()[1],
                                  review.predictions.chunk(target, target + 1)[0][0])


def test_exports_strip_png_svg_and_gif(qtbot, review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    png = review.export_strip(tmp_path / "strip.png", scale=2)
    with Image.open(png) as image:
        width, height = image.size
    assert width > 10 * 128 and height > 4 * 128  # 10 columns, 4 rows of 128-pixel frames
    svg = review.export_strip(tmp_path / "strip.svg", scale=1).read_text()
    assert svg.startswith("<svg") and "data:image/png;base64," in svg
    gif = review.export_gif(tmp_path / "rows.gif")
    with Image.open(gif) as image:
        assert image.n_frames == 20


def test_main_window_opens_predictions_and_reports_bad_folders(window, saved, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert window.menus.open_predictions.text() == "Open &Predictions…"
    review = window.open_predictions(saved)
    assert review is not None and review.predictions.num_sequences == 6
    assert window.open_predictions(tmp_path) is None
    assert "not a predictions folder" in window.test_errors[-1]
    review.close()


def test_grid_shows_many_sequences_truth_over_prediction_at_the_players_step(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.core.output.comparison import error_rgb, grey_rgb

    grid = review.grid
    review.tabs.setCurrentWidget(grid)
    grid.rows_spin.setValue(2)
    grid.cols_spin.setValue(2)
    assert grid.page_range() == (0, 4) and grid.num_pages == 2  # 6 sequences
    review.model.set_frame(12)  # t+3: future step 2
    assert grid.frame == 12 and "t+3" in grid.step_text()
    truth, pred = review.predictions.chunk(0, 6)
    top, bottom = grid.cell_images(3)
    np.testing.assert_array_equal(top, grey_rgb(truth[3, 2]))
    np.testing.assert_array_equal(bottom, grey_rgb(pred[3, 2]))
    grid.set_mode("error")
    (err,) = grid.cell_images(1)
    np.testing.assert_array_equal(err, error_rgb(truth[1, 2], pred[1, 2], False))
    review.model.set_frame(3)  # a context frame: the context, no prediction
    assert "context" in grid.step_text()
    grid.set_mode("pair")
    top, bottom = grid.cell_images(0)
    context = review.predictions.context(0, 1)[0, 3]
    np.testing.assert_array_equal(top, grey_rgb(context))
    assert (bottom == bottom.flat[0]).all()  # blank
    # a click on a cell shows that sequence; the player's sequence turns the page
    qtbot.waitUntil(lambda: grid.cell_rect(2) is not None)
    qtbot.mouseClick(grid.canvas, Qt.MouseButton.LeftButton, pos=grid.cell_rect(2).center())
    assert review.model.sequence_index == 2
    review.model.set_sequence(5)
    assert grid.page == 1 and grid.page_range() == (4, 6) and grid.current == 5


def test_review_opens_a_predrnn_folder_and_a_pair(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.core.files.predictions import open_pair
    from mnist_viewer.core.generation import GeneratorConfig, generate
    from mnist_viewer.core.sources.datasets import embedded_dataset
    from mnist_viewer.ui.review.window import ReviewWindow

    from ..core.prediction_files import predicted, write_predrnn

    whole = generate(GeneratorConfig(num_sequences=2, frames=20, seed=4),
                     embedded_dataset("test")).chunk(0, 2)
    folder, _ = write_predrnn(tmp_path / "results" / "100", whole, context=10)
    np.save(tmp_path / "truth.npy", whole[:, 10:])
    np.save(tmp_path / "pred.npy", predicted(whole[:, 10:] / np.float32(255)))
    for predictions, context in ((open_predictions(folder), 10),
                                 (open_pair(tmp_path / "truth.npy", tmp_path / "pred.npy",
                                            layout="torchvision"), 0)):
        win = ReviewWindow(predictions)
        win.message_boxes = False
        qtbot.addWidget(win)
        names = ["Ground truth", "Prediction", "Error"]
        assert win.canvas.row_labels() == (["Context"] if context else []) + names
        assert win.canvas.column_labels() == [f"t+{k}" for k in range(1, 11)]
        qtbot.waitUntil(win.is_ready, timeout=60_000)
        expected = evaluate(predictions).overall()
        assert win.evaluation is not None and win.evaluation.overall() == expected
        win.close()


# --- layout: what a newcomer sees at 1200-1280 px -------------------------------------------
def test_ranked_table_shows_every_column_without_scrolling(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    review.resize(1200, 780)
    qtbot.waitUntil(review.is_ready, timeout=60_000)
    qtbot.waitUntil(lambda: review.table.viewport().width() < 600)  # laid out at that size
    header, width = review.table.horizontalHeader(), review.table.viewport().width()
    assert [review.table_model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] \
        == ["Sequence", "MSE", "MAE", "PSNR", "SSIM"]
    for column in range(5):
        left = header.sectionViewportPosition(column)
        assert left >= 0 and left + header.sectionSize(column) <= width, column
    assert review.table.horizontalScrollBar().maximum() == 0  # nothing to scroll to
    # the numbers fit their columns (no "…" elision)
    metrics = review.table.fontMetrics()
    for column in range(1, 5):
        text = review.table_model.data(review.table_model.index(0, column))
        assert metrics.horizontalAdvance(text) < header.sectionSize(column), text


def test_error_row_has_a_colour_bar_with_the_maps_range_and_colours(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.core.output.comparison import error_rgb

    review.resize(1280, 800)
    for signed, levels, name in ((False, (0.0, 1.0), "|P − Y|"), (True, (-1.0, 1.0), "P − Y")):
        review.error_mode.setCurrentIndex(int(signed))
        scale = review.canvas.scale
        assert scale.levels == levels and name in scale.label and "intensity" in scale.label
        image = review.canvas.grab().toImage()  # paints, placing the bar
        bar = review.canvas.bar_rect
        error_row = review.canvas.cell_rect(review.predictions.num_context)
        assert bar is not None and bar.left() > error_row.right()
        for error, end in ((levels[1], 0), (levels[0], -1)):  # the map's own colours
            truth, pred = np.array([max(0.0, -error)]), np.array([max(0.0, error)])
            np.testing.assert_array_equal(scale.colours[end], error_rgb(truth, pred, signed)[0])
        x = bar.center().x()
        for y in (bar.top() + 2, bar.center().y(), bar.bottom() - 2):  # painted: high on top
            expected = scale.colours[round((y - bar.top()) / (bar.height() - 1) * 255)]
            pixel = image.pixelColor(x, y)
            got = np.array([pixel.red(), pixel.green(), pixel.blue()])
            assert np.abs(got - expected.astype(int)).max() <= 24, (y, got, expected)
    review.grid.set_mode("error")  # the grid's error cells have the bar too
    review.tabs.setCurrentWidget(review.grid)
    review.grid.canvas.grab()
    assert review.grid.bar_rect is not None and "P − Y" in review.grid.step_text()


def test_grid_of_sequences_fills_its_pane_with_crisp_frames(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    from mnist_viewer.ui.review.canvas import fit_side

    assert fit_side(150, 64) == (128, False)  # 2× fills 85%: crisp
    assert fit_side(100, 64) == (100, False)  # 1× would leave a third empty: enlarge
    assert fit_side(40, 64) == (40, True)  # reduced: smoothed
    review.resize(1280, 800)
    review.tabs.setCurrentWidget(review.grid)
    grid = review.grid
    canvas = grid.canvas
    canvas.grab()
    rects = [grid.cell_rect(i) for i in range(grid.page_range()[1] - grid.page_range()[0])]
    assert all(r is not None for r in rects)
    left, right = min(r.left() for r in rects), max(r.right() for r in rects)
    top, bottom = min(r.top() for r in rects), max(r.bottom() for r in rects)
    # the block of cells spans most of the pane one way, and frames are larger than 64 px
    assert right - left >= 0.8 * canvas.width() or bottom - top >= 0.7 * canvas.height()
    side, across, _smooth = canvas.geometry_for(canvas.width(), canvas.height())
    assert side >= 64 and across and "left" in grid.step_text()
    assert abs((left + right) / 2 - canvas.width() / 2) <= 8  # centred


def test_curves_legend_hides_no_data(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    review.resize(1280, 800)
    qtbot.waitUntil(review.is_ready, timeout=60_000)
    review.curves.grab()
    legend = review.curves.legend.sceneBoundingRect()
    assert [label.text for _sample, label in review.curves.legend.items] == \
        ["whole set (mean)", "this sequence"]
    for plot in review.curves.plots.values():
        assert not legend.intersects(plot.getViewBox().sceneBoundingRect())


def test_ctrl_q_quits_from_the_review_window_and_ctrl_w_closes_it(qtbot, review) -> None:  # type: ignore[no-untyped-def]
    from PyQt6.QtWidgets import QApplication, QWidget

    assert review.quit_action.shortcut().toString() == "Ctrl+Q"
    review.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is review)
    qtbot.keyClick(review, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not review.isVisible()  # Ctrl+W: this window only
    other = QWidget()  # another window of the application (as the main window would be)
    qtbot.addWidget(other)
    other.show()
    review.show()
    review.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is review)
    qtbot.keyClick(review, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not review.isVisible() and not other.isVisible()  # Ctrl+Q: every window


def test_view_review_grid_screenshots_the_grid_tab(qtbot, saved, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from PIL import Image

    from mnist_viewer.cli import _gui_parser
    from mnist_viewer.ui.review import launch

    args = _gui_parser().parse_args(["--screenshot", str(tmp_path / "grid.png"),
                                      "--view", "review-grid", str(saved)])
    tabs: list[str] = []
    grab = launch.ReviewWindow.grab
    monkeypatch.setattr(launch.ReviewWindow, "grab", lambda self: (  # what is on screen
        tabs.append(self.tabs.tabText(self.tabs.currentIndex())), grab(self))[1])
    assert isinstance(args, argparse.Namespace) and launch.run_review(args) == 0
    assert tabs == ["Grid of sequences"]
    with Image.open(tmp_path / "grid.png") as image:
        assert image.size == launch.SCREENSHOT_SIZE
