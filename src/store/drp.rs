//! What the Data Rights Protocol keeps beyond filing: signed bodies spent once, and who
//! filed a request (an agent revokes only its own, through the lifecycle, which locks the
//! row before it reads the status).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// The primary key of `drp_used_signatures`: violated when a signed body comes again.
pub const USED_SIGNATURE_KEY: &str = "drp_used_signatures_pkey";

/// Spends a signed body, in the caller's transaction. False when it was already spent.
pub async fn spend_signature(
    conn: &mut PgConnection,
    message_hash: &[u8; 32],
    expires_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO drp_used_signatures (message_hash, expires_at) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(message_hash.as_slice())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the signed body with this hash filed the request `request_id`: how a group
/// written again after a lost answer tells its own row from a replay.
pub async fn filed_by_signature(
    conn: &mut PgConnection,
    message_hash: &[u8; 32],
    request_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM drp_used_signatures WHERE message_hash = $1 AND request_id = $2)",
    )
    .bind(message_hash.as_slice())
    .bind(request_id)
    .fetch_one(conn)
    .await
}

/// Forgets signed bodies that expired: a replay of one is refused by its `expires-at`
/// anyway. Run by the worker's sweep; the index on `expires_at` keeps it cheap.
pub async fn forget_expired_signatures(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM drp_used_signatures WHERE expires_at < $1")
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// The request a DRP id names and the agent that filed it.
pub async fn owner(
    conn: &mut PgConnection,
    drp_request_id: Uuid,
) -> Result<Option<(Uuid, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, agent_id FROM requests WHERE drp_request_id = $1")
        .bind(drp_request_id)
        .fetch_optional(conn)
        .await
}

/// Whether a DRP request waits for its consumer, and whether it is an opt-in: all that
/// the page behind `user_verification_url` may show to whoever holds the URL.
#[derive(Debug, sqlx::FromRow)]
pub struct WaitingForConsumer {
    pub awaiting: bool,
    pub opt_in: bool,
}

pub async fn waiting_for_consumer(
    pool: &sqlx::PgPool,
    drp_request_id: Uuid,
) -> Result<Option<WaitingForConsumer>, sqlx::Error> {
    sqlx::query_as(
        "SELECT status = 'awaiting_verification' AS awaiting, kind = 'opt_in' AS opt_in
         FROM requests WHERE drp_request_id = $1",
    )
    .bind(drp_request_id)
    .fetch_optional(pool)
    .await
}
