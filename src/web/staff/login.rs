//! Signing in and out. The answer never tells whether an address has an account: a
//! wrong address and a wrong password get the same words, and an unknown address is
//! checked against a dummy hash so it takes as long. Failures slow down the client
//! that makes them, for that address (`store::login_throttle`), with growing waits;
//! there is no account lock, so knowing an address is not enough to lock out its owner.

use std::net::IpAddr;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::session::{self, LOGIN_CSRF_COOKIE, Staff, constant_time_eq};
use crate::auth;
use crate::domain::token::SecretToken;
use crate::store;
use crate::web::errors::AppError;
use crate::web::form::{LimitedForm, SubmittedForm};
use crate::web::ratelimit::{ClientIp, Logins};
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
    ClientIp(ip): ClientIp,
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
    let now = state.clock.now();
    let throttle = throttle_key(email, ip);
    if let Some(until) = store::login_throttle::wait_until(&state.db, &throttle, now).await? {
        let seconds = ((until - now).num_milliseconds() + 999)
            .div_euclid(1000)
            .max(1);
        let message = format!(
            "Too many failed sign-ins for this address from your network. Wait {seconds} seconds, then try again."
        );
        let mut response =
            login_page(&state, StatusCode::TOO_MANY_REQUESTS, email, Some(&message))?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Ok(response);
    }
    let user = store::staff::by_email(&state.db, email)
        .await?
        .filter(|u| u.active);
    // Unknown, inactive and password-less accounts are checked against the dummy hash.
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let right = auth::verify_password(form.get("password").to_string(), stored).await;
    let user = match (user, right) {
        (Some(user), true) => user,
        (user, _) => {
            let staff = &state.settings.staff;
            // The wait counts from now, after the slow hash, not from the request.
            store::login_throttle::count_failure(
                &state.db,
                &throttle,
                state.clock.now(),
                staff.throttle_after,
                staff.throttle_max_seconds,
            )
            .await?;
            if let Some(u) = user {
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
    store::login_throttle::clear(&state.db, &throttle).await?;
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

/// The throttle's key: the address as typed (case folded) and the client's network (an
/// IPv6 client's /64, which one machine can fill with addresses), hashed together.
fn throttle_key(email: &str, ip: IpAddr) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let network = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        IpAddr::V4(v4) => v4.to_string(),
    };
    Sha256::digest(format!("{}\n{network}", email.to_lowercase())).into()
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
