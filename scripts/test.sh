#!/usr/bin/env bash
# The whole test suite, as the README gives it: start the services the suites run on
# (PostgreSQL, MariaDB and RabbitMQ on 127.0.0.1, see scripts/services.sh) if they are
# down, then `cargo test --workspace`. A server that cannot be started fails the run: the
# service-backed suites are never skipped.
# The web gallery's browser test (backend/tests/gallery.rs) needs headless Chromium and
# chromedriver (Debian: chromium, chromium-driver; .ci/run installs them) and fails without.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
# `cloud-init schema` for the deploy tests' user-data check (extracted, not installed).
scripts/cloud-init-tool.sh
cargo test --workspace "$@"
