#!/usr/bin/env bash
# Build the one-folder standalone app with PyInstaller: dist/mnist-viewer/mnist-viewer
# (and dist/MNIST Viewer.app on macOS). Run from anywhere; needs Python >= 3.10 and PyPI.
#
#   packaging/build_standalone.sh
#
# Environment:
#   PYTHON      interpreter for the build venv (default: python3)
#   BUILD_DIR   build venv and PyInstaller work folder (default: build/standalone)
#   DIST_DIR    output folder (default: dist)
#   REUSE_VENV  1: keep an existing build venv and only reinstall the package (faster rebuilds)
#   EXTRAS      extras installed into the build (default: packaging; "packaging,mp4" adds MP4
#               export through imageio-ffmpeg, which bundles its own ffmpeg binary)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/standalone}"
DIST_DIR="${DIST_DIR:-$ROOT/dist}"
VENV="$BUILD_DIR/venv"

case "$(uname -s)" in
    MINGW*|MSYS*|CYGWIN*) VBIN="$VENV/Scripts" ;;
    *) VBIN="$VENV/bin" ;;
esac

start=$(date +%s)
have_venv() { [ -x "$VBIN/python" ] || [ -x "$VBIN/python.exe" ]; }
if [ "${REUSE_VENV:-0}" != 1 ] || ! have_venv; then
    rm -rf -- "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VBIN/python" -m pip install --quiet --upgrade pip
fi
# A regular (non-editable) install: the bundle is built from what a user's pip install gets,
# with resources/ inside the package as mnist_viewer/resources. The second step makes sure a
# reused venv holds the current source.
"$VBIN/python" -m pip install --quiet "$ROOT[${EXTRAS:-packaging}]"
"$VBIN/python" -m pip install --quiet --force-reinstall --no-deps "$ROOT"

"$VBIN/python" -m PyInstaller --noconfirm --clean \
    --workpath "$BUILD_DIR/pyinstaller" --distpath "$DIST_DIR" \
    "$ROOT/packaging/mnist-viewer.spec"

end=$(date +%s)
app="$DIST_DIR/mnist-viewer"
size="$(du -sh "$app" | cut -f1)"
echo "built $app in $((end - start)) s ($size); check it with packaging/check_standalone.sh"
