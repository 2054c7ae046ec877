#!/usr/bin/env bash
# Deadline sweep benchmark: how long one sweep takes when 1,000 requests are due, with
# 10,000 and with 1,000,000 requests stored. The sweep reads through partial indexes, so
# its cost should follow the due items, not the table.
#
#   bash bench/sweep.sh
#   LARGE=200000 bash bench/sweep.sh     # a smaller large run
#
# Each size gets a scratch data directory with the portal's own private PostgreSQL
# cluster (production settings), `rightsdesk seed`, then `rightsdesk worker --sweep-once`
# three times on fresh seeds of the due items: the first sweep is the measured one; the
# next one, with nothing left, shows the cost of finding nothing.

set -euo pipefail

SMALL=${SMALL:-10000}
LARGE=${LARGE:-1000000}
DUE=${DUE:-1000}
readonly TARGET_MS=200

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-sweep.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> %s\n' "$*" >&2; }

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

# sweep_ms DIR: one timed sweep's milliseconds.
sweep_ms() {
    RIGHTSDESK_DATA_DIR=$1 RIGHTSDESK_LOG=warn "$BIN" worker --sweep-once |
        sed -n 's/^sweep: \([0-9.]*\) ms.*/\1/p'
}

# measure TOTAL: prints "<first sweep ms> <empty sweep ms>".
measure() {
    local total=$1 dir="$WORK/$1"
    mkdir -p "$dir"
    log "seeding $total requests ($DUE due)"
    RIGHTSDESK_DATA_DIR=$dir RIGHTSDESK_LOG=warn "$BIN" seed --requests "$total" --due "$DUE" >&2
    # Warm the cache the way a running worker's would be, then seed fresh due items.
    sweep_ms "$dir" >/dev/null
    RIGHTSDESK_DATA_DIR=$dir RIGHTSDESK_LOG=warn "$BIN" seed --requests "$DUE" --due "$DUE" >&2
    local first empty
    first=$(sweep_ms "$dir")
    empty=$(sweep_ms "$dir")
    echo "$first $empty"
}

read -r small_first small_empty < <(measure "$SMALL")
read -r large_first large_empty < <(measure "$LARGE")
ratio=$(awk -v a="$large_first" -v b="$small_first" 'BEGIN { printf "%.2f", a / b }')

cat <<REPORT

deadline sweep benchmark ($DUE due requests)
requests stored   sweep with $DUE due   sweep with nothing due
$(printf '%-17s %-20s %s' "$SMALL" "$small_first ms" "$small_empty ms")
$(printf '%-17s %-20s %s' "$LARGE" "$large_first ms" "$large_empty ms")
large/small: ${ratio}x
targets: <= $TARGET_MS ms at $LARGE requests, within 2x of the sweep at $SMALL
REPORT
