//! One error type at the edge: user mistakes become a readable page with the right
//! status; internal failures are logged once and shown as a generic page. A database
//! that is down or not answering is a 503 with `Retry-After`, never a 500 or a hang.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::Page;
use crate::domain::lang::{Lang, Msg};
use crate::locale::Tr;

/// What a 503 asks clients to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge(Msg),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("bad request: {}", .0.key)]
    BadRequest(Msg),
    #[error("forbidden")]
    Forbidden,
    /// A staff page without a live session: off to the sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// Signed in, but this needs another role.
    #[error("not allowed for this role")]
    NotAllowed,
    #[error("too many requests")]
    TooManyRequests,
    /// The database is stopped, restarting, frozen or out of connections.
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if crate::store::unavailable(&err) {
            AppError::Unavailable(err.into())
        } else {
            AppError::Internal(anyhow::Error::new(err).context("database"))
        }
    }
}

/// A use case's failure: a database out of reach is still a 503.
impl From<crate::service::Error> for AppError {
    fn from(err: crate::service::Error) -> Self {
        match err {
            crate::service::Error::Db(err) => err.into(),
            crate::service::Error::Mail(err) => err.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

/// The status and message of an error response, kept on it so that API routes can
/// answer in JSON what pages answer in HTML.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(anyhow::Error::new(err).context("rendering a template"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: &'a Page,
    title: String,
    message: String,
}

/// What an error page said, kept on the response so that a consumer page's error can
/// be written again in the visitor's language, with the site's header and footer
/// (`web::lang`).
#[derive(Debug, Clone)]
pub struct ErrorShown {
    status: StatusCode,
    title: &'static str,
    message: Msg,
}

impl ErrorShown {
    pub fn page(&self, page: &Page) -> Response {
        let t = page.t;
        let body = ErrorPage {
            page,
            title: t.get(self.title),
            message: t.msg(&self.message),
        }
        .render()
        .unwrap_or_else(|_| t.msg(&self.message));
        let mut response = (self.status, Html(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            retry_later(&mut response);
        }
        response
    }
}

impl AppError {
    /// The status, the title's message id and the message.
    fn parts(&self) -> (StatusCode, &'static str, Msg) {
        match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "error-not-found-title",
                "error-not-found".into(),
            ),
            AppError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "error-too-large-title",
                message.clone(),
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unreadable-title",
                "error-unsupported-media".into(),
            ),
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "error-unreadable-title",
                message.clone(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "error-forbidden-title",
                "error-forbidden".into(),
            ),
            AppError::SignInRequired => (
                StatusCode::SEE_OTHER,
                "error-sign-in-title",
                "error-sign-in".into(),
            ),
            AppError::NotAllowed => (
                StatusCode::FORBIDDEN,
                "error-forbidden-title",
                "error-not-allowed".into(),
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "error-too-many-title",
                "error-too-many".into(),
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "error-unavailable-title",
                "error-unavailable".into(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "error-internal-title",
                "error-internal".into(),
            ),
        }
    }
}

impl AppError {
    /// An internal failure whose cause is the database being out of reach is that.
    fn classified(self) -> Self {
        match self {
            AppError::Internal(err)
                if err
                    .chain()
                    .filter_map(|cause| cause.downcast_ref::<sqlx::Error>())
                    .any(crate::store::unavailable) =>
            {
                AppError::Unavailable(err)
            }
            other => other,
        }
    }
}

/// Marks a response as one to retry later.
pub fn retry_later(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let this = self.classified();
        match &this {
            AppError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "request failed")
            }
            AppError::Unavailable(err) => {
                tracing::warn!(error = format!("{err:#}"), "database unavailable")
            }
            AppError::SignInRequired => {
                return axum::response::Redirect::to("/staff/login").into_response();
            }
            _ => {}
        }
        let (status, title, message) = this.parts();
        // In English, without the business's details: staff pages and APIs see this;
        // a consumer page's error is written again in its language (`web::lang`).
        let shown = ErrorShown {
            status,
            title,
            message,
        };
        let mut response = shown.page(&Page::bare());
        response.extensions_mut().insert(Failure {
            message: Tr::new(Lang::En).msg(&shown.message),
        });
        response.extensions_mut().insert(shown);
        response
    }
}
