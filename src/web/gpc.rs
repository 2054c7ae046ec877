//! Global Privacy Control (reg. §7025): `Sec-GPC: 1` is an opt-out of sale/sharing for
//! the browser that sends it. Every page that carries the signal says it was honored,
//! whatever follows: honoring never waits for a record.
//!
//! The record is of browsers, under a random id in a cookie, and is written once per
//! browser that keeps cookies: the first view with the signal only sets the cookie
//! (`<id>`); a later view that brings it back with the signal writes the row and marks
//! the cookie recorded (`<id>.r`), after which views write nothing. A client that keeps
//! no cookie cannot be told apart from the next one, so recording it would be a row per
//! page view with nothing learnt; its signal is still honored on every page, and a form
//! it sends still files an opt-out for the address given (`web::consumer`). Recording is
//! also capped per client address, so made-up cookies cannot be turned into rows.

use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::ratelimit::{Bucket, ClientIp};
use crate::store;

const COOKIE_NAME: &str = "rd_gpc";
/// Ends the cookie's value once the browser is recorded.
const RECORDED: &str = ".r";
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

/// What the browser's `rd_gpc` cookie says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// No cookie: this may be the first view, or a client that keeps none.
    New,
    /// The cookie was set but the browser is not recorded yet.
    Pending(Uuid),
    Recorded,
}

/// Records a browser sending the signal once it has shown that it keeps the cookie.
pub async fn record_signal(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    req: Request,
    next: Next,
) -> Response {
    let gpc = Gpc::from_headers(req.headers());
    let seen = seen(req.headers());
    let mut response = next.run(req).await;
    if !gpc.0 {
        return response;
    }
    let cookie = match seen {
        Seen::Recorded => return response,
        Seen::New => Some(Uuid::new_v4().to_string()),
        Seen::Pending(id) => {
            let limit = state.settings.limits.submissions_per_minute;
            if !state
                .limiter
                .allow(Bucket::GpcRecord, ip, limit, std::time::Instant::now())
            {
                return response;
            }
            match store::gpc::record_signal(&state.db, id, state.clock.now()).await {
                Ok(()) => Some(format!("{id}{RECORDED}")),
                Err(err) => {
                    tracing::warn!(error = %err, "could not record a GPC signal");
                    None
                }
            }
        }
    };
    if let Some(value) = cookie {
        super::cookies::remember(
            &state,
            &mut response,
            COOKIE_NAME,
            &value,
            super::cookies::YEAR,
        );
    }
    response
}

fn seen(headers: &HeaderMap) -> Seen {
    super::cookies::values(headers, COOKIE_NAME)
        .find_map(|v| match v.strip_suffix(RECORDED) {
            Some(id) => id.parse::<Uuid>().ok().map(|_| Seen::Recorded),
            None => v.parse().ok().map(Seen::Pending),
        })
        .unwrap_or(Seen::New)
}

pub async fn well_known() -> Json<Value> {
    debug_assert!(GPC_LAST_UPDATE.parse::<NaiveDate>().is_ok());
    Json(json!({ "gpc": true, "lastUpdate": GPC_LAST_UPDATE }))
}
