//! What the people who run the portal probe: readiness for a load balancer. Liveness
//! (`/healthz`) only asks whether the database answers; readiness also asks whether its
//! schema is the one this binary was built for, so a rolling upgrade sends no traffic to
//! an instance whose migrations have not run yet.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::store;

/// `GET /readyz`: 200 when the database answers and every migration this binary knows
/// is applied; 503 otherwise, saying which (versions only, nothing personal).
pub async fn readyz(State(state): State<AppState>) -> Response {
    match store::pending_migrations(&state.db).await {
        Ok(pending) if pending.is_empty() => (StatusCode::OK, "ready").into_response(),
        Ok(pending) => {
            tracing::warn!(?pending, "readiness check: migrations not applied");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("migrations not applied: {pending:?}"),
            )
                .into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
