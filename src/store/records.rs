//! A request's full record for accountability (reg. §7101): everything stored about it
//! as one JSON document, the trail of staff who opened it, and the fresh download link.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// What a staff member opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewed {
    RequestPage,
    RecordPage,
    RecordJson,
    File(Uuid),
    /// A letter to the consumer, to print: the receipt letter or a Shine the Light answer.
    Letter,
    /// An export of the queue that carried the consumer's name and e-mail address.
    ListExport,
}

impl Viewed {
    pub fn code(self) -> &'static str {
        match self {
            Viewed::RequestPage => "request_page",
            Viewed::RecordPage => "record_page",
            Viewed::RecordJson => "record_json",
            Viewed::File(_) => "file",
            Viewed::Letter => "letter",
            Viewed::ListExport => "list_export",
        }
    }
}

/// Records that `staff_id` opened `what` of each of the requests.
pub async fn record_view(
    pool: &PgPool,
    request_ids: &[Uuid],
    staff_id: Uuid,
    what: Viewed,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let attachment = match what {
        Viewed::File(id) => Some(id),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO record_views (request_id, staff_id, at, what, attachment_id)
         SELECT id, $2, $3, $4, $5 FROM unnest($1::uuid[]) AS id",
    )
    .bind(request_ids)
    .bind(staff_id)
    .bind(now)
    .bind(what.code())
    .bind(attachment)
    .execute(pool)
    .await?;
    Ok(())
}

/// One staff member's opening of the request, as the trail shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct View {
    pub at: DateTime<Utc>,
    /// The staff member's address; `None` once the account is gone.
    pub staff: Option<String>,
    pub what: String,
    pub filename: Option<String>,
}

/// Who opened the request's data, latest first (at most `limit`).
pub async fn views(pool: &PgPool, request_id: Uuid, limit: i64) -> Result<Vec<View>, sqlx::Error> {
    sqlx::query_as(
        "SELECT v.at, s.email AS staff, v.what, nullif(a.filename, '') AS filename
         FROM record_views v
         LEFT JOIN staff_users s ON s.id = v.staff_id
         LEFT JOIN attachments a ON a.id = v.attachment_id
         WHERE v.request_id = $1 ORDER BY v.at DESC, v.id DESC LIMIT $2",
    )
    .bind(request_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The id of the request with this tracking code.
pub async fn id_of(pool: &PgPool, code: &str) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM requests WHERE tracking_code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await
}

/// Where the request stands with retention: when it was purged, and whether its
/// response package is still kept.
pub async fn retention_state(
    pool: &PgPool,
    request_id: Uuid,
) -> Result<(Option<DateTime<Utc>>, bool), sqlx::Error> {
    sqlx::query_as(
        "SELECT purged_at, EXISTS (SELECT 1 FROM attachments a WHERE a.request_id = r.id
                 AND a.purpose = 'response_package' AND a.removed_at IS NULL)
         FROM requests r WHERE r.id = $1",
    )
    .bind(request_id)
    .fetch_one(pool)
    .await
}

/// Everything stored about the request with this tracking code, as one JSON document:
/// every column of the request (it holds no hashes), its trail, messages (without their
/// bodies, which may hold live links), files (without content), links, downloads,
/// deletion notices, suppression entries, a Shine the Light answer, webhook deliveries
/// (tasks' and lifecycle events'), DRP callbacks and who opened it.
pub async fn full_record(
    pool: &PgPool,
    code: &str,
) -> Result<Option<(Uuid, serde_json::Value)>, sqlx::Error> {
    let row: Option<(Uuid, serde_json::Value)> = sqlx::query_as(
        "SELECT r.id, jsonb_build_object(
             'request', to_jsonb(r),
             'events', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'at', e.at, 'actor_type', e.actor_type, 'actor_id', e.actor_id,
                     'staff', s.email, 'action', e.action, 'from_status', e.from_status,
                     'to_status', e.to_status, 'data', e.data) ORDER BY e.at, e.id)
                 FROM request_events e
                 LEFT JOIN staff_users s ON e.actor_type = 'staff' AND s.id::text = e.actor_id
                 WHERE e.request_id = r.id), '[]'),
             'messages', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'id', o.id, 'template', o.template, 'to', o.to_addr, 'subject', o.subject,
                     'created_at', o.created_at, 'sent_at', o.sent_at, 'failed_at', o.failed_at,
                     'attempts', o.attempts, 'last_error', o.last_error) ORDER BY o.id)
                 FROM outbox o WHERE o.request_id = r.id), '[]'),
             'files', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'id', a.id, 'purpose', a.purpose, 'filename', a.filename,
                     'content_type', a.content_type, 'size_bytes', a.size_bytes,
                     'sha256', a.sha256, 'created_at', a.created_at, 'removed_at', a.removed_at)
                     ORDER BY a.created_at)
                 FROM attachments a WHERE a.request_id = r.id), '[]'),
             'verification_links', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'purpose', v.purpose, 'created_at', v.created_at, 'expires_at', v.expires_at,
                     'used_at', v.used_at) ORDER BY v.id)
                 FROM verification_tokens v WHERE v.request_id = r.id), '[]'),
             'download_links', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'id', l.id, 'file', l.attachment_id, 'created_at', l.created_at,
                     'expires_at', l.expires_at, 'failed_attempts', l.failed_attempts,
                     'downloads', coalesce((SELECT jsonb_agg(d.at ORDER BY d.at)
                         FROM downloads d WHERE d.link_id = l.id), '[]')) ORDER BY l.id)
                 FROM download_links l WHERE l.request_id = r.id), '[]'),
             'deletion_notices', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'recipient', n.recipient, 'notified_at', n.notified_at, 'staff', s.email)
                     ORDER BY n.notified_at)
                 FROM deletion_notices n LEFT JOIN staff_users s ON s.id = n.staff_id
                 WHERE n.request_id = r.id), '[]'),
             'suppression', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'email', x.email, 'scope', x.scope, 'channel', x.channel, 'since', x.since)
                     ORDER BY x.id)
                 FROM opt_outs x WHERE x.request_id = r.id), '[]'),
             'shine_the_light_answer', (SELECT jsonb_build_object('year', a.year,
                     'answer', a.answer, 'body_text', a.body_text, 'sent_at', a.sent_at)
                 FROM stl_answers a WHERE a.request_id = r.id),
             'webhook_deliveries', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'type', d.type, 'recipient', c.name, 'task_id', d.task_id,
                     'created_at', d.created_at, 'attempts', d.attempts,
                     'delivered_at', d.delivered_at, 'failed_at', d.failed_at,
                     'last_error', d.last_error) ORDER BY d.id)
                 FROM task_deliveries d JOIN recipients c ON c.id = d.recipient_id
                 WHERE d.request_id = r.id), '[]'),
             'drp_callbacks', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'created_at', c.created_at, 'sent_at', c.sent_at, 'failed_at', c.failed_at,
                     'attempts', c.attempts, 'last_error', c.last_error) ORDER BY c.id)
                 FROM drp_callbacks c WHERE c.request_id = r.id), '[]'),
             'views', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'at', v.at, 'staff', s.email, 'what', v.what, 'file', v.attachment_id)
                     ORDER BY v.at, v.id)
                 FROM record_views v LEFT JOIN staff_users s ON s.id = v.staff_id
                 WHERE v.request_id = r.id), '[]'))
         FROM requests r WHERE r.tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row)
}

/// Downstream tasks of the request, when the schema has a `tasks` table (written by
/// the recipients' work); `None` without one.
pub async fn tasks(
    pool: &PgPool,
    request_id: Uuid,
) -> Result<Option<serde_json::Value>, sqlx::Error> {
    // Every column but the completion link's hash: the record carries no token hashes.
    sqlx::query_scalar(
        "SELECT coalesce(jsonb_agg(to_jsonb(t) - 'link_hash'), '[]') FROM tasks t WHERE t.request_id = $1",
    )
    .bind(request_id)
    .fetch_one(pool)
    .await
    .map(Some)
}

/// The request's response package while it is kept: its id.
pub async fn kept_package(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM attachments
         WHERE request_id = $1 AND purpose = 'response_package' AND removed_at IS NULL
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(request_id)
    .fetch_optional(conn)
    .await
}
