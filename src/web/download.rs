//! Downloading a response package: the link from the e-mail, then the e-mail address,
//! then a one-time code sent to it. Each download needs its own code, so a second device
//! proves control of the address again, and every download is recorded.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;

use super::errors::AppError;
use super::form::SubmittedForm;
use super::gpc::Gpc;
use super::lang::Locale;
use super::{AppState, Page, html};
use crate::domain::email::EmailAddress;
use crate::domain::token;
use crate::domain::tracking::TrackingCode;
use crate::mail::deferred::Slot;
use crate::mail::messages;
use crate::store::{self, downloads::Link};

#[derive(Template)]
#[template(path = "consumer/download.html")]
struct DownloadPage<'a> {
    page: Page,
    action: String,
    /// Which form to show: "email", "code", or none.
    step: &'a str,
    message: Option<String>,
    error: Option<String>,
    email_value: &'a str,
}

/// What the download page shows at one step; `message` and `error` are message ids.
struct View<'a> {
    status: StatusCode,
    step: &'a str,
    message: Option<&'static str>,
    error: Option<&'static str>,
    email_value: &'a str,
}

fn show(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    raw: &str,
    v: View<'_>,
) -> Result<Response, AppError> {
    let t = locale.tr();
    let business = &state.settings.business.name;
    let mut response = html(
        v.status,
        &DownloadPage {
            page: state.page(gpc, locale),
            action: format!("/download/{raw}"),
            step: v.step,
            message: v.message.map(|key| t.arg(key, "business", business)),
            error: v.error.map(|key| t.get(key)),
            email_value: v.email_value,
        },
    )?;
    crate::web::no_store(&mut response);
    Ok(response)
}

/// A link that cannot be used any more, and why.
fn gone(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    raw: &str,
    why: Gone,
) -> Result<Response, AppError> {
    let (status, message) = match why {
        Gone::Unknown => (StatusCode::NOT_FOUND, "download-invalid"),
        Gone::Expired => (StatusCode::NOT_FOUND, "download-expired"),
        Gone::Locked => (StatusCode::LOCKED, "download-locked"),
    };
    show(
        state,
        gpc,
        locale,
        raw,
        View {
            status,
            step: "",
            message: Some(message),
            error: None,
            email_value: "",
        },
    )
}

/// Why a download link no longer works.
#[derive(Debug, Clone, Copy)]
enum Gone {
    Unknown,
    Expired,
    /// Too many wrong addresses or codes, on the current code or on the link in all.
    Locked,
}

/// The link, when it exists, has not expired and is not locked by wrong tries.
async fn live_link(state: &AppState, raw: &str) -> Result<Result<Link, Gone>, AppError> {
    let now = state.clock.now();
    let limits = &state.settings.responses;
    Ok(
        match store::downloads::find(&state.db, &token::hash(raw)).await? {
            None => Err(Gone::Unknown),
            Some(link) if link.expires_at <= now => Err(Gone::Expired),
            Some(link)
                if link.code_attempts >= limits.code_attempts
                    || link.failed_attempts >= limits.link_attempts =>
            {
                Err(Gone::Locked)
            }
            Some(link) => Ok(link),
        },
    )
}

pub async fn open(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    match live_link(&state, &raw).await? {
        Ok(link) => show(
            &state,
            gpc,
            &locale.unless_chosen(link.language),
            &raw,
            View {
                status: StatusCode::OK,
                step: "email",
                message: None,
                error: None,
                email_value: "",
            },
        ),
        Err(why) => gone(&state, gpc, &locale, &raw, why),
    }
}

/// The e-mail step: when the address is the request's, a one-time code is sent to it.
pub async fn ask_code(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    locale: Locale,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let link = match live_link(&state, &raw).await? {
        Ok(link) => link,
        Err(why) => {
            return gone(&state, gpc, &locale, &raw, why);
        }
    };
    let locale = &locale.unless_chosen(link.language);
    let typed = form.get("email");
    let matches =
        EmailAddress::parse(typed).is_ok_and(|e| e.as_str().eq_ignore_ascii_case(&link.email));
    if !matches {
        store::downloads::count_wrong_try(&state.db, link.id).await?;
        return show(
            &state,
            gpc,
            locale,
            &raw,
            View {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                step: "email",
                message: None,
                error: Some("download-wrong-email"),
                email_value: typed,
            },
        );
    }
    let now = state.clock.now();
    // The code is made when its message is sent; the link's earlier code ends now.
    let slot = Slot::DownloadCode {
        link_id: link.id,
        expires_at: now + Duration::minutes(state.settings.responses.code_minutes),
    };
    let code =
        TrackingCode::stored(&link.tracking_code).map_err(|e| AppError::Internal(e.into()))?;
    let message = messages::download_code(
        &state.mail.in_lang(link.language),
        &link.email,
        &code,
        &slot.placeholder(&state.mail),
        state.settings.responses.code_minutes,
    )?
    .with_slot(slot);
    let mut tx = state.db.begin().await?;
    store::downloads::end_code(&mut tx, link.id).await?;
    store::outbox::enqueue(&mut tx, Some(link.request_id), &message, now).await?;
    tx.commit().await?;
    show(
        &state,
        gpc,
        locale,
        &raw,
        View {
            status: StatusCode::OK,
            step: "code",
            message: Some("download-code-sent"),
            error: None,
            email_value: "",
        },
    )
}

/// The code step: a right code is spent, the download recorded, and the file sent.
pub async fn download(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    locale: Locale,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let link = match live_link(&state, &raw).await? {
        Ok(link) => link,
        Err(why) => {
            return gone(&state, gpc, &locale, &raw, why);
        }
    };
    let locale = &locale.unless_chosen(link.language);
    let typed: String = form
        .get("code")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let now = state.clock.now();
    let max_failures = state.settings.responses.link_attempts;
    if !store::downloads::spend_code(&state.db, link.id, &token::hash(&typed), now, max_failures)
        .await?
    {
        store::downloads::count_wrong_try(&state.db, link.id).await?;
        return show(
            &state,
            gpc,
            locale,
            &raw,
            View {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                step: "code",
                message: None,
                error: Some("download-wrong-code"),
                email_value: "",
            },
        );
    }
    let (filename, content_type, bytes) = store::downloads::package(&state.db, link.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(tracking_code = %link.tracking_code, "response package downloaded");
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
