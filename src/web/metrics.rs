//! `/metrics/{year}`: the yearly request metrics (reg. §7102) for anyone, for the privacy
//! policy to link to. Served only when `[metrics] publish_yearly` is on; otherwise the
//! page does not exist. It holds no personal data, so shared caches may keep it.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};

use crate::domain::metrics::Report;
use crate::service::metrics::{self, PublicPage, Table};
use crate::web::errors::AppError;
use crate::web::{AppState, html};

/// How long the public page reuses a report. A finished year is read kept, one row; a
/// year still running is counted over its requests (a second or two at a million), so
/// anyone could otherwise make the database count on every visit.
const REPORT_FOR: chrono::Duration = chrono::Duration::minutes(5);

/// The reports the public page gave out lately, by year. One count at a time: visitors
/// arriving during a count wait for it and get its report.
#[derive(Default)]
pub struct PublicReports(tokio::sync::Mutex<HashMap<i32, (DateTime<Utc>, Report)>>);

impl PublicReports {
    async fn get(&self, state: &AppState, year: i32) -> Result<Report, sqlx::Error> {
        let now = state.clock.now();
        let mut reports = self.0.lock().await;
        if let Some((at, report)) = reports.get(&year)
            && now - *at < REPORT_FOR
        {
            return Ok(report.clone());
        }
        let report = metrics::yearly(&state.db, state.tz, year, now).await?;
        reports.insert(year, (now, report.clone()));
        Ok(report)
    }
}

pub async fn yearly(
    State(state): State<AppState>,
    Path(year): Path<String>,
) -> Result<Response, AppError> {
    if !state.settings.metrics.publish_yearly {
        return Err(AppError::NotFound);
    }
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| metrics::YEARS.contains(y))
        .ok_or(AppError::NotFound)?;
    let report = state.public_reports.get(&state, year).await?;
    let table = Table::new(&report, &state.settings.business.name);
    let mut response = html(StatusCode::OK, &PublicPage { table: &table })?;
    // Anonymous counts that change slowly: caches may keep the page an hour, so a
    // privacy policy's link does not run the year's report on every visit.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
