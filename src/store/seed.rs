//! Synthetic data for benchmarks: many requests, a chosen number of them due for the
//! worker, and queued messages. Nothing here is used by the portal itself.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

/// Inserts `total` requests, of which `due` need the sweep's attention (a quarter each:
/// reminders, overdue alerts, opt-outs to apply, unverified closures); the rest are
/// closed, or open and not yet due. Returns how many rows were inserted. A closed request
/// closed 20 days after it came in, or halfway to `now` if it came in since: never later.
pub async fn requests(
    conn: &mut PgConnection,
    total: i64,
    due: i64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<u64, sqlx::Error> {
    let offset: i64 = rand::random_range(0..700_000_000_000);
    let done = sqlx::query(SEED_REQUESTS)
        .bind(total)
        .bind(due.min(total))
        .bind(now)
        .bind(today)
        .bind(offset)
        .execute(&mut *conn)
        .await?;
    // Closed requests written behind the portal's back, in years past too: the metrics
    // kept of any year no longer hold.
    sqlx::query("DELETE FROM metrics_running")
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM metrics_years")
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Queues `count` messages addressed to distinct test addresses.
pub async fn messages(
    conn: &mut PgConnection,
    count: i64,
    now: DateTime<Utc>,
    host: &str,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO outbox (template, message_id, to_addr, subject, body_text, body_html, created_at, next_attempt_at)
         SELECT 'seed', '<seed-' || gen_random_uuid() || '@' || $3 || '>', 'person' || g || '@example.com',
                'We received your privacy request RD-SEED-' || g,
                repeat('We received your request. What happens next: we confirm it comes from you. ', 25),
                '<!doctype html><p>' || repeat('We received your request. What happens next: we confirm it comes from you. ', 35) || '</p>',
                $2, $2
         FROM generate_series(1, $1) AS g",
    )
    .bind(count)
    .bind(now)
    .bind(host)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Row g gets a tracking code from g + offset written in the tracking alphabet, so codes
/// are unique within a run; `bucket` decides its shape.
const SEED_REQUESTS: &str = r#"
WITH g AS (
    SELECT g, g + $5 AS n,
           CASE WHEN g <= $2 THEN (g % 4) ELSE 4 + (g % 10) END AS bucket
    FROM generate_series(1, $1) AS g
), shaped AS (
    SELECT g, n, bucket,
        CASE bucket
            WHEN 0 THEN $3 - interval '4 days'            -- due a verification reminder
            WHEN 1 THEN $3 - interval '50 days'           -- overdue, staff not alerted yet
            WHEN 2 THEN $3 - interval '1 hour'            -- opt-out to apply
            WHEN 3 THEN $3 - interval '46 days'           -- unverified at its deadline
            ELSE CASE WHEN bucket < 11 THEN $3 - (g % 700) * interval '1 day'   -- closed
                      ELSE $3 - (g % 30) * interval '1 day' END                  -- open, not due
        END AS received_at
    FROM g
)
INSERT INTO requests (tracking_code, kind, status, channel, email, full_name, california_resident,
    received_at, confirm_by, respond_by, comply_by, closed_at, reminded_at, overdue_alerted_at, verified_at)
SELECT
    'RD-' || code.s,
    kind, status, CASE WHEN g % 7 = 0 THEN 'agent_web' WHEN g % 11 = 0 THEN 'drp' ELSE 'web' END,
    'person' || g || '@example.com', 'Person ' || g, true,
    received_at,
    CASE WHEN kind IN ('opt_out', 'limit_sensitive') THEN NULL ELSE (received_at AT TIME ZONE 'UTC')::date + 14 END,
    CASE WHEN kind IN ('opt_out', 'limit_sensitive') THEN NULL ELSE (received_at AT TIME ZONE 'UTC')::date + 45 END,
    CASE WHEN kind IN ('opt_out', 'limit_sensitive') THEN (received_at AT TIME ZONE 'UTC')::date + 21 END,
    CASE WHEN status = 'fulfilled' THEN received_at + least(interval '20 days', ($3 - received_at) / 2) END,
    CASE WHEN bucket = 3 OR bucket >= 4 THEN received_at + interval '3 days' END,
    NULL,
    CASE WHEN status IN ('verified', 'in_progress', 'fulfilled') THEN received_at + interval '1 hour' END
FROM (
    SELECT k.*,
        CASE bucket
            WHEN 0 THEN 'awaiting_verification'
            WHEN 1 THEN 'in_progress'
            WHEN 2 THEN 'received'
            WHEN 3 THEN 'awaiting_verification'
            -- Opt-outs are applied within minutes, so none stays open.
            ELSE CASE WHEN bucket < 11 OR kind IN ('opt_out', 'limit_sensitive') THEN 'fulfilled'
                      ELSE 'in_progress' END
        END AS status
    FROM (
        SELECT s.*,
            CASE WHEN bucket = 2 THEN 'opt_out'
                 WHEN bucket IN (0, 1, 3) THEN (ARRAY['know_categories', 'know_specific', 'delete', 'correct'])[1 + g % 4]
                 ELSE (ARRAY['know_categories', 'know_specific', 'delete', 'correct', 'delete', 'opt_out', 'limit_sensitive'])[1 + g % 7]
            END AS kind
        FROM shaped s
    ) AS k
) AS rows,
LATERAL (
    SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', ((n / (31::bigint ^ i)::bigint) % 31)::int + 1, 1), ''
                      ORDER BY i) AS raw
    FROM generate_series(0, 7) AS i
) AS digits,
LATERAL (SELECT substr(digits.raw, 1, 4) || '-' || substr(digits.raw, 5, 4) AS s) AS code
ON CONFLICT (tracking_code) DO NOTHING
"#;
