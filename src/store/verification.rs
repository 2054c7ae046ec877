//! Verification links: issued hashed, used once, expiring.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::events::{self, Actor, Event};
use super::requests::{self, ConsumerAnswer};
use crate::domain::kinds::{RequestKind, RequestStatus};

/// What a link for a request of this kind does: an opt-in's link confirms (or declines)
/// the opt-in, whoever asks for a new one; every other link confirms an e-mail address.
pub(super) const PURPOSE_OF_KIND: &str =
    "CASE WHEN r.kind = 'opt_in' THEN 'confirm_opt_in' ELSE 'verify_email' END";

/// Issues a new link for a request; links issued before it stop working.
pub async fn issue(
    conn: &mut PgConnection,
    request_id: Uuid,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification_tokens SET expires_at = least(expires_at, $2)
         WHERE request_id = $1 AND used_at IS NULL",
    )
    .bind(request_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let sql = format!(
        "INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at, purpose)
         SELECT r.id, $2, $3, $4, {PURPOSE_OF_KIND} FROM requests r WHERE r.id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(request_id)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Issues one new link for each of many requests (the worker's reminders); earlier
/// links of those requests stop working. Opt-ins are never reminded, so these links
/// always confirm an e-mail address.
pub async fn issue_many(
    conn: &mut PgConnection,
    links: &[(Uuid, [u8; 32])],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = links.iter().map(|(id, _)| *id).collect();
    let hashes: Vec<Vec<u8>> = links.iter().map(|(_, h)| h.to_vec()).collect();
    sqlx::query(
        "UPDATE verification_tokens SET expires_at = least(expires_at, $2)
         WHERE request_id = ANY($1) AND used_at IS NULL",
    )
    .bind(&ids)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at)
         SELECT r, h, $3, $4 FROM unnest($1::uuid[], $2::bytea[]) AS u(r, h)",
    )
    .bind(&ids)
    .bind(&hashes)
    .bind(now)
    .bind(expires_at)
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
    pub kind: String,
    pub status: String,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    /// Where to send the consumer after verifying (a DRP agent's page).
    pub redirect_to: Option<String>,
    /// `verify_email`, `confirm_agent` for an agent's filing, or `confirm_opt_in`.
    pub purpose: String,
    pub email: String,
    pub agent_name: Option<String>,
    pub agent_organisation: Option<String>,
    /// The registered name of the DRP agent that filed the request, if one did.
    pub drp_agent: Option<String>,
    /// That agent's registered web site, the only place `redirect_to` may lead.
    pub drp_agent_site: Option<String>,
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
        } else if self.status != RequestStatus::AwaitingVerification.code() {
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
        (SELECT a.web_url FROM agents a WHERE a.id = r.agent_id) AS drp_agent_site
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
    let sql = format!("{LINK_VIEW} FOR UPDATE OF t, r");
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

/// What following a link did.
#[derive(Debug)]
pub enum Followed {
    Verified(LinkView),
    /// The consumer said they did not authorize the agent: the request is denied.
    AgentRejected(LinkView),
    Spent(Spent, LinkView),
    Unknown,
}

/// What the consumer decided about an agent's filing; `rejection` is the notice sent
/// when they reject it.
pub struct AgentDecision<'a> {
    pub confirm: bool,
    pub rejection: &'a crate::mail::OutgoingMessage,
}

/// Why a request was closed when the consumer rejected the agent who filed it.
const AGENT_REJECTED: &str = "You told us you did not authorize the agent who filed this request.";

/// Uses a link: marks it used, records the e-mail data point and moves the request to
/// `verified`, all in one transaction. For an agent's filing the consumer's decision
/// either confirms the agent (and verifies) or rejects it (and denies the request).
pub async fn follow(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
    decision: Option<AgentDecision<'_>>,
) -> Result<Followed, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(link) = lock(&mut tx, token_hash).await? else {
        return Ok(Followed::Unknown);
    };
    if let Some(why) = link.spent(now) {
        return Ok(Followed::Spent(why, link));
    }
    if link.purpose == "confirm_opt_in" || link.kind == RequestKind::OptIn.code() {
        // Only the consumer's own choice on the opt-in page applies an opt-in; a link
        // never "verifies" one.
        return Ok(Followed::Spent(Spent::NotWaiting, link));
    }
    mark_used(&mut tx, link.token_id, now).await?;
    let for_agent = link.purpose == "confirm_agent";
    if let Some(AgentDecision {
        confirm: false,
        rejection,
    }) = decision.as_ref().filter(|_| for_agent)
    {
        set_agent_authority(&mut tx, link.request_id, "rejected").await?;
        let answer = ConsumerAnswer {
            status: RequestStatus::Denied,
            outcome_reason: AGENT_REJECTED,
            action: "agent_authority_rejected",
            data: json!({ "reason": "the consumer did not authorize the agent" }),
            message: rejection,
        };
        requests::close_by_consumer(&mut tx, link.request_id, answer, now).await?;
        tx.commit().await?;
        return Ok(Followed::AgentRejected(link));
    }
    if for_agent {
        set_agent_authority(&mut tx, link.request_id, "confirmed").await?;
        let event = Event::by_consumer(link.request_id, "agent_authority_confirmed", json!({}));
        events::record(&mut tx, now, event).await?;
    }
    sqlx::query(
        "UPDATE requests SET status = 'verified', verified_at = $2, updated_at = $2,
             verification_level = CASE WHEN verification_level = 'none' THEN 'email' ELSE verification_level END
         WHERE id = $1",
    )
    .bind(link.request_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    events::record(
        &mut tx,
        now,
        Event {
            request_id: link.request_id,
            actor: Actor::Consumer,
            action: "email_verified",
            from: Some(RequestStatus::AwaitingVerification),
            to: Some(RequestStatus::Verified),
            data: json!({ "data_point": "email", "method": "single-use link" }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Followed::Verified(LinkView {
        status: RequestStatus::Verified.code().into(),
        used_at: Some(now),
        ..link
    }))
}

/// Records what the consumer said of the agent who filed for them.
async fn set_agent_authority(
    conn: &mut PgConnection,
    request_id: Uuid,
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET agent_authority_state = $2 WHERE id = $1")
        .bind(request_id)
        .bind(state)
        .execute(conn)
        .await?;
    Ok(())
}
