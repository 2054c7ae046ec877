# The grouped-write ceiling: what PostgreSQL itself sustains writing the rows of a web
# deletion request, 32 submissions per transaction, on the benchmark's own cluster. It
# says how fast the machine was during a run; sourced by the benchmarks that report
# throughput and CPU per request. They set WORK (the portal's data directory) and define
# log, die and sql (psql on the cluster).

# The grouped-write ceiling on the machine where issue 15's baseline was measured
# (22,000-27,000 submissions/s; the low end). This machine's speed varies from run to
# run by up to twice: a run's own ceiling says how fast it was, and its throughput and
# CPU figures are also given scaled to the baseline's speed, so runs compare.
# shellcheck disable=SC2034 # read by the scripts that source this one
readonly BASELINE_CEILING=22000

# pgbench's script: what store::requests::insert_many writes for web deletion
# requests, 32 submissions per statement (one transaction), with the values a
# submission brings computed in SQL: a time-ordered id (as the portal's UUIDv7), a
# random tracking code (PB- marks these rows), a distinct address, today's deadlines,
# the address's unsolicited-mail count and the receipt as the portal being measured
# queues it: with migration 0021, its template and parameters; before it, rendered (about
# 2 KB of text and 3 KB of HTML, with the code and address in it) with a verification
# token. The receipts are due at 'infinity': nothing delivers them.
write_ceiling_script() {
    local deferred
    deferred=$(sql "SELECT EXISTS (SELECT 1 FROM information_schema.columns
        WHERE table_name = 'outbox' AND column_name = 'params')")
    cat >"$WORK/insert.sql" <<'SQL'
\set n random(1, 1000000000)
WITH g AS (
    SELECT i, (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000000)::bigint), 14, '0')
        || substr(md5(random()::text), 1, 18))::uuid AS id
    FROM generate_series(1, 32) AS i
), r AS (
    INSERT INTO requests (id, tracking_code, kind, status, channel, email, full_name, phone,
        address, california_resident, details, lookback, correction_field, current_value,
        corrected_value, declaration_name, declaration_signed_at, received_at, confirm_by,
        respond_by, comply_by)
    SELECT id, 'PB-' || md5(random()::text), 'delete', 'awaiting_verification', 'web',
        'pgbench.' || :client_id::text || '.' || :n::text || '.' || i::text || '@example.com',
        'Bench Consumer', NULL, NULL, true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, now(),
        current_date + 14, current_date + 45, NULL
    FROM g
    RETURNING id, tracking_code, email, received_at
), u AS (
    INSERT INTO unsolicited_mail AS m (address, day, messages)
    SELECT sha256(convert_to(lower(email), 'UTF8')), (received_at AT TIME ZONE 'UTC')::date, 1
    FROM r
    ON CONFLICT (address, day) DO UPDATE SET messages = m.messages + 1
), e AS (
    INSERT INTO request_events (request_id, at, actor_type, action, to_status, data)
    SELECT id, received_at, 'consumer', 'submitted', 'awaiting_verification',
        '{"kind": "delete", "channel": "web"}'::jsonb
    FROM r
SQL
    if [[ $deferred == t ]]; then
        # Since migration 0021 the receipt is queued as its template and parameters,
        # rendered by the worker, which also creates its link then.
        cat >>"$WORK/insert.sql" <<'SQL'
), o AS (
    INSERT INTO outbox (request_id, template, message_id, to_addr, params, created_at,
        next_attempt_at)
    SELECT id, 'receipt', '<' || gen_random_uuid()::text || '@127.0.0.1>', email,
        jsonb_build_object('tracking_code', tracking_code, 'kind', 'delete',
            'confirm_by', current_date + 14, 'respond_by', current_date + 45,
            'comply_by', NULL, 'link', jsonb_build_object('purpose', 'verify_email',
                'expires_at', received_at + interval '14 days')),
        received_at, 'infinity'
    FROM r
)
SQL
    else
        cat >>"$WORK/insert.sql" <<'SQL'
), o AS (
    INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text,
        body_html, created_at, next_attempt_at)
    SELECT id, 'receipt', '<' || gen_random_uuid()::text || '@127.0.0.1>', email,
        'We received your privacy request ' || tracking_code,
        replace(replace($text$Hello,

We received your request to delete your personal information (California Consumer
Privacy Act, right to delete).

Your tracking code is {code}. Keep it: with it and your e-mail address ({email})
you can follow your request at https://privacy.example.com/status at any time.

What happens next

1. To protect your information, we first confirm that the request comes from you.
   We will send you a separate message with a link to confirm your e-mail address.
   The link works for 7 days.
2. We may ask for details that match our records, such as your postal address or
   the last order you placed. We never ask for a password, an account or a payment.
3. Once we know the request comes from you, we delete the personal information we
   hold about you, tell our service providers and contractors to do the same, and
   send you our answer.

Dates that apply

- We confirm receipt and explain the next steps by Tuesday, December 8, 2026.
- We answer your request by Monday, January 11, 2027.

If we need more time, up to 45 more days, we will tell you why before the first
date passes. Some information may have to be kept, for example to complete a
transaction you asked for, to detect security incidents or to comply with a legal
obligation. If so, our answer says what was kept, and why.

If you did not make this request, you can ignore this message. Nothing is deleted
until the request is confirmed from this address.

You can reach our privacy team by replying to this message, by calling
1-800-555-0100 (toll free, Monday to Friday, 9 am to 5 pm Pacific time), or by
writing to Privacy Requests, Example Company, 100 Market Street, Suite 300,
San Francisco, CA 94105.

Example Company
Privacy Requests
https://privacy.example.com
$text$, '{code}', tracking_code), '{email}', email),
        replace(replace($html$<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>We received your privacy request</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 40em;">
<p>Hello,</p>
<p>We received your request to <strong>delete your personal information</strong>
(California Consumer Privacy Act, right to delete).</p>
<p>Your tracking code is <strong style="font-family: monospace;">{code}</strong>.
Keep it: with it and your e-mail address (<strong>{email}</strong>) you can
<a href="https://privacy.example.com/status">follow your request</a> at any time.</p>
<h2 style="font-size: 1.1em; margin-top: 1.5em;">What happens next</h2>
<ol>
<li>To protect your information, we first confirm that the request comes from you.
We will send you a separate message with a link to confirm your e-mail address.
The link works for 7 days.</li>
<li>We may ask for details that match our records, such as your postal address or
the last order you placed. We never ask for a password, an account or a payment.</li>
<li>Once we know the request comes from you, we delete the personal information we
hold about you, tell our service providers and contractors to do the same, and send
you our answer.</li>
</ol>
<h2 style="font-size: 1.1em; margin-top: 1.5em;">Dates that apply</h2>
<table style="border-collapse: collapse;">
<tr><td style="padding: 0.25em 1em 0.25em 0;">We confirm receipt and explain the next steps by</td>
<td style="padding: 0.25em 0;"><strong>Tuesday, December 8, 2026</strong></td></tr>
<tr><td style="padding: 0.25em 1em 0.25em 0;">We answer your request by</td>
<td style="padding: 0.25em 0;"><strong>Monday, January 11, 2027</strong></td></tr>
</table>
<p>If we need more time, up to 45 more days, we will tell you why before the first
date passes. Some information may have to be kept, for example to complete a
transaction you asked for, to detect security incidents or to comply with a legal
obligation. If so, our answer says what was kept, and why.</p>
<p style="color: #555555;">If you did not make this request, you can ignore this message.
Nothing is deleted until the request is confirmed from this address.</p>
<p>You can reach our privacy team by replying to this message, by calling
<a href="tel:+18005550100">1-800-555-0100</a> (toll free, Monday to Friday, 9 am to 5 pm
Pacific time), or by writing to Privacy Requests, Example Company, 100 Market Street,
Suite 300, San Francisco, CA 94105.</p>
<hr style="border: none; border-top: 1px solid #dddddd; margin: 2em 0 1em;">
<p style="font-size: 0.9em; color: #555555;">Example Company &middot; Privacy Requests &middot;
<a href="https://privacy.example.com">privacy.example.com</a></p>
</body>
</html>
$html$, '{code}', tracking_code), '{email}', email),
        received_at, 'infinity'
    FROM r
), t AS (
    INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at)
    SELECT id, sha256(gen_random_uuid()::text::bytea), received_at,
        received_at + interval '14 days'
    FROM r
)
SQL
    fi
    cat >>"$WORK/insert.sql" <<'SQL'
SELECT count(*) FROM r;
SQL
}

# Same protocol as the portal (prepared, parameters bound per call), one implicit
# transaction per group of 32 submissions: run_ceiling CLIENTS THREADS SECONDS.
run_ceiling() {
    log "pgbench: the same rows, 32 submissions per transaction, $1 clients, $3 s"
    sql "CHECKPOINT" >/dev/null
    pgbench -n -M prepared -f "$WORK/insert.sql" -c "$1" -j "$2" \
        -T "$3" >"$WORK/pgbench.out" 2>&1 ||
        { cat "$WORK/pgbench.out" >&2; die "pgbench failed"; }
    grep -E '^(number of (transactions|failed)|latency|tps)' "$WORK/pgbench.out" >&2 || true
}

# The ceiling: submissions per second written by the last run_ceiling.
ceiling_rate() {
    local tps
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$WORK/pgbench.out" | tail -n 1)
    [[ -n $tps ]] || die "pgbench gave no tps figure: $(tail -n 5 "$WORK/pgbench.out")"
    awk -v t="$tps" 'BEGIN { printf "%.0f", t * 32 }'
}

# A rate and a CPU time per submission as they would be on the baseline's machine:
# rate_at_baseline RATE CEILING, cpu_at_baseline MICROSECONDS CEILING.
rate_at_baseline() { awk -v r="$1" -v c="$2" -v b="$BASELINE_CEILING" 'BEGIN { printf "%.0f", (c > 0 ? r * b / c : 0) }'; }
cpu_at_baseline() { awk -v u="$1" -v c="$2" -v b="$BASELINE_CEILING" 'BEGIN { printf "%.0f", u * c / b }'; }
