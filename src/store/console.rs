//! What the analyst's console keeps of its own: saved queue views and preferences per
//! staff member, response templates, and the dashboard's figures.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::{RequestKind, RequestStatus};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SavedView {
    pub id: Uuid,
    pub name: String,
    pub query: String,
    pub is_default: bool,
}

pub async fn views(pool: &PgPool, staff_id: Uuid) -> Result<Vec<SavedView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, query, is_default FROM staff_views WHERE staff_id = $1 ORDER BY lower(name)",
    )
    .bind(staff_id)
    .fetch_all(pool)
    .await
}

pub async fn default_view(pool: &PgPool, staff_id: Uuid) -> Result<Option<SavedView>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, query, is_default FROM staff_views WHERE staff_id = $1 AND is_default",
    )
    .bind(staff_id)
    .fetch_optional(pool)
    .await
}

/// Saves (or replaces, by name) a view; a default view takes over from the previous one.
pub async fn save_view(
    pool: &PgPool,
    staff_id: Uuid,
    name: &str,
    query: &str,
    is_default: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    if is_default {
        sqlx::query("UPDATE staff_views SET is_default = false WHERE staff_id = $1 AND is_default")
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO staff_views (staff_id, name, query, is_default, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (staff_id, name) DO UPDATE SET query = EXCLUDED.query, is_default = EXCLUDED.is_default",
    )
    .bind(staff_id)
    .bind(name)
    .bind(query)
    .bind(is_default)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Deletes one of the staff member's own views; false when they have none by that id.
pub async fn delete_view(pool: &PgPool, staff_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM staff_views WHERE id = $1 AND staff_id = $2")
        .bind(id)
        .bind(staff_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn daily_email(pool: &PgPool, staff_id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT daily_email FROM staff_preferences WHERE staff_id = $1")
            .bind(staff_id)
            .fetch_optional(pool)
            .await?
            .unwrap_or(false),
    )
}

pub async fn set_daily_email(pool: &PgPool, staff_id: Uuid, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_preferences (staff_id, daily_email) VALUES ($1, $2)
         ON CONFLICT (staff_id) DO UPDATE SET daily_email = EXCLUDED.daily_email",
    )
    .bind(staff_id)
    .bind(on)
    .execute(pool)
    .await?;
    Ok(())
}

/// Staff members whose daily e-mail is due today, claimed (stamped) in the caller's
/// transaction so a second worker finds them done.
pub async fn claim_daily_emails(
    conn: &mut PgConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE staff_preferences p SET daily_sent_on = $1
         FROM staff_users s
         WHERE s.id = p.staff_id AND s.active AND p.daily_email
           AND p.staff_id IN (SELECT staff_id FROM staff_preferences
                              WHERE daily_email AND (daily_sent_on IS NULL OR daily_sent_on < $1)
                              ORDER BY staff_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING p.staff_id, s.email",
    )
    .bind(today)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Assigned {
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub due_on: Option<NaiveDate>,
}

/// A staff member's open requests due by `by` (or overdue), soonest first.
pub async fn assigned_due_by(
    conn: &mut PgConnection,
    staff_id: Uuid,
    by: NaiveDate,
    limit: i64,
) -> Result<Vec<Assigned>, sqlx::Error> {
    sqlx::query_as(
        "SELECT tracking_code, kind, status, due_on FROM requests
         WHERE closed_at IS NULL AND assignee_id = $1 AND due_on <= $2
         ORDER BY due_on, id LIMIT $3",
    )
    .bind(staff_id)
    .bind(by)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Template {
    pub id: Uuid,
    pub name: String,
    pub kind: Option<String>,
    pub outcome: String,
    pub body: String,
}

pub async fn templates(pool: &PgPool) -> Result<Vec<Template>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, kind, outcome, body FROM response_templates ORDER BY outcome, lower(name)",
    )
    .fetch_all(pool)
    .await
}

/// The templates for a kind (and those for any kind).
pub async fn templates_for(pool: &PgPool, kind: RequestKind) -> Result<Vec<Template>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, kind, outcome, body FROM response_templates
         WHERE kind IS NULL OR kind = $1 ORDER BY outcome, lower(name)",
    )
    .bind(kind.code())
    .fetch_all(pool)
    .await
}

pub async fn template(pool: &PgPool, id: Uuid) -> Result<Option<Template>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, kind, outcome, body FROM response_templates WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Adds a template; false when one of that name exists already.
pub async fn add_template(
    pool: &PgPool,
    name: &str,
    kind: Option<&str>,
    outcome: &str,
    body: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO response_templates (name, kind, outcome, body, created_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(kind)
    .bind(outcome)
    .bind(body)
    .bind(by)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_template(pool: &PgPool, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM response_templates WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The dashboard's figures.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub deadlines: super::queue::DeadlineCounts,
    /// (assignee's e-mail or None for unassigned, open, overdue)
    pub workload: Vec<(Option<String>, i64, i64)>,
    /// Requests with a legal deadline closed in the last 12 months, and how many on time.
    pub closed_12m: i64,
    pub on_time_12m: i64,
    pub median_days_12m: Option<f64>,
    /// Open requests per age bucket, in days since receipt (see `domain::console`).
    pub ages: Vec<i64>,
}

pub async fn overview(
    pool: &PgPool,
    today: NaiveDate,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Overview, sqlx::Error> {
    let deadlines = super::queue::deadline_counts(pool, today).await?;
    let workload = sqlx::query_as(
        "SELECT s.email, count(*), count(*) FILTER (WHERE r.due_on < $1)
         FROM requests r LEFT JOIN staff_users s ON s.id = r.assignee_id
         WHERE r.closed_at IS NULL GROUP BY s.email ORDER BY count(*) DESC, s.email NULLS FIRST",
    )
    .bind(today)
    .fetch_all(pool)
    .await?;
    let (closed_12m, on_time_12m, median_days_12m): (i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*),
                count(*) FILTER (WHERE closed_at::date <= coalesce(extended_respond_by, respond_by)),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - received_at) / 86400)
         FROM requests
         WHERE closed_at >= $1 AND respond_by IS NOT NULL
           AND status IN ('fulfilled', 'partially_fulfilled', 'denied')",
    )
    .bind(since)
    .fetch_one(pool)
    .await?;
    let ages: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT least(extract(day FROM $1 - received_at)::bigint, 1000) AS age, count(*)
         FROM requests WHERE closed_at IS NULL GROUP BY age",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut buckets = vec![0; crate::domain::console::AGE_BUCKETS.len()];
    for (age, n) in ages {
        buckets[crate::domain::console::age_bucket(age)] += n;
    }
    Ok(Overview {
        deadlines,
        workload,
        closed_12m,
        on_time_12m,
        median_days_12m,
        ages: buckets,
    })
}
