//! The consumer side's own cookies (the language chosen, the GPC signal seen, the
//! browser-only opt-out's id): read from a request's headers, and set for a long time,
//! HttpOnly, SameSite=Lax, and Secure when the portal is served over HTTPS.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::AppState;

/// A year, in seconds.
pub const YEAR: u32 = 31_536_000;

/// The values the request carries for the cookie `name`, in order.
pub fn values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

/// Sets the cookie `name` to `value` for `max_age` seconds.
pub fn remember(state: &AppState, response: &mut Response, name: &str, value: &str, max_age: u32) {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}
