#!/usr/bin/env bash
# Deadline sweep benchmark: how long one sweep of a running worker takes when 1,000
# requests are due, with 10,000 and with 1,000,000 requests stored. The sweep reads
# through partial indexes, so its cost should follow the due items, not the table.
#
#   bash bench/sweep.sh
#   LARGE=200000 bash bench/sweep.sh     # a smaller large run
#
# For each size: a scratch data directory with the portal's own private PostgreSQL
# cluster (production settings), `rightsdesk seed`, and a running `rightsdesk worker`
# that sweeps every second. Its first sweeps take what the seed made due (and warm it
# up); then 1,000 more requests become due and the worker's next sweep is the one
# measured, from its own log.

set -euo pipefail

SMALL=${SMALL:-10000}
LARGE=${LARGE:-1000000}
DUE=${DUE:-1000}
readonly TARGET_MS=200

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-sweep.XXXXXX)
chmod 755 "$WORK"
WORKER_PID=""
cleanup() {
    if [[ -n $WORKER_PID ]]; then
        kill "$WORKER_PID" 2>/dev/null || true
        wait "$WORKER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

# The elapsed_ms of the last sweep that did something, from a worker log.
last_sweep_ms() {
    grep 'deadline sweep' "$1" | sed -n 's/.*elapsed_ms=\([0-9.]*\).*/\1/p' | tail -1
}

sweeps_logged() { grep -c 'deadline sweep' "$1" || true; }

# measure TOTAL: prints the running worker's sweep, in ms.
measure() {
    local total=$1 dir="$WORK/$1" wlog="$WORK/worker-$1.log"
    mkdir -p "$dir"
    export RIGHTSDESK_DATA_DIR=$dir
    log "seeding $total requests ($DUE due)"
    RIGHTSDESK_LOG=warn "$BIN" seed --requests "$total" --due "$DUE" >&2
    RIGHTSDESK_LOG=info,sqlx=warn RIGHTSDESK_WORKER__SWEEP_SECONDS=1 "$BIN" worker >"$wlog" 2>&1 &
    WORKER_PID=$!
    for _ in $(seq 600); do
        [[ $(sweeps_logged "$wlog") -ge 1 ]] && break
        sleep 0.1
    done
    sleep 2
    local before
    before=$(sweeps_logged "$wlog")
    log "making $DUE more requests due"
    RIGHTSDESK_LOG=warn "$BIN" seed --requests "$DUE" --due "$DUE" >&2
    for _ in $(seq 600); do
        [[ $(sweeps_logged "$wlog") -gt $before ]] && break
        sleep 0.1
    done
    last_sweep_ms "$wlog"
    kill "$WORKER_PID"
    wait "$WORKER_PID" 2>/dev/null || true
    WORKER_PID=""
}

small_warm=$(measure "$SMALL")
large_warm=$(measure "$LARGE")
ratio=$(awk -v a="$large_warm" -v b="$small_warm" 'BEGIN { printf "%.2f", a / b }')

cat <<REPORT

deadline sweep benchmark ($DUE due requests)
requests stored   sweep of a running worker
$(printf '%-17s %s' "$SMALL" "$small_warm ms")
$(printf '%-17s %s' "$LARGE" "$large_warm ms")
large/small: ${ratio}x
targets: <= $TARGET_MS ms at $LARGE requests, within 2x of the sweep at $SMALL
REPORT
