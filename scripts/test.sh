#!/usr/bin/env bash
# The whole test suite, as the README gives it: start the database servers the storage
# contract runs on (PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306) if they are
# down, then `cargo test --workspace`. A server that cannot be started fails the run: the
# service-backed suites are never skipped.
# The web gallery's browser test (backend/tests/gallery.rs) needs headless Chromium and
# chromedriver (Debian: chromium, chromium-driver; .ci/run installs them) and fails without.
set -euo pipefail
cd "$(dirname "$0")/.."

wait_for() {  # name, check command...
    local name=$1; shift
    for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
    echo "error: $name is not running on 127.0.0.1 and could not be started" >&2
    exit 1
}
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    echo "==> starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
wait_for MariaDB mariadb-admin -h 127.0.0.1 -u root ping

cargo test --workspace "$@"
