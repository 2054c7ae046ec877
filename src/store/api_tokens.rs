//! API tokens, stored as the SHA-256 of the token: the token itself is shown once when
//! it is made. Scopes are decoded into `Scope` here; an unknown one is an error.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::api::{Scope, TokenName};

/// Two live tokens may not share a name.
pub const LIVE_NAME_KEY: &str = "api_tokens_live_name_key";

/// A token is bound only to a recipient that exists.
pub const RECIPIENT_KEY: &str = "api_tokens_recipient_fkey";

/// A token as the console and `token list` show it.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub recipient_id: Option<i64>,
    /// The name of the recipient it is bound to.
    pub recipient: Option<String>,
    /// The staff member who made it; none for the command line.
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    scopes: Vec<String>,
    recipient_id: Option<i64>,
    recipient: Option<String>,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

fn scopes(codes: Vec<String>) -> Result<Vec<Scope>, sqlx::Error> {
    codes
        .iter()
        .map(|c| {
            Scope::parse(c)
                .ok_or_else(|| sqlx::Error::Decode(format!("unknown API scope {c:?}").into()))
        })
        .collect()
}

/// What a new token is.
pub struct NewToken<'a> {
    pub name: &'a TokenName,
    pub scopes: &'a [Scope],
    pub recipient_id: Option<i64>,
    pub created_by: Option<Uuid>,
}

pub async fn add(
    pool: &PgPool,
    token: &NewToken<'_>,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let codes: Vec<&str> = token.scopes.iter().map(|s| s.code()).collect();
    sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_hash, scopes, recipient_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(token.name.as_str())
    .bind(token_hash)
    .bind(codes)
    .bind(token.recipient_id)
    .bind(token.created_by)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Live tokens first, newest first; revoked ones after, for the record.
pub async fn all(pool: &PgPool) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT t.id, t.name, t.scopes, t.recipient_id, c.name AS recipient,
                s.email AS created_by, t.created_at, t.last_used_at, t.revoked_at
         FROM api_tokens t LEFT JOIN staff_users s ON s.id = t.created_by
         LEFT JOIN recipients c ON c.id = t.recipient_id
         ORDER BY t.revoked_at IS NOT NULL, t.revoked_at DESC, t.created_at DESC, t.id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ApiToken {
                id: r.id,
                name: r.name,
                scopes: scopes(r.scopes)?,
                recipient_id: r.recipient_id,
                recipient: r.recipient,
                created_by: r.created_by,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                revoked_at: r.revoked_at,
            })
        })
        .collect()
}

/// Revokes a live token by id; false when there is none.
pub async fn revoke(pool: &PgPool, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes the live token with this name (names compare without case); false when
/// there is none.
pub async fn revoke_named(
    pool: &PgPool,
    name: &TokenName,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE lower(name) = lower($1) AND revoked_at IS NULL",
    )
    .bind(name.as_str())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The token a request presented.
#[derive(Debug, Clone)]
pub struct Presented {
    pub id: i64,
    pub scopes: Vec<Scope>,
    pub recipient_id: Option<i64>,
    pub revoked: bool,
}

/// Looks a token up by its hash and stamps when it was last used (at most once a
/// minute, so polling does not write a row each time).
pub async fn presented(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Presented>, sqlx::Error> {
    let row: Option<(i64, Vec<String>, Option<i64>, bool)> = sqlx::query_as(
        "WITH t AS (
             SELECT id, scopes, recipient_id, revoked_at, last_used_at FROM api_tokens
             WHERE token_hash = $1
         ), touched AS (
             UPDATE api_tokens a SET last_used_at = $2 FROM t
             WHERE a.id = t.id AND t.revoked_at IS NULL
               AND (t.last_used_at IS NULL OR t.last_used_at < $2 - interval '1 minute')
         )
         SELECT id, scopes, recipient_id, revoked_at IS NOT NULL FROM t",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|(id, codes, recipient_id, revoked)| {
        Ok(Presented {
            id,
            scopes: scopes(codes)?,
            recipient_id,
            revoked,
        })
    })
    .transpose()
}
