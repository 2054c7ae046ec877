//! One error type at the edge: user mistakes become a readable page with the right
//! status; internal failures are logged once and shown as a generic page. A database
//! that is down or not answering is a 503 with `Retry-After`, never a 500 or a hang.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// What a 503 asks clients to wait before trying again, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("payload too large")]
    PayloadTooLarge(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("bad request: {0}")]
    BadRequest(String),
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
    title: &'a str,
    message: &'a str,
}

impl AppError {
    fn parts(&self) -> (StatusCode, &str, &str) {
        match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is no page at this address. Start again from the list of your rights.",
            ),
            AppError::PayloadTooLarge(message) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too much data sent",
                message.as_str(),
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The form could not be read",
                "Your browser sent the form in a format we do not accept. Please go back and send it again from the form page.",
            ),
            AppError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                message.as_str(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "This form was sent from another site, or it has expired. Open the form again on this site and send it again.",
            ),
            AppError::SignInRequired => (
                StatusCode::SEE_OTHER,
                "Please sign in",
                "Your session has ended. Please sign in again.",
            ),
            AppError::NotAllowed => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Only administrators can do this. Ask an administrator if you need it done.",
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Please wait a moment",
                "Many requests came from your network in a short time. Wait a minute, then try again.",
            ),
            AppError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again in a moment",
                "We cannot save or look up requests right now. Nothing was lost: please try again in a minute.",
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "Nothing was saved. Please try again in a few minutes.",
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
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| message.to_string());
        let mut response = (status, Html(body)).into_response();
        response.extensions_mut().insert(Failure {
            message: message.to_string(),
        });
        if let AppError::Unavailable(_) = this {
            retry_later(&mut response);
        }
        response
    }
}
