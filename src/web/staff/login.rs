//! Signing in and out. Failed attempts are slowed per address and lock the account
//! after `staff.lockout_after` failures.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;

use super::session::{self, LOGIN_CSRF_COOKIE, Staff, constant_time_eq};
use crate::auth;
use crate::domain::token::SecretToken;
use crate::store;
use crate::web::errors::AppError;
use crate::web::form::{LimitedForm, SubmittedForm};
use crate::web::ratelimit::Logins;
use crate::web::{AppState, html};

/// The signed-in member shown in the staff header, if any.
pub struct Me {
    pub is_admin: bool,
    pub csrf: String,
}

/// The CSRF token for a staff page's forms.
pub fn csrf_of(me: &Option<Me>) -> &str {
    me.as_ref().map_or("", |m| m.csrf.as_str())
}

impl From<&Staff> for Me {
    fn from(s: &Staff) -> Self {
        Me {
            is_admin: s.is_admin,
            csrf: s.csrf.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginPage<'a> {
    business: &'a str,
    me: Option<Me>,
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

/// The sign-in form, with a fresh anti-forgery token in a cookie and in the form.
fn login_page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    error: Option<&str>,
) -> Result<Response, AppError> {
    let csrf = SecretToken::generate();
    let mut response = html(
        status,
        &LoginPage {
            business: &state.settings.business.name,
            me: None,
            csrf: csrf.expose(),
            email,
            error,
        },
    )?;
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(state, LOGIN_CSRF_COOKIE, csrf.expose(), 3600),
    );
    Ok(response)
}

pub async fn form(State(state): State<AppState>) -> Result<Response, AppError> {
    login_page(&state, StatusCode::OK, "", None)
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    LimitedForm {
        submitted: SubmittedForm { form, .. },
        over_limit,
        ..
    }: LimitedForm<Logins>,
) -> Result<Response, AppError> {
    let expected = session::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.get("csrf").as_bytes()) {
        return Err(AppError::Forbidden);
    }
    let email = form.get("email").trim();
    if over_limit {
        return login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            Some("Too many sign-in attempts from your network. Wait a minute, then try again."),
        );
    }
    let user = store::staff::by_email(&state.db, email)
        .await?
        .filter(|u| u.active);
    let now = state.clock.now();
    if let Some(u) = &user
        && u.locked_until.is_some_and(|until| until > now)
    {
        return login_page(
            &state,
            StatusCode::LOCKED,
            email,
            Some(
                "This account is locked for a while after too many failed sign-ins. Try again later, or ask an administrator.",
            ),
        );
    }
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let right = auth::verify_password(form.get("password").to_string(), stored).await;
    let user = match (user, right) {
        (Some(user), true) => user,
        (user, _) => {
            if let Some(u) = user {
                let lock_until = now + Duration::minutes(state.settings.staff.lockout_minutes);
                store::staff::record_failed_login(
                    &state.db,
                    u.id,
                    state.settings.staff.lockout_after,
                    lock_until,
                )
                .await?;
                tracing::info!(staff_id = %u.id, "failed staff sign-in");
            }
            return login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                email,
                Some("The e-mail address or the password is not right."),
            );
        }
    };
    store::staff::clear_failed_logins(&state.db, user.id).await?;
    let cookie = session::start(&state, &headers, user.id).await?;
    tracing::info!(staff_id = %user.id, "staff signed in");
    let mut response = Redirect::to("/staff/requests").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0),
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let cookie = session::end(&state, &headers).await?;
    let mut response = Redirect::to("/staff/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}
