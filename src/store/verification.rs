//! Verification links: issued hashed, used once, expiring.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::{LinkPurpose, RequestKind, RequestStatus};

/// Issues a new link for a request; links issued before it stop working.
pub async fn issue(
    conn: &mut PgConnection,
    request_id: Uuid,
    purpose: LinkPurpose,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    retire(conn, &[request_id], now).await?;
    add_for_message(conn, request_id, purpose, token_hash, now, expires_at).await
}

/// Where the link leads once used, when not to the status page (an agent's own page).
pub async fn set_redirect(
    conn: &mut PgConnection,
    token_hash: &[u8],
    redirect_to: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification_tokens SET redirect_to = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(redirect_to)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends the unused links of the requests, when a new one is on its way to the consumer
/// (queued with the message that carries it, created when that message is sent).
pub async fn retire(
    conn: &mut PgConnection,
    request_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification_tokens SET expires_at = least(expires_at, $2)
         WHERE request_id = ANY($1) AND used_at IS NULL",
    )
    .bind(request_ids)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the link a deferred message carries (`mail::deferred`), created as the worker
/// renders it. Unlike `issue`, earlier links keep working: the receipt's link is the
/// request's first, and one the consumer asked for meanwhile is newer than it.
pub async fn add_for_message(
    conn: &mut PgConnection,
    request_id: Uuid,
    purpose: LinkPurpose,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at, purpose)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .bind(purpose.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the link of a message that was not delivered: its next attempt carries a
/// new one.
pub async fn remove_unsent(conn: &mut PgConnection, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM verification_tokens WHERE token_hash = $1 AND used_at IS NULL")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a link is, as the page that opens it needs to know.
#[derive(Debug, sqlx::FromRow)]
pub struct LinkView {
    pub token_id: i64,
    pub request_id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// Where to send the consumer after verifying (a DRP agent's page).
    pub redirect_to: Option<String>,
    #[sqlx(try_from = "String")]
    pub purpose: LinkPurpose,
    pub email: String,
    pub agent_name: Option<String>,
    pub agent_organisation: Option<String>,
    /// The registered name of the DRP agent that filed the request, if one did.
    pub drp_agent: Option<String>,
    /// That agent's registered web site, the only place `redirect_to` may lead.
    pub drp_agent_site: Option<String>,
    /// The request's language: the link's page speaks it unless the visitor chose.
    #[sqlx(try_from = "String")]
    pub language: crate::domain::lang::Lang,
}

/// Why a link can no longer be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    AlreadyUsed,
    /// Past its time, or replaced by a newer link.
    Expired,
    /// The request no longer waits for the consumer (closed, or verified through a newer
    /// link).
    NotWaiting,
}

impl LinkView {
    /// Why the link can no longer be used at `now`, if it cannot.
    pub fn spent(&self, now: DateTime<Utc>) -> Option<Spent> {
        if self.used_at.is_some() {
            Some(Spent::AlreadyUsed)
        } else if self.expires_at <= now {
            Some(Spent::Expired)
        } else if self.status != RequestStatus::AwaitingVerification {
            Some(Spent::NotWaiting)
        } else {
            None
        }
    }
}

const LINK_VIEW: &str =
    "SELECT t.id AS token_id, r.id AS request_id, r.tracking_code, r.kind, r.status,
        r.respond_by, r.extended_respond_by, t.expires_at, t.used_at, t.redirect_to, t.purpose, r.email,
        r.agent_name, r.agent_organisation, (SELECT a.name FROM agents a WHERE a.id = r.agent_id) AS drp_agent,
        (SELECT a.web_url FROM agents a WHERE a.id = r.agent_id) AS drp_agent_site, r.language
    FROM verification_tokens t JOIN requests r ON r.id = t.request_id
    WHERE t.token_hash = $1";

pub async fn find(pool: &PgPool, token_hash: &[u8]) -> Result<Option<LinkView>, sqlx::Error> {
    sqlx::query_as(LINK_VIEW)
        .bind(token_hash)
        .fetch_optional(pool)
        .await
}

/// A link and its request, locked until the caller's transaction ends.
pub async fn lock(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<Option<LinkView>, sqlx::Error> {
    let sql = format!("{LINK_VIEW} FOR NO KEY UPDATE OF t, r");
    sqlx::query_as::<_, LinkView>(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

/// Marks a link used, in the caller's transaction.
pub async fn mark_used(
    conn: &mut PgConnection,
    token_id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification_tokens SET used_at = $2 WHERE id = $1")
        .bind(token_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
