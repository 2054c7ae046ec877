//! Authorized-agent organisations registered for the Data Rights Protocol, their bearer
//! tokens, and the requests they file.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::store::requests::Insert;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub verify_key: String,
    pub contact: Option<String>,
    pub web_url: Option<String>,
    /// Whether the business takes this agent's `*_verified` claims as matched data
    /// points (reg. §7026(j)); otherwise they are recorded as claims only.
    pub trusted: bool,
}

pub const AGENT_KEY: &str = "agents_pkey";

pub async fn add(pool: &PgPool, a: &Agent) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO agents (id, name, verify_key, contact, web_url, trusted)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(&a.verify_key)
    .bind(&a.contact)
    .bind(&a.web_url)
    .bind(a.trusted)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn all(pool: &PgPool) -> Result<Vec<Agent>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, verify_key, contact, web_url, trusted FROM agents ORDER BY id")
        .fetch_all(pool)
        .await
}

/// Marks an agent trusted or not; false when there is no such agent.
pub async fn set_trusted(pool: &PgPool, id: &str, trusted: bool) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE agents SET trusted = $2 WHERE id = $1")
        .bind(id)
        .bind(trusted)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn by_id(pool: &PgPool, id: &str) -> Result<Option<Agent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, verify_key, contact, web_url, trusted FROM agents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn by_token(pool: &PgPool, token_hash: &[u8]) -> Result<Option<Agent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.name, a.verify_key, a.contact, a.web_url, a.trusted
         FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

pub async fn add_token(
    conn: &mut PgConnection,
    agent_id: &str,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO agent_tokens (token_hash, agent_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(agent_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the Exercise Status object is built from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DrpView {
    pub id: Uuid,
    pub drp_request_id: Uuid,
    pub agent_id: String,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    #[sqlx(try_from = "String")]
    pub status: RequestStatus,
    pub email: String,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub comply_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub outcome_code: Option<String>,
    pub outcome_reason: Option<String>,
    /// Whether control of the consumer's address is shown yet (their link, or a trusted
    /// agent's vouched e-mail): until then the consumer must act.
    pub email_matched: bool,
    pub agent_request_id: Option<String>,
    pub status_callback: Option<String>,
}

impl DrpView {
    /// What a request filed over DRP looks like once written, without reading it back.
    pub fn of_new(row: &Insert) -> Self {
        let drp = row.drp.as_ref();
        Self {
            id: row.id,
            drp_request_id: drp.map(|d| d.drp_request_id).unwrap_or_default(),
            agent_id: drp.map(|d| d.agent_id.clone()).unwrap_or_default(),
            tracking_code: row.tracking_code.to_string(),
            kind: row.kind,
            status: row.status,
            email: row
                .request
                .email
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            received_at: row.received_at,
            due_on: row.deadlines.governing(),
            respond_by: row.deadlines.respond_by,
            comply_by: row.deadlines.comply_by,
            extended_respond_by: None,
            extension_reason: None,
            outcome_code: None,
            outcome_reason: None,
            email_matched: drp.is_some_and(|d| d.trusted && d.vouched.contains(&"email")),
            agent_request_id: drp.and_then(|d| d.agent_request_id.clone()),
            status_callback: drp.and_then(|d| d.status_callback.clone()),
        }
    }
}

const DRP_VIEW: &str =
    "SELECT id, drp_request_id, agent_id, tracking_code, kind, status, email, received_at, due_on,
        respond_by, comply_by, extended_respond_by, extension_reason, outcome_code, outcome_reason,
        agent_request_id, status_callback,
        EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = requests.id
                AND e.data->>'data_point' = 'email'
                AND e.action IN ('email_verified', 'data_point_recorded', 'agent_authority_confirmed'))
            AS email_matched
    FROM requests";

/// A DRP request by its protocol id, whoever filed it: the caller shows it only to
/// the agent that did (`DrpView::agent_id`).
pub async fn drp_request(
    pool: &PgPool,
    drp_request_id: Uuid,
) -> Result<Option<DrpView>, sqlx::Error> {
    let sql = format!("{DRP_VIEW} WHERE drp_request_id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(drp_request_id)
        .fetch_optional(pool)
        .await
}

pub async fn drp_request_by_id(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<DrpView>, sqlx::Error> {
    let sql = format!("{DRP_VIEW} WHERE id = $1 AND drp_request_id IS NOT NULL");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A pending callback, locked for this worker.
#[derive(Debug, sqlx::FromRow)]
pub struct Callback {
    pub id: i64,
    pub request_id: Uuid,
    pub attempts: i32,
}

pub async fn claim_callback(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
) -> Result<Option<Callback>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, request_id, attempts FROM drp_callbacks
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn callback_done(
    conn: &mut PgConnection,
    id: i64,
    now: DateTime<Utc>,
    outcome: Result<(), (&str, Option<DateTime<Utc>>)>,
) -> Result<(), sqlx::Error> {
    match outcome {
        Ok(()) => sqlx::query(
            "UPDATE drp_callbacks SET sent_at = $2, attempts = attempts + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()),
        Err((error, retry_at)) => sqlx::query(
            "UPDATE drp_callbacks SET attempts = attempts + 1, last_error = $3,
                 next_attempt_at = coalesce($4, next_attempt_at),
                 failed_at = CASE WHEN $4::timestamptz IS NULL THEN $2 END
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(error)
        .bind(retry_at)
        .execute(conn)
        .await
        .map(|_| ()),
    }
}
