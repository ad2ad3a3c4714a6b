"""Start-up on Linux: missing X11 libraries or display are one line each, with the fix."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from mnist_viewer.ui import app, platform_check

README = Path(__file__).resolve().parents[2] / "README.md"

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /venv/PyQt6/Qt6/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibweird.so.9 => not found
"""


def test_ldd_output_names_the_missing_libraries_and_their_packages() -> None:
    missing = platform_check.missing_from_ldd(LDD_OUTPUT)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libweird.so.9"]
    assert platform_check.packages_for(missing) == ["libxcb-icccm4", "libxcb-keysyms1",
                                                    "libweird.so.9"]


def _readme_apt_packages() -> set[str]:
    line = next(ln for ln in README.read_text(encoding="utf-8").splitlines()
                if ln.startswith("sudo apt-get install"))
    return set(line.split()[4:])


def test_readme_apt_line_covers_every_system_library_of_the_xcb_plugin() -> None:
    plugin = platform_check.xcb_plugin()
    if plugin is None:
        pytest.skip("this Qt has no xcb platform plugin")
    import subprocess

    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False).stdout
    needed = set(re.findall(r"^\s*(\S+\.so[.\d]*)\s", out, flags=re.M))
    graphics = {n for n in needed if n.startswith(("libxcb", "libX11", "libxkb", "libEGL",
                                                   "libGL.", "libfontconfig", "libdbus"))}
    assert graphics, out
    apt = _readme_apt_packages()
    assert {platform_check.DEBIAN_PACKAGES.get(n, n) for n in graphics
            if n not in ("libxcb.so.1", "libX11.so.6", "libxcb-render.so.0", "libxcb-shm.so.0",
                         "libxcb-sync.so.1", "libxcb-util.so.1")} <= apt  # those come as deps


def _gui_args() -> argparse.Namespace:
    return argparse.Namespace(path=None, screenshot=None, view="main", frame=0, seed=None)


def test_missing_xcb_libraries_stop_the_start_with_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(platform_check, "missing_xcb_libraries",
                        lambda plugin=None: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert app.run_gui(_gui_args()) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "libxcb-icccm.so.4" in err
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in err


def test_no_display_suggests_a_screenshot(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    assert app.run_gui(_gui_args()) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no display" in err and "--screenshot" in err
    assert "offscreen" not in err


def test_other_platforms_are_not_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.xcb_problem() is None
    monkeypatch.setattr("sys.platform", "darwin")
    monkeypatch.delenv("QT_QPA_PLATFORM")
    assert platform_check.xcb_problem() is None
