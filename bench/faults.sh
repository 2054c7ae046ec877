#!/usr/bin/env bash
# Fault checks: what holds when clients hold connections open, send large bodies, when
# PostgreSQL stops or freezes, and when the portal is killed under load. Loopback only,
# a few minutes at most.
#
#   bash bench/faults.sh
#
# What one run does:
#   1. builds the release binary;
#   2. starts the portal (`serve`) on a scratch data directory with its own private
#      PostgreSQL cluster, the per-address limit off and long connection timeouts (so
#      that held connections stay held), and checks, one after the other:
#      - 15,000 half-sent requests held open: /healthz and a form still answer within
#        a second;
#      - 40 concurrent 20 MB multipart posts (over the 10 MB upload limit): the portal's
#        peak resident memory during them stays under 150 MB;
#      - the cluster stopped: a submission is a 503 with Retry-After within 5 s; started
#        again, the portal recovers by itself;
#      - the cluster frozen (SIGSTOP of the postmaster and its backends): a submission is
#        a 503 within 5 s; after SIGCONT the portal recovers;
#      - the portal killed (SIGKILL) during a load of submissions: every submission it
#        acknowledged with a tracking code is in the database;
#   3. stops the cluster and removes the scratch directory.
#
# Each check prints `held: …` or `FAILED: …`. Exit status: 0 when all held.

set -euo pipefail

readonly HALF_SENT=15000
readonly UPLOADS=40
readonly UPLOAD_MB=20
readonly TARGET_RSS_MB=150
readonly TARGET_MS=1000
readonly OUTAGE_MS=5000

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT

WORK=""
PORTAL_PID=""
PORT=""
FAILED=0
PG_BIN=""

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'fault checks: %s\n' "$*" >&2
    exit 1
}
held() { echo "held: $*"; }
failed() {
    echo "FAILED: $*"
    FAILED=1
}

build() {
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rightsdesk"
    [[ -x $BIN ]] || die "no binary at $BIN after the build"
}

find_pg_bin() {
    local dir
    for dir in "${RIGHTSDESK_PG_BIN:-}" $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)") \
        $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        [[ -n $dir && -x $dir/pg_ctl ]] && PG_BIN=$dir && return
    done
    die "pg_ctl not found (set RIGHTSDESK_PG_BIN)"
}

free_port() {
    local port tries
    for ((tries = 0; tries < 100; tries++)); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "found no free local port"
}

healthz() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/healthz" || true; }

start_portal() {
    [[ -n $PORT ]] || PORT=$(free_port)
    local var
    for var in $(compgen -e | grep '^RIGHTSDESK_' || true); do
        [[ $var == RIGHTSDESK_PG_BIN ]] || unset "$var"
    done
    RIGHTSDESK_DATA_DIR="$WORK" \
        RIGHTSDESK_BIND="127.0.0.1:$PORT" \
        RIGHTSDESK_BASE_URL="http://127.0.0.1:$PORT" \
        RIGHTSDESK_LIMITS__SUBMISSIONS_PER_MINUTE=0 \
        RIGHTSDESK_HTTP__HEADER_READ_TIMEOUT_SECONDS=120 \
        RIGHTSDESK_HTTP__IDLE_TIMEOUT_SECONDS=120 \
        RIGHTSDESK_HTTP__MAX_CONNECTIONS=19000 \
        RIGHTSDESK_LOG=error \
        "$BIN" serve >>"$WORK/portal.log" 2>&1 &
    PORTAL_PID=$!
    local deadline=$((SECONDS + 120))
    until [[ $(healthz) == 200 ]]; do
        kill -0 "$PORTAL_PID" 2>/dev/null || { tail -n 20 "$WORK/portal.log" >&2; die "the portal exited during start-up"; }
        ((SECONDS < deadline)) || die "the portal did not answer /healthz within 120 s"
        sleep 0.5
    done
}

peak_rss_mb() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$PORTAL_PID/status"; }
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$PORTAL_PID/status"; }
# The peak resident set counts again from now (Linux: clear_refs 5).
reset_peak_rss() { echo 5 >"/proc/$PORTAL_PID/clear_refs"; }

postmaster_pid() { head -n 1 "$WORK/postgres/data/postmaster.pid"; }
cluster_pids() {
    local pm
    pm=$(postmaster_pid)
    echo "$pm" $(pgrep -P "$pm" || true)
}

# pg_ctl as the cluster's owner (the portal hands the cluster to `postgres` as root).
pg_ctl_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$(stat -c %U "$WORK/postgres/data")" -- "$PG_BIN/pg_ctl" -D "$WORK/postgres/data" "$@"
    else
        "$PG_BIN/pg_ctl" -D "$WORK/postgres/data" "$@"
    fi
}

faults() { python3 "$ROOT/bench/faults.py" "$@"; }
value() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }'; }

check_half_sent() {
    log "holding $HALF_SENT half-sent requests open"
    local out worst statuses still_open rss
    out=$(faults halfsent "$PORT" "$HALF_SENT" 3)
    rss=$(rss_mb)
    worst=$(value worst_ms <<<"$out")
    statuses=$(value statuses <<<"$out")
    still_open=$(value still_open <<<"$out")
    local what="$HALF_SENT half-sent requests held ($still_open still open at the end, portal RSS $rss MB); /healthz and the form answered $statuses, slowest $worst ms (healthz: $(value healthz_ms <<<"$out") ms)"
    if [[ $statuses == 200 ]] && ((worst < TARGET_MS)) && ((still_open >= HALF_SENT)); then
        held "$what"
    else
        failed "$what"
    fi
}

check_uploads() {
    log "$UPLOADS concurrent ${UPLOAD_MB} MB posts"
    sleep 2
    reset_peak_rss
    local before out peak
    before=$(rss_mb)
    out=$(faults uploads "$PORT" "$UPLOADS" "$UPLOAD_MB")
    peak=$(peak_rss_mb)
    local what="$UPLOADS concurrent $UPLOAD_MB MB posts answered ($(value answers <<<"$out")) in $(value seconds <<<"$out") s; peak RSS $peak MB (from $before MB); /healthz during them: $(value healthz_during <<<"$out") ms"
    if ((peak < TARGET_RSS_MB)); then
        held "$what"
    else
        failed "$what (target < $TARGET_RSS_MB MB)"
    fi
}

# A submission answered 503 with Retry-After within OUTAGE_MS; $1 says what happened.
expect_503() {
    local out status retry ms
    out=$(faults submit "$PORT")
    status=$(value status <<<"$out")
    retry=$(value retry_after <<<"$out")
    ms=$(value ms <<<"$out")
    if [[ $status == 503 && $retry != - ]] && ((ms < OUTAGE_MS)); then
        held "$1: a submission got 503, Retry-After $retry, in $ms ms"
    else
        failed "$1: a submission got $status (Retry-After $retry) in $ms ms"
    fi
}

# /healthz is 200 again within 30 s and a submission is accepted.
expect_recovery() {
    local deadline=$((SECONDS + 30)) start=$SECONDS out
    until [[ $(healthz) == 200 ]]; do
        if ((SECONDS >= deadline)); then
            failed "$1: /healthz not 200 within 30 s"
            return
        fi
        sleep 0.2
    done
    out=$(faults submit "$PORT")
    if [[ $(value status <<<"$out") == 200 ]]; then
        held "$1: recovered by itself in $((SECONDS - start)) s; a submission was accepted"
    else
        failed "$1: /healthz is back but a submission got $(value status <<<"$out")"
    fi
}

check_stopped_database() {
    log "stopping the cluster"
    pg_ctl_as_owner stop -m fast -w >/dev/null
    expect_503 "database stopped"
    log "starting the cluster again"
    pg_ctl_as_owner start -w -l "$WORK/postgres/postgres.log" >/dev/null
    expect_recovery "database started again"
}

check_frozen_database() {
    local pids
    pids=$(cluster_pids)
    log "freezing the cluster (SIGSTOP of $(wc -w <<<"$pids") processes)"
    # shellcheck disable=SC2086
    kill -STOP $pids
    expect_503 "database frozen"
    # shellcheck disable=SC2086
    kill -CONT $pids
    expect_recovery "database thawed"
}

check_kill_under_load() {
    log "killing the portal during a load of submissions"
    local out codes="$WORK/acknowledged.txt" acknowledged stored
    faults load "$PORT" 6 "$codes" >"$WORK/load.out" &
    local load=$!
    sleep 3
    kill -KILL "$PORTAL_PID"
    wait "$PORTAL_PID" 2>/dev/null || true
    PORTAL_PID=""
    wait "$load"
    out=$(cat "$WORK/load.out")
    acknowledged=$(value acknowledged <<<"$out")
    stored=$(psql -X -q -A -t -h "$WORK/postgres" -p "$(sed -n 4p "$WORK/postgres/data/postmaster.pid")" \
        -U postgres -d rightsdesk -c "SELECT count(*) FROM requests WHERE tracking_code = ANY (string_to_array('$(paste -sd, "$codes")', ','))")
    if ((acknowledged > 0 && stored == acknowledged)); then
        held "portal killed under load: all $acknowledged acknowledged submissions are in the database"
    else
        failed "portal killed under load: $stored of $acknowledged acknowledged submissions in the database"
    fi
}

stop_portal() {
    [[ -n $PORTAL_PID ]] || return 0
    local pid=$PORTAL_PID deadline=$((SECONDS + 60))
    PORTAL_PID=""
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || { kill -KILL "$pid" 2>/dev/null || true; break; }
        sleep 0.2
    done
    wait "$pid" 2>/dev/null || true
}

stop_leftover_cluster() {
    local pidfile="$WORK/postgres/data/postmaster.pid" pid deadline=$((SECONDS + 30))
    [[ -f $pidfile ]] || return 0
    pid=$(head -n 1 "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
    # A frozen cluster cannot stop.
    # shellcheck disable=SC2046
    kill -CONT "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true
    kill -QUIT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
}

cleanup() {
    local status=$?
    trap - EXIT
    stop_portal
    if [[ -n $WORK && -d $WORK ]]; then
        stop_leftover_cluster
        rm -rf -- "$WORK"
    fi
    exit "$status"
}

main() {
    local tool
    for tool in cargo curl psql python3 pgrep; do
        command -v "$tool" >/dev/null || die "$tool is required"
    done
    find_pg_bin
    build
    WORK=$(mktemp -d /tmp/rightsdesk-faults.XXXXXX)
    chmod 755 "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    ulimit -n "$(ulimit -Hn)"

    log "starting the portal (data in $WORK)"
    start_portal
    check_uploads
    check_half_sent
    check_stopped_database
    check_frozen_database
    check_kill_under_load
    return "$FAILED"
}

main "$@"
