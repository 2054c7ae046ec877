//! `/staff/metrics`: the yearly §7102 report for staff, as a chart and a table, with the
//! CSV and the publishable HTML table to download.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;

use super::login::Me;
use super::session::Staff;
use crate::service::metrics::{self, Chart, Format, Table};
use crate::web::errors::AppError;
use crate::web::{AppState, html};

#[derive(Template)]
#[template(path = "staff/metrics.html")]
struct MetricsPage<'a> {
    business: &'a str,
    me: Option<Me>,
    table: Table,
    chart: Chart,
    public: bool,
}

/// `?year=YYYY`, this year (business time) when absent; a year out of range is a 400.
fn year(state: &AppState, params: &HashMap<String, String>) -> Result<i32, AppError> {
    match params
        .get("year")
        .map(|y| y.trim())
        .filter(|y| !y.is_empty())
    {
        None => Ok(state.clock.today(state.tz).year()),
        Some(y) => y
            .parse::<i32>()
            .ok()
            .filter(|y| metrics::YEARS.contains(y))
            .ok_or_else(|| AppError::BadRequest("error-staff-year".into())),
    }
}

pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let year = year(&state, &params)?;
    let report = metrics::yearly(&state.db, state.tz, year, state.clock.now()).await?;
    let business = &state.settings.business.name;
    html(
        StatusCode::OK,
        &MetricsPage {
            business,
            me: Some(Me::from(&staff)),
            table: Table::new(&report, business),
            chart: metrics::chart(&report),
            public: state.settings.metrics.publish_yearly,
        },
    )
}

pub async fn csv(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    download(&state, year(&state, &params)?, Format::Csv).await
}

pub async fn publishable(
    State(state): State<AppState>,
    _staff: Staff,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    download(&state, year(&state, &params)?, Format::Html).await
}

async fn download(state: &AppState, year: i32, format: Format) -> Result<Response, AppError> {
    let report = metrics::yearly(&state.db, state.tz, year, state.clock.now()).await?;
    let body = metrics::render(&report, &state.settings.business.name, format)?;
    let (mime, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        _ => ("text/html; charset=utf-8", "html"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"privacy-metrics-{year}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
