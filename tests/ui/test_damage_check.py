"""A viewed .npz member whose bytes fail its CRC-32 is shown, and the status bar says so (the
check runs in a worker; the player model holds the finding; the status bar only shows it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist_viewer.core.sequences import ArraySequenceSet
from mnist_viewer.ui.player.model import PlayerModel


def _npz(path: Path, damaged: bool) -> np.ndarray:
    # stored members: frames are mapped straight from the zip (a member this small that the
    # header read reaches the end of is refused at opening by its CRC-32 already)
    frames = np.full((4, 10, 64, 64), 7, np.uint8)
    np.savez(path, frames=frames)
    if damaged:
        data = bytearray(path.read_bytes())
        data[data.rindex(bytes([7]) * 64)] = 8  # one frame byte; the CRC-32 no longer fits
        path.write_bytes(bytes(data))
    return frames


def test_a_damaged_member_is_shown_and_the_status_bar_says_so(qtbot, window, wait_idle,
                                                              tmp_path) -> None:
    path = tmp_path / "damaged.npz"
    _npz(path, damaged=True)
    window.open_path(path)
    wait_idle(window)
    assert window.content.path == str(path)  # still shown: the user sees what is there
    qtbot.waitUntil(lambda: window.model.damage != "", timeout=10_000)
    assert "CRC-32" in window.model.damage and str(path) in window.model.damage
    assert "frames" in window.model.damage  # the member
    assert window.status.damage.isVisibleTo(window)
    assert "CRC-32" in window.status.damage.text() and "Damaged" in window.status.damage.text()


def test_an_intact_file_raises_no_alarm_and_a_new_set_clears_it(qtbot, window, wait_idle,
                                                                tmp_path) -> None:
    bad, good = tmp_path / "bad.npz", tmp_path / "good.npz"
    _npz(bad, damaged=True)
    _npz(good, damaged=False)
    window.open_path(bad)
    wait_idle(window)
    qtbot.waitUntil(lambda: window.model.damage != "", timeout=10_000)
    window.open_path(good)
    wait_idle(window)
    assert window.content.path == str(good)
    assert window.model.damage == "" and not window.status.damage.isVisibleTo(window)


def test_a_late_report_on_an_older_set_is_ignored(qtbot) -> None:
    model = PlayerModel()
    first = ArraySequenceSet(np.zeros((1, 2, 4, 4), np.uint8))
    second = ArraySequenceSet(np.zeros((1, 2, 4, 4), np.uint8))
    model.set_sequence_set(first)
    with qtbot.waitSignal(model.damage_changed) as signal:
        model.report_damage(first, "x.npz [frames]: bad CRC")
    assert signal.args == ["x.npz [frames]: bad CRC"] and model.damage.startswith("x.npz")
    model.set_sequence_set(second)
    assert model.damage == ""
    model.report_damage(first, "x.npz [frames]: bad CRC")  # the check of the previous file
    assert model.damage == ""
