#!/usr/bin/env bash
# GUI smoke test: run the real explorer window under Xvfb, let it screenshot itself once
# the fractal is on screen (FAAFO_EXPLORER_SCREENSHOT), and check the PNG is not blank.
#
# Usage: scripts/gui-smoke.sh path/to/faafo-explorer   (debug or release build)
#
# Needs (installed by CI's .ci/run, not here): xvfb x11-utils imagemagick and the GL/X
# run-time libraries (libgl1 libgl1-mesa-dri libegl1 libegl-mesa0 mesa-vulkan-drivers
# libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6).
set -euo pipefail

BIN=${1:?usage: $0 path/to/faafo-explorer}
DISPLAY_NUM=${GUI_SMOKE_DISPLAY:-99}
SHOT=artifacts/explorer.png
TIMEOUT_S=60
# A flat image (all one colour) has a standard deviation of 0; the fractal is far above.
MIN_STDDEV=0.05

for tool in Xvfb xdpyinfo convert; do
    command -v "$tool" >/dev/null || { echo "gui-smoke: $tool not found" >&2; exit 2; }
done
[ -x "$BIN" ] || { echo "gui-smoke: $BIN is not an executable" >&2; exit 2; }

mkdir -p artifacts
rm -f "$SHOT"

# winit prefers Wayland whenever it sees it; force X11 on the virtual display.
unset WAYLAND_DISPLAY WAYLAND_SOCKET
export DISPLAY=":$DISPLAY_NUM"
# Silences Mesa's "XDG_RUNTIME_DIR is invalid" warning.
XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_RUNTIME_DIR

XVFB_PID=
APP_PID=
cleanup() {
    [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null || true
    [ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null || true
    rm -rf "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT

Xvfb "$DISPLAY" -screen 0 1280x800x24 -nolisten tcp >artifacts/xvfb.log 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do
    xdpyinfo >/dev/null 2>&1 && break
    sleep 0.1
done
xdpyinfo >/dev/null 2>&1 || { echo "gui-smoke: Xvfb did not come up on $DISPLAY" >&2; exit 1; }

echo "gui-smoke: running $BIN on $DISPLAY"
FAAFO_EXPLORER_SCREENSHOT=$SHOT "$BIN" &
APP_PID=$!

# The app closes itself after saving the screenshot; wait for that, but not forever.
status=
for _ in $(seq $((TIMEOUT_S * 10))); do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
        status=0
        wait "$APP_PID" || status=$?
        APP_PID=
        break
    fi
    sleep 0.1
done
if [ -z "$status" ]; then
    echo "gui-smoke: app still running after ${TIMEOUT_S}s" >&2
    exit 1 # cleanup kills it
fi
if [ "$status" -ne 0 ]; then
    echo "gui-smoke: app exited with status $status" >&2
    exit 1
fi

[ -s "$SHOT" ] || { echo "gui-smoke: $SHOT missing or empty" >&2; exit 1; }
size=$(identify -format '%wx%h' "$SHOT")
stddev=$(convert "$SHOT" -format '%[fx:standard_deviation]' info:)
echo "gui-smoke: $SHOT ${size}, standard deviation $stddev (minimum $MIN_STDDEV)"
if ! awk -v s="$stddev" -v m="$MIN_STDDEV" 'BEGIN { exit !(s > m) }'; then
    echo "gui-smoke: screenshot looks blank" >&2
    exit 1
fi
echo "gui-smoke: ok"
