#!/usr/bin/env bash
# Installs the Debian packages a fresh machine lacks (apt-get, as root or with sudo).
#   scripts/packages.sh test  what the test suite runs against besides the database
#                             servers: headless Chromium and chromedriver (the web
#                             gallery's browser test) and a Secret Service (the explorer's
#                             OS-keyring test)
#   scripts/packages.sh gui   what running the explorer under Xvfb needs (.ci/run's
#                             desktop smoke test)
# The Rust build itself needs none of them.
set -euo pipefail

wanted=()
for group in "$@"; do
    case $group in
        test) wanted+=(chromium chromium-driver fonts-dejavu-core dbus-bin dbus-daemon gnome-keyring) ;;
        gui) wanted+=(xvfb xauth x11-utils imagemagick libgl1 libgl1-mesa-dri libegl1 libegl-mesa0
                      mesa-vulkan-drivers libvulkan1 libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6
                      libxkbcommon0 libxkbcommon-x11-0) ;;
        *) echo "error: unknown package group '$group' (allowed: test, gui)" >&2; exit 2 ;;
    esac
done
missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "==> installing ${missing[*]}"
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
