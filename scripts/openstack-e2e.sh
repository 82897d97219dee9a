#!/usr/bin/env bash
# `faafo deploy` and the Swift image store against a real, small OpenStack on this machine
# (backend/tests/deploy_openstack.rs). Starts the stack with the shared up.sh (Keystone,
# Nova with the fake driver, Neutron, Glance, Swift on 127.0.0.1; ~5 minutes cold, ~3 with
# its virtualenvs kept, ~4 GB RAM) unless it is already up, builds the release binaries
# the servers would run, and runs the tests one at a time. A stack that cannot be started
# fails the run: these tests are never skipped.
#
# up.sh is looked for in $FAAFO_OPENSTACK_UP, then ../shared/openstack/up.sh beside the
# checkout (where CI has shared/), then /work/shared/openstack/up.sh. It keeps its state in
# $ROOT (default ~/.cache/faafo-openstack) and writes $ROOT/clouds.yaml (fs-admin, fs-demo).
# The autoscaling test also starts a local faafo-api on RabbitMQ (127.0.0.1:5672, which
# scripts/services.sh starts; CI's first step): without it the test fails, never skips.
# FAAFO_BIN=path/to/faafo skips the release build (a debug binary is fine locally);
# FAAFO_E2E_FROM=target/debug uses that build's three binaries, debug info stripped (CI:
# the test step built them already). --start-only starts the stack and returns (CI runs
# it in the background); a later run with FAAFO_OPENSTACK_STARTED=1 tears it down after.
set -euo pipefail
cd "$(dirname "$0")/.."
export ROOT=${ROOT:-$HOME/.cache/faafo-openstack}
t0=$(date +%s)
ts() { echo "==> [$(( $(date +%s) - t0 ))s] $*"; }

up=
for c in "${FAAFO_OPENSTACK_UP:-}" ../shared/openstack/up.sh /work/shared/openstack/up.sh; do
    if [ -n "$c" ] && [ -f "$c" ]; then up=$(cd "$(dirname "$c")" && pwd)/$(basename "$c"); break; fi
done
[ -n "$up" ] || { echo "error: no openstack/up.sh (set FAAFO_OPENSTACK_UP)" >&2; exit 1; }
down=$(dirname "$up")/down.sh

export OS_CLIENT_CONFIG_FILE=$ROOT/clouds.yaml
stack_up() {  # Keystone, Nova, Neutron and Swift all answer for the demo project.
    [ -f "$OS_CLIENT_CONFIG_FILE" ] && [ -x "$ROOT/os/bin/openstack" ] || return 1
    "$ROOT/os/bin/openstack" --os-cloud fs-demo server list >/dev/null 2>&1 &&
    "$ROOT/os/bin/openstack" --os-cloud fs-demo network show private >/dev/null 2>&1 &&
    "$ROOT/os/bin/openstack" --os-cloud fs-demo container list >/dev/null 2>&1
}
started=${FAAFO_OPENSTACK_STARTED:-0}
if stack_up; then
    ts "the local OpenStack is up already ($ROOT)"
else
    # Whatever is left of an earlier stack goes first: up.sh recreates its databases.
    [ -f "$down" ] && bash "$down" >/dev/null 2>&1 || true
    ts "starting the local OpenStack: $up (log: $ROOT/up.log)"
    mkdir -p "$ROOT"
    if ! bash "$up" > "$ROOT/up.log" 2>&1; then
        tail -n 40 "$ROOT/up.log" >&2
        echo "error: $up failed" >&2
        exit 1
    fi
    grep -E '^\[[0-9]+s\]' "$ROOT/up.log" || true
    stack_up || { tail -n 40 "$ROOT/up.log" >&2; echo "error: the local OpenStack does not answer" >&2; exit 1; }
    started=1
    ts "the local OpenStack is up"
fi
if [ "${1:-}" = --start-only ]; then
    exit 0
fi
stop() { if [ "$started" = 1 ] && [ -z "${FAAFO_KEEP_OPENSTACK:-}" ]; then bash "$down" >/dev/null 2>&1 || true; fi; }
trap stop EXIT

if [ -z "${FAAFO_BIN:-}" ] && [ -n "${FAAFO_E2E_FROM:-}" ]; then
    # The servers never boot here, so any build serves; without debug info the three
    # uploads are ~40 MB each instead of ~200.
    bins=$(mktemp -d)
    for b in faafo faafo-api faafo-worker; do
        [ -x "$FAAFO_E2E_FROM/$b" ] || { echo "error: $FAAFO_E2E_FROM/$b is missing (run the tests first)" >&2; exit 1; }
        objcopy --strip-debug "$FAAFO_E2E_FROM/$b" "$bins/$b"
    done
    export FAAFO_BIN=$bins/faafo
    ts "using $FAAFO_E2E_FROM's binaries (stripped into $bins)"
fi
if [ -z "${FAAFO_BIN:-}" ]; then
    ts "cargo build --release (faafo, faafo-api, faafo-worker)"
    cargo build --release -p faafo-backend --bins
    export FAAFO_BIN=$PWD/target/release/faafo
fi
# Both packages in one cargo invocation: the same feature set as the workspace's test
# build, so nothing is compiled again (one package alone unifies features differently and
# rebuilt about 200 crates). The backend's tests run first, then the explorer's Deploy
# window against the same cloud (its password in the OS keyring).
ts "deploy tests and the explorer's Deploy window against cloud fs-demo with $FAAFO_BIN"
scripts/with-secret-service.sh cargo test -p faafo-backend -p faafo-explorer --test deploy_openstack -- \
    --ignored --test-threads=1
ts "done"
