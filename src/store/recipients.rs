//! The recipients decisions are passed on to. Deactivated, never deleted: their tasks
//! and the record of what they were told stay.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::domain::kinds::RequestKind;
use crate::domain::tasks::{NotifyChannel, RecipientRole};

pub const NAME_KEY: &str = "recipients_name_key";

/// A recipient as stored, decoded.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub name: String,
    pub role: RecipientRole,
    pub kinds: Vec<RequestKind>,
    pub channel: NotifyChannel,
    /// The e-mail address or webhook URL; none for manual.
    pub address: Option<String>,
    pub events: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl Recipient {
    pub fn kind_codes(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    role: String,
    kinds: Vec<String>,
    channel: String,
    address: Option<String>,
    events: bool,
    active: bool,
    created_at: DateTime<Utc>,
}

fn decode(row: Row) -> Result<Recipient, sqlx::Error> {
    let bad = |e: crate::domain::kinds::UnknownCode| sqlx::Error::Decode(Box::new(e));
    Ok(Recipient {
        id: row.id,
        name: row.name,
        role: RecipientRole::parse(&row.role).map_err(bad)?,
        kinds: row
            .kinds
            .iter()
            .map(|k| RequestKind::parse(k))
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        channel: NotifyChannel::parse(&row.channel).map_err(bad)?,
        address: row.address,
        events: row.events,
        active: row.active,
        created_at: row.created_at,
    })
}

const COLUMNS: &str = "id, name, role, kinds, channel, address, events, active, created_at";

/// What a new recipient is stored with.
pub struct NewRecipient<'a> {
    pub name: &'a str,
    pub role: RecipientRole,
    pub kinds: &'a [RequestKind],
    pub channel: NotifyChannel,
    pub address: Option<&'a str>,
    pub signing_secret: Option<&'a str>,
    pub events: bool,
}

pub async fn add(
    conn: &mut PgConnection,
    r: &NewRecipient<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.code()).collect();
    sqlx::query_scalar(
        "INSERT INTO recipients (name, role, kinds, channel, address, signing_secret, events, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(r.name)
    .bind(r.role.code())
    .bind(kinds)
    .bind(r.channel.code())
    .bind(r.address)
    .bind(r.signing_secret)
    .bind(r.events)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Adds a manual recipient for deletions named `name` unless one of that name exists
/// (`[staff] deletion_recipients`). True when it was added.
pub async fn adopt_manual(
    pool: &PgPool,
    name: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO recipients (name, role, kinds, channel, created_at)
         VALUES ($1, 'service_provider', ARRAY['delete'], 'manual', $2)
         ON CONFLICT (lower(name)) DO NOTHING",
    )
    .bind(name)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn all(pool: &PgPool) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recipients ORDER BY active DESC, lower(name)"
    )))
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(decode).collect()
}

pub async fn by_id(pool: &PgPool, id: i64) -> Result<Option<Recipient>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recipients WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.map(decode).transpose()
}

pub async fn by_name(pool: &PgPool, name: &str) -> Result<Option<Recipient>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recipients WHERE lower(name) = lower($1)"
    )))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(decode).transpose()
}

/// Recipients whose name is `name` or contains it (without case), the exact one first;
/// at most `limit`.
pub async fn matching(
    pool: &PgPool,
    name: &str,
    limit: i64,
) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM recipients
         WHERE strpos(lower(name), lower($1)) > 0
         ORDER BY lower(name) = lower($1) DESC, lower(name)
         LIMIT $2"
    )))
    .bind(name)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(decode).collect()
}

/// Stops new tasks for a recipient; its open tasks stay. False when there is no such
/// active recipient.
pub async fn deactivate(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recipients SET active = false, deactivated_at = $2 WHERE id = $1 AND active",
    )
    .bind(id)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a webhook recipient's signing secret. False when it has none to replace.
pub async fn rotate_secret(pool: &PgPool, id: i64, secret: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recipients SET signing_secret = $2 WHERE id = $1 AND channel = 'webhook'",
    )
    .bind(id)
    .bind(secret)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
