#!/usr/bin/env bash
# Staff queue benchmark: p50/p99 latency of the queue's first page, a filtered page, a
# page deep in the list, sorted pages, searched pages (part of a name, part of an e-mail
# address) and a request page, with 1,000,000 requests stored, for a signed-in
# reviewer, at concurrency 8.
#
#   bash bench/queue.sh
#   REQUESTS=200000 DURATION=10s bash bench/queue.sh

set -euo pipefail

REQUESTS=${REQUESTS:-1000000}
DURATION=${DURATION:-10s}
CONNECTIONS=8
readonly TARGET_P99_MS=50

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-queue.XXXXXX)
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

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export RIGHTSDESK_DATA_DIR="$WORK" RIGHTSDESK_LOG=warn RIGHTSDESK_BIND="127.0.0.1:$PORT" RIGHTSDESK_BASE_URL="$BASE"

log "seeding $REQUESTS requests"
"$BIN" seed --requests "$REQUESTS" --due 0 >&2
echo "bench password 123" | "$BIN" staff add bench@example.com --role reviewer >&2

"$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
for _ in $(seq 200); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

# Sign in as a browser would: the form's anti-forgery token, then the session cookie.
jar="$WORK/cookies"
csrf=$(curl -fs -c "$jar" "$BASE/staff/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" \
    --data-urlencode "email=bench@example.com" --data-urlencode "password=bench password 123" "$BASE/staff/login"
session=$(awk '$6 == "rd_staff" { print $7 }' "$jar")
[[ -n $session ]] || { echo "sign-in failed" >&2; exit 1; }

sql() { psql -h "$WORK/postgres" -U postgres rightsdesk -Atc "$1"; }
# Staff at work: three colleagues besides the reviewer, and a third of the open requests
# shared among the four; the rest unassigned.
for who in ana lee zoe; do
    echo "bench password 123" | "$BIN" staff add "$who@example.com" --role reviewer >/dev/null 2>&1
done
sql "UPDATE requests r SET assignee_id = s.id
     FROM (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM staff_users) s
     WHERE r.closed_at IS NULL AND abs(hashtext(r.id::text)) % 12 = s.n" >/dev/null
sql "VACUUM (ANALYZE) requests" >/dev/null
# The assignments' writes reach the disk now, not in a checkpoint during a measurement.
sql "CHECKPOINT" >/dev/null
deep=$(sql "SELECT due_on || '~' || id FROM requests WHERE closed_at IS NULL ORDER BY due_on, id OFFSET (SELECT count(*) / 2 FROM requests WHERE closed_at IS NULL) LIMIT 1")
code=$(sql "SELECT tracking_code FROM requests WHERE closed_at IS NULL ORDER BY due_on DESC LIMIT 1 OFFSET 1000")
# Seeded names are "Person N" and addresses personN@example.com: a part of one open
# request's name, and a part of its address, as an analyst would type them.
probe=$(sql "SELECT substr(full_name, 3) FROM requests WHERE closed_at IS NULL ORDER BY id LIMIT 1 OFFSET 5000")
probe_mail=$(sql "SELECT substr(email, 4, length(email) - 14) FROM requests WHERE closed_at IS NULL ORDER BY id LIMIT 1 OFFSET 7000")
# A row in the middle of the second staff member's requests, to page on from.
assigned_deep=$(sql "SELECT r.id FROM requests r JOIN staff_users s ON s.id = r.assignee_id
                     WHERE r.closed_at IS NULL AND s.email = 'bench@example.com'
                     ORDER BY r.due_on, r.id OFFSET 10000 LIMIT 1")
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout + summary.errors.status
    io.write(string.format("%.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA

measure() {
    local name=$1 path=$2
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: rd_staff=$session" "$BASE$path")
    [[ $status == 200 ]] || { echo "$name: $path answered $status" >&2; exit 1; }
    local out
    out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/report.lua" -H "Cookie: rd_staff=$session" "$BASE$path" | tail -1)
    read -r rps p50 p99 errors <<<"$out"
    printf '%-18s %8s/s   p50 %6s ms   p99 %6s ms   errors %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
}

log "measuring at concurrency $CONNECTIONS for $DURATION each"
{
    echo
    echo "staff queue benchmark ($REQUESTS requests, concurrency $CONNECTIONS, $DURATION each)"
    measure "first page" "/staff/requests"
    measure "filtered" "/staff/requests?kind=correct&channel=web"
    measure "deep page" "/staff/requests?after=o~$deep"
    measure "sorted: received" "/staff/requests?sort=received&dir=desc"
    measure "sorted: due desc" "/staff/requests?sort=due&dir=desc"
    measure "sorted: name" "/staff/requests?sort=name"
    measure "sorted: status" "/staff/requests?sort=status&kind=delete"
    measure "sorted: kind" "/staff/requests?sort=kind&dir=desc"
    measure "sorted: channel" "/staff/requests?sort=channel"
    measure "sorted: assignee" "/staff/requests?sort=assignee"
    measure "by assignee, deep" "/staff/requests?sort=assignee&after=$assigned_deep"
    measure "search: name" "/staff/requests?q=$(urlenc "$probe")"
    measure "search: e-mail" "/staff/requests?q=$(urlenc "$probe_mail")"
    measure "request page" "/staff/requests/$code"
    echo "target: p99 <= $TARGET_P99_MS ms each"
}
