#!/usr/bin/env bash
# Intake benchmark: how many deletion requests per second the web tier accepts through
# the public form, what each stored submission costs in CPU (the portal's and
# PostgreSQL's) and in WAL, and how that compares with what PostgreSQL itself sustains
# writing the same rows in groups.
#
#   bash bench/intake.sh                 # 15 s per phase
#   DURATION=30s bash bench/intake.sh    # at least 10 s; "30", "30s" or "1m"
#   BENCH_BIN=/path/to/rightsdesk bash bench/intake.sh   # measure that binary, no build
#
# What one run does:
#   1. builds the release binary (unless BENCH_BIN names one);
#   2. starts the web tier alone (`serve --no-worker`: the figure is the web tier's;
#      delivery has its own, `bench/delivery.sh`) on a scratch data directory, where it
#      initialises and runs its own private PostgreSQL cluster with the production
#      settings (fsync and synchronous_commit on, Unix socket only), with the
#      per-address limit turned off;
#   3. posts the deletion form with wrk (32 connections, 2 threads), one distinct e-mail
#      address per request, and reports throughput, latency and errors; around it reads
#      the CPU time of the portal process and of the cluster's processes from /proc and
#      the WAL position, and divides both by the submissions stored in the phase;
#   4. reads the server's peak resident memory (VmHWM);
#   5. runs pgbench on the same database writing what a submission writes (request row,
#      first event, unsolicited-mail count, receipt in the outbox as its template and
#      parameters; see bench/lib/ceiling.sh) 32 submissions per statement and
#      transaction, as the portal groups them under load: the grouped-write ceiling,
#      with its own CPU and WAL per submission, and the run's figures scaled to the
#      baseline machine's speed;
#   6. checks that every accepted submission was stored, whole;
#   7. stops the portal (which stops its cluster) and removes the scratch directory.
#
# Loopback only: the portal listens on 127.0.0.1 and the cluster on a Unix socket.
# Exit status: 0 when the run completed and no accepted submission was lost, 1 otherwise.
# Missed targets are reported but do not fail the run.

set -euo pipefail

readonly CONNECTIONS=32
readonly THREADS=2
DURATION=${DURATION:-15s}

# Targets for one portal instance on a small machine (issue 15).
readonly TARGET_RATE=5000     # accepted submissions per second, at least
readonly TARGET_CPU_US=250    # portal + PostgreSQL CPU per stored submission, at most
readonly TARGET_P99_MS=50     # 99th percentile latency, at most
readonly TARGET_RSS_MB=64     # server peak resident memory, at most
readonly TARGET_ERRORS=0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly ROOT
# shellcheck source=lib/cpu.sh
source "$ROOT/bench/lib/cpu.sh"
# shellcheck source=lib/ceiling.sh
source "$ROOT/bench/lib/ceiling.sh"

WORK=""          # scratch directory: the portal's data directory, scripts and logs
PORTAL_PID=""
PORT=""
SECONDS_PER_PHASE=0

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'intake benchmark: %s\n' "$*" >&2
    exit 1
}

# "15", "15s" or "1m" -> whole seconds (pgbench takes seconds only).
parse_duration() {
    local d=$1
    case $d in
        *m) [[ ${d%m} =~ ^[0-9]+$ ]] && echo $((${d%m} * 60)) && return ;;
        *s) [[ ${d%s} =~ ^[0-9]+$ ]] && echo "${d%s}" && return ;;
        *) [[ $d =~ ^[0-9]+$ ]] && echo "$d" && return ;;
    esac
    die "DURATION=$d: expected a number of seconds such as 15s, or minutes such as 1m"
}

ensure_tools() {
    if ! command -v wrk >/dev/null; then
        log "installing wrk"
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        # Refresh the package lists only when the package is not known yet.
        if ! $sudo apt-get install -y -q wrk >/dev/null 2>&1; then
            $sudo apt-get update -q >/dev/null
            $sudo apt-get install -y -q wrk >/dev/null
        fi
    fi
    local tool
    for tool in cargo curl psql pgbench; do
        command -v "$tool" >/dev/null || die "$tool is required (psql and pgbench: apt-get install postgresql-client)"
    done
}

build() {
    if [[ -n ${BENCH_BIN:-} ]]; then
        BIN=$BENCH_BIN
        [[ -x $BIN ]] || die "BENCH_BIN=$BIN is not an executable"
        return
    fi
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rightsdesk"
    [[ -x $BIN ]] || die "no binary at $BIN after the build"
}

# A local TCP port nobody uses, as the kernel hands one out (a port merely not listened
# on may be some connection's own, and the portal could not bind it).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' ||
        die "found no free local port (python3 is needed to ask for one)"
}

# Starts the portal in the background on the scratch data directory, with the built-in
# defaults plus the overrides below, and waits until it answers /healthz.
start_portal() {
    PORT=$(free_port)
    log "starting the web tier (serve --no-worker) on 127.0.0.1:$PORT (data in $WORK)"
    local var
    # Settings from the caller's environment would change what is measured (another
    # database, a config file); RIGHTSDESK_PG_BIN only says where PostgreSQL is installed.
    for var in $(compgen -e | grep '^RIGHTSDESK_' || true); do
        [[ $var == RIGHTSDESK_PG_BIN ]] || unset "$var"
    done
    RIGHTSDESK_DATA_DIR="$WORK" \
        RIGHTSDESK_BIND="127.0.0.1:$PORT" \
        RIGHTSDESK_BASE_URL="http://127.0.0.1:$PORT" \
        RIGHTSDESK_LIMITS__SUBMISSIONS_PER_MINUTE=0 \
        RIGHTSDESK_LOG=warn \
        "$BIN" serve --no-worker >"$WORK/portal.log" 2>&1 &
    PORTAL_PID=$!

    # The first start runs initdb and the migrations: allow two minutes.
    local deadline=$((SECONDS + 120))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/healthz" || true) == 200 ]]; do
        if ! kill -0 "$PORTAL_PID" 2>/dev/null; then
            PORTAL_PID=""
            tail -n 20 "$WORK/portal.log" >&2 || true
            die "the portal exited during start-up (log above)"
        fi
        ((SECONDS < deadline)) || die "the portal did not answer /healthz within 120 s (see $WORK/portal.log)"
        sleep 0.5
    done
}

# psql and pgbench reach the portal's private cluster through its socket directory.
connect_to_cluster() {
    local pidfile="$WORK/postgres/data/postmaster.pid"
    [[ -f $pidfile ]] || die "no private cluster found under $WORK/postgres"
    unset PGSERVICE PGOPTIONS PGPASSWORD PGSSLMODE
    export PGHOST="$WORK/postgres" PGUSER=postgres PGDATABASE=rightsdesk
    PGPORT=$(sed -n 4p "$pidfile")
    export PGPORT
}

sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

# The figures are meaningless unless the cluster commits durably, as in production.
check_durability() {
    local fsync sync_commit
    fsync=$(sql "SHOW fsync")
    sync_commit=$(sql "SHOW synchronous_commit")
    log "cluster: fsync=$fsync synchronous_commit=$sync_commit $(sql "SELECT version()" | cut -d' ' -f1-2)"
    [[ $fsync == on && $sync_commit == on ]] || die "the cluster is not durable (fsync=$fsync, synchronous_commit=$sync_commit)"
}

# One submission by hand before the load: a form the portal refuses is reported here
# with its status instead of as thousands of errors.
smoke_submission() {
    local page="$WORK/smoke.html" status
    status=$(curl -s -o "$page" -w '%{http_code}' --max-time 10 \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data 'full_name=Smoke+Test&email=smoke%40example.com&california_resident=yes' \
        "http://127.0.0.1:$PORT/requests/new/delete" || true)
    if [[ $status != 200 ]] || ! grep -q 'id="tracking-code"' "$page"; then
        # The form page names each refused field with its message.
        sed -n 's/.*<p class="error" id="f-\([a-z_]*\)-error">.*<\/span> *\([^<]*\).*/  \1: \2/p' "$page" >&2
        die "a single deletion request was answered $status without a tracking code"
    fi
}

# wrk's Lua script: a distinct e-mail address per request (run, thread, counter and a
# random number), answers sorted into accepted (2xx with a tracking code), other 2xx and
# non-2xx, and a machine-readable report from done().
write_wrk_script() {
    cat >"$WORK/intake.lua" <<'LUA'
local threads = {}

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function setup(thread)
    thread:set("thread_id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    run_id = args[1] or tostring(os.time())
    counter, accepted, other_2xx, non_2xx = 0, 0, 0, 0
    math.randomseed(os.time() * 1000 + thread_id)
end

function request()
    counter = counter + 1
    local email = string.format("bench.%s.%d.%d.%06d%%40example.com",
        run_id, thread_id, counter, math.random(0, 999999))
    local body = "full_name=Bench+Consumer+" .. thread_id .. "&email=" .. email
        .. "&california_resident=yes"
    return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
    if status >= 200 and status < 300 then
        if body and string.find(body, 'id="tracking-code"', 1, true) then
            accepted = accepted + 1
        else
            other_2xx = other_2xx + 1
        end
    else
        non_2xx = non_2xx + 1
    end
end

function done(summary, latency, requests)
    local accepted_all, other_2xx_all, non_2xx_all = 0, 0, 0
    for _, thread in ipairs(threads) do
        accepted_all = accepted_all + thread:get("accepted")
        other_2xx_all = other_2xx_all + thread:get("other_2xx")
        non_2xx_all = non_2xx_all + thread:get("non_2xx")
    end
    local e = summary.errors
    local seconds = summary.duration / 1e6
    local out = {
        seconds = string.format("%.1f", seconds),
        requests = summary.requests,
        requests_per_s = string.format("%.1f", summary.requests / seconds),
        accepted = accepted_all,
        accepted_per_s = string.format("%.1f", accepted_all / seconds),
        p50_ms = string.format("%.1f", latency:percentile(50) / 1000),
        p99_ms = string.format("%.1f", latency:percentile(99) / 1000),
        max_ms = string.format("%.1f", latency.max / 1000),
        connect_errors = e.connect,
        read_errors = e.read,
        write_errors = e.write,
        timeouts = e.timeout,
        other_2xx = other_2xx_all,
        non_2xx = non_2xx_all,
        errors = e.connect + e.read + e.write + e.timeout + non_2xx_all + other_2xx_all,
    }
    for key, value in pairs(out) do
        io.write(string.format("result %s %s\n", key, tostring(value)))
    end
end
LUA
}

# The value of `result <key> <value>` in wrk's report.
wrk_result() { awk -v k="$1" '$1 == "result" && $2 == k { print $3 }' "$WORK/wrk.out"; }

run_wrk() {
    log "posting the deletion form: $CONNECTIONS connections, $THREADS threads, ${SECONDS_PER_PHASE} s"
    sql "CHECKPOINT" >/dev/null
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${SECONDS_PER_PHASE}s" --timeout 5s \
        -s "$WORK/intake.lua" "http://127.0.0.1:$PORT/requests/new/delete" \
        -- "$(date +%s)" >"$WORK/wrk.out"
    grep -v '^result ' "$WORK/wrk.out" >&2 || true
    # wrk stops early, and reports, on Ctrl-C.
    meets "$(wrk_result seconds)" ">=" "$((SECONDS_PER_PHASE - 1))" ||
        die "wrk stopped after $(wrk_result seconds) s of $SECONDS_PER_PHASE: interrupted"
}

# A quantity per row, rounded.
per_row() { awk -v a="$1" -v n="$2" 'BEGIN { printf "%.0f", (n > 0 ? a / n : 0) }'; }

# The portal's deletion requests stored so far (pgbench's rows are marked PB-).
stored_rows() { sql "SELECT count(*) FROM requests WHERE kind = 'delete' AND tracking_code NOT LIKE 'PB-%'"; }

# The figures of a phase count only if the portal lived through it (Ctrl-C reaches it
# too: wrk then stops early and reports, and the run ends here).
require_portal() {
    kill -0 "$PORTAL_PID" 2>/dev/null && return
    PORTAL_PID=""
    tail -n 20 "$WORK/portal.log" >&2 || true
    die "the portal stopped during the run"
}

# Peak resident set of the server process so far, in MB.
server_peak_rss_mb() {
    local kb
    kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PORTAL_PID/status")
    awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }'
}

# SIGTERM, then up to 60 s for the portal to drain and stop its cluster.
stop_portal() {
    [[ -n $PORTAL_PID ]] || return 0
    local pid=$PORTAL_PID deadline=$((SECONDS + 60))
    PORTAL_PID=""
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            log "the portal did not stop within 60 s of SIGTERM: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    wait "$pid" 2>/dev/null || true
}

# A cluster left running (the portal was killed or failed to stop it) is shut down
# immediately through its postmaster's process id.
stop_leftover_cluster() {
    local pidfile="$WORK/postgres/data/postmaster.pid" pid deadline=$((SECONDS + 30))
    [[ -f $pidfile ]] || return 0
    pid=$(head -n 1 "$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
    log "stopping the cluster the portal left running (postmaster $pid)"
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

# Floating-point comparison: meets a op b, op being >= or <=.
meets() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN { exit !(op == ">=" ? a >= b : a <= b) }'; }

main() {
    SECONDS_PER_PHASE=$(parse_duration "$DURATION")
    ((SECONDS_PER_PHASE >= 10)) || die "DURATION must be at least 10 s"

    ensure_tools
    build

    WORK=$(mktemp -d /tmp/rightsdesk-intake-bench.XXXXXX)
    # The cluster runs as the postgres user when this runs as root: it must reach
    # <scratch>/postgres.
    chmod 755 "$WORK"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    start_portal
    connect_to_cluster
    check_durability
    smoke_submission

    write_wrk_script
    # Around the form phase: rows stored, WAL position, CPU ticks of both sides.
    local before_rows before_lsn portal0 cluster0
    before_rows=$(stored_rows)
    before_lsn=$(sql "SELECT pg_current_wal_lsn()")
    portal0=$(portal_ticks)
    cluster0=$(cluster_ticks)
    run_wrk
    require_portal
    local portal1 cluster1 after_lsn form_rows form_wal
    portal1=$(portal_ticks)
    cluster1=$(cluster_ticks)
    after_lsn=$(sql "SELECT pg_current_wal_lsn()")
    form_rows=$(($(stored_rows) - before_rows))
    form_wal=$(sql "SELECT pg_wal_lsn_diff('$after_lsn', '$before_lsn')::bigint")
    local rate p50 p99 errors accepted rss
    rate=$(wrk_result accepted_per_s)
    p50=$(wrk_result p50_ms)
    p99=$(wrk_result p99_ms)
    errors=$(wrk_result errors)
    accepted=$(wrk_result accepted)
    [[ -n $rate && -n $accepted ]] || die "wrk gave no report (see above)"
    local portal_us cluster_us total_us wal_per
    portal_us=$(per_row_us "$portal0" "$portal1" "$form_rows")
    cluster_us=$(per_row_us "$cluster0" "$cluster1" "$form_rows")
    total_us=$(awk -v a="$portal_us" -v b="$cluster_us" 'BEGIN { printf "%.0f", a + b }')
    wal_per=$(per_row "$form_wal" "$form_rows")

    write_ceiling_script
    local pg_rows0 pg_lsn0 pg_cluster0
    pg_rows0=$(sql "SELECT count(*) FROM requests WHERE tracking_code LIKE 'PB-%'")
    pg_lsn0=$(sql "SELECT pg_current_wal_lsn()")
    pg_cluster0=$(cluster_ticks)
    run_ceiling "$CONNECTIONS" "$THREADS" "$SECONDS_PER_PHASE"
    require_portal
    local pg_cluster1 pg_lsn1 pg_rows pg_wal
    pg_cluster1=$(cluster_ticks)
    pg_lsn1=$(sql "SELECT pg_current_wal_lsn()")
    pg_rows=$(($(sql "SELECT count(*) FROM requests WHERE tracking_code LIKE 'PB-%'") - pg_rows0))
    pg_wal=$(sql "SELECT pg_wal_lsn_diff('$pg_lsn1', '$pg_lsn0')::bigint")
    local ceiling ratio pg_cluster_us pg_wal_per
    ceiling=$(ceiling_rate)
    ratio=$(awk -v a="$rate" -v b="$ceiling" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    pg_cluster_us=$(per_row_us "$pg_cluster0" "$pg_cluster1" "$pg_rows")
    pg_wal_per=$(per_row "$pg_wal" "$pg_rows")

    # Every accepted submission must be stored with its event and its receipt. wrk
    # abandons the requests still in flight when time is up (at most one per connection)
    # and those it timed out; the portal may still have stored them, so up to that many
    # rows more than accepted answers are expected. Fewer rows is a lost request.
    local expected stored incomplete in_flight outbox_sizes failed=0
    expected=$((accepted + 1)) # + the smoke submission
    stored=$(stored_rows)
    incomplete=$(sql "SELECT count(*) FROM requests r
        LEFT JOIN (SELECT DISTINCT request_id FROM request_events) e ON e.request_id = r.id
        LEFT JOIN (SELECT DISTINCT request_id FROM outbox) o ON o.request_id = r.id
        WHERE r.tracking_code NOT LIKE 'PB-%' AND (e.request_id IS NULL OR o.request_id IS NULL)")
    # The whole outbox row as stored (TOAST-compressed where it is large).
    outbox_sizes=$(sql "SELECT coalesce(round(avg(pg_column_size(o.*))), 0) || ' B'
        FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.tracking_code NOT LIKE 'PB-%'")
    in_flight=$((CONNECTIONS + $(wrk_result timeouts) + $(wrk_result read_errors)))

    rss=$(server_peak_rss_mb)

    echo
    echo "intake benchmark (serve --no-worker, delete form, $CONNECTIONS connections, $SECONDS_PER_PHASE s)"
    echo "submissions/s: $rate"
    echo "latency p50: $p50 ms  p99: $p99 ms"
    echo "errors: $errors (connect $(wrk_result connect_errors), read $(wrk_result read_errors), write $(wrk_result write_errors), timeout $(wrk_result timeouts), non-2xx $(wrk_result non_2xx), 2xx without tracking code $(wrk_result other_2xx))"
    echo "server peak RSS: $rss MB"
    echo "CPU per stored submission: portal $portal_us µs + PostgreSQL $cluster_us µs = $total_us µs ($form_rows stored in the phase)"
    echo "WAL per stored submission: $wal_per B"
    echo "outbox row, average stored size: $outbox_sizes"
    echo "grouped-write ceiling (pgbench, 32 per transaction): $ceiling submissions/s; PostgreSQL $pg_cluster_us µs and $pg_wal_per B WAL per submission"
    echo "ratio portal/ceiling: $ratio"
    local scaled_rate scaled_us
    scaled_rate=$(rate_at_baseline "$rate" "$ceiling")
    scaled_us=$(cpu_at_baseline "$total_us" "$ceiling")
    echo "at the baseline's speed (ceiling $BASELINE_CEILING/s): $scaled_rate submissions/s, $scaled_us µs CPU per submission"
    echo "stored delete requests: $stored  accepted answers: $expected (wrk $accepted + 1 smoke test)"
    if ((stored < expected)); then
        echo "FAIL: $((expected - stored)) accepted submission(s) not in the database"
        failed=1
    elif ((stored > expected + in_flight)); then
        echo "FAIL: $((stored - expected)) more stored requests than accepted answers, more than were in flight"
        failed=1
    elif ((stored > expected)); then
        echo "note: $((stored - expected)) request(s) stored after wrk stopped waiting for them (in flight at the end)"
    fi
    if ((incomplete > 0)); then
        echo "FAIL: $incomplete stored request(s) without their event or receipt"
        failed=1
    fi
    echo "targets: >= $TARGET_RATE/s, <= $TARGET_CPU_US µs CPU per submission, p99 <= $TARGET_P99_MS ms, RSS <= $TARGET_RSS_MB MB, $TARGET_ERRORS errors"
    local missed=()
    meets "$rate" ">=" "$TARGET_RATE" || missed+=("submissions/s")
    meets "$total_us" "<=" "$TARGET_CPU_US" || missed+=("CPU")
    meets "$p99" "<=" "$TARGET_P99_MS" || missed+=("p99")
    meets "$rss" "<=" "$TARGET_RSS_MB" || missed+=("RSS")
    meets "$errors" "<=" "$TARGET_ERRORS" || missed+=("errors")
    if ((${#missed[@]} == 0)); then
        echo "targets met: all"
    else
        echo "targets missed: ${missed[*]}"
    fi
    local scaled_missed=()
    meets "$scaled_rate" ">=" "$TARGET_RATE" || scaled_missed+=("submissions/s")
    meets "$scaled_us" "<=" "$TARGET_CPU_US" || scaled_missed+=("CPU")
    if ((${#scaled_missed[@]} == 0)); then
        echo "throughput and CPU targets at the baseline's speed: met"
    else
        echo "throughput and CPU targets at the baseline's speed: missed ${scaled_missed[*]}"
    fi

    log "stopping the portal"
    stop_portal
    return "$failed"
}

main "$@"
