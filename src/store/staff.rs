//! Staff accounts, sessions and invitations.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffUser {
    pub id: Uuid,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub password_hash: Option<String>,
    pub active: bool,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
}

const USER_COLUMNS: &str = "id, email, role, password_hash, active, failed_logins, locked_until";

pub const EMAIL_KEY: &str = "staff_users_email_key";

pub async fn create(
    conn: &mut PgConnection,
    email: &str,
    role: &str,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO staff_users (email, role, password_hash, password_changed_at, created_at)
         VALUES ($1, $2, $3, CASE WHEN $3::text IS NOT NULL THEN $4 END, $4) RETURNING id",
    )
    .bind(email)
    .bind(role)
    .bind(password_hash)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn by_email(pool: &PgPool, email: &str) -> Result<Option<StaffUser>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staff_users WHERE lower(email) = lower($1)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(email)
        .fetch_optional(pool)
        .await
}

pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<StaffUser>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staff_users WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn all(pool: &PgPool) -> Result<Vec<StaffUser>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM staff_users ORDER BY active DESC, lower(email)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
}

pub async fn count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM staff_users")
        .fetch_one(pool)
        .await
}

/// Sets a new password and ends every session of the account.
pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE staff_users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_role(pool: &PgPool, id: Uuid, role: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE staff_users SET role = $2 WHERE id = $1")
        .bind(id)
        .bind(role)
        .execute(pool)
        .await?;
    Ok(())
}

/// Whether `id` is an active staff member, the row share-locked until the caller's
/// transaction ends, so an assignment and a deactivation never cross.
pub async fn lock_active(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    let active: Option<bool> =
        sqlx::query_scalar("SELECT active FROM staff_users WHERE id = $1 FOR SHARE")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(active == Some(true))
}

/// Deactivates an account and ends its sessions.
pub async fn deactivate(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE staff_users SET active = false WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// A signed-in staff member, as a session gives it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub staff_id: Uuid,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub csrf_token: String,
}

pub async fn create_session(
    pool: &PgPool,
    token_hash: &[u8],
    staff_id: Uuid,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash)
    .bind(staff_id)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The session's user when the session is live (not idle since `idle_cutoff`, not past
/// its absolute expiry, account active); touches it.
pub async fn session_user(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE staff_sessions s SET last_seen_at = $2
         FROM staff_users u
         WHERE s.token_hash = $1 AND u.id = s.staff_id AND u.active
           AND s.expires_at > $2 AND s.last_seen_at > $3
         RETURNING s.staff_id, u.email, u.role, s.csrf_token",
    )
    .bind(token_hash)
    .bind(now)
    .bind(idle_cutoff)
    .fetch_optional(pool)
    .await
}

pub async fn delete_session(pool: &PgPool, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn create_invite(
    conn: &mut PgConnection,
    token_hash: &[u8],
    staff_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO staff_invites (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(staff_id)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// The active account `id` that has no password yet, locked until the transaction ends.
pub async fn lock_invited(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<StaffUser>, sqlx::Error> {
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM staff_users
         WHERE id = $1 AND active AND password_hash IS NULL FOR NO KEY UPDATE"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Ends the account's unused invitations (a new one is on its way).
pub async fn end_invites(
    conn: &mut PgConnection,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE staff_invites SET expires_at = $2
         WHERE staff_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(staff_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes an invitation whose message was not sent: nobody has it.
pub async fn remove_unsent_invite(
    conn: &mut PgConnection,
    token_hash: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM staff_invites WHERE token_hash = $1 AND used_at IS NULL")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// The account an unused, unexpired invitation is for.
pub async fn invite_user(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<StaffUser>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM staff_users u JOIN staff_invites i ON i.staff_id = u.id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > $2 AND u.active",
        USER_COLUMNS
            .split(", ")
            .map(|c| format!("u.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await
}

/// Uses an invitation: true when it was still unused.
pub async fn use_invite(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let used = sqlx::query("UPDATE staff_invites SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(used.rows_affected() == 1)
}
