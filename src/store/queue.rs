//! The staff queue: open requests by legal deadline (overdue first), filtered, paged by
//! keyset so a page deep in a million rows costs what the first one does.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::kinds::{Channel, RequestKind, RequestStatus};

/// What the queue is narrowed to. Every field is already checked.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<&'static str>,
    pub status: Option<&'static str>,
    pub channel: Option<&'static str>,
    pub overdue: bool,
    pub due_within_days: Option<u32>,
    pub unverified: bool,
    pub assigned_to: Option<Uuid>,
    pub unassigned: bool,
    pub closed: bool,
    pub tracking_code: Option<String>,
    pub email: Option<String>,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Open requests: the last row's deadline and id.
    Open(Option<NaiveDate>, Uuid),
    /// Closed requests: the last row's closing time and id.
    Closed(DateTime<Utc>, Uuid),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub verification_level: String,
    pub assignee: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
}

fn push_filter(q: &mut QueryBuilder<Postgres>, f: &Filter, today: NaiveDate) {
    if f.closed {
        q.push(" WHERE r.closed_at IS NOT NULL");
    } else {
        q.push(" WHERE r.closed_at IS NULL");
    }
    if let Some(kind) = f.kind {
        q.push(" AND r.kind = ").push_bind(kind);
    }
    if let Some(status) = f.status {
        q.push(" AND r.status = ").push_bind(status);
    }
    if let Some(channel) = f.channel {
        q.push(" AND r.channel = ").push_bind(channel);
    }
    if f.overdue {
        q.push(" AND r.due_on < ").push_bind(today);
    }
    if let Some(days) = f.due_within_days {
        q.push(" AND r.due_on <= ")
            .push_bind(today + chrono::Days::new(u64::from(days)));
    }
    if f.unverified {
        q.push(" AND r.status = 'awaiting_verification'");
    }
    if let Some(staff) = f.assigned_to {
        q.push(" AND r.assignee_id = ").push_bind(staff);
    }
    if f.unassigned {
        q.push(" AND r.assignee_id IS NULL");
    }
    if let Some(code) = &f.tracking_code {
        q.push(" AND r.tracking_code = ").push_bind(code.clone());
    }
    if let Some(email) = &f.email {
        q.push(" AND lower(r.email) = lower(")
            .push_bind(email.clone())
            .push(")");
    }
}

const ROW_SELECT: &str =
    "SELECT r.id, r.tracking_code, r.kind, r.status, r.channel, r.received_at, r.due_on,
        r.extended_respond_by, r.verification_level, s.email AS assignee, r.closed_at
    FROM requests r LEFT JOIN staff_users s ON s.id = r.assignee_id";

/// One page of `limit` rows after `cursor`.
pub async fn page(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let mut q = QueryBuilder::new(ROW_SELECT);
    push_filter(&mut q, f, today);
    match cursor {
        Some(Cursor::Open(Some(due), id)) => {
            q.push(" AND (r.due_on, r.id) > (")
                .push_bind(due)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        Some(Cursor::Open(None, id)) => {
            q.push(" AND r.due_on IS NULL AND r.id > ").push_bind(id);
        }
        Some(Cursor::Closed(at, id)) => {
            q.push(" AND (r.closed_at, r.id) < (")
                .push_bind(at)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        None => {}
    }
    if f.closed {
        q.push(" ORDER BY r.closed_at DESC, r.id DESC");
    } else {
        q.push(" ORDER BY r.due_on ASC NULLS LAST, r.id ASC");
    }
    q.push(" LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

/// Every row the filter selects, up to `cap`, for export.
pub async fn export(
    pool: &PgPool,
    f: &Filter,
    today: NaiveDate,
    cap: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    page(pool, f, today, None, cap).await
}

/// Open requests per status.
pub async fn open_counts(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT status, count(*) FROM requests WHERE closed_at IS NULL GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
}

/// Open requests past their deadline.
pub async fn overdue_count(pool: &PgPool, today: NaiveDate) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM requests WHERE closed_at IS NULL AND due_on < $1")
        .bind(today)
        .fetch_one(pool)
        .await
}
