//! Tasks (one per recipient and decided request) and what is sent to recipients about
//! them. Tasks are written by `service::lifecycle` in the transaction of the decision;
//! the worker claims deliveries with `SKIP LOCKED` and records each result in the
//! transaction that claimed it, so a delivery that succeeded is never sent again.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::{EventKind, RequestKind, RequestStatus};
use crate::domain::lang::Lang;
use crate::domain::tasks::{LifecycleEvent, NotifyChannel, TaskOutcome};

pub const TASK_CREATED: &str = "task.created";
pub const TASK_CANCELLED: &str = "task.cancelled";

/// Creates one task per active recipient whose kinds include each request's kind, and
/// queues its delivery (manual recipients get none: staff pass it on by hand).
pub async fn create_for(
    conn: &mut PgConnection,
    decided: &[(Uuid, RequestKind)],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    if decided.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = decided.iter().map(|(id, _)| *id).collect();
    let kinds: Vec<&str> = decided.iter().map(|(_, k)| k.code()).collect();
    let done = sqlx::query(
        "WITH t AS (
             INSERT INTO tasks (request_id, recipient_id, created_at)
             SELECT u.id, c.id, $3
             FROM unnest($1::uuid[], $2::text[]) AS u(id, kind)
             JOIN recipients c ON c.active AND u.kind = ANY (c.kinds)
             ON CONFLICT (request_id, recipient_id) DO NOTHING
             RETURNING id, request_id, recipient_id
         )
         INSERT INTO task_deliveries (webhook_id, recipient_id, task_id, request_id, type,
             occurred_at, created_at, next_attempt_at)
         SELECT gen_random_uuid(), t.recipient_id, t.id, t.request_id, 'task.created', $3, $3, $3
         FROM t JOIN recipients c ON c.id = t.recipient_id WHERE c.channel <> 'manual'",
    )
    .bind(&ids)
    .bind(&kinds)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Calls off the open tasks of withdrawn requests; each recipient already sent one is
/// sent a `task.cancelled`.
pub async fn cancel_for(
    conn: &mut PgConnection,
    requests: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if requests.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "WITH t AS (
             UPDATE tasks SET cancelled_at = $2
             WHERE request_id = ANY ($1) AND completed_at IS NULL AND cancelled_at IS NULL
             RETURNING id, request_id, recipient_id
         )
         INSERT INTO task_deliveries (webhook_id, recipient_id, task_id, request_id, type,
             occurred_at, created_at, next_attempt_at)
         SELECT gen_random_uuid(), t.recipient_id, t.id, t.request_id, 'task.cancelled', $2, $2, $2
         FROM t JOIN recipients c ON c.id = t.recipient_id
         WHERE c.channel <> 'manual'
           AND EXISTS (SELECT 1 FROM task_deliveries d WHERE d.task_id = t.id AND d.attempts > 0)",
    )
    .bind(requests)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A delivery claimed for sending, with what its message is built from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: Uuid,
    #[sqlx(rename = "type")]
    pub kind_of_message: String,
    pub occurred_at: DateTime<Utc>,
    pub attempts: i32,
    pub task_id: Option<i64>,
    pub request_id: Option<Uuid>,
    pub recipient_id: i64,
    pub recipient_name: String,
    #[sqlx(try_from = "String")]
    pub channel: NotifyChannel,
    pub address: Option<String>,
    pub signing_secret: Option<String>,
    pub tracking_code: Option<String>,
    pub request_kind: Option<String>,
    pub email: Option<String>,
    pub full_name: Option<String>,
    pub correction_field: Option<String>,
    pub current_value: Option<String>,
    pub corrected_value: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Locks up to `limit` deliveries due now; other workers skip them.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.id, d.webhook_id, d.type, d.occurred_at, d.attempts, d.task_id, d.request_id,
             c.id AS recipient_id, c.name AS recipient_name, c.channel, c.address, c.signing_secret,
             r.tracking_code, r.kind AS request_kind, r.email, r.full_name, r.correction_field,
             r.current_value, r.corrected_value, r.closed_at AS decided_at
         FROM task_deliveries d
         JOIN recipients c ON c.id = d.recipient_id
         LEFT JOIN requests r ON r.id = d.request_id
         WHERE d.delivered_at IS NULL AND d.failed_at IS NULL AND d.next_attempt_at <= $1
         ORDER BY d.next_attempt_at
         LIMIT $2
         FOR UPDATE OF d SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How one attempt ended.
pub enum Attempted {
    Delivered,
    /// Failed; tried again at the time given, or never (`None`: failed for good).
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records attempts (one statement whatever their number) and stamps the tasks they
/// delivered or gave up on.
pub async fn record_attempts(
    conn: &mut PgConnection,
    results: &[(i64, Attempted)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if results.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(results.len());
    let mut delivered = Vec::with_capacity(results.len());
    let mut errors = Vec::with_capacity(results.len());
    let mut retries = Vec::with_capacity(results.len());
    for (id, result) in results {
        ids.push(*id);
        match result {
            Attempted::Delivered => {
                delivered.push(true);
                errors.push(None);
                retries.push(None);
            }
            Attempted::Failed { error, retry_at } => {
                delivered.push(false);
                errors.push(Some(error.as_str()));
                retries.push(*retry_at);
            }
        }
    }
    sqlx::query(
        "WITH d AS (
             UPDATE task_deliveries d SET
                 attempts = d.attempts + 1,
                 delivered_at = CASE WHEN u.ok THEN $5 END,
                 failed_at = CASE WHEN NOT u.ok AND u.retry_at IS NULL THEN $5 END,
                 last_error = CASE WHEN u.ok THEN d.last_error ELSE u.error END,
                 next_attempt_at = coalesce(u.retry_at, d.next_attempt_at)
             FROM unnest($1::bigint[], $2::bool[], $3::text[], $4::timestamptz[])
                 AS u(id, ok, error, retry_at)
             WHERE d.id = u.id
             RETURNING d.task_id, d.type, d.delivered_at, d.failed_at
         )
         UPDATE tasks t SET
             delivered_at = coalesce(t.delivered_at, d.delivered_at),
             failed_at = CASE WHEN d.delivered_at IS NULL THEN coalesce(d.failed_at, t.failed_at) ELSE NULL END
         FROM d WHERE t.id = d.task_id AND d.type = 'task.created'",
    )
    .bind(&ids)
    .bind(&delivered)
    .bind(&errors)
    .bind(&retries)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the hash of a fresh completion link for an e-mail recipient's task.
pub async fn set_link(
    conn: &mut PgConnection,
    task_id: i64,
    hash: &[u8],
    expires: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tasks SET link_hash = $2, link_expires_at = $3 WHERE id = $1")
        .bind(task_id)
        .bind(hash)
        .bind(expires)
        .execute(conn)
        .await?;
    Ok(())
}

/// A request whose every task has now been delivered, and whose consumer has not yet
/// been told it was passed on: stamped here, so they are told once.
#[derive(Debug, sqlx::FromRow)]
pub struct PassedOn {
    pub request_id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    /// None for a request answered by letter: staff tell the consumer.
    pub email: Option<String>,
    #[sqlx(try_from = "String")]
    pub language: Lang,
}

pub async fn claim_passed_on(
    conn: &mut PgConnection,
    requests: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<PassedOn>, sqlx::Error> {
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "WITH ready AS (
             SELECT t.request_id FROM tasks t
             WHERE t.request_id = ANY ($1) AND t.cancelled_at IS NULL
             GROUP BY t.request_id
             HAVING bool_and(t.delivered_at IS NOT NULL)
         ), stamped AS (
             INSERT INTO passed_on_notices (request_id, sent_at)
             SELECT request_id, $2 FROM ready
             ON CONFLICT (request_id) DO NOTHING
             RETURNING request_id
         )
         SELECT r.id AS request_id, r.tracking_code, r.kind, r.email, r.language
         FROM stamped s JOIN requests r ON r.id = s.request_id",
    )
    .bind(requests)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// A task under lock, as completion looks at it.
#[derive(Debug, sqlx::FromRow)]
pub struct LockedTask {
    pub id: i64,
    pub request_id: Uuid,
    pub recipient_id: i64,
    pub recipient_name: String,
    #[sqlx(try_from = "String")]
    pub channel: NotifyChannel,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub request_kind: RequestKind,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub link_expires_at: Option<DateTime<Utc>>,
}

const LOCKED_TASK: &str =
    "SELECT t.id, t.request_id, t.recipient_id, c.name AS recipient_name, c.channel,
        r.tracking_code, r.kind AS request_kind, t.completed_at, t.cancelled_at, t.link_expires_at
    FROM tasks t JOIN recipients c ON c.id = t.recipient_id JOIN requests r ON r.id = t.request_id";

pub async fn lock(conn: &mut PgConnection, id: i64) -> Result<Option<LockedTask>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LOCKED_TASK} WHERE t.id = $1 FOR UPDATE OF t"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The task a completion link opens, under lock when `for_update`.
pub async fn by_link(
    conn: &mut PgConnection,
    hash: &[u8],
    for_update: bool,
) -> Result<Option<LockedTask>, sqlx::Error> {
    let lock = if for_update { " FOR UPDATE OF t" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LOCKED_TASK} WHERE t.link_hash = $1{lock}"
    )))
    .bind(hash)
    .fetch_optional(conn)
    .await
}

/// Records how a task ended; the link is spent. A manual task counts as delivered when
/// staff record it: they passed it on themselves.
pub async fn record_completion(
    conn: &mut PgConnection,
    id: i64,
    outcome: TaskOutcome,
    note: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tasks t SET completed_at = $5, outcome = $2, note = nullif($3, ''), completed_by = $4,
             link_hash = NULL, link_expires_at = NULL,
             delivered_at = CASE WHEN c.channel = 'manual' THEN coalesce(t.delivered_at, $5)
                                 ELSE t.delivered_at END
         FROM recipients c WHERE c.id = t.recipient_id AND t.id = $1",
    )
    .bind(id)
    .bind(outcome.code())
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A task as staff see it on the request page.
#[derive(Debug, sqlx::FromRow)]
pub struct TaskView {
    pub id: i64,
    pub recipient_name: String,
    pub role: String,
    pub channel: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub completed_by: Option<String>,
    /// The staff member's e-mail when staff recorded it.
    pub completed_by_staff: Option<String>,
    pub note: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

pub async fn of_request(pool: &PgPool, request_id: Uuid) -> Result<Vec<TaskView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id, c.name AS recipient_name, c.role, c.channel, t.created_at,
             d.sent_at, t.delivered_at, t.completed_at, t.outcome, t.completed_by,
             (SELECT s.email FROM staff_users s WHERE 'staff:' || s.id::text = t.completed_by)
                 AS completed_by_staff,
             t.note,
             coalesce(d.attempts, 0) AS attempts, d.last_error, t.failed_at, t.cancelled_at
         FROM tasks t JOIN recipients c ON c.id = t.recipient_id
         LEFT JOIN LATERAL (
             SELECT CASE WHEN x.attempts > 0 THEN x.created_at END AS sent_at, x.attempts, x.last_error
             FROM task_deliveries x WHERE x.task_id = t.id AND x.type = 'task.created'
             ORDER BY x.id LIMIT 1
         ) d ON true
         WHERE t.request_id = $1
         ORDER BY lower(c.name)",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await
}

/// An open task past its due day, for staff alerts and the digest.
#[derive(Debug, sqlx::FromRow)]
pub struct OverdueTask {
    pub id: i64,
    pub tracking_code: String,
    pub recipient_name: String,
    pub created_at: DateTime<Utc>,
}

const OVERDUE: &str = "SELECT t.id, r.tracking_code, c.name AS recipient_name, t.created_at
    FROM tasks t JOIN recipients c ON c.id = t.recipient_id JOIN requests r ON r.id = t.request_id
    WHERE t.completed_at IS NULL AND t.cancelled_at IS NULL AND t.created_at <= $1";

/// Open tasks created before `cutoff` that staff have not been alerted of, stamped.
pub async fn claim_newly_overdue(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OverdueTask>, sqlx::Error> {
    let due: Vec<OverdueTask> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OVERDUE} AND t.overdue_alerted_at IS NULL ORDER BY t.created_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED"
    )))
    .bind(cutoff)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = due.iter().map(|t| t.id).collect();
    sqlx::query("UPDATE tasks SET overdue_alerted_at = $2 WHERE id = ANY ($1)")
        .bind(&ids)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(due)
}

/// Open tasks created before `cutoff`, oldest first.
pub async fn overdue(
    conn: &mut PgConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OverdueTask>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OVERDUE} ORDER BY t.created_at LIMIT $2"
    )))
    .bind(cutoff)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// An audit event as the subscriptions read it: id, request, action, new status, when.
type TrailRow = (i64, Uuid, String, Option<String>, DateTime<Utc>);

/// Reads audit events past the subscriptions' cursor, queues one delivery per subscribed
/// recipient and event, and moves the cursor. Returns the events read. The trail is read
/// in the order of its transactions, and only below the oldest one still running: an
/// event committed late is read late, never passed over.
pub async fn queue_lifecycle_events(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<usize, sqlx::Error> {
    // Every task loop asks; the one that holds the cursor does the work, the others
    // go on with deliveries instead of queueing behind it.
    let cursor: Option<(String, i64)> =
        sqlx::query_as("SELECT txid::text, event_id FROM task_event_cursor FOR UPDATE SKIP LOCKED")
            .fetch_optional(&mut *conn)
            .await?;
    let Some((cursor_txid, cursor_id)) = cursor else {
        return Ok(0);
    };
    let subscribers: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM recipients WHERE active AND events")
            .fetch_all(&mut *conn)
            .await?;
    let rows: Vec<TrailRow> = sqlx::query_as(
        "SELECT id, request_id, action, to_status, at FROM request_events
         WHERE (txid, id) > ($1::text::xid8, $2)
           AND txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY txid, id LIMIT $3",
    )
    .bind(&cursor_txid)
    .bind(cursor_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let Some(last) = rows.last().map(|r| r.0) else {
        return Ok(0);
    };
    let mut recipients = Vec::new();
    let mut requests = Vec::new();
    let mut types = Vec::new();
    let mut occurred = Vec::new();
    if !subscribers.is_empty() {
        for (_, request_id, action, to, at) in &rows {
            let (Ok(action), to) = (
                EventKind::parse(action),
                to.as_deref().and_then(|s| RequestStatus::parse(s).ok()),
            ) else {
                continue;
            };
            let Some(event) = LifecycleEvent::of(action, to) else {
                continue;
            };
            for s in &subscribers {
                recipients.push(*s);
                requests.push(*request_id);
                types.push(event.webhook_type());
                occurred.push(*at);
            }
        }
    }
    sqlx::query(
        "INSERT INTO task_deliveries (webhook_id, recipient_id, request_id, type, occurred_at,
             created_at, next_attempt_at)
         SELECT gen_random_uuid(), u.recipient, u.request, u.type, u.at, $5, $5
         FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::timestamptz[])
             AS u(recipient, request, type, at)",
    )
    .bind(&recipients)
    .bind(&requests)
    .bind(&types)
    .bind(&occurred)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE task_event_cursor SET (txid, event_id) =
             (SELECT txid, id FROM request_events WHERE id = $1)",
    )
    .bind(last)
    .execute(conn)
    .await?;
    Ok(rows.len())
}

/// Data for the audit event of a completed task.
pub fn completion_data(task: &LockedTask, outcome: TaskOutcome, by: &str, note: &str) -> Value {
    serde_json::json!({
        "task_id": task.id,
        "recipient": task.recipient_name,
        "outcome": outcome.code(),
        "by": by,
        "note": note,
    })
}
