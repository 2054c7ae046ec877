//! One request as staff see it: every field, its trail, its files, the consumer's other
//! requests; and the row lock staff actions take.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Detail {
    pub id: Uuid,
    pub tracking_code: String,
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub email: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub california_resident: bool,
    pub details: Option<String>,
    pub lookback: Option<String>,
    pub correction_field: Option<String>,
    pub current_value: Option<String>,
    pub corrected_value: Option<String>,
    pub declaration_name: Option<String>,
    pub declaration_signed_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub comply_by: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub verification_level: String,
    pub outcome_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<Uuid>,
    pub assignee: Option<String>,
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub agent_organisation: Option<String>,
    pub agent_email: Option<String>,
    pub agent_authority: Option<String>,
    pub agent_authority_state: Option<String>,
}

const DETAIL: &str = "SELECT r.id, r.tracking_code, r.kind, r.status, r.channel, r.email, r.full_name, r.phone,
        r.address, r.california_resident, r.details, r.lookback, r.correction_field, r.current_value,
        r.corrected_value, r.declaration_name, r.declaration_signed_at, r.received_at, r.confirm_by,
        r.respond_by, r.extended_respond_by, r.extension_reason, r.comply_by, r.due_on,
        r.verification_level, r.outcome_reason, r.closed_at, r.assignee_id, s.email AS assignee,
        r.agent_id, r.agent_name, r.agent_organisation, r.agent_email, r.agent_authority, r.agent_authority_state
    FROM requests r LEFT JOIN staff_users s ON s.id = r.assignee_id
    WHERE r.tracking_code = $1";

pub async fn by_code(pool: &PgPool, code: &str) -> Result<Option<Detail>, sqlx::Error> {
    sqlx::query_as(DETAIL).bind(code).fetch_optional(pool).await
}

/// The request, locked until the caller's transaction ends.
pub async fn lock(conn: &mut PgConnection, code: &str) -> Result<Option<Detail>, sqlx::Error> {
    let sql = format!("{DETAIL} FOR UPDATE OF r");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(code)
        .fetch_optional(conn)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: DateTime<Utc>,
    pub actor_type: String,
    pub actor: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub data: serde_json::Value,
}

pub async fn events(pool: &PgPool, request_id: Uuid) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT e.at, e.actor_type, coalesce(s.email, e.actor_id) AS actor, e.action, e.from_status, e.to_status, e.data
         FROM request_events e LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id::text = e.actor_id
         WHERE e.request_id = $1 ORDER BY e.at, e.id",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await
}

/// Matched data points recorded so far: the e-mail link and what staff matched.
pub async fn data_points(conn: &mut PgConnection, request_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM request_events
         WHERE request_id = $1 AND action IN ('email_verified', 'data_point_recorded')",
    )
    .bind(request_id)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub purpose: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

pub async fn attachments(
    pool: &PgPool,
    request_id: Uuid,
) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, purpose, filename, content_type, size_bytes, sha256, created_at
         FROM attachments WHERE request_id = $1 ORDER BY created_at",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await
}

/// A file's name, type and bytes, only through the request it belongs to.
pub async fn attachment_content(
    pool: &PgPool,
    request_id: Uuid,
    attachment_id: Uuid,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT filename, content_type, content FROM attachments WHERE id = $1 AND request_id = $2",
    )
    .bind(attachment_id)
    .bind(request_id)
    .fetch_optional(pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OtherRequest {
    pub tracking_code: String,
    pub kind: String,
    pub status: String,
    pub received_at: DateTime<Utc>,
}

/// The same consumer's other requests, newest first.
pub async fn others(
    pool: &PgPool,
    email: &str,
    except: Uuid,
) -> Result<Vec<OtherRequest>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tracking_code, kind, status, received_at FROM requests
         WHERE lower(email) = lower($1) AND id <> $2 ORDER BY received_at DESC LIMIT 50",
    )
    .bind(email)
    .bind(except)
    .fetch_all(pool)
    .await
}

pub async fn deletion_notices(
    pool: &PgPool,
    request_id: Uuid,
) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT recipient, notified_at FROM deletion_notices WHERE request_id = $1 ORDER BY recipient")
        .bind(request_id)
        .fetch_all(pool)
        .await
}

pub async fn record_deletion_notice(
    conn: &mut PgConnection,
    request_id: Uuid,
    recipient: &str,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO deletion_notices (request_id, recipient, notified_at, staff_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (request_id, recipient) DO NOTHING",
    )
    .bind(request_id)
    .bind(recipient)
    .bind(now)
    .bind(staff_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Applies a staff decision's fields to the request row.
#[derive(Debug, Default)]
pub struct Change {
    pub status: Option<&'static str>,
    pub close: bool,
    pub outcome_reason: Option<String>,
    pub extended_respond_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub verification_level: Option<String>,
    pub verified: bool,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<Uuid>>,
    pub agent_authority_state: Option<&'static str>,
}

pub async fn apply(
    conn: &mut PgConnection,
    id: Uuid,
    c: &Change,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET
             status = coalesce($2, status),
             closed_at = CASE WHEN $3 THEN $9 ELSE closed_at END,
             outcome_reason = coalesce($4, outcome_reason),
             extended_respond_by = coalesce($5, extended_respond_by),
             extension_reason = coalesce($6, extension_reason),
             verification_level = coalesce($7, verification_level),
             verified_at = CASE WHEN $8 THEN $9 ELSE verified_at END,
             assignee_id = CASE WHEN $10 THEN $11 ELSE assignee_id END,
             agent_authority_state = coalesce($12, agent_authority_state),
             updated_at = $9
         WHERE id = $1",
    )
    .bind(id)
    .bind(c.status)
    .bind(c.close)
    .bind(&c.outcome_reason)
    .bind(c.extended_respond_by)
    .bind(&c.extension_reason)
    .bind(&c.verification_level)
    .bind(c.verified)
    .bind(now)
    .bind(c.assignee.is_some())
    .bind(c.assignee.flatten())
    .bind(c.agent_authority_state)
    .execute(conn)
    .await?;
    Ok(())
}

/// Requests to know from this address received in the twelve months before `before`
/// (Civ. §1798.130(b): two a year need answering).
pub async fn know_requests_in_year(
    pool: &PgPool,
    email: &str,
    except: Uuid,
    before: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE lower(email) = lower($1) AND id <> $2
           AND kind IN ('know_categories', 'know_specific')
           AND received_at >= $3 - interval '365 days' AND received_at <= $3",
    )
    .bind(email)
    .bind(except)
    .bind(before)
    .fetch_one(pool)
    .await
}
