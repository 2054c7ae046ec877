//! What the Data Rights Protocol changes beyond filing: signed bodies spent once, and an
//! agent's revoke. Revoke locks the request before it looks at its status, so it never
//! overwrites a fulfilment or denial committed at the same moment.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::agents::{self, DrpView};
use super::events::{self, Actor, Event};
use crate::domain::kinds::RequestStatus;

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

/// What a revoke came to.
#[derive(Debug)]
pub enum Revoke {
    Revoked(Box<DrpView>),
    /// Already fulfilled, denied, withdrawn or closed: final.
    NotRevocable,
    /// Filed by another agent.
    NotYours,
    NotFound,
}

/// Revokes a DRP request for the agent that filed it, in the caller's transaction: the
/// row is locked first and its status read after the lock, so a concurrent fulfilment
/// or denial either commits first (and the revoke is refused) or waits for it.
pub async fn revoke(
    conn: &mut PgConnection,
    drp_request_id: Uuid,
    agent_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Revoke, sqlx::Error> {
    let row: Option<(Uuid, Option<String>, String)> = sqlx::query_as(
        "SELECT id, agent_id, status FROM requests WHERE drp_request_id = $1 FOR UPDATE",
    )
    .bind(drp_request_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, owner, status)) = row else {
        return Ok(Revoke::NotFound);
    };
    if owner.as_deref() != Some(agent_id) {
        return Ok(Revoke::NotYours);
    }
    let status = RequestStatus::parse(&status).map_err(|e| sqlx::Error::Decode(e.into()))?;
    if status.is_closed() {
        return Ok(Revoke::NotRevocable);
    }
    super::sweeps::set_status(
        conn,
        &[id],
        RequestStatus::Withdrawn,
        now,
        Some("Revoked by the authorized agent."),
    )
    .await?;
    events::record(
        conn,
        now,
        Event {
            request_id: id,
            actor: Actor::Agent(agent_id),
            action: "revoked",
            from: Some(status),
            to: Some(RequestStatus::Withdrawn),
            data: json!({ "reason": reason }),
        },
    )
    .await?;
    let view = agents::drp_request_by_id(conn, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Revoke::Revoked(Box::new(view)))
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
