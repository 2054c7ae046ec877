//! The business API under `/api/v1`: JSON for machines. A bearer token with the route's
//! scope is an extractor, so a handler cannot forget it; every error is
//! `{"error": {"code", "message", "field"?}}` (401 for a missing, unknown or revoked
//! token, 403 for a token without the scope, 400 naming the query parameter that was
//! wrong), and nothing a client sends gives a 500.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::marker::PhantomData;

use axum::Router;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::AppState;
use super::errors::{AppError, retry_later};
use crate::domain::api::{Cursor, Format, Identifier, PageSize, Scope};
use crate::domain::token;
use crate::store::{self, feeds::Page};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/suppressions", get(suppressions))
        .route("/api/v1/events", get(events))
        .route("/api/v1/tasks/{id}/complete", post(complete_task))
        .route("/api/v1/{*rest}", axum::routing::any(no_such_endpoint))
}

/// An API error: the status, a stable code, a sentence for people, and the parameter
/// at fault when there is one.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A query parameter or body field the client got wrong.
    pub fn bad_field(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", message)
        }
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(field) = self.field {
            error["field"] = field.into();
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rightsdesk\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            retry_later(&mut response);
        }
        super::no_store(&mut response);
        response
    }
}

/// Failures inside the portal: logged once (by `AppError`'s classification), answered
/// in JSON; a database out of reach is a 503 to retry.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let status = err.into_response().status();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            ApiError::new(
                status,
                "unavailable",
                "The service cannot reach its database right now; try again shortly.",
            )
        } else {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side; nothing was changed.",
            )
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        AppError::from(err).into()
    }
}

/// The scope a route needs, as a type: `Bearer<EventsRead>`.
pub trait NeedsScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

/// Reading the suppression list.
pub struct SuppressionsRead;
impl NeedsScope for SuppressionsRead {
    const SCOPE: Scope = Scope::SuppressionsRead;
}

/// Reporting downstream tasks done.
pub struct TasksWrite;
impl NeedsScope for TasksWrite {
    const SCOPE: Scope = Scope::TasksWrite;
}

/// Reading lifecycle events.
pub struct EventsRead;
impl NeedsScope for EventsRead {
    const SCOPE: Scope = Scope::EventsRead;
}

/// A live API token holding scope `S`, from `Authorization: Bearer rdk_…`.
pub struct Bearer<S: NeedsScope> {
    /// The token's id, for the record of what it did.
    pub token_id: i64,
    /// The downstream recipient the token is bound to: it acts for that recipient only.
    /// None for an unbound token.
    pub recipient_id: Option<i64>,
    _scope: PhantomData<S>,
}

impl<S: NeedsScope> FromRequestParts<AppState> for Bearer<S> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let raw = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.split_once(' ')
                    .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            })
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("Send an API token as `Authorization: Bearer <token>`.")
            })?;
        let presented =
            store::api_tokens::presented(&state.db, &token::hash(raw), state.clock.now())
                .await?
                .filter(|t| !t.revoked)
                .ok_or_else(|| ApiError::unauthorized("The API token is unknown or revoked."))?;
        if !presented.scopes.contains(&S::SCOPE) {
            return Err(ApiError::forbidden(format!(
                "This API token does not have the {} scope.",
                S::SCOPE
            )));
        }
        Ok(Bearer {
            token_id: presented.id,
            recipient_id: presented.recipient_id,
            _scope: PhantomData,
        })
    }
}

/// The query string as names and values; a name given twice is a mistake.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    "The query string could not be read.",
                )
            })?;
        let mut map = HashMap::new();
        for (name, value) in pairs {
            if map.insert(name.clone(), value).is_some() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("The parameter {name:?} is given more than once."),
                ));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// What every feed page is asked with.
struct FeedQuery {
    after: Cursor,
    limit: PageSize,
    format: Format,
}

impl FeedQuery {
    fn parse(params: &Params) -> Result<Self, ApiError> {
        let after = match params.get("after") {
            None | Some("") => Cursor::START,
            Some(raw) => Cursor::parse(raw).ok_or_else(|| {
                ApiError::bad_field(
                    "after",
                    "Give the `next` cursor of an earlier page, or leave `after` out to start.",
                )
            })?,
        };
        let limit = PageSize::parse(params.get("limit")).ok_or_else(|| {
            ApiError::bad_field(
                "limit",
                format!("`limit` is a whole number from 1 to {}.", PageSize::MAX),
            )
        })?;
        let format = Format::parse(params.get("format"))
            .ok_or_else(|| ApiError::bad_field("format", "`format` is `json` or `csv`."))?;
        Ok(Self {
            after,
            limit,
            format,
        })
    }
}

/// Where the next page starts: after the last entry, or where this one started.
fn next_cursor<T>(page: &Page<T>, after: Cursor, cursor: impl Fn(&T) -> Cursor) -> Cursor {
    page.entries.last().map(cursor).unwrap_or(after)
}

fn feed_json<E: serde::Serialize>(entries: Vec<E>, next: Cursor, has_more: bool) -> Response {
    #[derive(serde::Serialize)]
    struct Page<E> {
        entries: Vec<E>,
        next: String,
        has_more: bool,
    }
    let page = Page {
        entries,
        next: next.to_string(),
        has_more,
    };
    let mut response = axum::Json(page).into_response();
    super::no_store(&mut response);
    response
}

/// CSV for spreadsheets and bulk uploads; the paging facts travel in headers
/// (`Feed-Next`, `Feed-Has-More`) and every row carries its own cursor.
fn feed_csv(body: String, next: Cursor, has_more: bool) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    let headers = response.headers_mut();
    if let Ok(next) = HeaderValue::from_str(&next.to_string()) {
        headers.insert("feed-next", next);
    }
    headers.insert(
        "feed-has-more",
        HeaderValue::from_static(if has_more { "true" } else { "false" }),
    );
    super::no_store(&mut response);
    response
}

/// A CSV cell, quoted when it must be. The feeds are read by programs, so values are
/// passed on as they are (no spreadsheet-formula guard that would change an address).
fn csv_cell(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn csv_line(out: &mut String, cells: &[&str]) {
    let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    let _ = writeln!(out, "{}", line.join(","));
}

fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `GET /api/v1/suppressions?after=CURSOR&limit=N&format=json|csv&identifier=email|sha256`:
/// the suppression list's changes in commit-safe order, removals as tombstones.
async fn suppressions(
    State(state): State<AppState>,
    _token: Bearer<SuppressionsRead>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let feed = FeedQuery::parse(&params)?;
    let identifier = Identifier::parse(params.get("identifier"))
        .ok_or_else(|| ApiError::bad_field("identifier", "`identifier` is `email` or `sha256`."))?;
    let page = store::feeds::suppressions(&state.db, feed.after, feed.limit).await?;
    let next = next_cursor(&page, feed.after, |c| c.cursor.cursor());
    let id_name = identifier.code();
    match feed.format {
        Format::Json => {
            // Typed entries: a thousand of them serialise straight to the body, with no
            // map built per entry.
            #[derive(serde::Serialize)]
            struct Entry<'a> {
                cursor: String,
                change: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                email: Option<String>,
                #[serde(skip_serializing_if = "Option::is_none")]
                sha256: Option<String>,
                scope: &'a str,
                channel: &'a str,
                at: String,
            }
            let hashed = matches!(identifier, Identifier::Sha256);
            let entries: Vec<Entry> = page
                .entries
                .iter()
                .map(|c| {
                    let id = identifier.of(&c.email);
                    Entry {
                        cursor: c.cursor.cursor().to_string(),
                        change: &c.change,
                        email: (!hashed).then(|| id.clone()),
                        sha256: hashed.then_some(id),
                        scope: &c.scope,
                        channel: &c.channel,
                        at: rfc3339(c.at),
                    }
                })
                .collect();
            Ok(feed_json(entries, next, page.has_more))
        }
        Format::Csv => {
            let mut out = String::new();
            csv_line(
                &mut out,
                &["cursor", "change", id_name, "scope", "channel", "at"],
            );
            for c in &page.entries {
                csv_line(
                    &mut out,
                    &[
                        &c.cursor.cursor().to_string(),
                        &c.change,
                        &identifier.of(&c.email),
                        &c.scope,
                        &c.channel,
                        &rfc3339(c.at),
                    ],
                );
            }
            Ok(feed_csv(out, next, page.has_more))
        }
    }
}

/// `GET /api/v1/events?after=CURSOR&limit=N&format=json|csv`: the requests' lifecycle
/// events in commit-safe order, with codes only (no names, addresses or free text).
async fn events(
    State(state): State<AppState>,
    _token: Bearer<EventsRead>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let params = Params::parse(query.as_deref())?;
    let feed = FeedQuery::parse(&params)?;
    let page = store::feeds::events(&state.db, feed.after, feed.limit).await?;
    let next = next_cursor(&page, feed.after, |e| e.cursor.cursor());
    let mut rows = Vec::with_capacity(page.entries.len());
    for e in &page.entries {
        let (from, to) = e.statuses()?;
        rows.push((e, from.map(|s| s.code()), to.map(|s| s.code())));
    }
    match feed.format {
        Format::Json => {
            let entries = rows
                .iter()
                .map(|(e, from, to)| {
                    json!({
                        "cursor": e.cursor.cursor().to_string(),
                        "tracking_code": e.tracking_code,
                        "request_kind": e.kind.code(),
                        "event": e.event.code(),
                        "at": rfc3339(e.at),
                        "actor": e.actor,
                        "from_status": from,
                        "to_status": to,
                        "outcome": e.outcome,
                        "data_point": e.data_point,
                    })
                })
                .collect();
            Ok(feed_json(entries, next, page.has_more))
        }
        Format::Csv => {
            let mut out = String::new();
            csv_line(
                &mut out,
                &[
                    "cursor",
                    "tracking_code",
                    "request_kind",
                    "event",
                    "at",
                    "actor",
                    "from_status",
                    "to_status",
                    "outcome",
                    "data_point",
                ],
            );
            for (e, from, to) in &rows {
                csv_line(
                    &mut out,
                    &[
                        &e.cursor.cursor().to_string(),
                        &e.tracking_code,
                        e.kind.code(),
                        e.event.code(),
                        &rfc3339(e.at),
                        &e.actor,
                        from.unwrap_or(""),
                        to.unwrap_or(""),
                        e.outcome.as_deref().unwrap_or(""),
                        e.data_point.as_deref().unwrap_or(""),
                    ],
                );
            }
            Ok(feed_csv(out, next, page.has_more))
        }
    }
}

async fn no_such_endpoint() -> ApiError {
    ApiError::not_found("There is no such API endpoint.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_given_twice_is_refused_and_cells_are_quoted() {
        assert!(Params::parse(Some("limit=1&limit=2")).is_err());
        let p = Params::parse(Some("after=12-3&format=csv")).unwrap();
        assert_eq!(p.get("after"), Some("12-3"));
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("=sum"), "=sum");
    }
}

/// The body of `POST /api/v1/tasks/{id}/complete`.
#[derive(serde::Deserialize)]
struct Completion {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/tasks/{id}/complete` with `{"outcome": "done"|"not_done", "note": …}`:
/// a recipient's system says a task is carried out, or why it cannot be. A token bound to
/// a recipient reaches only that recipient's tasks (others are 404, as if absent).
async fn complete_task(
    State(state): State<AppState>,
    token: Bearer<TasksWrite>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    use crate::service::tasks::{self, Asked, CompletedBy, TaskRefusal};
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::not_found("There is no such task."))?;
    let body: Completion = serde_json::from_slice(&body).map_err(|e| ApiError {
        field: Some("body"),
        ..ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("The body must be a JSON object with outcome and note: {e}"),
        )
    })?;
    let by = CompletedBy::Token {
        token_id: token.token_id,
        recipient_id: token.recipient_id,
    };
    let asked = Asked {
        outcome: &body.outcome,
        note: &body.note,
    };
    let done = tasks::complete(&state.db, &state.mail, id, by, asked, state.clock.now())
        .await
        .map_err(AppError::from)?;
    let refused = |status, code, field, why: TaskRefusal| {
        Err(ApiError {
            field,
            ..ApiError::new(status, code, format!("The task was not recorded: {why}."))
        })
    };
    match done {
        Ok(done) => Ok(axum::Json(json!({
            "task": done.task_id,
            "tracking_code": done.tracking_code,
            "recipient": done.recipient_name,
            "outcome": done.outcome.code(),
        }))
        .into_response()),
        Err(TaskRefusal::NotFound) => Err(ApiError::not_found("There is no such task.")),
        Err(why @ TaskRefusal::NoOutcome) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("outcome"),
            why,
        ),
        Err(why @ (TaskRefusal::NoteNeeded | TaskRefusal::NoteTooLong)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("note"),
            why,
        ),
        Err(why @ (TaskRefusal::AlreadyCompleted | TaskRefusal::Cancelled)) => {
            refused(StatusCode::CONFLICT, "conflict", None, why)
        }
    }
}
