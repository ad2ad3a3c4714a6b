#!/usr/bin/env bash
# Install (or remove) the mnist-viewer launcher entry, icons and AppStream metadata for the
# current user, under $XDG_DATA_HOME (default ~/.local/share). No root, nothing outside it.
#
#   packaging/install-desktop-entry.sh                  # launcher runs mnist-viewer-gui from PATH
#   packaging/install-desktop-entry.sh --exec PATH      # e.g. dist/mnist-viewer/mnist-viewer
#   packaging/install-desktop-entry.sh --uninstall
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA_HOME="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_ID="io.github.mnist_viewer.MnistViewer"
DESKTOP_NAME="mnist-viewer.desktop"
ICON_NAME="mnist-viewer"
SIZES="16 24 32 48 64 128 256 512"

usage() {
    cat <<EOF
usage: $(basename "$0") [--exec COMMAND] [--icons DIR] [--uninstall]

Installs into ${DATA_HOME}:
  applications/${DESKTOP_NAME}
  icons/hicolor/SIZExSIZE/apps/${ICON_NAME}.png (${SIZES}), icons/hicolor/scalable/apps/${ICON_NAME}.svg
  metainfo/${APP_ID}.metainfo.xml

  --exec COMMAND  program the launcher starts (default: mnist-viewer-gui, else mnist-viewer,
                  found on PATH and written as an absolute path)
  --icons DIR     folder with mnist-viewer.svg and mnist-viewer-SIZE.png
                  (default: resources/icons of this checkout, else of the installed package)
  --uninstall     remove exactly the files listed above
EOF
}

EXEC=""
ICONS=""
UNINSTALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --exec) EXEC="${2:?--exec needs a command}"; shift 2 ;;
        --icons) ICONS="${2:?--icons needs a folder}"; shift 2 ;;
        --uninstall) UNINSTALL=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$(basename "$0"): unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

targets() {  # every file this script installs, one a line
    echo "${DATA_HOME}/applications/${DESKTOP_NAME}"
    for s in $SIZES; do echo "${DATA_HOME}/icons/hicolor/${s}x${s}/apps/${ICON_NAME}.png"; done
    echo "${DATA_HOME}/icons/hicolor/scalable/apps/${ICON_NAME}.svg"
    echo "${DATA_HOME}/metainfo/${APP_ID}.metainfo.xml"
}

refresh_caches() {  # optional tools; a missing one is not an error
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "${DATA_HOME}/applications" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && [ -f "${DATA_HOME}/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "${DATA_HOME}/icons/hicolor" || true
    fi
}

if [ "$UNINSTALL" = 1 ]; then
    removed=0
    while IFS= read -r f; do
        if [ -e "$f" ]; then rm -f -- "$f"; removed=$((removed + 1)); fi
    done < <(targets)
    refresh_caches
    echo "removed ${removed} files from ${DATA_HOME}"
    exit 0
fi

# The program to launch, as an absolute path.
if [ -z "$EXEC" ]; then
    EXEC="$(command -v mnist-viewer-gui || command -v mnist-viewer || true)"
    if [ -z "$EXEC" ]; then
        echo "$(basename "$0"): neither mnist-viewer-gui nor mnist-viewer is on PATH;" \
             "install the package first or pass --exec COMMAND" >&2
        exit 2
    fi
elif [[ "$EXEC" != */* ]]; then
    resolved="$(command -v -- "$EXEC" || true)"
    [ -n "$resolved" ] || { echo "$(basename "$0"): $EXEC: not found on PATH" >&2; exit 2; }
    EXEC="$resolved"
fi
[ -x "$EXEC" ] || { echo "$(basename "$0"): $EXEC: not an executable file" >&2; exit 2; }
EXEC="$(cd "$(dirname "$EXEC")" && pwd)/$(basename "$EXEC")"

# The icon files.
if [ -z "$ICONS" ]; then
    if [ -f "${HERE}/../resources/icons/${ICON_NAME}.svg" ]; then
        ICONS="${HERE}/../resources/icons"
    else
        ICONS="$(python3 -c 'from mnist_viewer.resources import resource; print(resource("icons"))' \
                 2>/dev/null || true)"
    fi
fi
if [ -z "$ICONS" ] || [ ! -f "${ICONS}/${ICON_NAME}.svg" ]; then
    echo "$(basename "$0"): no icon folder found (${ICONS:-none}); pass --icons DIR" >&2
    exit 2
fi
for s in $SIZES; do
    [ -f "${ICONS}/${ICON_NAME}-${s}.png" ] \
        || { echo "$(basename "$0"): ${ICONS}/${ICON_NAME}-${s}.png: missing" >&2; exit 2; }
done

# Exec= quoting (Desktop Entry spec): quote the path if it holds anything but safe characters,
# escaping " ` $ \ inside the quotes; then escape backslashes once more for the string value.
if [[ "$EXEC" =~ ^[A-Za-z0-9/._+-]+$ ]]; then
    exec_value="$EXEC"
else
    quoted="$(printf '%s' "$EXEC" | sed -e 's/[\\"`$]/\\&/g')"
    exec_value="\"${quoted}\""
fi
exec_value="$(printf '%s' "$exec_value" | sed -e 's/\\/\\\\/g')"
tryexec_value="$(printf '%s' "$EXEC" | sed -e 's/\\/\\\\/g')"

install -d "${DATA_HOME}/applications" "${DATA_HOME}/metainfo" \
    "${DATA_HOME}/icons/hicolor/scalable/apps"
tmp="$(mktemp "${DATA_HOME}/applications/.${DESKTOP_NAME}.XXXXXX")"
trap 'rm -f -- "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        Exec=*) printf 'Exec=%s %%f\n' "$exec_value" ;;
        TryExec=*) printf 'TryExec=%s\n' "$tryexec_value" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "${HERE}/${DESKTOP_NAME}" > "$tmp"
chmod 644 "$tmp"
mv -f -- "$tmp" "${DATA_HOME}/applications/${DESKTOP_NAME}"
trap - EXIT

for s in $SIZES; do
    install -D -m 644 "${ICONS}/${ICON_NAME}-${s}.png" \
        "${DATA_HOME}/icons/hicolor/${s}x${s}/apps/${ICON_NAME}.png"
done
install -m 644 "${ICONS}/${ICON_NAME}.svg" "${DATA_HOME}/icons/hicolor/scalable/apps/${ICON_NAME}.svg"
install -m 644 "${HERE}/${APP_ID}.metainfo.xml" "${DATA_HOME}/metainfo/${APP_ID}.metainfo.xml"
refresh_caches
echo "installed the mnist-viewer launcher into ${DATA_HOME} (runs ${EXEC})"
