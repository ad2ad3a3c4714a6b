#!/usr/bin/env bash
# Check a standalone build: it starts, reports the package's version, carries the Qt platform
# plugins, and its --screenshot of the embedded default data set is pixel-identical (whole
# window) to the same screenshot taken by the installed package.
#
#   packaging/check_standalone.sh [APP]
#
#   APP               the built executable (default: dist/mnist-viewer/mnist-viewer)
#   REFERENCE_PYTHON  interpreter whose installed mnist_viewer is the reference (default: the
#                     build venv of build_standalone.sh if present, else python3)
#   BUILD_DIR         as for build_standalone.sh (default: build/standalone)
#   KEEP_OUTPUT=1     keep the screenshots in the temporary folder (always kept on failure)
# Exit code 0 when everything matches, 1 on a mismatch or failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/standalone}"
APP="${1:-$ROOT/dist/mnist-viewer/mnist-viewer}"
if [ -z "${REFERENCE_PYTHON:-}" ]; then
    if [ -x "$BUILD_DIR/venv/bin/python" ]; then
        REFERENCE_PYTHON="$BUILD_DIR/venv/bin/python"
    elif [ -x "$BUILD_DIR/venv/Scripts/python.exe" ]; then
        REFERENCE_PYTHON="$BUILD_DIR/venv/Scripts/python.exe"
    else
        REFERENCE_PYTHON=python3
    fi
fi

WORK=""
fail() {
    echo "check_standalone: FAIL: $*" >&2
    if [ -n "$WORK" ]; then echo "check_standalone: screenshots kept in $WORK" >&2; fi
    exit 1
}
[ -x "$APP" ] || fail "$APP: no such executable (run packaging/build_standalone.sh)"
BUNDLE="$(cd "$(dirname "$APP")" && pwd)"

WORK="$(mktemp -d)"

# Both runs start from the same clean state: no settings, no download cache, no Keras file,
# no MNIST_VIEWER_DATA, so each falls back to the embedded subset.
run_isolated() {  # NAME COMMAND...
    local name="$1"; shift
    mkdir -p "$WORK/$name"
    env -u MNIST_VIEWER_DATA \
        QT_QPA_PLATFORM=offscreen \
        MNIST_VIEWER_SETTINGS="$WORK/$name/settings.ini" \
        MNIST_VIEWER_CACHE="$WORK/$name/cache" \
        KERAS_HOME="$WORK/$name/keras" \
        XDG_CONFIG_HOME="$WORK/$name/config" \
        "$@"
}

# 1. it starts and reports the same version as the package
app_version="$(run_isolated version-app "$APP" --version)" || fail "$APP --version failed"
ref_version="$(cd "$WORK" && run_isolated version-ref "$REFERENCE_PYTHON" -I -m mnist_viewer \
    --version)" \
    || fail "$REFERENCE_PYTHON -m mnist_viewer --version failed"
[ "$app_version" = "$ref_version" ] \
    || fail "version differs: standalone '$app_version', installed '$ref_version'"
echo "ok: version: $app_version"

# 2. the Qt platform plugins are in the bundle
case "$(uname -s)" in
    Linux) plugins="libqoffscreen.so libqxcb.so libqwayland.so" ;;
    Darwin) plugins="libqoffscreen.dylib libqcocoa.dylib" ;;
    *) plugins="qoffscreen.dll qwindows.dll" ;;
esac
for p in $plugins; do
    found="$(find "$BUNDLE" -path "*/platforms/$p" -print -quit)"
    [ -n "$found" ] || fail "Qt platform plugin $p is missing from $BUNDLE"
done
echo "ok: Qt platform plugins: $plugins"

# 3. the embedded data set renders exactly like the installed package. Both runs start from
# the same settings file, which fixes the generator's seed (otherwise each run draws a random
# one); everything else is at its default.
reference_module="$(cd "$WORK" && "$REFERENCE_PYTHON" -I -c \
    'import mnist_viewer; print(mnist_viewer.__file__)')"
mkdir -p "$WORK/shot-app" "$WORK/shot-ref"
QT_QPA_PLATFORM=offscreen "$REFERENCE_PYTHON" -I - "$WORK/shot-app/settings.ini" <<'EOF' \
    || fail "could not write the settings file"
import json
import sys

from PyQt6.QtCore import QSettings

settings = QSettings(sys.argv[1], QSettings.Format.IniFormat)
settings.setValue("panel/state", json.dumps({"seed": "20251126"}))
settings.sync()
EOF
cp "$WORK/shot-app/settings.ini" "$WORK/shot-ref/settings.ini"
run_isolated shot-app "$APP" --screenshot "$WORK/standalone.png" \
    || fail "$APP --screenshot failed"
# -I and a neutral working directory: the reference is the installed package, never a checkout
(cd "$WORK" && run_isolated shot-ref "$REFERENCE_PYTHON" -I -m mnist_viewer \
    --screenshot "$WORK/installed.png") || fail "$REFERENCE_PYTHON -m mnist_viewer --screenshot failed"

QT_QPA_PLATFORM=offscreen "$REFERENCE_PYTHON" -I - "$WORK/standalone.png" "$WORK/installed.png" \
    "$WORK/difference.png" <<'EOF' || fail "the screenshots differ (reference: $reference_module)"
import sys

from PyQt6.QtGui import QImage, qRgb

app_png, ref_png, diff_png = sys.argv[1:4]


def load(path):
    image = QImage(path)
    if image.isNull():
        sys.exit(f"{path}: not a readable PNG")
    return image.convertToFormat(QImage.Format.Format_ARGB32)


a, b = load(app_png), load(ref_png)
if a.size() != b.size():
    sys.exit(f"sizes differ: standalone {a.width()}x{a.height()}, "
             f"installed {b.width()}x{b.height()}")
w, h = a.width(), a.height()
if len({a.pixel(x, y) for x in range(0, w, 7) for y in range(0, h, 7)}) < 3:
    sys.exit(f"{app_png}: the screenshot is (nearly) blank")
if a == b:
    print(f"ok: screenshots are pixel-identical over the whole window ({w}x{h})")
    sys.exit(0)
bad = [(x, y) for y in range(h) for x in range(w) if a.pixel(x, y) != b.pixel(x, y)]
xs, ys = [p[0] for p in bad], [p[1] for p in bad]
diff = b.copy()
for x, y in bad:
    diff.setPixel(x, y, qRgb(255, 0, 255))
diff.save(diff_png)
sys.exit(f"{len(bad)} of {w * h} pixels differ, inside x {min(xs)}..{max(xs)}, "
         f"y {min(ys)}..{max(ys)} (marked in {diff_png})")
EOF
echo "ok: standalone matches the installed package at $reference_module"
if [ "${KEEP_OUTPUT:-0}" = 1 ]; then echo "screenshots kept in $WORK"; else rm -rf -- "$WORK"; fi
