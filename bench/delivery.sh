#!/usr/bin/env bash
# Outbox delivery benchmark: how fast one worker process delivers 10,000 queued e-mails
# over SMTP to a local sink (Postfix's smtp-sink, which answers every command at once
# and discards what it receives, so the figure is the worker's).
#
#   bash bench/delivery.sh
#   MESSAGES=20000 CONCURRENCY=8 bash bench/delivery.sh

set -euo pipefail

MESSAGES=${MESSAGES:-10000}
# The default is the shipped setting (mail.concurrency).
CONCURRENCY=${CONCURRENCY:-4}
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
