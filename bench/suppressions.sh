#!/usr/bin/env bash
# Suppression feed benchmark: p50/p99 latency of a 1,000-entry page of
# GET /api/v1/suppressions with 1,000,000 changes stored (the first page, one in the
# middle, the last, the SHA-256 identifiers and CSV), at concurrency 4, on loopback,
# and the database time of each page's query.
#
#   bash bench/suppressions.sh
#   ENTRIES=200000 DURATION=5s bash bench/suppressions.sh
#   BIN=target/debug/rightsdesk bash bench/suppressions.sh   # an already-built binary
#
# The entries are seeded in SQL (into `opt_outs`, whose triggers write the change log
# the feed reads), 10,000 per transaction, a tenth of them later removed again as
# tombstones, so the log looks like one written over time.

set -euo pipefail

ENTRIES=${ENTRIES:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=4
readonly TARGET_P99_MS=20

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/rightsdesk-bench-suppressions.XXXXXX)
chmod 755 "$WORK"
PORTAL_PID=""
cleanup() {
    if [[ -n $PORTAL_PID ]]; then
        kill "$PORTAL_PID" 2>/dev/null || true
        wait "$PORTAL_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

if [[ -z ${BIN:-} ]]; then
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="$ROOT/target/release/rightsdesk"
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export RIGHTSDESK_DATA_DIR="$WORK" RIGHTSDESK_LOG=warn RIGHTSDESK_BIND="127.0.0.1:$PORT" RIGHTSDESK_BASE_URL="$BASE"

"$BIN" migrate >&2
token=$("$BIN" token add bench --scope suppressions:read 2>/dev/null)

"$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
for _ in $(seq 300); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

sql() { psql -h "$WORK/postgres" -U postgres rightsdesk -v ON_ERROR_STOP=1 -Atc "$1"; }

log "seeding $ENTRIES suppression-list changes"
added=$((ENTRIES * 10 / 11))
sql "DO \$\$
DECLARE batch int := 10000;
BEGIN
    FOR start IN 0..($added - 1) BY batch LOOP
        INSERT INTO opt_outs (email, scope, channel, since)
        SELECT 'consumer' || n || '@example.com',
               CASE WHEN n % 5 = 0 THEN 'sensitive_use' ELSE 'sale_sharing' END,
               CASE WHEN n % 3 = 0 THEN 'gpc' ELSE 'web' END,
               now() - interval '1 second' * ($added - n)
        FROM generate_series(start, least(start + batch, $added) - 1) AS n;
        -- Opt-ins: one removal in ten, a while after the address was added.
        IF start > 0 THEN
            DELETE FROM opt_outs
            WHERE lower(email) IN (SELECT 'consumer' || n || '@example.com'
                                   FROM generate_series(start - batch, start - 1, 10) AS n);
        END IF;
        COMMIT;
    END LOOP;
END
\$\$" >&2
sql "VACUUM ANALYZE suppression_changes" >&2
total=$(sql "SELECT count(*) FROM suppression_changes")
middle=$(sql "SELECT txid || '-' || seq FROM suppression_changes ORDER BY txid, seq OFFSET $((total / 2)) LIMIT 1")
last=$(sql "SELECT txid || '-' || seq FROM suppression_changes ORDER BY txid DESC, seq DESC OFFSET 1000 LIMIT 1")

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout + summary.errors.status
    io.write(string.format("%.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA

# The page's query alone, as the portal sends it: median execution time of 5 runs.
db_time() {
    local after=$1 txid=${1%-*} seq=${1#*-} times=()
    for _ in 1 2 3 4 5; do
        times+=("$(sql "EXPLAIN (ANALYZE, FORMAT JSON)
            SELECT s.txid::text::bigint AS txid, s.seq, s.change, s.email, s.scope, s.channel, s.at
            FROM suppression_changes s
            WHERE (s.txid, s.seq) > ('$txid'::text::xid8, $seq)
              AND s.txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY s.txid, s.seq LIMIT 1001" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])')")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.2f", a[3] }'
}

measure() {
    local name=$1 path=$2
    local status entries
    status=$(curl -s -o "$WORK/page" -w '%{http_code}' -H "Authorization: Bearer $token" "$BASE$path")
    [[ $status == 200 ]] || { echo "$name: $path answered $status" >&2; exit 1; }
    if [[ $path != *format=csv* ]]; then
        entries=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entries"]))' "$WORK/page")
    else
        entries=$(($(wc -l <"$WORK/page") - 1))
    fi
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/report.lua" -H "Authorization: Bearer $token" "$BASE$path" | tail -1)
    read -r rps p50 p99 errors <<<"$out"
    local after=0-0
    [[ $path =~ after=([0-9]+-[0-9]+) ]] && after=${BASH_REMATCH[1]}
    printf '%-14s %5s entries  %6s/s   p50 %6s ms   p99 %6s ms   errors %s   query %s ms\n' \
        "$name" "$entries" "$rps" "$p50" "$p99" "$errors" "$(db_time "$after")"
}

log "measuring at concurrency $CONNECTIONS for $DURATION each"
{
    echo
    echo "suppression feed benchmark ($total changes, 1,000-entry pages, concurrency $CONNECTIONS, $DURATION each)"
    measure "first page" "/api/v1/suppressions"
    measure "middle page" "/api/v1/suppressions?after=$middle"
    measure "last page" "/api/v1/suppressions?after=$last"
    measure "sha256" "/api/v1/suppressions?after=$middle&identifier=sha256"
    measure "csv" "/api/v1/suppressions?after=$middle&format=csv"
    echo "target: p99 <= $TARGET_P99_MS ms each (query: the page's SQL alone, median of 5)"
}
