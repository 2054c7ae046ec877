#!/usr/bin/env bash
# Webhook delivery benchmark: how many tasks per second one worker process delivers to a
# webhook receiver on loopback, each signed the Standard Webhooks way and checked by the
# receiver (a small asyncio server that verifies every signature and answers 204).
#
#   bash bench/webhooks.sh
#   TASKS=20000 CONCURRENCY=8 bash bench/webhooks.sh
#
# What one run does, on a scratch data directory with the portal's private cluster:
#   1. builds the release binary;
#   2. starts the receiver and adds it as a webhook recipient for opt-outs
#      (`recipient add`; loopback allowed for this run only);
#   3. seeds synthetic requests of which TASKS opt-outs are due (`seed`), and applies
#      them with one sweep (`worker --sweep-once`): one task each, written with the
#      decision;
#   4. delivers them all (`recipient drain`, bounded by TIMEOUT) and prints the rate,
#      the attempts that failed and the signatures the receiver refused.
#
# Exit status: 0 when every task was delivered with no bad signature, 1 otherwise.

set -euo pipefail

TASKS=${TASKS:-10000}
CONCURRENCY=${CONCURRENCY:-4}
TIMEOUT=${TIMEOUT:-300}
readonly TARGET_RATE=1000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/target/release/rightsdesk"
WORK=$(mktemp -d /tmp/rightsdesk-bench-webhooks.XXXXXX)
chmod 755 "$WORK"
RECEIVER_PID=""
cleanup() {
    [[ -n $RECEIVER_PID ]] && kill "$RECEIVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }

log "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/receiver.py" <<'PY'
import asyncio, base64, hashlib, hmac, os, signal, sys

port = int(sys.argv[1])
key_file = sys.argv[2]
counts_file = sys.argv[3]
counts = {"ok": 0, "bad": 0}
key = None


class Hook(asyncio.Protocol):
    def connection_made(self, transport):
        self.t = transport
        self.buf = b""

    def data_received(self, data):
        global key
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.buf) < head_end + 4 + length:
                return
            body = self.buf[head_end + 4 : head_end + 4 + length]
            self.buf = self.buf[head_end + 4 + length :]
            if key is None:
                with open(key_file) as f:
                    key = base64.b64decode(f.read().strip().removeprefix("whsec_"))
            signed = (headers["webhook-id"] + "." + headers["webhook-timestamp"] + ".").encode() + body
            good = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            if hmac.compare_digest(good, headers.get("webhook-signature", "")):
                counts["ok"] += 1
                self.t.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            else:
                counts["bad"] += 1
                self.t.write(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n")


def report(*_):
    with open(counts_file, "w") as f:
        f.write(f"{counts['ok']} {counts['bad']}\n")


async def main():
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, report)
    server = await loop.create_server(Hook, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
PY
python3 "$WORK/receiver.py" "$PORT" "$WORK/secret" "$WORK/counts" &
RECEIVER_PID=$!
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export RIGHTSDESK_DATA_DIR="$WORK/data" RIGHTSDESK_LOG=warn
export RIGHTSDESK_OUTBOUND__ALLOW_PRIVATE_ADDRESSES=true
log "adding the receiver as a webhook recipient"
"$BIN" recipient add bench-receiver --role internal --kinds opt_out \
    --webhook "http://127.0.0.1:$PORT/hook" | tail -n 1 >"$WORK/secret"
log "seeding $TASKS opt-outs due and applying them"
"$BIN" seed --requests $((TASKS * 4)) --due $((TASKS * 4)) >&2
"$BIN" worker --sweep-once >&2
log "delivering with $CONCURRENCY senders (at most ${TIMEOUT}s)"
result=$(RIGHTSDESK_MAIL__CONCURRENCY=$CONCURRENCY timeout "$TIMEOUT" "$BIN" recipient drain)
kill -USR1 "$RECEIVER_PID"
sleep 0.5
read -r ok bad <"$WORK/counts"

cat <<REPORT

webhook delivery benchmark
$result
receiver: $ok accepted, $bad refused signatures
target: >= $TARGET_RATE tasks/s
REPORT
[[ $bad -eq 0 && $result == *"still pending: 0"* ]]
