//! What the metrics endpoint reads at each scrape: counts over the whole database, so
//! every instance reports the same numbers whichever one is scraped.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

#[derive(Debug, Default)]
pub struct Snapshot {
    /// (kind, channel, count) of every request received.
    pub submissions: Vec<(String, String, i64)>,
    /// (status, count) of open requests.
    pub open_by_status: Vec<(String, i64)>,
    pub overdue: i64,
    /// Open requests due in the seven days from today.
    pub due_within_7_days: i64,
    pub outbox_pending: i64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub messages_sent: i64,
    pub messages_failed: i64,
}

pub async fn snapshot(pool: &PgPool, today: NaiveDate) -> Result<Snapshot, sqlx::Error> {
    let submissions = sqlx::query_as(
        "SELECT kind, channel, count(*) FROM requests GROUP BY kind, channel ORDER BY kind, channel",
    )
    .fetch_all(pool)
    .await?;
    let open_by_status = super::queue::open_counts(pool).await?;
    let deadlines = super::queue::deadline_counts(pool, today).await?;
    let (outbox_pending, oldest_pending_at, messages_sent, messages_failed) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                min(created_at) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                count(sent_at), count(failed_at)
         FROM outbox",
    )
    .fetch_one(pool)
    .await?;
    Ok(Snapshot {
        submissions,
        open_by_status,
        overdue: deadlines.overdue,
        due_within_7_days: deadlines.due_this_week,
        outbox_pending,
        oldest_pending_at,
        messages_sent,
        messages_failed,
    })
}
