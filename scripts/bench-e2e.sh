#!/usr/bin/env bash
# End-to-end task throughput, as issue 4 asks: small tasks (64×64, 100 iterations)
# created on faafo-api (SQLite) while 2 faafo-workers render them through RabbitMQ, all
# on this machine; release builds. Reports tasks/s from the first create to the last
# result, each process's CPU time per task, and the workers' median overhead per task
# outside the render (receive, encode, upload, ack), from their log lines.
# Usage: scripts/bench-e2e.sh [tasks, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=${1:-3000}
scripts/services.sh
cargo build --release -q -p faafo-backend --bin faafo-api --bin faafo-worker
WORK=$(mktemp -d)
VHOST=faafo_e2e_$$
PORT=18282
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rabbitmqctl -q delete_vhost "$VHOST" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
rabbitmqctl -q add_vhost "$VHOST" >/dev/null
rabbitmqctl -q set_permissions -p "$VHOST" guest ".*" ".*" ".*" >/dev/null
AMQP="amqp://guest:guest@127.0.0.1:5672/$VHOST"
BASE="http://127.0.0.1:$PORT"

target/release/faafo-api --database-url "sqlite://$WORK/e2e.db" --bind-port $PORT --config-file /dev/null \
    --transport-url "$AMQP" 2>"$WORK/api.log" &
API_PID=$!; PIDS+=($API_PID)
for _ in $(seq 100); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done
for w in 1 2; do
    target/release/faafo-worker --endpoint-url "$BASE" --transport-url "$AMQP" --name "bench-$w" \
        --concurrency 4 --config-file /dev/null 2>"$WORK/worker-$w.log" &
    PIDS+=($!)
done
sleep 1

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A BEFORE
for p in "${PIDS[@]}"; do BEFORE[$p]=$(cpu_ticks "$p"); done
START=$(date +%s.%N)
CREATE_S=$(python3 scripts/bench/create.py "$BASE" "$TASKS" 16)
while :; do
    DONE=$(curl -sf "$BASE/metrics" | awk -F' ' '/^faafo_fractals\{status="done"\}/ {print $2}')
    [ "${DONE:-0}" -ge "$TASKS" ] && break
    sleep 0.05
done
END=$(date +%s.%N)
HZ=$(getconf CLK_TCK)
ELAPSED=$(echo "$END - $START" | bc -l)
printf 'tasks: %d   creates took %.2f s   first create → last result: %.2f s   → %.0f tasks/s\n' \
    "$TASKS" "$CREATE_S" "$ELAPSED" "$(echo "$TASKS / $ELAPSED" | bc -l)"
i=0
for p in "${PIDS[@]}"; do
    name=$([ $i -eq 0 ] && echo faafo-api || echo "faafo-worker $i")
    printf '  %-16s %7.1f µs CPU per task\n' "$name" \
        "$(echo "($(cpu_ticks "$p") - ${BEFORE[$p]}) * 1000000 / $HZ / $TASKS" | bc -l)"
    i=$((i + 1))
done
overhead() {  # label, logs...: "… render R ms, upload U ms, total T ms" → T - R, and U
    local label=$1; shift
    cat "$@" | awk '/ done: / {
        for (i = 1; i <= NF; i++) { if ($i == "render") r = $(i+1); if ($i == "upload") u = $(i+1); if ($i == "total") t = $(i+1) }
        print t - r, u }' | sort -n | awk -v label="$label" '{ a[NR] = $1; u[NR] = $2 } END {
        n = asort(u)
        if (NR) printf "  worker overhead outside the render, %s: median %.2f ms (of which the API upload: median %.2f ms), p90 %.2f ms (%d tasks)\n",
            label, a[int((NR + 1) / 2)], u[int((n + 1) / 2)], a[int(NR * 0.9)], NR }'
}
overhead "under the full load above" "$WORK"/worker-*.log

# The overhead alone: tasks queued first, then one worker with one slot and nothing
# else running.
for p in "${PIDS[@]:1}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
PIDS=("$API_PID")
python3 scripts/bench/create.py "$BASE" 300 4 >/dev/null
sleep 1
target/release/faafo-worker --endpoint-url "$BASE" --transport-url "$AMQP" --name bench-solo \
    --concurrency 1 --max-tasks 300 --config-file /dev/null 2>"$WORK/solo.log"
overhead "one worker, one slot, no other load" "$WORK/solo.log"
