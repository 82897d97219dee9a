#!/usr/bin/env bash
# Installs the desktop explorer for the current user, so it appears in the desktop's
# application menu and opens with a double-click:
#
#   ~/.local/bin/faafo-explorer                                   the release binary
#   ~/.local/bin/faafo, faafo-api, faafo-worker                   the cluster programs: the
#                                                                 explorer's "Start local
#                                                                 cluster" runs them
#   ~/.local/share/applications/faafo-explorer.desktop           the menu entry
#   ~/.local/share/icons/hicolor/NxN/apps/faafo-explorer.png     its icons
#
# Usage: scripts/install-desktop.sh              build (cargo build --release) and install
#        scripts/install-desktop.sh --uninstall  remove those files again
# Environment: FAAFO_EXPLORER_BIN=path  install this binary instead of building one (and
#              FAAFO_CLUSTER_BIN_DIR=dir the directory of faafo, faafo-api, faafo-worker);
#              FAAFO_BIN_DIR (default ~/.local/bin), XDG_DATA_HOME (default ~/.local/share).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN_DIR=${FAAFO_BIN_DIR:-$HOME/.local/bin}
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
APP=faafo-explorer
CLUSTER=(faafo faafo-api faafo-worker)
ENTRY=$DATA_HOME/applications/$APP.desktop
SIZES=(32 48 64 128 256)

refresh() {
    # Optional tools: menus pick up changes without them too, just later.
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATA_HOME/applications" || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$BIN_DIR/$APP" "$ENTRY"
    for b in "${CLUSTER[@]}"; do rm -f "$BIN_DIR/$b"; done
    for s in "${SIZES[@]}"; do rm -f "$DATA_HOME/icons/hicolor/${s}x${s}/apps/$APP.png"; done
    refresh
    echo "removed $APP from $BIN_DIR and $DATA_HOME"
    exit 0
elif [ $# -gt 0 ]; then
    echo "usage: $0 [--uninstall]" >&2
    exit 2
fi

BIN=${FAAFO_EXPLORER_BIN:-}
CLUSTER_DIR=${FAAFO_CLUSTER_BIN_DIR:-}
if [ -z "$BIN" ]; then
    # One cargo invocation for all four programs: the shared crates are built once.
    cargo build --release -p faafo-explorer -p faafo-backend --bins
    BIN=target/release/$APP
    CLUSTER_DIR=${CLUSTER_DIR:-target/release}
fi
[ -x "$BIN" ] || { echo "install-desktop: $BIN is not an executable" >&2; exit 1; }

install -Dm755 "$BIN" "$BIN_DIR/$APP"
if [ -n "$CLUSTER_DIR" ]; then
    for b in "${CLUSTER[@]}"; do
        [ -x "$CLUSTER_DIR/$b" ] || { echo "install-desktop: $CLUSTER_DIR/$b is not an executable" >&2; exit 1; }
        install -Dm755 "$CLUSTER_DIR/$b" "$BIN_DIR/$b"
    done
fi
for s in "${SIZES[@]}"; do
    install -Dm644 "assets/icons/$APP-$s.png" "$DATA_HOME/icons/hicolor/${s}x${s}/apps/$APP.png"
done
# Menus do not search ~/.local/bin (it is often not on the session's PATH): use the full
# path, quoted as the Desktop Entry spec allows.
mkdir -p "$(dirname "$ENTRY")"
sed "s|^Exec=.*|Exec=\"$BIN_DIR/$APP\"|" "assets/$APP.desktop" >"$ENTRY.tmp"
mv "$ENTRY.tmp" "$ENTRY"
chmod 644 "$ENTRY"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$ENTRY"
fi
refresh
echo "installed $BIN_DIR/$APP${CLUSTER_DIR:+, faafo, faafo-api, faafo-worker} and $ENTRY; look for \"faafo explorer\" in the application menu"
