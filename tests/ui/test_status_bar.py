"""The status bar: long lines end in "…" (whole in the tooltip); the frame caption stays whole."""

from __future__ import annotations

from mnist_viewer.ui.status import StatusBar


def test_a_long_line_is_elided_and_the_caption_stays_whole(qtbot) -> None:
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.resize(500, 30)
    bar.show()
    qtbot.waitExposed(bar)
    line = "10000 generated sequences · mnist train · " + "/very/long/path" * 20
    bar.show_warning("Embedded subset, not the full MNIST", line)
    bar.set_caption("digits 5 7")
    qtbot.waitUntil(lambda: bar.info.shown_text().endswith("…"))
    assert bar.info.text().startswith("⚠ Embedded subset") and line in bar.info.text()
    assert line in bar.info.toolTip()
    assert bar.caption.width() >= bar.caption.fontMetrics().horizontalAdvance("digits 5 7")
    bar.show_info("short")
    qtbot.waitUntil(lambda: bar.info.shown_text() == "short")
    assert bar.info.styleSheet() == ""  # no warning colour left over
