#!/usr/bin/env bash
# The whole test suite, as the README gives it: start the services the suites run on
# (PostgreSQL, MariaDB and RabbitMQ on 127.0.0.1, see scripts/services.sh) if they are
# down, then `cargo test --workspace`. A server that cannot be started fails the run: the
# service-backed suites are never skipped.
# Missing Debian packages are installed first (scripts/packages.sh test): headless Chromium
# and chromedriver for the web gallery's browser test, and a Secret Service for the
# explorer's OS-keyring tests, which run on a private D-Bus (scripts/with-secret-service.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/packages.sh test
scripts/services.sh
# `cloud-init schema` for the deploy tests' user-data check (extracted, not installed).
scripts/cloud-init-tool.sh
# GL and Wayland libraries under the GUI tests complain ("XDG_RUNTIME_DIR is invalid")
# without a private runtime directory; give them one.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ] || [ ! -O "$XDG_RUNTIME_DIR" ]; then
    XDG_RUNTIME_DIR=$(mktemp -d)
    chmod 700 "$XDG_RUNTIME_DIR"
    export XDG_RUNTIME_DIR
    trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT
fi
scripts/with-secret-service.sh cargo test --workspace "$@"
