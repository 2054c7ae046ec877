//! `/tasks/complete/{token}`: where an e-mail recipient records a task done or not done
//! (with why, e.g. an exception). Opening the link changes nothing; the form's POST
//! spends it. No CSRF token: the link itself is the secret, single-use and expiring,
//! and only its hash is stored.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::AppError;
use super::form::SubmittedForm;
use super::{AppState, Page, html};
use crate::service::tasks::{self, Asked, TaskRefusal};
use crate::store::tasks::LockedTask;

/// The task the link opened, as the page names it.
struct Shown {
    recipient: String,
    tracking_code: String,
    what: &'static str,
}

#[derive(Template)]
#[template(path = "recipient/task_complete.html")]
struct CompletePage<'a> {
    page: Page,
    heading: &'a str,
    message: &'a str,
    task: Option<Shown>,
    token: &'a str,
    /// The field at fault and what to fix.
    error: Option<(&'static str, String)>,
    outcome: &'a str,
    note: &'a str,
}

/// A recipient's page: written for the business's partners, in English, with no
/// language switch.
fn page(state: &AppState) -> Page {
    Page {
        business: state.settings.business.name.clone(),
        gpc: false,
        t: crate::locale::Tr::default(),
        switch_href: String::new(),
        contact: state.mail.contact.clone(),
    }
}

fn shown(t: &LockedTask) -> Shown {
    Shown {
        recipient: t.recipient_name.clone(),
        tracking_code: t.tracking_code.clone(),
        what: t.request_kind.title(),
    }
}

fn spent(state: &AppState) -> Result<Response, AppError> {
    let mut response = html(
        StatusCode::NOT_FOUND,
        &CompletePage {
            page: page(state),
            heading: "This link no longer works",
            message: "It was used already, has expired, or the request was withdrawn. If you still need to tell us about this task, reply to the e-mail that brought you here.",
            task: None,
            token: "",
            error: None,
            outcome: "",
            note: "",
        },
    )?;
    super::no_store(&mut response);
    Ok(response)
}

pub async fn open_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(task) = tasks::by_link(&state.db, &token, state.clock.now()).await? else {
        return spent(&state);
    };
    let mut response = html(
        StatusCode::OK,
        &CompletePage {
            page: page(&state),
            heading: "Confirm the privacy request was carried out",
            message: "",
            task: Some(shown(&task)),
            token: &token,
            error: None,
            outcome: "",
            note: "",
        },
    )?;
    super::no_store(&mut response);
    Ok(response)
}

pub async fn use_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let asked = Asked {
        outcome: form.get("outcome"),
        note: form.get("note"),
    };
    let now = state.clock.now();
    let done = tasks::complete_by_link(&state.db, &state.mail, &token, asked, now).await?;
    let refusal = match done {
        Ok(done) => {
            tracing::info!(tracking_code = %done.tracking_code, task_id = done.task_id, "task recorded by its recipient");
            let mut response = html(
                StatusCode::OK,
                &CompletePage {
                    page: page(&state),
                    heading: "Thank you: recorded",
                    message: "We recorded your answer with the request. There is nothing more to do.",
                    task: None,
                    token: "",
                    error: None,
                    outcome: "",
                    note: "",
                },
            )?;
            super::no_store(&mut response);
            return Ok(response);
        }
        Err(TaskRefusal::NotFound | TaskRefusal::AlreadyCompleted | TaskRefusal::Cancelled) => {
            return spent(&state);
        }
        Err(why) => why,
    };
    // A mistake in the form: the link is not spent; show it again with what to fix.
    let Some(task) = tasks::by_link(&state.db, &token, now).await? else {
        return spent(&state);
    };
    let field = match refusal {
        TaskRefusal::NoOutcome => "outcome",
        _ => "note",
    };
    let mut text = refusal.to_string();
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let mut response = html(
        StatusCode::UNPROCESSABLE_ENTITY,
        &CompletePage {
            page: page(&state),
            heading: "Confirm the privacy request was carried out",
            message: "",
            task: Some(shown(&task)),
            token: &token,
            error: Some((field, format!("{text}."))),
            outcome: form.get("outcome"),
            note: form.get("note"),
        },
    )?;
    super::no_store(&mut response);
    Ok(response)
}
