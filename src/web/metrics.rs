//! `/metrics/{year}`: the yearly request metrics (reg. §7102) for anyone, for the privacy
//! policy to link to. Served only when `[metrics] publish_yearly` is on; otherwise the
//! page does not exist. It holds no personal data, so shared caches may keep it.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::service::metrics::{self, PublicPage, Table};
use crate::web::errors::AppError;
use crate::web::{AppState, html};

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
    let report = metrics::yearly(&state.db, state.tz, year, state.clock.now()).await?;
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
