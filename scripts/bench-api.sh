#!/usr/bin/env bash
# faafo-api throughput, as issue 3 asks: GET /fractal/<uuid> (a ~100 KB PNG), GET
# /v1/fractal (a page of 10), POST /v1/fractal, with 64 connections, on SQLite and on
# PostgreSQL, against a release build, tasks going to RabbitMQ (a scratch vhost; no
# workers, so nothing else competes for the 2 cores).
#
# Prints requests/s (wrk) and the API process's CPU time per request (from /proc), the
# figure that survives a noisy shared machine. wrk itself runs on the same machine and
# takes CPU too. Usage: scripts/bench-api.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
command -v wrk >/dev/null || { echo "error: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
scripts/services.sh
cargo build --release -q -p faafo-backend --bin faafo-api
API=target/release/faafo-api
WORK=$(mktemp -d)
VHOST=faafo_bench_$$
PGDB=faafo_bench_$$
PORT=18181
cleanup() {
    [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
    rabbitmqctl -q delete_vhost "$VHOST" >/dev/null 2>&1 || true
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
rabbitmqctl -q add_vhost "$VHOST" >/dev/null
rabbitmqctl -q set_permissions -p "$VHOST" guest ".*" ".*" ".*" >/dev/null
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PGDB" >/dev/null

# A ~100 KB PNG (noise does not compress), made with Python's zlib.
python3 - "$WORK/100k.png" <<'PY'
import os, struct, sys, zlib
w, h = 190, 180
raw = b"".join(b"\0" + os.urandom(w * 3) for _ in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

run() {  # label, wrk args...
    local label=$1; shift
    local before after out rps n
    before=$(cpu_ticks "$API_PID")
    out=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency "$@")
    after=$(cpu_ticks "$API_PID")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    printf '%-12s %-28s %10s req/s  %7.1f µs API CPU/request  p99 %-8s %s\n' "$DB_LABEL" "$label" "$rps" \
        "$(echo "($after - $before) * 1000000 / $HZ / $n" | bc -l)" "$p99" "$errors"
}

start_api() {  # extra faafo-api flags...
    "$API" --database-url "$DB_URL" --bind-port $PORT --config-file /dev/null \
        --transport-url "amqp://guest:guest@127.0.0.1:5672/$VHOST" "$@" 2>>"$WORK/api-$DB_LABEL.log" &
    API_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
}
stop_api() { kill "$API_PID"; wait "$API_PID" 2>/dev/null || true; API_PID=; }

for DB_LABEL in sqlite postgresql; do
    case $DB_LABEL in
        sqlite) DB_URL="sqlite://$WORK/bench.db" ;;
        postgresql) DB_URL="postgres://postgres@127.0.0.1:5432/$PGDB" ;;
    esac
    start_api
    BASE=http://127.0.0.1:$PORT
    # Seed: 100 fractals, one with the 100 KB image.
    for _ in $(seq 100); do
        curl -sf -X POST -H 'Content-Type: application/json' -d @<(sed -n 's/^wrk.body = .\(.*\).$/\1/p' scripts/bench/post.lua) "$BASE/v1/fractal" >/dev/null
    done
    UUID=$(curl -sf "$BASE/v1/fractal?results_per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["objects"][0]["uuid"])')
    curl -sf -X PUT -H 'Content-Type: image/png' --data-binary @"$WORK/100k.png" "$BASE/v1/fractal/$UUID/image?duration=0.1&generated_by=bench" >/dev/null
    run "GET /fractal/<uuid> (100 KB)" "$BASE/fractal/$UUID"
    run "GET /v1/fractal (page of 10)" "$BASE/v1/fractal"
    run "GET /v1/fractal uncached" -s scripts/bench/list-uncached.lua "$BASE"
    run "POST /v1/fractal" -s scripts/bench/post.lua "$BASE/v1/fractal"
    stop_api
    # The same image without the in-memory cache: every request reads the database.
    start_api --image-cache-mib 0
    run "GET /fractal/<uuid> uncached" "$BASE/fractal/$UUID"
    stop_api
done
