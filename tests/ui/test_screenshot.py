"""``mnist-viewer --screenshot``: a real start of the GUI in a subprocess, offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def run(*args: str, env: dict[str, str] | None = None,
        code: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "mnist_viewer"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def view_region(png: Path) -> np.ndarray:
    """RGB pixels of the middle of the image view (left of the side panel, above the bar)."""
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(np.int16)
    h, w, _ = rgb.shape
    return rgb[int(h * 0.15):int(h * 0.75), int(w * 0.12):int(w * 0.58)]


def grey_ink(region: np.ndarray) -> int:
    """How many pixels are bright and grey (digit ink, not a coloured overlay)."""
    spread = region.max(axis=2) - region.min(axis=2)
    return int(((region.min(axis=2) > 200) & (spread < 12)).sum())


def test_default_screenshot_shows_moving_digits(tmp_path: Path) -> None:
    out = tmp_path / "main.png"
    result = run("--screenshot", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    region = view_region(out)
    dark = int((region.max(axis=2) < 16).sum())
    assert grey_ink(region) > 500  # digit strokes, each pixel magnified many times
    assert dark > region.shape[0] * region.shape[1] // 3  # on the black canvas


def test_screenshot_of_a_file_at_a_frame(tmp_path: Path) -> None:
    frames = np.zeros((5, 2, 64, 64), np.uint8)  # (T, N, H, W) like mnist_test_seq.npy
    frames[3, 0, 16:48, 16:48] = 255  # only frame 3 of sequence 0 has a bright square
    path = tmp_path / "mnist_test_seq_small.npy"
    np.save(path, frames)
    lit = {}
    for k in (0, 3):
        out = tmp_path / f"frame{k}.png"
        result = run(str(path), "--screenshot", str(out), "--frame", str(k))
        assert result.returncode == 0, result.stderr
        lit[k] = grey_ink(view_region(out))
    assert lit[0] == 0
    assert lit[3] > 10_000  # the square fills the middle of the view


def test_screenshot_of_a_bad_file_fails_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.npy"
    bad.write_bytes(b"\x00garbage" * 50)
    out = tmp_path / "never.png"
    result = run(str(bad), "--screenshot", str(out))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0], result.stderr
    assert not out.exists()
    result = run("--screenshot", str(out), "--frame", "500")
    assert result.returncode == 2 and "--frame 500" in result.stderr
    assert not out.exists()


def test_tensorflow_is_not_imported_at_start_up(tmp_path: Path) -> None:
    # a stand-in "tensorflow" that leaves a mark if anything imports it
    fake = tmp_path / "site" / "tensorflow"
    fake.mkdir(parents=True)
    marker = tmp_path / "tensorflow-was-imported"
    (fake / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    code = (
        "import sys\n"
        "from mnist_viewer.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "print('tensorflow' in sys.modules)\n"
        "sys.exit(rc)\n"
    )
    out = tmp_path / "shot.png"
    result = run("--screenshot", str(out), code=code,
                 env={"PYTHONPATH": str(tmp_path / "site")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    assert not marker.exists()
    # the stand-in really is importable: the check above could have failed
    probe = run(code="import tensorflow", env={"PYTHONPATH": str(tmp_path / "site")})
    assert probe.returncode == 0 and marker.exists()
