"""Render the application icon from its SVG source into PNG sizes, a Windows .ico and a macOS .icns.

Usage (from the repository root, in an environment with PyQt6 and Pillow)::

    python packaging/render_icons.py            # writes into resources/icons/
    python packaging/render_icons.py --out DIR  # writes somewhere else

The SVG is drawn with PyQt6.QtSvg's QSvgRenderer on the offscreen platform, so no display is
needed; the output depends only on the SVG and the Qt version.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG_NAME = "mnist-viewer.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest size an .ico can hold
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def png_name(size: int) -> str:
    """File name of the PNG rendering of one size."""
    return f"mnist-viewer-{size}.png"


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn into a transparent size×size image, encoded as PNG."""
    from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PyQt6.QtGui import QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG for QSvgRenderer")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buffer, "PNG"):
        raise SystemExit(f"{svg}: could not encode the {size} px rendering as PNG")
    buffer.close()
    return bytes(data.data())


def _pil_images(svg: Path, sizes: tuple[int, ...]) -> list:
    from PIL import Image

    return [Image.open(io.BytesIO(render_png(svg, s))).convert("RGBA") for s in sizes]


def write_ico(svg: Path, target: Path) -> None:
    """A Windows icon holding every size of ICO_SIZES, each rendered from the SVG (not scaled)."""
    images = _pil_images(svg, ICO_SIZES)
    largest = images[-1]
    largest.save(target, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=images[:-1])


def write_icns(svg: Path, target: Path) -> None:
    """A macOS icon holding every size of ICNS_SIZES, each rendered from the SVG."""
    images = _pil_images(svg, ICNS_SIZES)
    largest = images[-1]
    largest.save(target, format="ICNS", append_images=images[:-1])


def main(argv: list[str] | None = None) -> int:
    """Render every icon file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=ICONS / SVG_NAME, help="the SVG source")
    parser.add_argument("--out", type=Path, default=ICONS, help="output folder")
    parser.add_argument("--no-platform", action="store_true",
                        help="only the PNG sizes (no .ico/.icns, no Pillow needed)")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keep alive)
    args.out.mkdir(parents=True, exist_ok=True)
    for size in PNG_SIZES:
        (args.out / png_name(size)).write_bytes(render_png(args.svg, size))
    written = [png_name(s) for s in PNG_SIZES]
    if not args.no_platform:
        write_ico(args.svg, args.out / "mnist-viewer.ico")
        write_icns(args.svg, args.out / "mnist-viewer.icns")
        written += ["mnist-viewer.ico", "mnist-viewer.icns"]
    print(f"wrote {len(written)} files to {args.out}: {', '.join(written)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
