#!/usr/bin/env bash
# Starts the local services faafo's suites and benchmarks run on, when they are down:
# PostgreSQL (127.0.0.1:5432, trust), MariaDB (127.0.0.1:3306, root without password) and
# RabbitMQ (127.0.0.1:5672, guest/guest). A service that cannot be started is an error:
# the suites that need it are never skipped.
set -euo pipefail

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
# Each broker test makes its own virtual host with rabbitmqctl.
if ! rabbitmqctl -q await_startup --timeout 2 >/dev/null 2>&1; then
    echo "==> starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    # The node may be up with the app stopped (a broker-restart test that was killed).
    sleep 2
    rabbitmqctl -q start_app >/dev/null 2>&1 || true
fi
wait_for RabbitMQ rabbitmqctl -q await_startup --timeout 5
