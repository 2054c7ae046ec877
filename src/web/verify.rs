//! Following a verification link. Opening the link shows a button; only pressing it uses
//! the link, so mail scanners that open links do not use them up. Used, late and forged
//! links each get a page that says what to do. An opt-in's link opens the opt-in page
//! (`web::opt_in`) instead.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use super::errors::AppError;
use super::form::SubmittedForm;
use super::gpc::Gpc;
use super::{AppState, Page, html};
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::token;
use crate::domain::tracking::TrackingCode;
use crate::mail::long_date;
use crate::mail::messages;
use crate::store::verification::{self, AgentDecision, Followed, LinkView, Spent};

#[derive(Template)]
#[template(path = "consumer/verify.html")]
struct VerifyPage<'a> {
    page: Page,
    heading: &'a str,
    message: String,
    /// The form that uses the link, when it can still be used.
    confirm_action: Option<String>,
    tracking_code: Option<String>,
    offer_new_link: bool,
    agent: bool,
}

fn answer_by(link: &LinkView) -> Option<NaiveDate> {
    link.extended_respond_by.or(link.respond_by)
}

fn what(link: &LinkView) -> &'static str {
    RequestKind::parse(&link.kind).map_or("your privacy request", RequestKind::title)
}

/// What a verification page says.
struct Answer<'a> {
    status: StatusCode,
    heading: &'a str,
    message: String,
    link: Option<&'a LinkView>,
    confirm_action: Option<String>,
    offer_new_link: bool,
    /// The choice is confirm or reject an agent, not just confirm.
    agent: bool,
}

fn render(state: &AppState, gpc: Gpc, a: Answer<'_>) -> Result<Response, AppError> {
    html(
        a.status,
        &VerifyPage {
            page: state.page(gpc),
            heading: a.heading,
            message: a.message,
            confirm_action: a.confirm_action,
            tracking_code: a.link.map(|l| l.tracking_code.clone()),
            offer_new_link: a.offer_new_link,
            agent: a.agent,
        },
    )
}

pub async fn open_link(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some(link) = verification::find(&state.db, &token::hash(&raw)).await? else {
        return unknown(&state, gpc);
    };
    if link.purpose == "confirm_opt_in" {
        return super::opt_in::open(&state, gpc, &raw, &link);
    }
    if let Some(why) = link.spent(now) {
        return spent(&state, gpc, &link, why);
    }
    let agent = link.purpose == "confirm_agent";
    let (heading, message) = if agent {
        let who = match (&link.agent_name, &link.agent_organisation) {
            (Some(n), Some(o)) => format!("{n} ({o})"),
            (Some(n), None) => n.clone(),
            _ => "An agent".into(),
        };
        (
            "Did you authorize this agent?",
            format!(
                "{who} made this request for you: {}. Confirm it if you asked them to; reject it if you did not, and we will not act on it.",
                what(&link)
            ),
        )
    } else {
        (
            "Confirm your e-mail address",
            format!(
                "Press the button to confirm that you made this request: {}.",
                what(&link)
            ),
        )
    };
    render(
        &state,
        gpc,
        Answer {
            status: StatusCode::OK,
            heading,
            message,
            link: Some(&link),
            confirm_action: Some(format!("/verify/{raw}")),
            offer_new_link: false,
            agent,
        },
    )
}

pub async fn use_link(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let hash = token::hash(&raw);
    let found = verification::find(&state.db, &hash).await?;
    if let Some(link) = found.as_ref().filter(|l| l.purpose == "confirm_opt_in") {
        return super::opt_in::choose(&state, gpc, &raw, link, &form).await;
    }
    // The notice a rejection sends, prepared before the transaction that sends it.
    let rejection = match found {
        Some(link) if link.purpose == "confirm_agent" => {
            let kind = RequestKind::parse(&link.kind).unwrap_or(RequestKind::KnowCategories);
            let code =
                TrackingCode::parse(&link.tracking_code).unwrap_or_else(TrackingCode::generate);
            Some(messages::outcome(
                &state.mail,
                &link.email,
                &code,
                kind,
                messages::Outcome::Denied,
                "You told us you did not authorize the agent who filed this request, so we will not act on it.",
            )?)
        }
        _ => None,
    };
    let decision = rejection.as_ref().map(|rejection| AgentDecision {
        confirm: form.get("decision") != "reject",
        rejection,
    });
    match verification::follow(&state.db, &hash, state.clock.now(), decision).await? {
        Followed::AgentRejected(link) => render(
            &state,
            gpc,
            Answer {
                status: StatusCode::OK,
                heading: "Thank you: we will not act on this request",
                message: "You told us you did not authorize this agent. We have closed the request and told the agent.".into(),
                link: Some(&link),
                confirm_action: None,
                offer_new_link: false,
                agent: false,
            },
        ),
        Followed::Verified(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "e-mail verified");
            if let Some(back) = &link.redirect_to {
                return Ok(axum::response::Redirect::to(back).into_response());
            }
            let when = answer_by(&link).map_or_else(String::new, |d| {
                format!(" We will answer by {}.", long_date(d))
            });
            render(
                &state,
                gpc,
                Answer {
                    status: StatusCode::OK,
                    heading: "Thank you: your e-mail address is confirmed",
                    message: format!("We are now working on your request: {}.{when}", what(&link)),
                    link: Some(&link),
                    confirm_action: None,
                    offer_new_link: false,
                    agent: false,
                },
            )
        }
        Followed::Spent(why, link) => spent(&state, gpc, &link, why),
        Followed::Unknown => unknown(&state, gpc),
    }
}

fn spent(state: &AppState, gpc: Gpc, link: &LinkView, why: Spent) -> Result<Response, AppError> {
    match why {
        Spent::AlreadyUsed => already_used(state, gpc, link),
        Spent::Expired => expired(state, gpc, link),
        Spent::NotWaiting => not_waiting(state, gpc, link),
    }
}

fn already_used(state: &AppState, gpc: Gpc, link: &LinkView) -> Result<Response, AppError> {
    render(state, gpc, Answer {
            status: StatusCode::OK,
            heading: "This link was already used",
            message: "Your e-mail address was already confirmed with this link. There is nothing more to do: you can check your request's status at any time.".into(),
            link: Some(link),
            confirm_action: None,
            offer_new_link: false,
            agent: false,
        })
}

fn expired(state: &AppState, gpc: Gpc, link: &LinkView) -> Result<Response, AppError> {
    render(state, gpc, Answer {
            status: StatusCode::OK,
            heading: "This link has expired",
            message: "For your security, confirmation links work for a limited time, and only the newest one works. You can ask for a new link on the status page.".into(),
            link: Some(link),
            confirm_action: None,
            offer_new_link: link.status == RequestStatus::AwaitingVerification.code(),
            agent: false,
        })
}

fn not_waiting(state: &AppState, gpc: Gpc, link: &LinkView) -> Result<Response, AppError> {
    let status = RequestStatus::parse(&link.status).map_or("updated", RequestStatus::label);
    render(
        state,
        gpc,
        Answer {
            status: StatusCode::OK,
            heading: "No confirmation is needed any more",
            message: format!(
                "This request no longer waits for your confirmation. Its status: {status}."
            ),
            link: Some(link),
            confirm_action: None,
            offer_new_link: false,
            agent: false,
        },
    )
}

pub(super) fn unknown(state: &AppState, gpc: Gpc) -> Result<Response, AppError> {
    render(state, gpc, Answer {
            status: StatusCode::NOT_FOUND,
            heading: "This link is not valid",
            message: "The link may have been copied incompletely. Open it again from the e-mail, or ask for a new one on the status page with your tracking code.".into(),
            link: None,
            confirm_action: None,
            offer_new_link: true,
            agent: false,
        })
}
