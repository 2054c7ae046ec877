//! The rows the lifecycle reads and writes: a request locked with the facts its rules
//! look at, decoded once, and the statement that writes decided transitions. Only
//! `service::lifecycle` calls `write`, so every status change goes through one place.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::events::{self, Actor, Event};
use crate::domain::kinds::{
    Authority, AuthorityState, Channel, DataPoint, RequestKind, RequestStatus, UnknownCode,
};
use crate::domain::lang::Lang;
use crate::domain::lifecycle::{AgentFacts, Facts, Transition};
use crate::domain::tracking::TrackingCode;

/// A request under lock, as the lifecycle sees it.
#[derive(Debug, Clone)]
pub struct Locked {
    pub id: Uuid,
    pub tracking_code: TrackingCode,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub channel: Channel,
    /// None for a request entered by staff without one, or a browser-only opt-out:
    /// such a request gets no e-mail and never enters the e-mail-keyed list.
    pub email: Option<String>,
    /// The browser a browser-only opt-out covers.
    pub browser_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub comply_by: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub points: Vec<DataPoint>,
    pub declaration_signed: bool,
    pub agent: Option<AgentFacts>,
    pub agent_email: Option<String>,
    /// The DRP agent that filed it, if one did.
    pub agent_id: Option<String>,
    /// What the consumer's (and the agent's) e-mails are written in.
    pub language: Lang,
}

impl Locked {
    /// The lifecycle's facts, with the receipt day in the business's time zone.
    pub fn facts(&self, tz: chrono_tz::Tz) -> Facts {
        Facts {
            kind: self.kind,
            status: self.status,
            received_on: self.received_at.with_timezone(&tz).date_naive(),
            respond_by: self.respond_by,
            extended_respond_by: self.extended_respond_by,
            points: self.points.clone(),
            declaration_signed: self.declaration_signed,
            agent: self.agent,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    tracking_code: String,
    kind: String,
    status: String,
    channel: String,
    email: Option<String>,
    browser_id: Option<Uuid>,
    received_at: DateTime<Utc>,
    confirm_by: Option<NaiveDate>,
    respond_by: Option<NaiveDate>,
    extended_respond_by: Option<NaiveDate>,
    comply_by: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
    points: Vec<String>,
    declaration_signed: bool,
    agent_authority: Option<String>,
    agent_authority_state: Option<String>,
    agent_email: Option<String>,
    agent_id: Option<String>,
    language: String,
}

fn decode(row: Row) -> Result<Locked, sqlx::Error> {
    let bad = |e: UnknownCode| sqlx::Error::Decode(Box::new(e));
    let agent = match (row.agent_authority, row.agent_authority_state) {
        (Some(authority), state) => Some(AgentFacts {
            authority: Authority::parse(&authority).map_err(bad)?,
            state: AuthorityState::parse(state.as_deref().unwrap_or("pending")).map_err(bad)?,
        }),
        (None, _) => None,
    };
    let mut points = Vec::with_capacity(row.points.len());
    for p in &row.points {
        let point = DataPoint::parse(p)
            .ok()
            .or_else(|| DataPoint::of_drp_claim(p))
            .ok_or_else(|| {
                sqlx::Error::Decode(
                    format!("unknown data point code {p:?} in the audit trail").into(),
                )
            })?;
        if !points.contains(&point) {
            points.push(point);
        }
    }
    Ok(Locked {
        id: row.id,
        tracking_code: TrackingCode::parse(&row.tracking_code)
            .ok_or_else(|| sqlx::Error::Decode("a stored tracking code does not parse".into()))?,
        kind: RequestKind::parse(&row.kind).map_err(bad)?,
        status: RequestStatus::parse(&row.status).map_err(bad)?,
        channel: Channel::parse(&row.channel).map_err(bad)?,
        email: row.email,
        browser_id: row.browser_id,
        received_at: row.received_at,
        confirm_by: row.confirm_by,
        respond_by: row.respond_by,
        extended_respond_by: row.extended_respond_by,
        comply_by: row.comply_by,
        due_on: row.due_on,
        points,
        declaration_signed: row.declaration_signed,
        agent,
        agent_email: row.agent_email,
        agent_id: row.agent_id,
        language: Lang::try_from(row.language.as_str())
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

/// Events whose `data_point` counts as matched: the consumer's link (directly or by
/// confirming their agent), what staff matched and what a trusted agent vouched for.
pub const POINT_EVENTS: &str =
    "('email_verified', 'data_point_recorded', 'agent_authority_confirmed')";

const COLUMNS: &str = "r.id, r.tracking_code, r.kind, r.status, r.channel, r.email, r.browser_id, r.received_at,
    r.confirm_by, r.respond_by, r.extended_respond_by, r.comply_by, r.due_on,
    array(SELECT DISTINCT e.data->>'data_point' FROM request_events e
          WHERE e.request_id = r.id AND e.data ? 'data_point'
            AND e.action IN ('email_verified', 'data_point_recorded', 'agent_authority_confirmed')) AS points,
    r.declaration_signed_at IS NOT NULL AS declaration_signed,
    r.agent_authority, r.agent_authority_state, r.agent_email, r.agent_id, r.language";

/// Which request to lock.
pub enum Key<'a> {
    Id(Uuid),
    Code(&'a str),
}

/// Locks one request until the caller's transaction ends.
pub async fn lock(conn: &mut PgConnection, key: Key<'_>) -> Result<Option<Locked>, sqlx::Error> {
    select(conn, key, true).await
}

/// The same facts without a lock, for a page that only shows them.
pub async fn read(conn: &mut PgConnection, key: Key<'_>) -> Result<Option<Locked>, sqlx::Error> {
    select(conn, key, false).await
}

async fn select(
    conn: &mut PgConnection,
    key: Key<'_>,
    for_update: bool,
) -> Result<Option<Locked>, sqlx::Error> {
    let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM requests r WHERE "));
    match key {
        Key::Id(id) => q.push("r.id = ").push_bind(id),
        Key::Code(code) => q.push("r.tracking_code = ").push_bind(code.to_string()),
    };
    if for_update {
        q.push(" FOR NO KEY UPDATE OF r");
    }
    q.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(decode)
        .transpose()
}

/// A bounded batch of requests matching `filter` (a fixed SQL condition over `r` with
/// `$1` bound to `param`), locked with `SKIP LOCKED` so two workers never share one.
pub async fn lock_due<T>(
    conn: &mut PgConnection,
    filter: &'static str,
    order: &'static str,
    param: T,
    limit: i64,
) -> Result<Vec<Locked>, sqlx::Error>
where
    T: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send + 'static,
{
    let sql = format!(
        "SELECT {COLUMNS} FROM requests r WHERE {filter} ORDER BY {order} LIMIT $2 FOR NO KEY UPDATE OF r SKIP LOCKED"
    );
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(param)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(decode).collect()
}

/// One decided transition of one locked request, with what the event records.
pub struct Write<'a> {
    pub request: &'a Locked,
    pub transition: &'a Transition,
    /// What staff explained, kept on the request as the outcome's explanation.
    pub explanation: Option<&'a str>,
    pub declaration_name: Option<&'a str>,
    pub data: Value,
}

/// Writes transitions: the rows' new state and one audit event each, in one statement
/// per table whatever the batch's size.
pub async fn write(
    conn: &mut PgConnection,
    actor: Actor<'_>,
    writes: &[Write<'_>],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if writes.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(writes.len());
    let mut statuses = Vec::with_capacity(writes.len());
    let mut closing = Vec::with_capacity(writes.len());
    let mut outcomes = Vec::with_capacity(writes.len());
    let mut explanations = Vec::with_capacity(writes.len());
    let mut levels = Vec::with_capacity(writes.len());
    let mut authorities = Vec::with_capacity(writes.len());
    let mut declared = Vec::with_capacity(writes.len());
    let mut declaration_names = Vec::with_capacity(writes.len());
    let mut trail = Vec::with_capacity(writes.len());
    for w in writes {
        let t = w.transition;
        ids.push(w.request.id);
        statuses.push(t.to.map(RequestStatus::code));
        closing.push(t.to.is_some_and(RequestStatus::is_closed));
        outcomes.push(t.outcome);
        explanations.push(w.explanation.filter(|e| !e.is_empty()));
        levels.push((t.to == Some(RequestStatus::Verified)).then(|| {
            let n = w.request.points.len() + usize::from(t.point.is_some());
            format!("{n} matched data points")
        }));
        authorities.push(t.authority.map(AuthorityState::code));
        declared.push(t.declaration_signed);
        declaration_names.push(w.declaration_name);
        let mut data = w.data.clone();
        if let (Some(point), Some(map)) = (t.point, data.as_object_mut()) {
            map.insert("data_point".into(), point.code().into());
        }
        if let (Some(code), Some(map)) = (t.outcome, data.as_object_mut()) {
            map.insert("outcome".into(), code.into());
        }
        trail.push(Event {
            request_id: w.request.id,
            actor,
            action: t.event,
            from: t.to.map(|_| t.from),
            to: t.to,
            data,
        });
    }
    sqlx::query(
        "UPDATE requests r SET
             status = coalesce(u.status, r.status),
             closed_at = CASE WHEN u.closing THEN $10 ELSE r.closed_at END,
             outcome_code = coalesce(u.outcome, r.outcome_code),
             outcome_reason = CASE WHEN u.closing THEN u.explanation ELSE r.outcome_reason END,
             verified_at = CASE WHEN u.status = 'verified' THEN $10 ELSE r.verified_at END,
             verification_level = coalesce(u.level, r.verification_level),
             agent_authority_state = coalesce(u.authority, r.agent_authority_state),
             declaration_signed_at = CASE WHEN u.declared THEN $10 ELSE r.declaration_signed_at END,
             declaration_name = coalesce(u.declaration_name, r.declaration_name),
             updated_at = $10
         FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::bool[], $9::text[])
             AS u(id, status, closing, outcome, explanation, level, authority, declared, declaration_name)
         WHERE r.id = u.id",
    )
    .bind(&ids)
    .bind(&statuses)
    .bind(&closing)
    .bind(&outcomes)
    .bind(&explanations)
    .bind(&levels)
    .bind(&authorities)
    .bind(&declared)
    .bind(&declaration_names)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    events::record_many(conn, now, &trail).await
}

/// Adds applied opt-outs and limits to the suppression list; an address already on it
/// keeps its date. A browser-only opt-out goes to the browsers' list instead; a
/// request with neither an address nor a browser (entered by staff, answered by
/// letter) enters no list: staff apply it by hand, as its page says.
pub async fn suppress(
    conn: &mut PgConnection,
    rows: &[(&Locked, &'static str)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let browsers: Vec<_> = rows
        .iter()
        .filter_map(|(r, scope)| Some((r.browser_id?, *scope, r.id)))
        .collect();
    if !browsers.is_empty() {
        sqlx::query(
            "INSERT INTO browser_opt_outs (browser_id, scope, request_id, since)
             SELECT b, s, r, $4 FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS u(b, s, r)
             ON CONFLICT (browser_id, scope) DO NOTHING",
        )
        .bind(browsers.iter().map(|b| b.0).collect::<Vec<_>>())
        .bind(browsers.iter().map(|b| b.1).collect::<Vec<_>>())
        .bind(browsers.iter().map(|b| b.2).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    let rows: Vec<_> = rows
        .iter()
        .filter_map(|(r, scope)| Some((r.email.as_deref()?, *scope, *r)))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let emails: Vec<&str> = rows.iter().map(|(e, _, _)| *e).collect();
    let scopes: Vec<&str> = rows.iter().map(|(_, s, _)| *s).collect();
    let ids: Vec<Uuid> = rows.iter().map(|(_, _, r)| r.id).collect();
    let channels: Vec<&str> = rows.iter().map(|(_, _, r)| r.channel.code()).collect();
    sqlx::query(
        "INSERT INTO opt_outs (email, scope, request_id, channel, since)
         SELECT e, s, r, c, $5 FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[]) AS u(e, s, r, c)
         ON CONFLICT (lower(email), scope) DO NOTHING",
    )
    .bind(emails)
    .bind(scopes)
    .bind(ids)
    .bind(channels)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
