//! A request's records for accountability: the full record as JSON and as a printable
//! page, the trail of staff who opened the consumer's data (on the request page), and a
//! fresh download link for a kept response package. Every route takes `Staff`: both
//! roles see consumers' data to do their work.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use super::session::Staff;
use crate::domain::tracking::TrackingCode;
use crate::service::records::{self, FreshLink};
use crate::store::detail::Detail;
use crate::store::records::Viewed;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html};

/// Openings shown on the request page; the full record lists them all.
const VIEWS_SHOWN: i64 = 50;

/// One opening of the consumer's data, as the request page shows it.
pub struct ViewLine {
    pub at: String,
    pub who: String,
    pub what: String,
}

/// The request page's part (`staff/request_records.html`).
pub struct Part {
    pub views: Vec<ViewLine>,
    pub package_kept: bool,
    pub purged: Option<String>,
}

impl Part {
    pub async fn of(state: &AppState, r: &Detail) -> Result<Part, AppError> {
        let (purged_at, package_kept) =
            crate::store::records::retention_state(&state.db, r.id).await?;
        let views = crate::store::records::views(&state.db, r.id, VIEWS_SHOWN)
            .await?
            .into_iter()
            .map(|v| ViewLine {
                at: v
                    .at
                    .with_timezone(&state.tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                who: v.staff.unwrap_or_else(|| "a removed staff account".into()),
                what: match (v.what.as_str(), v.filename) {
                    ("request_page", _) => "opened the request".into(),
                    ("record_page", _) => "opened the full record".into(),
                    ("record_json", _) => "exported the full record".into(),
                    ("letter", _) => "opened a letter to the consumer".into(),
                    ("list_export", _) => "exported it in a list with name and e-mail".into(),
                    (_, Some(name)) => format!("downloaded {name}"),
                    _ => "downloaded a file".into(),
                },
            })
            .collect();
        Ok(Part {
            views,
            package_kept,
            purged: purged_at.map(|at| at.with_timezone(&state.tz).format("%Y-%m-%d").to_string()),
        })
    }
}

/// Records that `staff` opened the request's page or one of its files.
pub async fn seen(
    state: &AppState,
    staff: &Staff,
    r: &Detail,
    what: Viewed,
) -> Result<(), AppError> {
    records::seen(&state.db, &[r.id], staff.id, what, state.clock.now()).await?;
    Ok(())
}

async fn record(
    state: &AppState,
    staff: &Staff,
    code: &str,
    what: Viewed,
) -> Result<(TrackingCode, Value), AppError> {
    let code = TrackingCode::parse(code).ok_or(AppError::NotFound)?;
    let record = records::full_record(&state.db, code.as_str(), staff.id, what, state.clock.now())
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), what = what.code(), "full record opened");
    Ok((code, record))
}

/// `GET /staff/requests/{code}/record.json`: the full record, as a file.
pub async fn json(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (code, record) = record(&state, &staff, &code, Viewed::RecordJson).await?;
    let body = serde_json::to_string_pretty(&record).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"record-{}.json\"", code.as_str()),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// A part of the record: a table with a column per field.
struct Section {
    id: &'static str,
    title: &'static str,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "staff/record.html")]
struct RecordPage<'a> {
    business: &'a str,
    tracking_code: &'a str,
    exported_at: String,
    fields: Vec<(String, String)>,
    sections: Vec<Section>,
}

const SECTIONS: &[(&str, &str)] = &[
    ("events", "Audit trail"),
    ("messages", "Messages"),
    ("files", "Files"),
    ("verification_links", "Verification links"),
    ("download_links", "Download links and downloads"),
    ("deletion_notices", "Deletion passed on"),
    ("suppression", "Suppression list"),
    ("drp_callbacks", "Status callbacks to the agent"),
    ("tasks", "Downstream tasks"),
    ("webhook_deliveries", "Webhook deliveries"),
    ("shine_the_light_answer", "Shine the Light answer, as sent"),
    ("views", "Who has seen this consumer's data"),
];

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `GET /staff/requests/{code}/record`: the full record as a page that prints cleanly.
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (code, record) = record(&state, &staff, &code, Viewed::RecordPage).await?;
    let fields = record["request"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.replace('_', " "), cell(v)))
                .collect()
        })
        .unwrap_or_default();
    let sections = SECTIONS
        .iter()
        .filter_map(|(key, title)| {
            // A part that is one object (the Shine the Light answer) is a table of one row.
            let rows = match record.get(*key)? {
                Value::Object(_) => std::slice::from_ref(&record[*key]),
                other => other.as_array()?.as_slice(),
            };
            let columns: Vec<String> = rows
                .first()
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            Some(Section {
                id: key,
                title,
                rows: rows
                    .iter()
                    .map(|row| columns.iter().map(|c| cell(&row[c])).collect())
                    .collect(),
                columns: columns.iter().map(|c| c.replace('_', " ")).collect(),
            })
        })
        .collect();
    let page = RecordPage {
        business: &state.settings.business.name,
        tracking_code: code.as_str(),
        exported_at: state
            .clock
            .now()
            .with_timezone(&state.tz)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string(),
        fields,
        sections,
    };
    let mut response = html(StatusCode::OK, &page)?;
    crate::web::no_store(&mut response);
    Ok(response)
}

const PRINT_CSS: &str = include_str!("../../../static/print.css");

/// `GET /static/print.css`: the full record on paper.
pub async fn print_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRINT_CSS,
    )
        .into_response()
}

/// `POST /staff/requests/{code}/download_link`: a fresh link to the kept package.
pub async fn fresh_link(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let code = TrackingCode::parse(&code).ok_or(AppError::NotFound)?;
    let sent = records::fresh_download_link(
        &state.db,
        state.rules(),
        &state.settings,
        staff.id,
        code.as_str(),
        state.clock.now(),
    )
    .await?;
    match sent {
        FreshLink::NotFound => Err(AppError::NotFound),
        FreshLink::NoPackage => {
            let r = super::request::find(&state, code.as_str()).await?;
            super::request::render(
                &state,
                &staff,
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("No response package is kept for this request any more, so no link can be sent.".into()),
                &Default::default(),
            )
            .await
        }
        FreshLink::Sent => {
            tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), "fresh download link sent");
            Ok(Redirect::to(&format!(
                "/staff/requests/{}?done=fresh_download_link_sent",
                code.as_str()
            ))
            .into_response())
        }
    }
}
