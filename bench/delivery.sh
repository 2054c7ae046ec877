#!/usr/bin/env bash
# Outbox delivery benchmark: how fast one worker process delivers 10,000 queued e-mails
# over SMTP to a local sink (Python's aiosmtpd, discarding what it receives).
#
#   bash bench/delivery.sh
#   MESSAGES=20000 CONCURRENCY=8 bash bench/delivery.sh

set -euo pipefail

MESSAGES=${MESSAGES:-10000}
CONCURRENCY=${CONCURRENCY:-32}
readonly TARGET_RATE=500

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-delivery.XXXXXX)
chmod 755 "$WORK"
SINK_PID=""
cleanup() {
    [[ -n $SINK_PID ]] && kill "$SINK_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink &
SINK_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export RIGHTSDESK_DATA_DIR="$WORK" RIGHTSDESK_LOG=warn
log "queueing $MESSAGES messages"
"$BIN" seed --messages "$MESSAGES" >&2
log "delivering to smtp://127.0.0.1:$PORT with $CONCURRENCY senders"
result=$(RIGHTSDESK_SMTP_URL="smtp://127.0.0.1:$PORT" RIGHTSDESK_MAIL__CONCURRENCY=$CONCURRENCY \
    "$BIN" worker --drain)

cat <<REPORT

outbox delivery benchmark
$result
target: >= $TARGET_RATE messages/s
REPORT
