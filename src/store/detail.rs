//! One request as staff see it: every field, its trail, its files, the consumer's other
//! requests; and the row lock staff actions take.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::{Channel, EventKind, RequestKind, RequestStatus};
use crate::domain::lang::Lang;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Detail {
    pub id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    /// None for a request entered by staff without one, or a browser-only opt-out.
    pub email: Option<String>,
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
    pub outcome_code: Option<String>,
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
    /// The language the consumer is written to in.
    #[sqlx(try_from = "String")]
    pub language: Lang,
}

const DETAIL: &str = "SELECT r.id, r.tracking_code, r.kind, r.status, r.channel, r.email, r.full_name, r.phone,
        r.address, r.california_resident, r.details, r.lookback, r.correction_field, r.current_value,
        r.corrected_value, r.declaration_name, r.declaration_signed_at, r.received_at, r.confirm_by,
        r.respond_by, r.extended_respond_by, r.extension_reason, r.comply_by, r.due_on,
        r.verification_level, r.outcome_code, r.outcome_reason, r.closed_at, r.assignee_id, s.email AS assignee,
        r.agent_id, r.agent_name, r.agent_organisation, r.agent_email, r.agent_authority, r.agent_authority_state,
        r.language
    FROM requests r LEFT JOIN staff_users s ON s.id = r.assignee_id
    WHERE r.tracking_code = $1";

pub async fn by_code(pool: &PgPool, code: &str) -> Result<Option<Detail>, sqlx::Error> {
    sqlx::query_as(DETAIL).bind(code).fetch_optional(pool).await
}

/// The request, locked until the caller's transaction ends.
pub async fn lock(conn: &mut PgConnection, code: &str) -> Result<Option<Detail>, sqlx::Error> {
    let sql = format!("{DETAIL} FOR NO KEY UPDATE OF r");
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
    #[sqlx(try_from = "String")]
    pub action: EventKind,
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
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
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

/// Assigns the request to a staff member, or to nobody.
pub async fn assign(
    conn: &mut PgConnection,
    id: Uuid,
    to: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET assignee_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(to)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the one extension and its reason.
pub async fn extend(
    conn: &mut PgConnection,
    id: Uuid,
    until: NaiveDate,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET extended_respond_by = $2, extension_reason = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(until)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Requests to know from this address received in the twelve months before `before`
/// and answered (Civ. §1798.130(b): two a year need answering). Denied, withdrawn and
/// unverified ones were not answered, so they do not count.
pub async fn know_requests_in_year(
    pool: &PgPool,
    email: &str,
    except: Uuid,
    before: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE lower(email) = lower($1) AND id <> $2
           AND kind IN ('know_categories', 'know_specific')
           AND status IN ('fulfilled', 'partially_fulfilled')
           AND received_at >= $3 - interval '365 days' AND received_at <= $3",
    )
    .bind(email)
    .bind(except)
    .bind(before)
    .fetch_one(pool)
    .await
}
