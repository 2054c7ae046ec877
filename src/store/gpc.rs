//! Global Privacy Control signals, by anonymous browser id.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

pub async fn record_signal(
    pool: &PgPool,
    browser_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO gpc_signals (browser_id, first_seen_at, last_seen_at) VALUES ($1, $2, $2)
         ON CONFLICT (browser_id) DO UPDATE SET last_seen_at = $2, hits = gpc_signals.hits + 1",
    )
    .bind(browser_id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
