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
use crate::domain::kinds::{LinkPurpose, RequestKind, RequestStatus};
use crate::domain::token;
use crate::mail::long_date;
use crate::service::{self, links::AgentChoice, links::Followed};
use crate::store::verification::{self, LinkView, Spent};

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
    /// The consumer signs the declaration for specific pieces on this page.
    declaration: bool,
    declaration_error: Option<&'a str>,
}

fn answer_by(link: &LinkView) -> Option<NaiveDate> {
    link.extended_respond_by.or(link.respond_by)
}

fn what(link: &LinkView) -> &'static str {
    link.kind.title()
}

/// An agent's filing for specific pieces: the consumer signs the declaration when they
/// confirm the agent (reg. §7063).
fn signs_declaration(link: &LinkView) -> bool {
    link.purpose == LinkPurpose::ConfirmAgent && link.kind == RequestKind::KnowSpecific
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
    declaration_error: Option<&'a str>,
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
            declaration: a.agent && a.link.is_some_and(signs_declaration),
            declaration_error: a.declaration_error,
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
    if link.purpose == LinkPurpose::ConfirmOptIn {
        return super::opt_in::open(&state, gpc, &raw, &link);
    }
    if let Some(why) = link.spent(now) {
        return spent(&state, gpc, &link, why);
    }
    let agent = link.purpose == LinkPurpose::ConfirmAgent;
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
            declaration_error: None,
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
    if let Some(link) = found
        .as_ref()
        .filter(|l| l.purpose == LinkPurpose::ConfirmOptIn)
    {
        return super::opt_in::choose(&state, gpc, &raw, link, &form).await;
    }
    let declared = form.is_yes("declaration_agree");
    let typed = form.get("declaration_name").trim();
    let choice = found
        .as_ref()
        .filter(|l| l.purpose == LinkPurpose::ConfirmAgent)
        .map(|_| AgentChoice {
            confirm: form.get("decision") != "reject",
            declaration_name: (declared && !typed.is_empty() && typed.chars().count() <= 200)
                .then_some(typed),
        });
    let followed =
        service::links::follow(&state.db, state.rules(), &hash, choice, state.clock.now()).await?;
    match followed {
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
                declaration_error: None,
            },
        ),
        Followed::NeedsDeclaration(link) => render(
            &state,
            gpc,
            Answer {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: "Did you authorize this agent?",
                message: format!(
                    "To confirm this request for you ({}), sign the declaration below.",
                    what(&link)
                ),
                link: Some(&link),
                confirm_action: Some(format!("/verify/{raw}")),
                offer_new_link: false,
                agent: true,
                declaration_error: Some(
                    "Type your full name and tick the box to sign the declaration.",
                ),
            },
        ),
        Followed::Used { link, verified } => {
            tracing::info!(tracking_code = %link.tracking_code, verified, "consumer link used");
            // Back to the agent only on the site it registered, as registered now.
            let back = link.redirect_to.as_deref().and_then(|to| {
                super::drp::safe_redirect(to, link.drp_agent_site.as_deref())
            });
            if let Some(back) = back {
                return Ok(axum::response::Redirect::to(&back).into_response());
            }
            let when = answer_by(&link).map_or_else(String::new, |d| {
                format!(" We will answer by {}.", long_date(d))
            });
            let (heading, message) = if verified {
                (
                    "Thank you: your e-mail address is confirmed",
                    format!("We are now working on your request: {}.{when}", what(&link)),
                )
            } else {
                (
                    "Thank you: your e-mail address is confirmed",
                    format!(
                        "We still need to match a few details against our records before we can act on your request: {}. We may contact you about them.{when}",
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
                    confirm_action: None,
                    offer_new_link: false,
                    agent: false,
                    declaration_error: None,
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
            declaration_error: None,
        })
}

fn expired(state: &AppState, gpc: Gpc, link: &LinkView) -> Result<Response, AppError> {
    render(state, gpc, Answer {
            status: StatusCode::OK,
            heading: "This link has expired",
            message: "For your security, confirmation links work for a limited time, and only the newest one works. You can ask for a new link on the status page.".into(),
            link: Some(link),
            confirm_action: None,
            offer_new_link: link.status == RequestStatus::AwaitingVerification,
            agent: false,
            declaration_error: None,
        })
}

fn not_waiting(state: &AppState, gpc: Gpc, link: &LinkView) -> Result<Response, AppError> {
    let status = link.kind.status_label(link.status);
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
            declaration_error: None,
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
            declaration_error: None,
        })
}
