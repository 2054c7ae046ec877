#!/usr/bin/env bash
# DRP exercise benchmark: signed POST /drp/v1/data-rights-request at concurrency 32,
# Ed25519 verification included, each request a distinct consumer. Prints requests/s,
# p50/p99, errors, and the CPU per stored request of the portal process and of the
# PostgreSQL cluster (from /proc), with what the signature verification alone costs,
# and the grouped-write ceiling (bench/lib/ceiling.sh) with the figures scaled to the
# baseline machine's speed.
#
#   bash bench/drp.sh
#   DURATION=20s BODIES=80000 bash bench/drp.sh

set -euo pipefail

DURATION=${DURATION:-15s}
# A signed body is used once (a second post is refused): sign more than a run sends.
BODIES=${BODIES:-120000}
readonly TARGET_RATE=1500 TARGET_P99_MS=50 TARGET_CPU_US=250

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/cpu.sh
source "$ROOT/bench/lib/cpu.sh"
# shellcheck source=lib/ceiling.sh
source "$ROOT/bench/lib/ceiling.sh"
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-drp.XXXXXX)
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
die() {
    printf 'DRP benchmark: %s\n' "$*" >&2
    exit 1
}
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install --quiet cryptography
command -v pgbench >/dev/null || die "pgbench is required (apt-get install postgresql-client)"

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
export RIGHTSDESK_DATA_DIR="$WORK" RIGHTSDESK_LOG=warn RIGHTSDESK_BIND="127.0.0.1:$PORT" \
    RIGHTSDESK_BASE_URL="$BASE" RIGHTSDESK_DRP__BUSINESS_ID=BENCH_BUSINESS

# The agent's key pair, its signed bodies, and its pairing, in Python.
cat >"$WORK/agent.py" <<'PY'
import base64, datetime, json, sys, urllib.request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

key = Ed25519PrivateKey.from_private_bytes(bytes([42] * 32))

def signed(body):
    message = json.dumps(body).encode()
    return base64.b64encode(key.sign(message) + message).decode()

def envelope():
    now = datetime.datetime.now(datetime.timezone.utc)
    return {"agent-id": "BENCH_AGENT", "business-id": "BENCH_BUSINESS", "drp.version": "1.0",
            "issued-at": (now - datetime.timedelta(seconds=5)).isoformat(),
            "expires-at": (now + datetime.timedelta(minutes=15)).isoformat()}

command = sys.argv[1]
if command == "verify-key":
    from cryptography.hazmat.primitives import serialization
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    print(base64.b64encode(raw).decode())
elif command == "pair":
    request = urllib.request.Request(sys.argv[2] + "/drp/v1/agent/BENCH_AGENT", data=signed(envelope()).encode(),
                                     headers={"Content-Type": "text/plain"})
    print(json.load(urllib.request.urlopen(request))["token"])
elif command == "bodies":
    for i in range(int(sys.argv[2])):
        body = envelope()
        body.update({"exercise": "deletion", "regime": "ccpa", "name": f"Person {i}",
                     "email": f"person{i}@example.com", "email_verified": True})
        print(signed(body))
PY

"$BIN" agent add BENCH_AGENT --name "Bench Agent" --verify-key "$(python3 "$WORK/agent.py" verify-key)" >&2
"$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
for _ in $(seq 200); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
TOKEN=$(python3 "$WORK/agent.py" pair "$BASE")
log "signing $BODIES exercise requests"
python3 "$WORK/agent.py" bodies "$BODIES" >"$WORK/bodies.txt"

cat >"$WORK/drp.lua" <<LUA
local bodies = {}
for line in io.lines("$WORK/bodies.txt") do bodies[#bodies + 1] = line end
local i = 0
-- Each thread starts at its own half of the bodies: a global, so that the value setup()
-- gives a thread is the one its request() reads.
offset = 0
local next_offset = 0
setup = function(thread)
    thread:set("offset", next_offset)
    next_offset = next_offset + math.floor(#bodies / 2)
end
request = function()
    i = i + 1
    local body = bodies[((offset + i) % #bodies) + 1]
    return wrk.format("POST", "/drp/v1/data-rights-request",
        { ["Content-Type"] = "text/plain", ["Authorization"] = "Bearer $TOKEN" }, body)
end
done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout + summary.errors.status
    io.write(string.format("RESULT %.0f %.1f %.1f %d %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
LUA

stored_drp() { psql -h "$WORK/postgres" -U postgres rightsdesk -Atc "SELECT count(*) FROM requests WHERE channel = 'drp'"; }

log "driving $BASE/drp/v1/data-rights-request for $DURATION at concurrency 32"
stored0=$(stored_drp)
portal0=$(portal_ticks)
cluster0=$(cluster_ticks)
read -r _ rps p50 p99 errors total < <(wrk -t2 -c32 -d"$DURATION" -s "$WORK/drp.lua" "$BASE" | grep '^RESULT')
portal1=$(portal_ticks)
cluster1=$(cluster_ticks)
stored=$(stored_drp)
filed=$((stored - stored0))
portal_us=$(per_row_us "$portal0" "$portal1" "$filed")
cluster_us=$(per_row_us "$cluster0" "$cluster1" "$filed")

# What verifying one signature costs the portal: the same bodies checked against the
# agent's key by the portal's own code, one after another, timed by the portal.
checked=$("$BIN" agent check-signatures "$WORK/bodies.txt" --verify-key "$(python3 "$WORK/agent.py" verify-key)")
verify_us=$(sed -n 's/.*; \([0-9.]*\) µs per body.*/\1/p' <<<"$checked" | awk '{ printf "%.0f", $1 }')

# How fast the machine was: the grouped-write ceiling on the same cluster, after the load.
unset PGSERVICE PGOPTIONS PGPASSWORD PGSSLMODE
export PGHOST="$WORK/postgres" PGUSER=postgres PGDATABASE=rightsdesk
PGPORT=$(sed -n 4p "$WORK/postgres/data/postmaster.pid")
export PGPORT
# The figures are meaningless unless the cluster commits durably, as in production.
fsync=$(sql "SHOW fsync")
sync_commit=$(sql "SHOW synchronous_commit")
[[ $fsync == on && $sync_commit == on ]] ||
    die "the cluster is not durable (fsync=$fsync, synchronous_commit=$sync_commit)"
write_ceiling_script
run_ceiling 32 2 15
ceiling=$(ceiling_rate)
without_us=$((portal_us + cluster_us - verify_us))

cat <<REPORT

DRP exercise benchmark (signed deletion requests, 32 connections, $DURATION)
requests/s: $rps
latency p50: $p50 ms  p99: $p99 ms
errors: $errors   (requests sent: $total, stored: $filed)
CPU per stored request: portal $portal_us µs + PostgreSQL $cluster_us µs = $((portal_us + cluster_us)) µs
  of which verifying the Ed25519 signature: $verify_us µs; without it: $without_us µs
grouped-write ceiling (pgbench, web deletion rows, 32 per transaction): $ceiling submissions/s
at the baseline's speed (ceiling $BASELINE_CEILING/s): $(rate_at_baseline "$rps" "$ceiling") requests/s, $(cpu_at_baseline "$without_us" "$ceiling") µs CPU per request without the signature
targets: >= $TARGET_RATE requests/s, p99 <= $TARGET_P99_MS ms, <= $TARGET_CPU_US µs CPU per request without the signature
REPORT
meets() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { exit !(op == ">=" ? a >= b : a <= b) }'; }
missed=()
meets "$rps" ">=" "$TARGET_RATE" || missed+=("requests/s")
meets "$p99" "<=" "$TARGET_P99_MS" || missed+=("p99")
meets "$without_us" "<=" "$TARGET_CPU_US" || missed+=("CPU")
meets "$errors" "<=" 0 || missed+=("errors")
if ((${#missed[@]} == 0)); then
    echo "targets met: all"
else
    echo "targets missed: ${missed[*]}"
fi
if meets "$(cpu_at_baseline "$without_us" "$ceiling")" "<=" "$TARGET_CPU_US"; then
    echo "CPU target at the baseline's speed: met"
else
    echo "CPU target at the baseline's speed: missed"
fi
