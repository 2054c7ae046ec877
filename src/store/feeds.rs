//! The feeds downstream systems poll: changes to the suppression list and the requests'
//! lifecycle events, each in (transaction id, sequence) order. A page holds only rows
//! whose transaction is older than every transaction still in flight, so a row that
//! commits later always sorts after the cursor a poller already holds (see migration
//! 0012 for why a sequence alone would skip rows).

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::domain::api::{Cursor, PageSize};
use crate::domain::kinds::{EventKind, RequestKind, RequestStatus};

/// One change to the suppression list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SuppressionChange {
    #[sqlx(flatten)]
    pub cursor: CursorRow,
    /// `added`, or `removed` for a tombstone.
    pub change: String,
    pub email: String,
    /// `sale_sharing` or `sensitive_use`.
    pub scope: String,
    pub channel: String,
    pub at: DateTime<Utc>,
}

/// A row's place in its feed, as read.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct CursorRow {
    txid: i64,
    seq: i64,
}

impl CursorRow {
    pub fn cursor(self) -> Cursor {
        Cursor {
            txid: u64::try_from(self.txid).unwrap_or_default(),
            seq: self.seq,
        }
    }
}

/// A page of a feed: up to the page size, and whether more were ready.
pub struct Page<T> {
    pub entries: Vec<T>,
    pub has_more: bool,
}

fn page<T>(mut rows: Vec<T>, size: PageSize) -> Page<T> {
    let size = usize::try_from(size.get()).unwrap_or(usize::MAX);
    let has_more = rows.len() > size;
    rows.truncate(size);
    Page {
        entries: rows,
        has_more,
    }
}

/// Transaction ids are 64-bit and far below `i64::MAX` in practice; a cursor beyond
/// that cannot name a row, so it reads as the end.
fn txid_param(cursor: Cursor) -> i64 {
    i64::try_from(cursor.txid).unwrap_or(i64::MAX)
}

/// Suppression-list changes after `after`, oldest first.
pub async fn suppressions(
    pool: &PgPool,
    after: Cursor,
    size: PageSize,
) -> Result<Page<SuppressionChange>, sqlx::Error> {
    let rows = sqlx::query_as(
        // Qualified names: `ORDER BY txid` would sort by the output column (the text
        // cast) and read the whole table instead of walking the primary key.
        "SELECT s.txid::text::bigint AS txid, s.seq, s.change, s.email, s.scope, s.channel, s.at
         FROM suppression_changes s
         WHERE (s.txid, s.seq) > ($1::text::xid8, $2)
           AND s.txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY s.txid, s.seq
         LIMIT $3",
    )
    .bind(txid_param(after).to_string())
    .bind(after.seq)
    .bind(size.get() + 1)
    .fetch_all(pool)
    .await?;
    Ok(page(rows, size))
}

/// One event of a request's audit trail, with only what a ticketing system needs: no
/// names, addresses or free text, and not who on the staff did it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LifecycleEvent {
    #[sqlx(flatten)]
    pub cursor: CursorRow,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub event: EventKind,
    pub at: DateTime<Utc>,
    /// `consumer`, `agent`, `staff` or `system`.
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    /// The outcome's reason code, on events that close a request.
    pub outcome: Option<String>,
    /// Which data point was matched, on events that match one.
    pub data_point: Option<String>,
}

impl LifecycleEvent {
    /// The statuses decoded, so an unknown code is an error and not passed on.
    pub fn statuses(&self) -> Result<(Option<RequestStatus>, Option<RequestStatus>), sqlx::Error> {
        let decode = |s: &Option<String>| {
            s.as_deref()
                .map(RequestStatus::parse)
                .transpose()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))
        };
        Ok((decode(&self.from_status)?, decode(&self.to_status)?))
    }
}

/// Lifecycle events after `after`, oldest first.
pub async fn events(
    pool: &PgPool,
    after: Cursor,
    size: PageSize,
) -> Result<Page<LifecycleEvent>, sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT e.txid::text::bigint AS txid, e.id AS seq, r.tracking_code, r.kind,
                e.action AS event, e.at, e.actor_type AS actor, e.from_status, e.to_status,
                e.data->>'outcome' AS outcome, e.data->>'data_point' AS data_point
         FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE (e.txid, e.id) > ($1::text::xid8, $2)
           AND e.txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY e.txid, e.id
         LIMIT $3",
    )
    .bind(txid_param(after).to_string())
    .bind(after.seq)
    .bind(size.get() + 1)
    .fetch_all(pool)
    .await?;
    Ok(page(rows, size))
}
