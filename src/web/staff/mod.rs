//! The staff console under `/staff`. Every route but sign-in and invitations takes a
//! `Staff` (or `Admin`) extractor, so none can be reached without a live session.

pub mod agents;
pub mod intake;
pub mod login;
pub mod metrics;
pub mod queue;
pub mod request;
pub mod session;
pub mod users;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(|| async { Redirect::to("/staff/requests") }))
        .route("/staff/login", get(login::form).post(login::submit))
        .route("/staff/logout", post(login::logout))
        .route("/staff/metrics", get(metrics::page))
        .route("/staff/metrics.csv", get(metrics::csv))
        .route("/staff/metrics.html", get(metrics::publishable))
        .route("/staff/requests", get(queue::list))
        .route("/staff/requests.csv", get(queue::export_csv))
        .route(
            "/staff/requests/new",
            get(intake::form).post(intake::submit),
        )
        .route("/staff/requests/{code}", get(request::show))
        .route("/staff/requests/{code}/letter", get(intake::letter))
        .route("/staff/requests/{code}/files/{id}", get(request::download))
        .route("/staff/requests/{code}/{action}", post(request::act))
        .route("/staff/users", get(users::list).post(users::invite))
        .route("/staff/users/{id}/role", post(users::set_role))
        .route("/staff/users/{id}/deactivate", post(users::deactivate))
        .route("/staff/agents", get(agents::list).post(agents::add))
        .route("/staff/agents/{id}/trusted", post(agents::set_trusted))
        .route(
            "/staff/account",
            get(users::account).post(users::change_password),
        )
        .route(
            "/staff/invite/{token}",
            get(users::invite_form).post(users::accept_invite),
        )
}
