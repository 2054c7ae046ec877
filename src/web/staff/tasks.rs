//! Tasks on the staff request page (`templates/staff/request_tasks.html`): what each
//! recipient was sent and when, whether it arrived, and how it ended; and the form staff
//! use to record a task done or not done (manual recipients, or on a recipient's word).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::session::Staff;
use crate::service::tasks::{self, Asked, CompletedBy, TaskRefusal};
use crate::web::AppState;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;

/// One task as the page shows it.
pub struct TaskLine {
    pub id: i64,
    pub recipient: String,
    pub role: String,
    pub channel: String,
    pub sent: String,
    pub delivered: String,
    pub completed: String,
    pub by: String,
    pub note: String,
    /// Attempts so far, and the last error or the final failure.
    pub attempts: String,
    pub open: bool,
}

fn at(tz: Tz, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "—".into())
}

/// The tasks of one request, as shown.
pub async fn lines(state: &AppState, request_id: Uuid) -> Result<Vec<TaskLine>, AppError> {
    let tz = state.tz;
    let rows = crate::store::tasks::of_request(&state.db, request_id).await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let completed = match (&t.outcome, t.completed_at) {
                (Some(o), Some(when)) => {
                    format!("{} · {}", o.replace('_', " "), at(tz, Some(when)))
                }
                _ if t.cancelled_at.is_some() => format!("called off · {}", at(tz, t.cancelled_at)),
                _ => "open".into(),
            };
            let by = match (&t.completed_by_staff, t.completed_by.as_deref()) {
                (Some(email), _) => format!("staff {email}"),
                (None, Some("link")) => "recipient, by e-mail link".into(),
                (None, Some(other)) if other.starts_with("token:") => {
                    format!("recipient, by API ({other})")
                }
                (None, Some(other)) => other.to_string(),
                (None, None) => "—".into(),
            };
            let attempts = match (&t.failed_at, &t.last_error) {
                (Some(when), Some(e)) => {
                    format!("{} · failed {}: {e}", t.attempts, at(tz, Some(*when)))
                }
                (None, Some(e)) if t.delivered_at.is_none() => {
                    format!("{} · last error: {e}", t.attempts)
                }
                _ => t.attempts.to_string(),
            };
            TaskLine {
                id: t.id,
                recipient: t.recipient_name,
                role: t.role.replace('_', " "),
                channel: t.channel,
                sent: at(tz, t.sent_at),
                delivered: at(tz, t.delivered_at),
                completed,
                by,
                note: t.note.unwrap_or_default(),
                attempts,
                open: t.completed_at.is_none() && t.cancelled_at.is_none(),
            }
        })
        .collect())
}

/// `POST /staff/tasks/{id}/complete`: `outcome` (done | not_done) and `note`, back to
/// the request page.
pub async fn complete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let asked = Asked {
        outcome: form.get("outcome"),
        note: form.get("note"),
    };
    let now = state.clock.now();
    match tasks::complete(
        &state.db,
        &state.mail,
        id,
        CompletedBy::Staff(staff.id),
        asked,
        now,
    )
    .await?
    {
        Ok(done) => {
            tracing::info!(staff_id = %staff.id, tracking_code = %done.tracking_code, task_id = id, "task recorded");
            Ok(Redirect::to(&format!(
                "/staff/requests/{}?done=task_{}",
                done.tracking_code,
                done.outcome.code()
            ))
            .into_response())
        }
        Err(TaskRefusal::NotFound) => Err(AppError::NotFound),
        Err(why) => Err(AppError::BadRequest(
            format!("The task was not recorded: {why}.").into(),
        )),
    }
}
