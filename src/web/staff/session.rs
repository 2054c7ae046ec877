//! Staff sessions: a random token in an HttpOnly, SameSite cookie, stored hashed in
//! PostgreSQL with idle and absolute expiry; a CSRF token per session checked on every
//! state-changing form. The extractors make a handler that forgets them not compile.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use chrono::Duration;
use uuid::Uuid;

use crate::domain::intake::RawForm;
use crate::domain::token::{self, SecretToken};
use crate::store;
use crate::web::AppState;
use crate::web::errors::AppError;

pub const SESSION_COOKIE: &str = "rd_staff";
pub const LOGIN_CSRF_COOKIE: &str = "rd_login_csrf";

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub is_admin: bool,
    pub csrf: String,
}

impl Staff {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, form: &RawForm) -> Result<(), AppError> {
        if constant_time_eq(form.get("csrf").as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value for a staff cookie: HttpOnly, SameSite=Lax, Path=/staff, Secure
/// over HTTPS; `max_age` 0 deletes it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/staff; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let raw = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::SignInRequired)?;
        let now = state.clock.now();
        let idle_cutoff = now - Duration::minutes(state.settings.staff.idle_minutes);
        let user = store::staff::session_user(&state.db, &token::hash(&raw), now, idle_cutoff)
            .await?
            .ok_or(AppError::SignInRequired)?;
        Ok(Staff {
            id: user.staff_id,
            email: user.email,
            is_admin: user.role == crate::domain::kinds::Role::Admin,
            csrf: user.csrf_token,
        })
    }
}

/// A signed-in administrator.
pub struct Admin(pub Staff);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        if staff.is_admin {
            Ok(Admin(staff))
        } else {
            Err(AppError::NotAllowed)
        }
    }
}

/// Starts a session for `staff_id`; returns the cookie to set. Any session the browser
/// had is ended first, so a session id never survives a sign-in.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    staff_id: Uuid,
) -> Result<HeaderValue, AppError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        store::staff::delete_session(&state.db, &token::hash(&old)).await?;
    }
    let session = SecretToken::generate();
    let csrf = SecretToken::generate();
    let now = state.clock.now();
    let lifetime = Duration::hours(state.settings.staff.absolute_hours);
    store::staff::create_session(
        &state.db,
        session.hash(),
        staff_id,
        csrf.expose(),
        now,
        now + lifetime,
    )
    .await?;
    Ok(set_cookie(
        state,
        SESSION_COOKIE,
        session.expose(),
        lifetime.num_seconds(),
    ))
}

pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<HeaderValue, AppError> {
    if let Some(raw) = cookie(headers, SESSION_COOKIE) {
        store::staff::delete_session(&state.db, &token::hash(&raw)).await?;
    }
    Ok(set_cookie(state, SESSION_COOKIE, "", 0))
}
