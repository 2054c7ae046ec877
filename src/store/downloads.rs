//! Download links for response packages, their one-time codes, and the record of every
//! download.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::package::PackageType;

/// A checked response package.
pub struct NewPackage<'a> {
    pub filename: &'a str,
    pub kind: PackageType,
    pub bytes: &'a [u8],
}

/// Stores a package; its link is created when the message carrying it is sent
/// (`add_link`).
pub async fn create(
    conn: &mut PgConnection,
    request_id: Uuid,
    package: &NewPackage<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    use sha2::{Digest, Sha256};
    sqlx::query(
        "INSERT INTO attachments (request_id, purpose, filename, content_type, size_bytes, sha256, content, created_at)
         VALUES ($1, 'response_package', $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(package.filename)
    .bind(package.kind.mime())
    .bind(i32::try_from(package.bytes.len()).unwrap_or(i32::MAX))
    .bind(hex::encode(Sha256::digest(package.bytes)))
    .bind(package.bytes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a link to the request's package `attachment_id`, as its message is sent.
pub async fn add_link(
    conn: &mut PgConnection,
    request_id: Uuid,
    attachment_id: Uuid,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO download_links (request_id, attachment_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request_id)
    .bind(attachment_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends every live link to the request's package (a new one is on its way).
pub async fn end_links(
    conn: &mut PgConnection,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE download_links SET expires_at = $2, code_hash = NULL, code_expires_at = NULL
         WHERE request_id = $1 AND expires_at > $2",
    )
    .bind(request_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a link whose message was not sent: nobody has it.
pub async fn remove_unsent(conn: &mut PgConnection, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM download_links l WHERE token_hash = $1
         AND NOT EXISTS (SELECT 1 FROM downloads d WHERE d.link_id = l.id)",
    )
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Link {
    pub id: i64,
    pub request_id: Uuid,
    pub tracking_code: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    pub code_hash: Option<Vec<u8>>,
    pub code_expires_at: Option<DateTime<Utc>>,
    pub code_attempts: i32,
    /// Wrong tries on this link in all, across codes.
    pub failed_attempts: i32,
    /// The request's language, which the code's e-mail is written in.
    #[sqlx(try_from = "String")]
    pub language: crate::domain::lang::Lang,
}

pub async fn find(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Link>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.request_id, r.tracking_code, coalesce(r.email, '') AS email, l.expires_at, l.code_hash, l.code_expires_at,
                l.code_attempts, l.failed_attempts, r.language
         FROM download_links l JOIN requests r ON r.id = l.request_id WHERE l.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

/// Gives the request's live link `link_id` its code, as the code's message is sent (its
/// tries started again when it was asked for: `end_code`). False when the link has
/// ended meanwhile: no code is made.
pub async fn set_code(
    conn: &mut PgConnection,
    request_id: Uuid,
    link_id: i64,
    code_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let set = sqlx::query(
        "UPDATE download_links SET code_hash = $3, code_expires_at = $5
         WHERE id = $1 AND request_id = $2 AND expires_at > $4",
    )
    .bind(link_id)
    .bind(request_id)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(set.rows_affected() == 1)
}

/// Ends the link's code: a new one is on its way, and its tries start again (not the
/// link's).
pub async fn end_code(conn: &mut PgConnection, link_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE download_links SET code_hash = NULL, code_expires_at = NULL, code_attempts = 0
         WHERE id = $1",
    )
    .bind(link_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a code whose message was not sent: nobody has it. Its tries stay counted.
pub async fn remove_unsent_code(
    conn: &mut PgConnection,
    link_id: i64,
    code_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE download_links SET code_hash = NULL, code_expires_at = NULL
         WHERE id = $1 AND code_hash = $2",
    )
    .bind(link_id)
    .bind(code_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a wrong address or code, against the current code and the link as a whole.
pub async fn count_wrong_try(pool: &PgPool, link_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE download_links SET code_attempts = code_attempts + 1, failed_attempts = failed_attempts + 1
         WHERE id = $1",
    )
        .bind(link_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Uses the code: true when `code_hash` was the live code of a link not locked by
/// `max_failures` wrong tries (the code is then spent), and the download is recorded in
/// the same statement, so tries racing each other cannot pass the lock.
pub async fn spend_code(
    pool: &PgPool,
    link_id: i64,
    code_hash: &[u8],
    now: DateTime<Utc>,
    max_failures: i32,
) -> Result<bool, sqlx::Error> {
    let spent: Option<i64> = sqlx::query_scalar(
        "WITH spent AS (
             UPDATE download_links SET code_hash = NULL, code_expires_at = NULL
             WHERE id = $1 AND code_hash = $2 AND code_expires_at > $3 AND expires_at > $3
               AND failed_attempts < $4
             RETURNING id
         )
         INSERT INTO downloads (link_id, at) SELECT id, $3 FROM spent RETURNING link_id",
    )
    .bind(link_id)
    .bind(code_hash)
    .bind(now)
    .bind(max_failures)
    .fetch_optional(pool)
    .await?;
    Ok(spent.is_some())
}

/// The package behind a link.
pub async fn package(
    pool: &PgPool,
    link_id: i64,
) -> Result<Option<(String, String, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.filename, a.content_type, a.content FROM download_links l
         JOIN attachments a ON a.id = l.attachment_id WHERE l.id = $1",
    )
    .bind(link_id)
    .fetch_optional(pool)
    .await
}
