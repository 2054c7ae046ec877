//! An opt-out (or limit) with no personal information: recorded for this browser's
//! random id, like a Global Privacy Control signal, and never in the e-mail-keyed
//! suppression list. The id lives in a cookie; the confirmation page says what that
//! covers (this browser, this site) and what it cannot (other browsers, devices, or
//! the business's records about the person).

use std::sync::Arc;

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use uuid::Uuid;

use super::errors::AppError;
use super::gpc::Gpc;
use super::lang::Locale;
use super::{AppState, Page, html, no_store};
use crate::domain::intake::NewRequest;
use crate::domain::kinds::RequestKind;
use crate::domain::tracking::TrackingCode;
use crate::mail::{self, DatedStep};
use crate::service;

const COOKIE_NAME: &str = "rd_browser";

#[derive(Template)]
#[template(path = "consumer/browser_only.html")]
struct RecordedPage {
    page: Page,
    kind_code: &'static str,
    tracking_code: TrackingCode,
    dates: Vec<DatedStep>,
}

/// The browser's id from its cookie, if it sent a well-formed one.
fn browser_id(headers: &HeaderMap) -> Option<Uuid> {
    super::cookies::values(headers, COOKIE_NAME).find_map(|v| v.parse().ok())
}

/// Files the browser-only opt-out (or limit) and sets the browser's id cookie.
pub async fn submit(
    state: &AppState,
    kind: RequestKind,
    gpc: Gpc,
    locale: &Locale,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let id = browser_id(headers).unwrap_or_else(Uuid::new_v4);
    let request = Arc::new(NewRequest {
        language: locale.lang,
        ..NewRequest::for_browser(kind, id)
    });
    let stored = service::intake::file(&state.intake(), &request, false, state.clock.now()).await?;
    let mut response = html(
        StatusCode::OK,
        &RecordedPage {
            page: state.page(gpc, locale),
            kind_code: kind.code(),
            tracking_code: stored.tracking_code,
            dates: mail::consumer_dates(&locale.tr(), &stored.deadlines),
        },
    )?;
    no_store(&mut response);
    super::cookies::remember(
        state,
        &mut response,
        COOKIE_NAME,
        &id.to_string(),
        2 * super::cookies::YEAR,
    );
    Ok(response)
}
