#!/usr/bin/env bash
# Yearly metrics benchmark (reg. §7102): how long `rightsdesk report metrics` takes over
# 1,000,000 stored requests. PostgreSQL aggregates (one GROUP BY for the counts, one for
# the medians and means), so the report moves a few dozen rows whatever the table holds.
#
#   bash bench/metrics.sh
#   LARGE=200000 bash bench/metrics.sh     # a smaller run
#
# A scratch data directory with the portal's own private PostgreSQL cluster (production
# settings, Unix socket only), `rightsdesk seed`, then the report for last year (the seed
# spreads closed requests over the last 700 days) run RUNS times; each run logs how long
# its queries took, and the median of those is the figure.

set -euo pipefail

LARGE=${LARGE:-1000000}
RUNS=${RUNS:-5}
readonly TARGET_MS=200

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-metrics.XXXXXX)
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

log() { printf '==> %s\n' "$*" >&2; }

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

export RIGHTSDESK_DATA_DIR=$WORK/data
mkdir -p "$RIGHTSDESK_DATA_DIR"
YEAR=${YEAR:-$(($(date -u +%Y) - 1))}

log "seeding $LARGE requests"
# A million rows take longer than the portal lets one statement run.
RIGHTSDESK_LOG=warn RIGHTSDESK_DATABASE__STATEMENT_TIMEOUT_MS=0 "$BIN" seed --requests "$LARGE" --due 0 >&2

times=()
for i in $(seq "$RUNS"); do
    RIGHTSDESK_LOG=info,sqlx=warn "$BIN" report metrics --year "$YEAR" --format json \
        >"$WORK/report.json" 2>"$WORK/report.log"
    ms=$(sed -n 's/.*elapsed_ms=\([0-9.]*\).*/\1/p' "$WORK/report.log" | tail -1)
    log "run $i: $ms ms"
    times+=("$ms")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
received=$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(sum(rows[r]["received"] for r in ("know", "delete", "correct", "opt_out", "limit_sensitive")))' "$WORK/report.json")

cat <<REPORT

yearly metrics benchmark
requests stored   year   report (median of $RUNS runs)
$(printf '%-17s %-6s %s' "$LARGE" "$YEAR" "$median ms")
requests received in $YEAR (all kinds): $received
target: <= $TARGET_MS ms at $LARGE requests
REPORT
