//! The e-mail outbox: written in the transaction of the change that causes a message,
//! delivered afterwards by the worker.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::mail::OutgoingMessage;
use crate::mail::transport::Queued;

pub async fn enqueue(
    conn: &mut PgConnection,
    request_id: Option<Uuid>,
    message: &OutgoingMessage,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text, body_html,
             created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(request_id)
    .bind(message.template)
    .bind(&message.message_id)
    .bind(&message.to)
    .bind(&message.subject)
    .bind(&message.text)
    .bind(&message.html)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the next message due, skipping those other workers hold. The lock lasts until
/// the caller's transaction ends, so no two workers send the same message.
pub async fn claim_next(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<Queued>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.template, o.message_id, o.to_addr, o.subject, o.body_text, o.body_html,
                o.attempts, r.tracking_code
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

pub async fn mark_sent(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
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
             failed_at = CASE WHEN $4::timestamptz IS NULL THEN $2 END
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
             created_at, next_attempt_at)
         SELECT r, t, m, a, s, x, h, $8, $8
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             AS u(r, t, m, a, s, x, h)",
    )
    .bind(request_ids)
    .bind(field(|m| m.template))
    .bind(field(|m| &m.message_id))
    .bind(field(|m| &m.to))
    .bind(field(|m| &m.subject))
    .bind(field(|m| &m.text))
    .bind(field(|m| &m.html))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
