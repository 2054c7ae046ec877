//! What the retention purge reads and rewrites (see `domain::retention`). Each step
//! takes a bounded batch of closed requests under `FOR NO KEY UPDATE SKIP LOCKED` through a
//! partial index that holds only what is still to do, rewrites it in one statement and
//! stamps it, so a second run or a second worker finds nothing to repeat, and intake
//! (which writes open requests only) never waits for it.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::domain::retention::{KEPT_EVENT_KEYS, REASON_IS_A_CODE};

/// Work still owed for a request, each a condition over `r` that is true while it is
/// unfinished: its personal information is not purged until all are false.
pub const UNFINISHED: &[&str] = &[
    // A message still to send (its address and body are needed to send it).
    "EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id AND o.sent_at IS NULL AND o.failed_at IS NULL)",
    // A DRP status callback still to post.
    "EXISTS (SELECT 1 FROM drp_callbacks c WHERE c.request_id = r.id AND c.sent_at IS NULL AND c.failed_at IS NULL)",
    // A task or lifecycle webhook still to deliver (its body carries the identifiers).
    "EXISTS (SELECT 1 FROM task_deliveries d WHERE d.request_id = r.id AND d.delivered_at IS NULL AND d.failed_at IS NULL)",
    // A downstream task not yet recorded as done or not done (its recipient may still
    // act on it, through its completion link or the API, and staff see it as open).
    "EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.completed_at IS NULL AND t.cancelled_at IS NULL)",
];

/// The requests whose personal information may go: closed before `$1`, not purged
/// yet, nothing owed.
fn purgeable() -> String {
    let mut sql =
        String::from("r.closed_at IS NOT NULL AND r.purged_at IS NULL AND r.closed_at < $1");
    for unfinished in UNFINISHED {
        sql.push_str(" AND NOT ");
        sql.push_str(unfinished);
    }
    sql
}

/// What a full purge removed from a batch of requests (or would remove).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Purged {
    pub requests: i64,
    pub files: i64,
    pub verification_links: i64,
    pub download_links: i64,
    pub messages: i64,
    pub events: i64,
    /// Downstream tasks whose notes and completion links went (their deliveries' last
    /// errors and e-mail files with them).
    pub tasks: i64,
}

/// The event data a purge keeps, as SQL over `e.data` and `e.action`, with the kept
/// keys bound at `keys` and the actions whose `reason` is a code at `reasons`.
fn anonymous_data(keys: &str, reasons: &str) -> String {
    format!(
        "(SELECT coalesce(jsonb_object_agg(d.key, d.value), '{{}}'::jsonb)
          FROM jsonb_each(e.data) AS d(key, value)
          WHERE d.key = ANY({keys}) OR (d.key = 'reason' AND e.action = ANY({reasons})))"
    )
}

fn reason_codes() -> Vec<&'static str> {
    REASON_IS_A_CODE.iter().map(|k| k.code()).collect()
}

/// Purges up to `limit` requests closed before `before`: contact details, what the
/// consumer, the agent and staff typed, the browser's id, files' content and names,
/// verification and download links, messages' addresses, bodies and parameters, personal
/// data in the trail's payloads, the text of a Shine the Light answer, its downstream
/// tasks' notes, completion links and delivery errors (a task's message is built from
/// the request row when sent, so no body is kept to clear), and the suppression list's
/// link to it (the opt-out itself stands, but no longer leads back to the record). The
/// row stays as the anonymous record: kind, channel, dates, status, outcome. Returns what it did
/// and the ids of the messages cleared, task deliveries as negative ids, the way the
/// file transport names their `.eml` files (which go too).
pub async fn purge_batch(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<(Purged, Vec<i64>), sqlx::Error> {
    let sql = format!(
        "WITH due AS (
             SELECT r.id FROM requests r WHERE {purgeable}
             ORDER BY r.closed_at LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED
         ), req AS (
             UPDATE requests r SET email = '', full_name = NULL, phone = NULL, address = NULL,
                 details = NULL, current_value = NULL, corrected_value = NULL,
                 declaration_name = NULL, extension_reason = NULL, outcome_reason = NULL,
                 agent_name = NULL, agent_organisation = NULL, agent_email = NULL,
                 status_callback = NULL, response_format_note = NULL,
                 received_note = NULL, browser_id = NULL, purged_at = $3,
                 verification_removed_at = coalesce(r.verification_removed_at, $3), updated_at = $3
             FROM due WHERE r.id = due.id RETURNING r.id
         ), files AS (
             UPDATE attachments a SET content = ''::bytea, filename = '',
                 removed_at = coalesce(a.removed_at, $3)
             FROM due WHERE a.request_id = due.id RETURNING a.id
         ), tokens AS (
             DELETE FROM verification_tokens v USING due WHERE v.request_id = due.id RETURNING v.id
         ), links AS (
             DELETE FROM download_links l USING due WHERE l.request_id = due.id RETURNING l.id
         ), agent_links AS (
             DELETE FROM agent_status_links s USING due WHERE s.request_id = due.id
         ), messages AS (
             UPDATE outbox o SET to_addr = '', subject = '', body_text = '', body_html = '',
                 params = NULL, last_error = NULL
             FROM due WHERE o.request_id = due.id RETURNING o.id
         ), events AS (
             UPDATE request_events e SET data = {anonymous}
             FROM due WHERE e.request_id = due.id AND e.data <> '{{}}'::jsonb
                 AND e.data IS DISTINCT FROM {anonymous}
             RETURNING e.id
         ), tasks AS (
             UPDATE tasks t SET note = NULL, link_hash = NULL, link_expires_at = NULL
             FROM due WHERE t.request_id = due.id RETURNING t.id
         ), deliveries AS (
             UPDATE task_deliveries d SET last_error = NULL
             FROM due WHERE d.request_id = due.id RETURNING d.id
         ), callbacks AS (
             UPDATE drp_callbacks c SET last_error = NULL
             FROM due WHERE c.request_id = due.id AND c.last_error IS NOT NULL
         ), answers AS (
             UPDATE stl_answers a SET body_text = ''
             FROM due WHERE a.request_id = due.id
         ), suppression AS (
             UPDATE opt_outs x SET request_id = NULL
             FROM due WHERE x.request_id = due.id
         ), browsers AS (
             UPDATE browser_opt_outs b SET request_id = NULL
             FROM due WHERE b.request_id = due.id
         )
         SELECT (SELECT count(*) FROM req) AS requests, (SELECT count(*) FROM files) AS files,
             (SELECT count(*) FROM tokens) AS verification_links,
             (SELECT count(*) FROM links) AS download_links,
             (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM events) AS events,
             (SELECT count(*) FROM tasks) AS tasks,
             (SELECT coalesce(array_agg(id), '{{}}') FROM messages)
                 || (SELECT coalesce(array_agg(-id), '{{}}') FROM deliveries) AS message_ids",
        purgeable = purgeable(),
        anonymous = anonymous_data("$4", "$5"),
    );
    let row: (i64, i64, i64, i64, i64, i64, i64, Vec<i64>) =
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(before)
            .bind(limit)
            .bind(now)
            .bind(KEPT_EVENT_KEYS)
            .bind(reason_codes())
            .fetch_one(conn)
            .await?;
    let (requests, files, verification_links, download_links, messages, events, tasks, ids) = row;
    Ok((
        Purged {
            requests,
            files,
            verification_links,
            download_links,
            messages,
            events,
            tasks,
        },
        ids,
    ))
}

/// What `purge_batch` would do to every request due now, changing nothing.
pub async fn count_purgeable(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> Result<Purged, sqlx::Error> {
    let sql = format!(
        "WITH due AS (SELECT r.id FROM requests r WHERE {purgeable})
         SELECT (SELECT count(*) FROM due) AS requests,
             (SELECT count(*) FROM attachments a JOIN due ON a.request_id = due.id) AS files,
             (SELECT count(*) FROM verification_tokens v JOIN due ON v.request_id = due.id) AS verification_links,
             (SELECT count(*) FROM download_links l JOIN due ON l.request_id = due.id) AS download_links,
             (SELECT count(*) FROM outbox o JOIN due ON o.request_id = due.id) AS messages,
             (SELECT count(*) FROM request_events e JOIN due ON e.request_id = due.id
              WHERE e.data <> '{{}}'::jsonb AND e.data IS DISTINCT FROM {anonymous}) AS events,
             (SELECT count(*) FROM tasks t JOIN due ON t.request_id = due.id) AS tasks",
        purgeable = purgeable(),
        anonymous = anonymous_data("$2", "$3"),
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(before)
        .bind(KEPT_EVENT_KEYS)
        .bind(reason_codes())
        .fetch_one(conn)
        .await
}

/// Verification material removed from requests (or that would be).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct VerificationRemoved {
    pub requests: i64,
    pub authorizations: i64,
    pub declarations: i64,
    pub verification_links: i64,
}

/// Removes the verification material of up to `limit` requests closed before `before`:
/// agents' uploaded authorizations (content and file name), the name typed on the
/// declaration (its time stays), and verification links. Every request past the clock
/// is stamped, material or not, so the index holds only those still to look at.
pub async fn remove_verification_batch(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<VerificationRemoved, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
             SELECT r.id, r.declaration_name IS NOT NULL AS declared FROM requests r
             WHERE r.closed_at IS NOT NULL AND r.verification_removed_at IS NULL AND r.closed_at < $1
             ORDER BY r.closed_at LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED
         ), req AS (
             UPDATE requests r SET declaration_name = NULL, verification_removed_at = $3
             FROM due WHERE r.id = due.id RETURNING r.id
         ), files AS (
             UPDATE attachments a SET content = ''::bytea, filename = '', removed_at = $3
             FROM due WHERE a.request_id = due.id AND a.purpose = 'agent_authorization'
                 AND a.removed_at IS NULL
             RETURNING a.id
         ), tokens AS (
             DELETE FROM verification_tokens v USING due WHERE v.request_id = due.id RETURNING v.id
         )
         SELECT (SELECT count(*) FROM req) AS requests, (SELECT count(*) FROM files) AS authorizations,
             (SELECT count(*) FROM due WHERE declared) AS declarations,
             (SELECT count(*) FROM tokens) AS verification_links",
    )
    .bind(before)
    .bind(limit)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// What `remove_verification_batch` would do to every request due now.
pub async fn count_verification(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
) -> Result<VerificationRemoved, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
             SELECT r.id, r.declaration_name IS NOT NULL AS declared FROM requests r
             WHERE r.closed_at IS NOT NULL AND r.verification_removed_at IS NULL AND r.closed_at < $1
         )
         SELECT (SELECT count(*) FROM due) AS requests,
             (SELECT count(*) FROM attachments a JOIN due ON a.request_id = due.id
              WHERE a.purpose = 'agent_authorization' AND a.removed_at IS NULL) AS authorizations,
             (SELECT count(*) FROM due WHERE declared) AS declarations,
             (SELECT count(*) FROM verification_tokens v JOIN due ON v.request_id = due.id) AS verification_links",
    )
    .bind(before)
    .fetch_one(conn)
    .await
}

/// Response packages removed (or that would be), and the links to them closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PackagesRemoved {
    pub packages: i64,
    pub links_closed: i64,
}

/// Removes the content of up to `limit` response packages of requests closed before
/// `before`, and ends their download links. The row stays (size, SHA-256, downloads).
pub async fn remove_packages_batch(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<PackagesRemoved, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
             SELECT a.id FROM attachments a JOIN requests r ON r.id = a.request_id
             WHERE a.purpose = 'response_package' AND a.removed_at IS NULL
               AND r.closed_at IS NOT NULL AND r.closed_at < $1
             LIMIT $2 FOR UPDATE OF a SKIP LOCKED
         ), files AS (
             UPDATE attachments a SET content = ''::bytea, removed_at = $3
             FROM due WHERE a.id = due.id RETURNING a.id
         ), links AS (
             UPDATE download_links l SET expires_at = least(l.expires_at, $3), code_hash = NULL,
                 code_expires_at = NULL
             FROM due WHERE l.attachment_id = due.id AND l.expires_at > $3 RETURNING l.id
         )
         SELECT (SELECT count(*) FROM files) AS packages, (SELECT count(*) FROM links) AS links_closed",
    )
    .bind(before)
    .bind(limit)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// What `remove_packages_batch` would do now.
pub async fn count_packages(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<PackagesRemoved, sqlx::Error> {
    sqlx::query_as(
        "WITH due AS (
             SELECT a.id FROM attachments a JOIN requests r ON r.id = a.request_id
             WHERE a.purpose = 'response_package' AND a.removed_at IS NULL
               AND r.closed_at IS NOT NULL AND r.closed_at < $1
         )
         SELECT (SELECT count(*) FROM due) AS packages,
             (SELECT count(*) FROM download_links l JOIN due ON l.attachment_id = due.id
              WHERE l.expires_at > $2) AS links_closed",
    )
    .bind(before)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Forgets up to `limit` unsolicited-mail counters of days before `before` (hashes of
/// addresses: still personal data, and of no use once their day has passed).
pub async fn forget_unsolicited_batch(
    conn: &mut PgConnection,
    before: NaiveDate,
    limit: i64,
) -> Result<i64, sqlx::Error> {
    let n = sqlx::query(
        "DELETE FROM unsolicited_mail WHERE (address, day) IN (
             SELECT address, day FROM unsolicited_mail WHERE day < $1 LIMIT $2
             FOR UPDATE SKIP LOCKED)",
    )
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

pub async fn count_unsolicited(
    conn: &mut PgConnection,
    before: NaiveDate,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM unsolicited_mail WHERE day < $1")
        .bind(before)
        .fetch_one(conn)
        .await
}

/// Takes today's purge; false when another worker already did.
pub async fn claim_daily_run(
    conn: &mut PgConnection,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let claimed: Option<NaiveDate> = sqlx::query_scalar(
        "INSERT INTO retention_runs (day, started_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING day",
    )
    .bind(day)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(claimed.is_some())
}
