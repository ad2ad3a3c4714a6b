"""Packaging and desktop integration: launcher entry, AppStream metadata, icons, wheel contents,
the per-user install script and (slow, RUN_SLOW=1) the standalone PyInstaller build."""

from __future__ import annotations

import configparser
import importlib.metadata
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mnist_viewer

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"
DESKTOP = PACKAGING / "mnist-viewer.desktop"
APP_ID = "io.github.mnist_viewer.MnistViewer"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
REAL_HOME = os.environ.get("HOME", "")  # read before conftest points HOME at a temporary folder

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt builds the QApplication

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def _scripts(group: str) -> dict[str, str]:
    """The installed package's entry points of one group ("console_scripts", "gui_scripts")."""
    entry_points = importlib.metadata.distribution("mnist-viewer").entry_points
    return {ep.name: ep.value for ep in entry_points if ep.group == group}


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _rgba(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGBA"))


# ----------------------------------------------------------------------------- .desktop


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (package desktop-file-utils)",
)
def test_desktop_file_passes_desktop_file_validate():
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_desktop_file_starts_a_declared_gui_script_and_names_the_icon():
    entry = _desktop_entry(DESKTOP)
    gui_scripts = _scripts("gui_scripts")
    assert entry["Exec"].split()[0] in gui_scripts
    assert entry["TryExec"] in gui_scripts
    assert (ICONS / f"{entry['Icon']}.svg").is_file()
    assert entry["Terminal"] == "false"


# ----------------------------------------------------------------------------- AppStream


@pytest.mark.skipif(
    shutil.which("appstreamcli") is None, reason="appstreamcli is not installed (package appstream)"
)
def test_metainfo_passes_appstreamcli_validate():
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_agrees_with_the_package_and_the_launcher():
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    releases = [r.get("version") for r in root.iter("release")]
    assert mnist_viewer.__version__ in releases
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert (PACKAGING / launchable.text.strip()).is_file()
    images = [i.text.strip() for i in root.iter("image")]
    assert images and images[0].endswith("/docs/screenshot.png")
    assert root.find("content_rating") is not None
    binaries = {b.text for b in root.iter("binary")}
    assert binaries == set(_scripts("console_scripts")) | set(_scripts("gui_scripts"))


# ----------------------------------------------------------------------------- icons


@pytest.mark.parametrize("size", SIZES)
def test_icon_png_has_its_size_and_a_drawing(size):
    path = ICONS / f"mnist-viewer-{size}.png"
    assert _png_size(path) == (size, size)
    rgba = _rgba(path)
    alpha = rgba[..., 3]
    assert (alpha == 0).any(), "the rounded corners should be transparent"
    assert (alpha == 255).mean() > 0.5, "most of the icon should be opaque"
    opaque = rgba[alpha == 255][:, :3].astype(int)
    brightness = opaque.sum(axis=1)
    assert (brightness < 150).mean() > 0.3, "a dark canvas"
    assert (brightness > 600).any(), "a bright digit"


@pytest.mark.parametrize("size", [16, 64, 512])
def test_icon_png_is_a_rendering_of_the_current_svg(qapp, size):
    """A changed SVG needs `python packaging/render_icons.py`; small tolerance for Qt versions."""
    from PyQt6.QtCore import QRectF, Qt
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(ICONS / "mnist-viewer.svg")).render(painter, QRectF(0, 0, size, size))
    painter.end()
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    fresh = np.frombuffer(ptr, np.uint8).reshape(size, image.bytesPerLine())[:, : size * 4]
    fresh = fresh.reshape(size, size, 4).astype(int)
    stored = _rgba(ICONS / f"mnist-viewer-{size}.png").astype(int)
    # compare premultiplied colours so fully transparent pixels carry no colour
    fresh_pm = fresh[..., :3] * fresh[..., 3:] // 255
    stored_pm = stored[..., :3] * stored[..., 3:] // 255
    assert np.abs(fresh[..., 3] - stored[..., 3]).mean() < 2
    assert np.abs(fresh_pm - stored_pm).mean() < 2


def test_windows_and_macos_icons_hold_the_small_and_large_sizes():
    from PIL import Image

    with Image.open(ICONS / "mnist-viewer.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "mnist-viewer.icns") as icns:
        assert icns.format == "ICNS"
        assert icns.size[0] >= 512
    assert (ICONS / "mnist-viewer.ico").stat().st_size < 100_000
    assert (ICONS / "mnist-viewer.icns").stat().st_size < 300_000


def test_app_icon_offers_every_png_size(qapp):
    from mnist_viewer.ui.icons import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(SIZES)
    pixmap = icon.pixmap(32, 32)
    assert pixmap.width() == 32 and not pixmap.isNull()


def test_app_icon_falls_back_to_the_svg_and_tolerates_nothing(qapp, tmp_path, monkeypatch):
    from mnist_viewer.ui import icons

    (tmp_path / "icons").mkdir()
    shutil.copy(ICONS / "mnist-viewer.svg", tmp_path / "icons")
    monkeypatch.setattr(icons, "resources_dir", lambda: tmp_path)
    icon = icons.app_icon()
    assert not icon.isNull()
    image = icon.pixmap(48, 48).toImage()
    assert image.width() == 48
    assert len({image.pixel(x, 24) for x in range(48)}) > 2, "the SVG was drawn"

    (tmp_path / "icons" / "mnist-viewer.svg").unlink()
    assert icons.app_icon().isNull()

    def missing():
        raise FileNotFoundError("resources")

    monkeypatch.setattr(icons, "resources_dir", missing)
    assert icons.app_icon().isNull()


# ----------------------------------------------------------------------------- wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the source tree: offline with the installed hatchling, else isolated."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-build-isolation")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    (found,) = out.glob("mnist_viewer-*.whl")
    return found


def test_wheel_carries_every_resource_file_unchanged(wheel):
    expected = {
        p.relative_to(ROOT / "resources").as_posix(): p
        for p in (ROOT / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        prefix = "mnist_viewer/resources/"
        shipped = {n[len(prefix):] for n in names if n.startswith(prefix) and not n.endswith("/")}
        assert shipped == set(expected)
        for relative, source in expected.items():
            assert archive.read(prefix + relative) == source.read_bytes(), relative
    gz = {n for n in shipped if n.startswith("mnist-subset/") and n.endswith(".gz")}
    assert len(gz) == 4
    assert "mnist-subset/README.md" in shipped
    assert {f"icons/mnist-viewer-{s}.png" for s in SIZES} | {"icons/mnist-viewer.svg"} <= shipped
    assert "mnist_viewer/ui/icons.py" in names


def test_wheel_declares_the_console_and_gui_scripts(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str
        parser.read_string(archive.read(entry_points).decode())
    assert parser["console_scripts"]["mnist-viewer"] == "mnist_viewer.cli:main"
    assert parser["gui_scripts"]["mnist-viewer-gui"] == "mnist_viewer.cli:main"
    assert wheel.name.startswith(f"mnist_viewer-{mnist_viewer.__version__}-")


# ----------------------------------------------------------------------------- install script


@needs_bash
def test_install_desktop_entry_installs_and_uninstalls_for_the_user(tmp_path):
    data_home = tmp_path / "share"
    program = tmp_path / "my apps" / "mnist-viewer-gui"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    script = str(PACKAGING / "install-desktop-entry.sh")

    subprocess.run(["bash", script, "--exec", str(program)], env=env, check=True,
                   capture_output=True)
    desktop = data_home / "applications" / "mnist-viewer.desktop"
    entry = _desktop_entry(desktop)
    assert entry["Exec"] == f'"{program}" %f'
    assert entry["TryExec"] == str(program)
    assert entry["Icon"] == "mnist-viewer"
    installed = [desktop, data_home / "metainfo" / METAINFO.name,
                 data_home / "icons/hicolor/scalable/apps/mnist-viewer.svg"]
    installed += [data_home / f"icons/hicolor/{s}x{s}/apps/mnist-viewer.png" for s in SIZES]
    for path in installed:
        assert path.is_file(), path
    assert (data_home / "icons/hicolor/16x16/apps/mnist-viewer.png").read_bytes() == (
        ICONS / "mnist-viewer-16.png"
    ).read_bytes()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)

    subprocess.run(["bash", script, "--uninstall"], env=env, check=True, capture_output=True)
    assert not any(path.exists() for path in installed)


@needs_bash
def test_install_desktop_entry_refuses_a_missing_program(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    result = subprocess.run(
        ["bash", str(PACKAGING / "install-desktop-entry.sh"), "--exec", str(tmp_path / "nope")],
        env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "nope" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "share" / "applications").exists()


# ----------------------------------------------------------------------------- standalone


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("RUN_SLOW") != "1",
    reason="builds the PyInstaller app (about a minute, needs PyPI); set RUN_SLOW=1",
)
@pytest.mark.skipif(sys.platform == "win32", reason="the build scripts are bash")
def test_standalone_build_renders_like_the_installed_package(tmp_path):
    env = {**os.environ, "BUILD_DIR": str(tmp_path / "build"), "DIST_DIR": str(tmp_path / "dist")}
    if REAL_HOME:
        env["HOME"] = REAL_HOME  # pip's download cache; the app itself runs isolated
    subprocess.run(["bash", str(PACKAGING / "build_standalone.sh")], env=env, check=True)
    app = tmp_path / "dist" / "mnist-viewer" / "mnist-viewer"
    result = subprocess.run(
        ["bash", str(PACKAGING / "check_standalone.sh"), str(app)],
        env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pixel-identical" in result.stdout
