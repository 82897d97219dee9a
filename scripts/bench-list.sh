#!/usr/bin/env bash
# GET /v1/fractal with a distinct list query on every request, at 100,000 rows on
# PostgreSQL (the issue's "18 req/s at 52,000 rows"): a fresh database filled by SQL, a
# faafo-api on it, wrk with scripts/bench/list-distinct.lua (random pages 1-50, random
# page sizes, the searches clients make, every request missing the page cache).
#
# Prints wrk's requests/s and latencies and the CPU seconds faafo-api and PostgreSQL
# used during the run (from /proc; wrk runs on the same machine and takes CPU too).
# Usage: scripts/bench-list.sh [seconds, default 10] [rows, default 100000]
# PROFILE=debug uses a debug build (quick to build, slower to run); default release.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
ROWS=${2:-100000}
PROFILE=${PROFILE:-release}
PGDB=faafo_bench_list
PORT=${PORT:-18182}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres)
command -v wrk >/dev/null || { echo "error: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
pg_isready -q -h 127.0.0.1 -p 5432 || scripts/services.sh

if [ "$PROFILE" = release ]; then
    cargo build --release -q -p faafo-backend --bin faafo-api
else
    cargo build -q -p faafo-backend --bin faafo-api
fi
API=target/$PROFILE/faafo-api
LOG=$(mktemp)
cleanup() {
    [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null && wait "$API_PID" 2>/dev/null || true
    "${PSQL[@]}" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -f "$LOG"
}
trap cleanup EXIT
"${PSQL[@]}" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" -c "CREATE DATABASE $PGDB" >/dev/null

# The API creates the schema; rows inserted behind its back are never queued for its
# built-in renderer (it re-queues unfinished rows only when it starts).
"$API" --database-url "postgres://postgres@127.0.0.1:5432/$PGDB" --bind-port "$PORT" --config-file /dev/null \
    2>>"$LOG" &
API_PID=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$LOG" >&2; exit 1; }

# $ROWS fractals over the last 30 days, in the proportions of a busy service: 85% done,
# 5% failed, 7% pending, 3% rendering; mostly the original's classic kind. No images
# (a listing does not read them).
started=$(date +%s.%N)
"${PSQL[@]}" -d "$PGDB" <<SQL
INSERT INTO fractal (uuid, checksum, url, duration, size, width, height, iterations, xa, xb, ya, yb,
                     generated_by, status, error, created_at, updated_at, kind, c_re, c_im, seed, palette)
SELECT gen_random_uuid()::text,
       CASE WHEN s = 'done' THEN md5(i::text) || md5((i + 1)::text) END,
       NULL,
       CASE WHEN s = 'done' THEN 0.05 + random() * 3 END,
       CASE WHEN s = 'done' THEN 20000 + (random() * 400000)::bigint END,
       w, h, 128 + (random() * 384)::bigint,
       -4 + random() * 3, 1 + random() * 3, -3 + random() * 2.5, 0.5 + random() * 2.5,
       CASE WHEN s IN ('done', 'failed') THEN 'worker-' || (i % 4) END,
       s,
       CASE WHEN s = 'failed' THEN 'render failed: out of memory' END,
       to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       to_char((t + (CASE WHEN s IN ('done', 'failed') THEN random() * 60 ELSE 0 END) * interval '1 second')
               AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       k, 0.285, 0.01, (random() * 1e9)::bigint,
       CASE WHEN k = 'classic' THEN 'classic' ELSE (ARRAY['ultra', 'fire', 'ocean'])[1 + i % 3] END
FROM (
    SELECT i,
           CASE WHEN r < 0.85 THEN 'done' WHEN r < 0.90 THEN 'failed' WHEN r < 0.97 THEN 'pending' ELSE 'rendering' END AS s,
           CASE WHEN i % 10 < 7 THEN 'classic' WHEN i % 10 < 9 THEN 'julia' ELSE 'mandelbrot' END AS k,
           256 + (random() * 768)::bigint AS w, 256 + (random() * 768)::bigint AS h,
           now() - interval '30 days' * (1 - i::double precision / $ROWS) AS t
    FROM (SELECT i, random() AS r FROM generate_series(1, $ROWS) AS i) AS g
) AS rows;
VACUUM ANALYZE fractal;
SQL
printf 'filled %s rows in %.1f s (VACUUM ANALYZE included: autovacuum does it on a live database)\n' \
    "$("${PSQL[@]}" -d "$PGDB" -Atc 'SELECT COUNT(*) FROM fractal')" "$(echo "$(date +%s.%N) - $started" | bc -l)"

# CPU ticks of faafo-api, and of every postgres process (with the postmaster's reaped
# children, so backends that ended during the run still count).
ticks() { awk '{s += $14 + $15 + $16 + $17} END {print s + 0}' "$@" 2>/dev/null || echo 0; }
api_ticks() { ticks "/proc/$API_PID/stat"; }
pg_ticks() { ticks $(pgrep -x postgres | sed 's|.*|/proc/&/stat|'); }
HZ=$(getconf CLK_TCK)
BASE=http://127.0.0.1:$PORT

# A warm-up (connections, caches), then the measured run.
wrk -t2 -c64 -d2s -s scripts/bench/list-distinct.lua "$BASE" >/dev/null
api_before=$(api_ticks); pg_before=$(pg_ticks)
out=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" --latency -s scripts/bench/list-distinct.lua "$BASE")
api_after=$(api_ticks); pg_after=$(pg_ticks)
echo "$out"
n=$(echo "$out" | awk '/requests in/ {print $1}')
api_s=$(echo "($api_after - $api_before) / $HZ" | bc -l)
pg_s=$(echo "($pg_after - $pg_before) / $HZ" | bc -l)
printf 'CPU: faafo-api %.2f s, postgres %.2f s over %s s (%.0f µs + %.0f µs per request)\n' "$api_s" "$pg_s" \
    "$SECONDS_PER_RUN" "$(echo "$api_s * 1000000 / $n" | bc -l)" "$(echo "$pg_s * 1000000 / $n" | bc -l)"
echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); build: $PROFILE"
