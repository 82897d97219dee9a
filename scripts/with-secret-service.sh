#!/usr/bin/env bash
# Runs a command where the OS keyring works: with a Secret Service (the keyring of Linux
# desktops) on the session D-Bus. The explorer keeps OpenStack secrets there, and its
# tests check that against the real thing. When the session already has one it is used;
# otherwise the command runs on a private D-Bus (dbus-run-session) with a gnome-keyring
# daemon whose keyrings live in a temporary directory, unlocked with a throwaway password,
# all gone when the command ends. Needs dbus-run-session and gnome-keyring-daemon
# (scripts/packages.sh installs them); without them this fails: the tests are not skipped.
set -euo pipefail

has_secret_service() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}

if [ -z "${FAAFO_PRIVATE_BUS:-}" ]; then
    if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && has_secret_service; then
        exec "$@"
    fi
    for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
        command -v "$tool" >/dev/null || {
            echo "error: $tool is missing (Debian: dbus-bin, gnome-keyring; scripts/packages.sh installs them)" >&2
            exit 1
        }
    done
    # dbus-run-session warns that it cannot raise its file limit when not root-capable.
    exec env FAAFO_PRIVATE_BUS=1 dbus-run-session -- "$0" "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
fi

dir=$(mktemp -d)
XDG_DATA_HOME=$dir gnome-keyring-daemon --foreground --unlock --components=secrets <<<"faafo-tests" >/dev/null 2>&1 &
keyring_pid=$!
trap 'kill "$keyring_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do has_secret_service && break; sleep 0.1; done
has_secret_service || { echo "error: gnome-keyring-daemon did not start a Secret Service" >&2; exit 1; }
"$@"
