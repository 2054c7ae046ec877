#!/usr/bin/env bash
# Retention purge benchmark: `rightsdesk purge` over 1,000,000 requests past retention
# while the deletion form takes submissions, as in bench/intake.sh. The purge works in
# batches under FOR UPDATE SKIP LOCKED on closed requests only, through partial indexes
# intake never writes, so submissions should not notice it.
#
#   bash bench/purge.sh
#   LARGE=100000 bash bench/purge.sh      # a smaller run
#   BIN=target/debug/rightsdesk LARGE=20000 bash bench/purge.sh   # check the script only
#   CONNECTIONS=8 bash bench/purge.sh     # intake below this machine's saturation
#   SHARE=100 bash bench/purge.sh         # the purge without waiting between batches
#
# What one run does:
#   1. builds the release binary and starts the web tier (`serve --no-worker`, as
#      bench/intake.sh measures it) on a scratch data directory with its own private
#      PostgreSQL cluster (production settings) and the per-address limit off;
#   2. seeds LARGE requests (`rightsdesk seed`), then ages them in SQL: closed, with
#      their messages sent, 30 months ago;
#   3. posts the deletion form with wrk (CONNECTIONS, 32 by default) for BASELINE s alone: the
#      p99 without a purge;
#   4. posts again while `rightsdesk purge` runs, and stops the load when it ends: the
#      purge rate and the intake p99 during the purge;
#   5. checks that nothing personal is left in the aged requests, and stops the portal.
# Bounded: the purge gets at most PURGE_LIMIT seconds, the load as long plus a little.

set -euo pipefail

LARGE=${LARGE:-1000000}
BASELINE=${BASELINE:-10}
PURGE_LIMIT=${PURGE_LIMIT:-1800}
CONNECTIONS=${CONNECTIONS:-32}
# [retention] purge_share: the percent of the time the purge works (default 50).
SHARE=${SHARE:-50}
readonly THREADS=2 TARGET_P99_MS=50

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BIN:-}
WORK=$(mktemp -d /tmp/rightsdesk-bench-purge.XXXXXX)
chmod 755 "$WORK"
PORTAL_PID=""
WRK_PID=""

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'purge benchmark: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    [[ -n $WRK_PID ]] && kill "$WRK_PID" 2>/dev/null || true
    if [[ -n $PORTAL_PID ]]; then
        kill -TERM "$PORTAL_PID" 2>/dev/null || true
        wait "$PORTAL_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

for tool in cargo curl psql wrk; do
    command -v "$tool" >/dev/null || die "$tool is required (psql: apt-get install postgresql-client; wrk: apt-get install wrk)"
done

if [[ -z $BIN ]]; then
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="$ROOT/target/release/rightsdesk"
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

for var in $(compgen -e | grep '^RIGHTSDESK_' || true); do
    [[ $var == RIGHTSDESK_PG_BIN ]] || unset "$var"
done
export RIGHTSDESK_DATA_DIR="$WORK"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

log "starting the portal on 127.0.0.1:$PORT"
RIGHTSDESK_BIND="127.0.0.1:$PORT" RIGHTSDESK_BASE_URL="http://127.0.0.1:$PORT" \
    RIGHTSDESK_LIMITS__SUBMISSIONS_PER_MINUTE=0 \
    RIGHTSDESK_LOG=warn "$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
deadline=$((SECONDS + 120))
until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/healthz" || true) == 200 ]]; do
    kill -0 "$PORTAL_PID" 2>/dev/null || { tail -n 20 "$WORK/portal.log" >&2; die "the portal exited during start-up"; }
    ((SECONDS < deadline)) || die "the portal did not answer /healthz within 120 s"
    sleep 0.5
done

pidfile="$WORK/postgres/data/postmaster.pid"
unset PGSERVICE PGOPTIONS PGPASSWORD PGSSLMODE
export PGHOST="$WORK/postgres" PGUSER=postgres PGDATABASE=rightsdesk
PGPORT=$(sed -n 4p "$pidfile")
export PGPORT
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

log "seeding $LARGE requests"
RIGHTSDESK_LOG=warn RIGHTSDESK_DATABASE__STATEMENT_TIMEOUT_MS=0 "$BIN" seed --requests "$LARGE" --due 0 >&2

log "ageing them: closed 30 months ago, their mail sent"
sql "UPDATE requests SET
         received_at = received_at - interval '30 months',
         closed_at = coalesce(closed_at, received_at) - interval '30 months',
         status = CASE WHEN closed_at IS NULL THEN 'fulfilled' ELSE status END,
         outcome_code = CASE WHEN closed_at IS NULL THEN 'fulfilled' ELSE outcome_code END
"
sql "UPDATE outbox SET sent_at = coalesce(sent_at, created_at) WHERE request_id IS NOT NULL"
sql "VACUUM (ANALYZE) requests" >/dev/null
# Written out now: the ageing's dirty pages and WAL would otherwise be flushed by a
# checkpoint during the baseline, and intake would be measured against that.
sql "CHECKPOINT"
aged=$(sql "SELECT count(*) FROM requests WHERE closed_at < now() - interval '24 months'")
log "$aged requests past retention"

cat >"$WORK/intake.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0
function init(args)
    math.randomseed(os.time() * 1000 + math.random(1, 1000000))
    run = args[1] or "0"
end
function request()
    n = n + 1
    local body = "full_name=Bench+Consumer&california_resident=yes&email="
        .. string.format("purge.%s.%d.%06d%%40example.com", run, n, math.random(0, 999999))
    return wrk.format(nil, nil, nil, body)
end
function done(summary, latency, requests)
    io.write(string.format("result requests %d\n", summary.requests))
    io.write(string.format("result seconds %.1f\n", summary.duration / 1e6))
    io.write(string.format("result p50_ms %.1f\n", latency:percentile(50) / 1000))
    io.write(string.format("result p99_ms %.1f\n", latency:percentile(99) / 1000))
    local e = summary.errors
    io.write(string.format("result errors %d\n", e.connect + e.read + e.write + e.timeout + e.status))
end
LUA
result() { awk -v k="$1" '$1 == "result" && $2 == k { print $3 }' "$2"; }
URL="http://127.0.0.1:$PORT/requests/new/delete"

log "intake alone: ${BASELINE} s"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "${BASELINE}s" --timeout 5s -s "$WORK/intake.lua" "$URL" -- base >"$WORK/base.out"

log "intake while purging (at most ${PURGE_LIMIT} s)"
wrk -t "$THREADS" -c "$CONNECTIONS" -d "$((PURGE_LIMIT + 10))s" --timeout 5s -s "$WORK/intake.lua" "$URL" -- during >"$WORK/during.out" &
WRK_PID=$!
sleep 2
started=$(date +%s.%N)
RIGHTSDESK_RETENTION__PURGE_SHARE=$SHARE RIGHTSDESK_LOG=warn timeout "$PURGE_LIMIT" "$BIN" purge >"$WORK/purge.out" 2>"$WORK/purge.err" ||
    { cat "$WORK/purge.err" >&2; die "the purge failed or ran past ${PURGE_LIMIT} s"; }
ended=$(date +%s.%N)
# wrk reports what it measured when interrupted.
kill -INT "$WRK_PID"
wait "$WRK_PID" || true
WRK_PID=""
cat "$WORK/purge.out" >&2

purged=$(sed -n 's/^requests past retention purged: \([0-9]*\).*/\1/p' "$WORK/purge.out")
seconds=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }')
rate=$(awk -v n="$purged" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
left=$(sql "SELECT count(*) FROM requests WHERE closed_at < now() - interval '24 months' AND (email <> '' OR full_name IS NOT NULL)")
base_p99=$(result p99_ms "$WORK/base.out")
p99=$(result p99_ms "$WORK/during.out")
verdict=$(awk -v p="$p99" -v t="$TARGET_P99_MS" 'BEGIN { print (p <= t) ? "met" : "NOT met" }')

cat <<REPORT

retention purge benchmark (purge share $SHARE %, intake at concurrency $CONNECTIONS)
requests past retention   purged    seconds   purge rate
$(printf '%-25s %-9s %-9s %s' "$aged" "$purged" "$seconds" "$rate requests/s")
intake alone:         $(result requests "$WORK/base.out") submissions in $(result seconds "$WORK/base.out") s, p50 $(result p50_ms "$WORK/base.out") ms, p99 $base_p99 ms, errors $(result errors "$WORK/base.out")
intake during purge:  $(result requests "$WORK/during.out") submissions in $(result seconds "$WORK/during.out") s, p50 $(result p50_ms "$WORK/during.out") ms, p99 $p99 ms, errors $(result errors "$WORK/during.out")
target: intake p99 <= $TARGET_P99_MS ms during the purge: $verdict
aged requests still holding personal data: $left
REPORT
[[ $left == 0 ]]
