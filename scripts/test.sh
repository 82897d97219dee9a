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
scripts/with-secret-service.sh cargo test --workspace "$@"
