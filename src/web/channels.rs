//! What every channel shares on the public side: the favicon, the "Your Privacy
//! Choices" icon of reg. §7015 (drawn here after the published design), and the page
//! that gives the business the HTML snippet for its own site.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::errors::AppError;
use super::gpc::Gpc;
use super::lang::Locale;
use super::{AppState, Page, html};

const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");
const PRIVACY_CHOICES_SVG: &str = include_str!("../../static/privacy-choices.svg");

fn svg(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// `/static/favicon.svg`, and `/favicon.ico` for browsers that ask for it regardless.
pub async fn favicon() -> Response {
    svg(FAVICON_SVG)
}

/// `/static/privacy-choices.svg`: the opt-out icon, for this portal and for the
/// business's own pages (they may load it from here or copy it).
pub async fn privacy_choices_icon() -> Response {
    svg(PRIVACY_CHOICES_SVG)
}

#[derive(Template)]
#[template(path = "consumer/privacy_choices.html")]
struct SnippetPage {
    page: Page,
    /// Where the snippet's link and icon point: the portal's public address.
    base_url: String,
}

/// `/privacy-choices`: the "Your Privacy Choices" link with its icon, as the
/// business's site shows it, and the HTML to paste there.
pub async fn snippet(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    html(
        StatusCode::OK,
        &SnippetPage {
            page: state.page(gpc, &locale),
            base_url: state.settings.base_url().trim_end_matches('/').to_string(),
        },
    )
}
