//! What the worker's deadline sweeps read and stamp. Every read goes through a partial
//! index and locks its rows with `SKIP LOCKED`, so two workers never take the same item
//! and a sweep costs what is due, not what is stored.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::kinds::{RequestKind, RequestStatus};

/// A request a sweep acts on.
#[derive(Debug, sqlx::FromRow)]
pub struct Due {
    pub id: Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    /// None for a request staff entered without an address.
    pub email: Option<String>,
    pub channel: String,
    pub respond_by: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
}

const DUE_COLUMNS: &str = "id, tracking_code, kind, status, email, channel, respond_by, due_on";

async fn due<T>(
    conn: &mut PgConnection,
    filter: &str,
    param: T,
    limit: i64,
) -> Result<Vec<Due>, sqlx::Error>
where
    T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
{
    let sql = format!(
        "SELECT {DUE_COLUMNS} FROM requests WHERE {filter} LIMIT $2 FOR NO KEY UPDATE SKIP LOCKED"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(param)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Open requests past their legal deadline that staff have not been alerted to.
pub async fn newly_overdue(
    conn: &mut PgConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    due(
        conn,
        "closed_at IS NULL AND overdue_alerted_at IS NULL AND due_on < $1 ORDER BY due_on",
        today,
        limit,
    )
    .await
}

pub async fn stamp_reminded(
    conn: &mut PgConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET reminded_at = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn stamp_overdue_alerted(
    conn: &mut PgConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET overdue_alerted_at = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes today's digest; false when another worker already did.
pub async fn claim_digest(
    conn: &mut PgConnection,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let claimed: Option<NaiveDate> =
        sqlx::query_scalar("INSERT INTO staff_digests (day, sent_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING day")
            .bind(day)
            .bind(now)
            .fetch_optional(conn)
            .await?;
    Ok(claimed.is_some())
}

/// Open requests due on or before `until`, nearest first, and how many there are. Only
/// kinds with a legal deadline (`RequestKind::has_legal_deadline`): an opt-in waiting for
/// the consumer is not staff's to act on.
pub async fn open_due_by(
    conn: &mut PgConnection,
    until: NaiveDate,
    limit: i64,
) -> Result<(i64, Vec<Due>), sqlx::Error> {
    let kinds: Vec<&str> = RequestKind::ALL
        .iter()
        .filter(|k| k.has_legal_deadline())
        .map(|k| k.code())
        .collect();
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE closed_at IS NULL AND due_on <= $1 AND kind = ANY($2)",
    )
    .bind(until)
    .bind(&kinds)
    .fetch_one(&mut *conn)
    .await?;
    let sql = format!(
        "SELECT {DUE_COLUMNS} FROM requests WHERE closed_at IS NULL AND due_on <= $1 AND kind = ANY($3)
         ORDER BY due_on LIMIT $2"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(until)
        .bind(limit)
        .bind(&kinds)
        .fetch_all(conn)
        .await?;
    Ok((count, rows))
}
