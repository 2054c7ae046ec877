#!/usr/bin/env bash
# Yearly metrics benchmark (reg. §7102): how long `rightsdesk report metrics` takes over
# 1,000,000 stored requests. PostgreSQL counts (one GROUP BY) and hands over the times to
# a response, 8 bytes each, for the medians and means.
#
#   bash bench/metrics.sh
#   LARGE=200000 bash bench/metrics.sh     # a smaller run
#
# A scratch data directory with the portal's own private PostgreSQL cluster (production
# settings, Unix socket only), `rightsdesk seed` (closed requests spread over the last
# 700 days), then reports for last year and this year; each report logs how long its
# queries took.

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

# Last year is finished (over for more than 90 days, nothing of it open), so the first
# report counts it and keeps it; every later report reads what was kept. This year is
# not finished: its first report counts it and keeps its closed requests added up (to an
# hour ago); a later report reads that and counts the open requests and the closings
# since. All four figures are printed.
report_ms() {
    RIGHTSDESK_LOG=info,sqlx=warn "$BIN" report metrics --year "$1" --format json \
        >"$WORK/report.json" 2>"$WORK/report.log"
    sed -n 's/.*elapsed_ms=\([0-9.]*\).*/\1/p' "$WORK/report.log" | tail -1 | awk '{ printf "%.1f\n", $1 }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

first=$(report_ms "$YEAR")
log "first report of $YEAR (counted, then kept): $first ms"
kept=()
for i in $(seq "$RUNS"); do
    kept+=("$(report_ms "$YEAR")")
    log "report $i of $YEAR (kept): ${kept[-1]} ms"
done
received=$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(sum(rows[r]["received"] for r in ("know", "delete", "correct", "opt_out", "limit_sensitive")))' "$WORK/report.json")
THIS_YEAR=$((YEAR + 1))
running_first=$(report_ms "$THIS_YEAR")
log "first report of $THIS_YEAR (counted, closings kept): $running_first ms"
running=()
for i in $(seq "$RUNS"); do
    running+=("$(report_ms "$THIS_YEAR")")
    log "report $i of $THIS_YEAR (closings kept, open counted): ${running[-1]} ms"
done
open_now=$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(sum(r["received"] - r["complied"] - r["denied"] for k, r in rows.items()
          if k in ("know", "delete", "correct", "opt_out", "limit_sensitive")))' "$WORK/report.json")

cat <<REPORT

yearly metrics benchmark ($LARGE requests stored; $received received in $YEAR)
$(printf '%-44s %s' "$YEAR, first report (counts the year, keeps it)" "$first ms")
$(printf '%-44s %s' "$YEAR, later reports (median of $RUNS, kept)" "$(median "${kept[@]}") ms")
$(printf '%-44s %s' "$THIS_YEAR, first report (counts, keeps closings)" "$running_first ms")
$(printf '%-44s %s' "$THIS_YEAR, later reports (median of $RUNS)" "$(median "${running[@]}") ms")
($open_now of $THIS_YEAR's requests open or withdrawn, counted in every report)
target: <= $TARGET_MS ms at $LARGE requests
REPORT
