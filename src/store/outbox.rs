//! The e-mail outbox: written in the transaction of the change that causes a message,
//! delivered afterwards by the worker.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::mail::OutgoingMessage;

pub async fn enqueue(
    conn: &mut PgConnection,
    request_id: Option<Uuid>,
    message: &OutgoingMessage,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text, body_html,
             created_at, next_attempt_at, params)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
    )
    .bind(request_id)
    .bind(message.template)
    .bind(&message.message_id)
    .bind(&message.to)
    .bind(&message.subject)
    .bind(&message.text)
    .bind(&message.html)
    .bind(now)
    .bind(message.params())
    .execute(conn)
    .await?;
    Ok(())
}

/// The key of `unsolicited_mail` for a message's `to_addr` (a hash: the table holds no
/// addresses), and its day (UTC), as SQL over the columns `to_addr` and `received_at`.
pub(super) const UNSOLICITED_ADDRESS: &str = "sha256(convert_to(lower(to_addr), 'UTF8'))";
pub(super) const UNSOLICITED_DAY: &str = "(received_at AT TIME ZONE 'UTC')::date";
/// The audit event's data for a message not queued, over the column `template`.
pub(super) const SUPPRESSED_DATA: &str =
    "jsonb_build_object('template', template, 'reason', 'unsolicited_daily_limit')";

/// Queues a message that nobody asked for from their own mailbox (an agent's receipt
/// to the address the filer typed), unless that address already had
/// `unsolicited_per_day` of them today (0: no limit); then the request's audit trail
/// records it as suppressed instead. True when it was queued.
pub async fn enqueue_unsolicited(
    conn: &mut PgConnection,
    request_id: Option<Uuid>,
    message: &OutgoingMessage,
    now: DateTime<Utc>,
    unsolicited_per_day: i32,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "WITH input AS (
             SELECT $1::uuid AS request_id, $2::text AS template, $3::text AS message_id,
                 $4::text AS to_addr, $5::text AS subject, $6::text AS body_text,
                 $7::text AS body_html, $8::timestamptz AS received_at, $10::jsonb AS params
         ), counted AS (
             INSERT INTO unsolicited_mail AS u (address, day, messages)
             SELECT {UNSOLICITED_ADDRESS}, {UNSOLICITED_DAY}, 1 FROM input
             ON CONFLICT (address, day) DO UPDATE SET messages = u.messages + 1
             RETURNING messages
         ), decided AS (
             SELECT input.*, ($9 > 0 AND counted.messages > $9) AS suppressed FROM input, counted
         ), o AS (
             INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text,
                 body_html, created_at, next_attempt_at, params)
             SELECT request_id, template, message_id, to_addr, subject, body_text, body_html,
                 received_at, received_at, params
             FROM decided WHERE NOT suppressed
         ), e AS (
             INSERT INTO request_events (request_id, at, actor_type, action, data)
             SELECT request_id, received_at, 'system', 'mail_suppressed', {SUPPRESSED_DATA}
             FROM decided WHERE suppressed AND request_id IS NOT NULL
         )
         SELECT NOT suppressed FROM decided"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(request_id)
        .bind(message.template)
        .bind(&message.message_id)
        .bind(&message.to)
        .bind(&message.subject)
        .bind(&message.text)
        .bind(&message.html)
        .bind(now)
        .bind(unsolicited_per_day)
        .bind(message.params())
        .fetch_one(conn)
        .await
}

/// A message due, as the outbox holds it: rendered (`subject` and bodies), or deferred
/// (`params`, rendered by the worker in the request's `language`).
#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub template: String,
    pub message_id: String,
    pub to_addr: String,
    pub subject: Option<String>,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub params: Option<serde_json::Value>,
    pub attempts: i32,
    pub request_id: Option<Uuid>,
    pub tracking_code: Option<String>,
    pub language: Option<String>,
}

/// Locks the next message due, skipping those other workers hold. The lock lasts until
/// the caller's transaction ends, so no two workers send the same message.
pub async fn claim_next(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.template, o.message_id, o.to_addr, o.subject, o.body_text, o.body_html,
                o.params, o.attempts, o.request_id, r.tracking_code, r.language
         FROM outbox o LEFT JOIN requests r ON r.id = o.request_id
         WHERE o.id = (
             SELECT id FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
             ORDER BY next_attempt_at
             LIMIT 1
             FOR UPDATE SKIP LOCKED
         )",
    )
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Records a delivery. The rendered bodies and a deferred message's parameters go in
/// the same statement: they hold live links (verification, download) or what someone
/// typed, and a delivered message needs them no more. A deferred message keeps the
/// subject it was sent with (`subject`), for the request's record.
pub async fn mark_sent(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    subject: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL,
             body_text = '', body_html = '', params = NULL, subject = coalesce($3, subject, '')
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(subject)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`: the
/// message then drops its parameters and rendered bodies (it will never be sent, and
/// a rendered body may hold a live link), as a delivered one does.
pub async fn mark_attempt_failed(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $3,
             next_attempt_at = coalesce($4, next_attempt_at),
             failed_at = CASE WHEN $4::timestamptz IS NULL THEN $2 END,
             params = CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE params END,
             body_text = CASE WHEN $4::timestamptz IS NULL THEN '' ELSE body_text END,
             body_html = CASE WHEN $4::timestamptz IS NULL THEN '' ELSE body_html END
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .bind(error)
    .bind(retry_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Many messages in one statement, for the worker's batches.
pub async fn enqueue_many(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    messages: &[(Option<Uuid>, OutgoingMessage)],
) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let request_ids: Vec<Option<Uuid>> = messages.iter().map(|(id, _)| *id).collect();
    let field = |f: fn(&OutgoingMessage) -> &str| -> Vec<String> {
        messages.iter().map(|(_, m)| f(m).to_owned()).collect()
    };
    sqlx::query(
        "INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text, body_html,
             created_at, next_attempt_at, params)
         SELECT r, t, m, a, s, x, h, $8, $8, p
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $9::jsonb[])
             AS u(r, t, m, a, s, x, h, p)",
    )
    .bind(request_ids)
    .bind(field(|m| m.template))
    .bind(field(|m| &m.message_id))
    .bind(field(|m| &m.to))
    .bind(field(|m| &m.subject))
    .bind(field(|m| &m.text))
    .bind(field(|m| &m.html))
    .bind(now)
    .bind(
        messages
            .iter()
            .map(|(_, m)| m.params())
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?;
    Ok(())
}
