//! Failed staff sign-ins per (address, client network), by a hash of both. Replaces an
//! account lock, which let anyone who knew an address lock its owner out.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Failures older than this no longer count.
const FORGET_AFTER_HOURS: i32 = 24;

/// Until when this key must wait before its next try, if it must.
pub async fn wait_until(
    pool: &PgPool,
    key: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT wait_until FROM login_throttle WHERE key = $1 AND wait_until > $2")
        .bind(key)
        .bind(now)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// Counts a failed sign-in. From the `free`-th failure on, the next try must wait
/// 2^(failures − free + 1) seconds, at most `max_wait_seconds`.
pub async fn count_failure(
    pool: &PgPool,
    key: &[u8],
    now: DateTime<Utc>,
    free: i32,
    max_wait_seconds: i64,
) -> Result<(), sqlx::Error> {
    // Both SET expressions see the row as it was, so the count is spelled out twice.
    sqlx::query(
        "INSERT INTO login_throttle AS t (key, failures, wait_until, updated_at)
         VALUES ($1, 1, CASE WHEN $3 <= 1 THEN $2 + make_interval(secs => least(2, $4)) END, $2)
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN t.updated_at < $2 - make_interval(hours => $5) THEN 1
                             ELSE t.failures + 1 END,
             wait_until = CASE
                 WHEN t.updated_at < $2 - make_interval(hours => $5) THEN NULL
                 WHEN t.failures + 1 >= $3 THEN $2 + make_interval(
                     secs => least(power(2, least(t.failures + 2 - $3, 40)), $4))
             END,
             updated_at = $2",
    )
    .bind(key)
    .bind(now)
    .bind(free)
    .bind(max_wait_seconds as f64)
    .bind(FORGET_AFTER_HOURS)
    .execute(pool)
    .await?;
    // Rows of failures already forgotten go a few at a time, so the table stays the
    // size of a day's failures without a job of its own.
    sqlx::query(
        "DELETE FROM login_throttle WHERE key IN (
             SELECT key FROM login_throttle WHERE updated_at < $1 - make_interval(hours => $2)
             LIMIT 100
         )",
    )
    .bind(now)
    .bind(FORGET_AFTER_HOURS)
    .execute(pool)
    .await?;
    Ok(())
}

/// A successful sign-in forgets the failures of that address from that client.
pub async fn clear(pool: &PgPool, key: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
