//! Bulk work from the queue: the same staff action on many selected requests. Each row
//! goes through `service::staff::act` — its own lock, the lifecycle's rules, its own
//! transaction — exactly as if it had been done from the request's page, so one refusal
//! leaves the others done, and every row reports how it ended.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::staff::{self, Acted, Action};
use super::{Error, Rules};
use crate::config::Settings;
use crate::domain::intake::RawForm;
use crate::domain::tracking::TrackingCode;

/// The most rows one bulk action takes: a page of the queue, with room to spare.
pub const MAX_ROWS: usize = 200;

/// A bulk action that changes requests (export only reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    /// Assign to a staff member, or to nobody.
    Assign(Option<Uuid>),
    CloseUnverified,
}

/// How one selected row ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowResult {
    pub tracking_code: String,
    pub done: bool,
    /// What was done, or why not.
    pub text: String,
}

/// Applies `bulk` to each request in `codes`, in order, one transaction each.
pub async fn apply(
    db: &PgPool,
    rules: Rules<'_>,
    settings: &Settings,
    staff_id: Uuid,
    codes: &[TrackingCode],
    bulk: Bulk,
    now: DateTime<Utc>,
) -> Result<Vec<RowResult>, Error> {
    let (name, form) = match bulk {
        Bulk::Assign(to) => (
            "assign",
            RawForm::from_pairs([(
                "assignee".to_string(),
                to.map(|id| id.to_string()).unwrap_or_default(),
            )]),
        ),
        Bulk::CloseUnverified => ("close_unverified", RawForm::from_pairs([])),
    };
    let mut results = Vec::with_capacity(codes.len());
    for code in codes.iter().take(MAX_ROWS) {
        let action = Action {
            name,
            form: &form,
            upload: None,
        };
        let acted = staff::act(db, rules, settings, staff_id, code.as_str(), action, now).await?;
        let (done, text) = match acted {
            Acted::Done(event) => {
                tracing::info!(staff_id = %staff_id, tracking_code = %code.as_str(), action = event.code(), "bulk staff action");
                (
                    true,
                    match bulk {
                        Bulk::Assign(None) => "Unassigned".to_string(),
                        _ => event.label().to_string(),
                    },
                )
            }
            Acted::Refused(why) => (false, why),
            Acted::NotFound => (false, "No such request.".to_string()),
        };
        results.push(RowResult {
            tracking_code: code.to_string(),
            done,
            text,
        });
    }
    Ok(results)
}
