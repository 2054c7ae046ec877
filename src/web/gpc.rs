//! Global Privacy Control (reg. §7025): `Sec-GPC: 1` is an opt-out of sale/sharing for
//! the browser that sends it. Every page says so; the first signal from a browser is
//! recorded under a random id kept in a cookie.

use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::store;

const COOKIE_NAME: &str = "rd_gpc";
/// When this portal's GPC handling last changed, for `/.well-known/gpc.json`.
const GPC_LAST_UPDATE: &str = "2026-11-23";

/// Whether the request carries `Sec-GPC: 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gpc(pub bool);

impl Gpc {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Gpc(headers
            .get("sec-gpc")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "1"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Gpc {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Gpc::from_headers(&parts.headers))
    }
}

/// Records the signal of a browser not seen before and gives it its id cookie.
pub async fn record_signal(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let gpc = Gpc::from_headers(req.headers());
    let known = browser_id(req.headers()).is_some();
    let mut response = next.run(req).await;
    if gpc.0 && !known {
        let id = Uuid::new_v4();
        match store::gpc::record_signal(&state.db, id, state.clock.now()).await {
            Ok(()) => {
                let secure = if state.settings.secure_cookies() {
                    "; Secure"
                } else {
                    ""
                };
                let cookie = format!(
                    "{COOKIE_NAME}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{secure}"
                );
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().append(SET_COOKIE, value);
                }
            }
            Err(err) => tracing::warn!(error = %err, "could not record a GPC signal"),
        }
    }
    response
}

fn browser_id(headers: &HeaderMap) -> Option<Uuid> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(COOKIE_NAME)?.strip_prefix('='))
        .find_map(|v| v.parse().ok())
}

pub async fn well_known() -> Json<Value> {
    debug_assert!(GPC_LAST_UPDATE.parse::<NaiveDate>().is_ok());
    Json(json!({ "gpc": true, "lastUpdate": GPC_LAST_UPDATE }))
}
