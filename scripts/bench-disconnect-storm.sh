#!/usr/bin/env bash
# The issue's disconnect storm, end to end: faafo-api on PostgreSQL + RabbitMQ with two
# faafo-workers, three `wrk` runs of POST /v1/fractal (64 connections, each run cut off
# mid-request by wrk's deadline and its 1 s timeouts), then a wait until the pipeline
# drains. Prints created / done / lost (rows never done) / duplicated (rendered twice),
# the outbox, and PostgreSQL connections left "idle in transaction".
#
#   scripts/bench-disconnect-storm.sh            # release binaries (builds them)
#   PROFILE=debug scripts/bench-disconnect-storm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
DB=faafo_storm_$$
VHOST=faafo_storm_$$
WORK=$(mktemp -d)
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
scripts/services.sh >/dev/null
if [ "$PROFILE" = release ]; then
    cargo build --release -p faafo-backend --bin faafo-api --bin faafo-worker
fi
BIN=target/$PROFILE
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB" postgres
rabbitmqctl -q add_vhost "$VHOST" && rabbitmqctl -q set_permissions -p "$VHOST" guest '.*' '.*' '.*'
AMQP="amqp://guest:guest@127.0.0.1:5672/$VHOST"
PIDS=()
cleanup() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres || true
    rabbitmqctl -q delete_vhost "$VHOST" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
export FAAFO_CONFIG_FILE=/dev/null
"$BIN/faafo-api" --bind-port 0 --database-url "postgres://postgres@127.0.0.1:5432/$DB" \
    --transport-url "$AMQP" 2>"$WORK/api.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q "listening on" "$WORK/api.log" && break; sleep 0.1; done
BASE=$(grep -o 'http://[0-9.:]*' "$WORK/api.log" | head -1)
for w in a b; do
    "$BIN/faafo-worker" --endpoint-url "$BASE" --transport-url "$AMQP" --name "storm-$w" 2>"$WORK/worker-$w.log" &
    PIDS+=($!)
done
echo "storm against $BASE ($PROFILE build, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
for run in 1 2 3; do
    wrk -t2 -c64 -d5s --timeout 1s -s scripts/bench/create-storm.lua "$BASE/v1/fractal" | grep -E "Requests/sec|requests in|timeout"
done
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
count() { psql -h 127.0.0.1 -U postgres -tAc "$1" "$DB"; }
start=$SECONDS
while :; do
    waiting=$(count "SELECT COUNT(*) FROM fractal WHERE status <> 'done'")
    outbox=$(metric faafo_outbox_tasks)
    [ "$waiting" = 0 ] && [ "$outbox" = 0 ] && break
    if [ $((SECONDS - start)) -gt 300 ]; then echo "not drained after 300 s: $waiting rows not done, outbox $outbox"; break; fi
    sleep 1
done
created=$(count "SELECT COUNT(*) FROM fractal")
done_rows=$(count "SELECT COUNT(*) FROM fractal WHERE status = 'done'")
twice=$(cat "$WORK"/worker-*.log | grep -o '[^ ]* done:' | sort | uniq -d | wc -l)
stranded=$(count "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '$DB' AND state LIKE 'idle in transaction%'")
echo "created $created, done $done_rows, lost $((created - done_rows)), duplicated $twice, outbox $(metric faafo_outbox_tasks), idle in transaction $stranded, drained in $((SECONDS - start)) s"
curl -s "$BASE/health"; echo
