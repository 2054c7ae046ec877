#!/usr/bin/env bash
# Outbox delivery benchmark: how fast one worker process delivers 10,000 queued receipts
# (filed through the deletion form) over SMTP to a local sink (Postfix's smtp-sink, which answers every command at once
# and discards what it receives, so the figure is the worker's), and the CPU each
# delivered message costs the worker process and the PostgreSQL cluster: the web tier
# (`serve --no-worker`) keeps the cluster up and idle meanwhile, the worker's CPU is read
# from the kernel's account of it once it exits, the cluster's from /proc.
#
#   bash bench/delivery.sh
#   MESSAGES=20000 CONCURRENCY=8 bash bench/delivery.sh

set -euo pipefail

MESSAGES=${MESSAGES:-10000}
# The default is the shipped setting (mail.concurrency).
CONCURRENCY=${CONCURRENCY:-4}
readonly TARGET_RATE=500

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/cpu.sh
source "$ROOT/bench/lib/cpu.sh"
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-delivery.XXXXXX)
chmod 755 "$WORK"
SINK_PID=""
PORTAL_PID=""
cleanup() {
    # The portal first: it stops its cluster, which lives in $WORK.
    if [[ -n $PORTAL_PID ]]; then
        kill -TERM "$PORTAL_PID" 2>/dev/null || true
        wait "$PORTAL_PID" 2>/dev/null || true
    fi
    if [[ -n $SINK_PID ]]; then
        kill "$SINK_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

if ! command -v smtp-sink >/dev/null; then
    log "installing postfix for its smtp-sink"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; }
fi

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# smtp-sink drops privileges to an unprivileged user when started as root.
sink_user=()
[[ $(id -u) -eq 0 ]] && sink_user=(-u nobody)
smtp-sink "${sink_user[@]}" "127.0.0.1:$PORT" 256 &
SINK_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export RIGHTSDESK_DATA_DIR="$WORK" RIGHTSDESK_LOG=warn

# The web tier alone queues the messages as consumers do, through the deletion form
# (each a receipt kept as its template and parameters, rendered with its verification
# link when sent), then keeps the cluster up and idle, so that the cluster's CPU can be
# read before and after the worker's run.
WEB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RIGHTSDESK_BIND="127.0.0.1:$WEB_PORT" RIGHTSDESK_BASE_URL="http://127.0.0.1:$WEB_PORT" \
    RIGHTSDESK_LIMITS__SUBMISSIONS_PER_MINUTE=0 \
    "$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
PORTAL_PID=$!
up=""
for _ in $(seq 600); do
    curl -fs "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 && { up=1; break; }
    kill -0 "$PORTAL_PID" 2>/dev/null || { tail -n 20 "$WORK/portal.log" >&2; exit 1; }
    sleep 0.2
done
[[ -n $up ]] || { log "the portal did not answer /healthz within 120 s"; exit 1; }
log "queueing $MESSAGES receipts through the deletion form"
python3 - "$WEB_PORT" "$MESSAGES" <<'PY'
import http.client, sys, threading, urllib.parse
port, total = int(sys.argv[1]), int(sys.argv[2])
failed = []
def post(first, step):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(first, total, step):
        body = urllib.parse.urlencode({"full_name": "Bench Consumer",
                                       "email": f"delivery.{i}@example.com",
                                       "california_resident": "yes"})
        try:
            conn.request("POST", "/requests/new/delete", body,
                         {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            if b'id="tracking-code"' not in response.read():
                failed.append(response.status)
        except OSError as error:
            failed.append(type(error).__name__)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
threads = [threading.Thread(target=post, args=(n, 4)) for n in range(4)]
for t in threads: t.start()
for t in threads: t.join()
if failed:
    sys.exit(f"{len(failed)} submissions refused: {sorted(set(map(str, failed)))}")
PY
sent() {
    psql -X -A -t -h "$WORK/postgres" -p "$(sed -n 4p "$WORK/postgres/data/postmaster.pid")" \
        -U postgres rightsdesk -c "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"
}

log "delivering to smtp://127.0.0.1:$PORT with $CONCURRENCY senders"
sent0=$(sent)
cluster0=$(cluster_ticks)
# The worker's own CPU, user and system, in seconds: what the kernel counted for it.
result=$(RIGHTSDESK_SMTP_URL="smtp://127.0.0.1:$PORT" RIGHTSDESK_MAIL__CONCURRENCY=$CONCURRENCY \
    python3 -c '
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True).stdout.decode()
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(out.rstrip())
print("WORKER_CPU %.6f" % (used.ru_utime + used.ru_stime))
' "$BIN" worker --drain)
cluster1=$(cluster_ticks)
delivered=$(($(sent) - sent0))
worker_us=$(awk -v s="$(sed -n 's/^WORKER_CPU //p' <<<"$result")" -v n="$delivered" \
    'BEGIN { printf "%.0f", (n > 0 ? s * 1e6 / n : 0) }')
cluster_us=$(per_row_us "$cluster0" "$cluster1" "$delivered")

cat <<REPORT

outbox delivery benchmark
$(grep -v '^WORKER_CPU ' <<<"$result")
CPU per delivered message: worker $worker_us µs + PostgreSQL $cluster_us µs = $((worker_us + cluster_us)) µs ($delivered delivered)
target: >= $TARGET_RATE messages/s
REPORT
