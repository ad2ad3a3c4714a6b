"""Progress bars of the subcommands: on a terminal's stderr, never when piped or with --quiet."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from mnist_viewer.commands.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_follows_done_and_total() -> None:
    out = Terminal()
    with progress_bar("working", stream=out, unit="seq") as bar:
        bar(0, 10)
        bar(4, 10)
        bar(10, 10)
    text = out.getvalue()
    assert "working" in text and "10/10" in text and "seq" in text


@pytest.mark.parametrize("stream, quiet", [(io.StringIO(), False), (Terminal(), True)])
def test_no_bar_when_piped_or_quiet(stream: io.StringIO, quiet: bool) -> None:
    with progress_bar("working", stream=stream, quiet=quiet) as bar:
        bar(5, 10)
        bar(10, 10)
    assert stream.getvalue() == ""


def _run_with_terminal_stderr(*args: str) -> tuple[int, str, str]:
    """Run ``mnist-viewer ARGS`` with stderr on a pseudo-terminal; (code, stdout, stderr)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "mnist_viewer", *args], stdout=subprocess.PIPE,
                            stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=120)
    os.close(leader)
    return code, stdout, b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("quiet", [False, True])
def test_generate_draws_a_bar_on_a_terminal_and_keeps_the_summary(
        tmp_path: Path, mnist_dir: Path, quiet: bool) -> None:
    out = tmp_path / "set.npz"
    args = ["generate", "--out", str(out), "--num", "300", "--frames", "4", "--seed", "1",
            "--data", str(mnist_dir)] + (["--quiet"] if quiet else [])
    code, stdout, stderr = _run_with_terminal_stderr(*args)
    assert code == 0, stderr
    assert stdout.startswith(f"wrote {out}")
    if quiet:
        assert stderr == ""
    else:
        assert f"generating {out}" in stderr and "300/300" in stderr


def test_stats_and_export_range_draw_bars(tmp_path: Path, mnist_dir: Path) -> None:
    data = tmp_path / "set.npz"
    subprocess.run([sys.executable, "-m", "mnist_viewer", "generate", "--out", str(data),
                    "--num", "12", "--frames", "5", "--seed", "2", "--data", str(mnist_dir)],
                   check=True, capture_output=True)
    code, stdout, stderr = _run_with_terminal_stderr("stats", str(data))
    assert code == 0 and "12 sequences" in stdout
    assert f"statistics of {data}" in stderr and "12/12" in stderr
    code, stdout, stderr = _run_with_terminal_stderr(
        "export", str(data), "--out", str(tmp_path / "clip.gif"), "--range", "0:3")
    assert code == 0 and len(stdout.split()) == 3
    assert "exporting" in stderr and "15/15" in stderr  # 3 sequences × 5 frames
