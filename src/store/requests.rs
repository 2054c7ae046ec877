//! The `requests` aggregate: a request, its audit events and its attachments.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::deadlines::Deadlines;
use crate::domain::email::EmailAddress;
use crate::domain::intake::{Document, NewRequest};
use crate::domain::kinds::{Channel, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::mail::OutgoingMessage;

pub const TRACKING_CODE_KEY: &str = "requests_tracking_code_key";

/// Everything one new request writes: its row, its first event and, where there is
/// one, its receipt. Written by one statement, so all or nothing.
pub struct Insert<'a> {
    pub request: &'a NewRequest,
    pub tracking_code: &'a TrackingCode,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub deadlines: Deadlines,
    pub receipt: Option<&'a OutgoingMessage>,
    /// The hash of the verification link in the receipt, and when it expires.
    pub verification: Option<(&'a [u8], DateTime<Utc>)>,
    /// For a request filed through the Data Rights Protocol.
    pub drp: Option<DrpFields<'a>>,
}

/// The protocol's fields of a request an agent filed over DRP.
#[derive(Debug, Clone, Copy)]
pub struct DrpFields<'a> {
    pub agent_id: &'a str,
    pub drp_request_id: Uuid,
    pub agent_request_id: Option<&'a str>,
    pub regime: Option<&'a str>,
    pub status_callback: Option<&'a str>,
    /// Set when the agent's vouched claims already verify the request.
    pub verification_level: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, row: &Insert<'_>) -> Result<Uuid, sqlx::Error> {
    let r = row.request;
    let (correction_field, current_value, corrected_value) = match &r.correction {
        Some(c) => (
            Some(&c.field),
            c.current_value.as_ref(),
            Some(&c.corrected_value),
        ),
        None => (None, None, None),
    };
    let declaration_signed_at = r.declaration_name.as_ref().map(|_| row.received_at);
    let event = json!({ "kind": row.kind.code(), "channel": row.channel.code() });
    let receipt = row.receipt;
    sqlx::query_scalar(
        "WITH r AS (
            INSERT INTO requests (tracking_code, kind, status, channel, email, full_name, phone,
                address, california_resident, details, lookback, correction_field, current_value,
                corrected_value, declaration_name, declaration_signed_at, received_at, confirm_by,
                respond_by, comply_by, agent_id, drp_request_id, agent_request_id, regime, status_callback,
                verified_at, verification_level)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                $31, $32, $33, $34, $35, CASE WHEN $3 = 'verified' THEN $17 END, coalesce($36, 'none'))
            RETURNING id
        ), e AS (
            INSERT INTO request_events (request_id, at, actor_type, action, to_status, data)
            SELECT id, $17, $21, 'submitted', $3, $22 FROM r
        ), o AS (
            INSERT INTO outbox (request_id, template, message_id, to_addr, subject, body_text,
                body_html, created_at, next_attempt_at)
            SELECT id, $23, $24, $25, $26, $27, $28, $17, $17 FROM r WHERE $23::text IS NOT NULL
        ), t AS (
            INSERT INTO verification_tokens (request_id, token_hash, created_at, expires_at)
            SELECT id, $29, $17, $30 FROM r WHERE $29::bytea IS NOT NULL
        )
        SELECT id FROM r",
    )
    .bind(row.tracking_code.as_str())
    .bind(row.kind.code())
    .bind(row.status.code())
    .bind(row.channel.code())
    .bind(r.email.as_str())
    .bind(&r.full_name)
    .bind(&r.phone)
    .bind(&r.address)
    .bind(r.california_resident)
    .bind(&r.details)
    .bind(r.lookback.map(|l| l.code()))
    .bind(correction_field)
    .bind(current_value)
    .bind(corrected_value)
    .bind(&r.declaration_name)
    .bind(declaration_signed_at)
    .bind(row.received_at)
    .bind(row.deadlines.confirm_by)
    .bind(row.deadlines.respond_by)
    .bind(row.deadlines.comply_by)
    .bind(match row.channel {
        Channel::Gpc => "system",
        Channel::Drp | Channel::AgentWeb => "agent",
        Channel::Web => "consumer",
    })
    .bind(event)
    .bind(receipt.map(|m| m.template))
    .bind(receipt.map(|m| m.message_id.as_str()))
    .bind(receipt.map(|m| m.to.as_str()))
    .bind(receipt.map(|m| m.subject.as_str()))
    .bind(receipt.map(|m| m.text.as_str()))
    .bind(receipt.map(|m| m.html.as_str()))
    .bind(row.verification.map(|(hash, _)| hash))
    .bind(row.verification.map(|(_, expires)| expires))
    .bind(row.drp.map(|d| d.agent_id))
    .bind(row.drp.map(|d| d.drp_request_id))
    .bind(row.drp.and_then(|d| d.agent_request_id))
    .bind(row.drp.and_then(|d| d.regime))
    .bind(row.drp.and_then(|d| d.status_callback))
    .bind(row.drp.and_then(|d| d.verification_level))
    .fetch_one(conn)
    .await
}

/// Records who filed for the consumer, and the hash of the agent's status link.
pub async fn set_agent(
    conn: &mut PgConnection,
    request_id: Uuid,
    agent: &crate::domain::intake::AgentFiling,
    access_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET agent_name = $2, agent_organisation = $3, agent_email = $4, agent_authority = $5,
             agent_authority_state = 'pending', agent_access_hash = $6
         WHERE id = $1",
    )
    .bind(request_id)
    .bind(&agent.name)
    .bind(&agent.organisation)
    .bind(agent.email.as_str())
    .bind(agent.authority.code())
    .bind(access_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a document the consumer attached, with its SHA-256 for the record.
pub async fn insert_attachment(
    conn: &mut PgConnection,
    request_id: Uuid,
    purpose: &str,
    doc: &Document,
) -> Result<(), sqlx::Error> {
    use sha2::{Digest, Sha256};
    let digest = hex::encode(Sha256::digest(&doc.bytes));
    sqlx::query(
        "INSERT INTO attachments (request_id, purpose, filename, content_type, size_bytes, sha256, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(purpose)
    .bind(&doc.filename)
    .bind(doc.doc_type.mime())
    .bind(i32::try_from(doc.bytes.len()).unwrap_or(i32::MAX))
    .bind(digest)
    .bind(&doc.bytes)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether this address already has an opt-out of sale/sharing that is not closed
/// against it, so a GPC signal does not file a second one. An opt-out the consumer later
/// opted back in from no longer counts.
pub async fn has_opt_out(
    conn: &mut PgConnection,
    email: &EmailAddress,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM requests o WHERE lower(o.email) = lower($1) AND o.kind = 'opt_out'
             AND o.status NOT IN ('denied', 'withdrawn')
             AND NOT EXISTS (SELECT 1 FROM requests i WHERE lower(i.email) = lower($1) AND i.kind = 'opt_in'
                 AND i.status = 'fulfilled' AND i.closed_at >= o.received_at))",
    )
    .bind(email.as_str())
    .fetch_one(conn)
    .await
}

/// What a consumer may see of their own request on the status page.
#[derive(Debug, sqlx::FromRow)]
pub struct ConsumerView {
    pub id: Uuid,
    pub email: String,
    pub tracking_code: String,
    pub kind: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub comply_by: Option<NaiveDate>,
    pub outcome_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A request by the token of its agent's status link.
pub async fn find_for_agent(
    pool: &PgPool,
    access_hash: &[u8],
) -> Result<Option<ConsumerView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, tracking_code, kind, status, received_at, confirm_by, respond_by,
                extended_respond_by, extension_reason, comply_by, outcome_reason, closed_at
         FROM requests WHERE agent_access_hash = $1",
    )
    .bind(access_hash)
    .fetch_optional(pool)
    .await
}

/// A request by its tracking code, only when the e-mail address matches too.
pub async fn find_for_consumer(
    pool: &PgPool,
    code: &TrackingCode,
    email: &EmailAddress,
) -> Result<Option<ConsumerView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, tracking_code, kind, status, received_at, confirm_by, respond_by,
                extended_respond_by, extension_reason, comply_by, outcome_reason, closed_at
         FROM requests WHERE tracking_code = $1 AND lower(email) = lower($2)",
    )
    .bind(code.as_str())
    .bind(email.as_str())
    .fetch_optional(pool)
    .await
}
