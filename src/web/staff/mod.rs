//! The staff console under `/staff`. Every route but sign-in and invitations takes a
//! `Staff` (or `Admin`) extractor, so none can be reached without a live session.

pub mod agents;
pub mod console;
pub mod intake;
pub mod login;
pub mod metrics;
pub mod queue;
pub mod recipients;
pub mod records;
pub mod request;
pub mod session;
pub mod tasks;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use super::shine_the_light as stl;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(console::router())
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
        .route("/staff/requests/{code}/record", get(records::page))
        .route("/staff/requests/{code}/record.json", get(records::json))
        .route(
            "/staff/requests/{code}/download_link",
            post(records::fresh_link),
        )
        .route("/staff/requests/{code}/{action}", post(request::act))
        .route("/staff/requests/{code}/stl-letter", get(stl::letter))
        .route(
            "/staff/requests/{code}/stl-undesignated",
            post(stl::mark_undesignated),
        )
        .route("/staff/shine-the-light", get(stl::record))
        .route("/staff/shine-the-light/{year}/{action}", post(stl::change))
        .route("/staff/users", get(users::list).post(users::invite))
        .route("/staff/users/{id}/role", post(users::set_role))
        .route("/staff/users/{id}/deactivate", post(users::deactivate))
        .route("/staff/users/{id}/invite", post(users::invite_again))
        .route("/staff/agents", get(agents::list).post(agents::add))
        .route("/staff/agents/{id}/trusted", post(agents::set_trusted))
        .route("/staff/tokens", get(tokens::list).post(tokens::create))
        .route("/staff/tokens/{id}/revoke", post(tokens::revoke))
        .route("/staff/tasks/{id}/complete", post(tasks::complete))
        .route(
            "/staff/recipients",
            get(recipients::list).post(recipients::add),
        )
        .route(
            "/staff/recipients/{id}/deactivate",
            post(recipients::deactivate),
        )
        .route("/staff/recipients/{id}/rotate", post(recipients::rotate))
        .route(
            "/staff/account",
            get(users::account).post(users::change_password),
        )
        .route(
            "/staff/invite/{token}",
            get(users::invite_form).post(users::accept_invite),
        )
}
