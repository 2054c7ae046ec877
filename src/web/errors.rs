//! One error type at the edge: user mistakes become a readable page with the right
//! status; internal failures are logged once and shown as a generic page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        AppError::Internal(anyhow::Error::new(err).context("database"))
    }
}

impl From<crate::service::Error> for AppError {
    fn from(err: crate::service::Error) -> Self {
        AppError::Internal(anyhow::Error::new(err))
    }
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
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "Nothing was saved. Please try again in a few minutes.",
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(err) = &self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        }
        if let AppError::SignInRequired = self {
            return axum::response::Redirect::to("/staff/login").into_response();
        }
        let (status, title, message) = self.parts();
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| message.to_string());
        (status, Html(body)).into_response()
    }
}
