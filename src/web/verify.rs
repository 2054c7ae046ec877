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
use super::lang::Locale;
use super::{AppState, Page, html};
use crate::domain::kinds::{LinkPurpose, RequestKind, RequestStatus};
use crate::domain::token;
use crate::locale::Tr;
use crate::service::{self, links::AgentChoice, links::Followed};
use crate::store::verification::{self, LinkView, Spent};

#[derive(Template)]
#[template(path = "consumer/verify.html")]
struct VerifyPage {
    page: Page,
    heading: String,
    message: String,
    /// The form that uses the link, when it can still be used.
    confirm_action: Option<String>,
    tracking_code: Option<String>,
    offer_new_link: bool,
    agent: bool,
    /// The consumer signs the declaration for specific pieces on this page.
    declaration: bool,
    declaration_error: Option<String>,
}

fn answer_by(link: &LinkView) -> Option<NaiveDate> {
    link.extended_respond_by.or(link.respond_by)
}

fn what(t: &Tr, link: &LinkView) -> String {
    t.kind_title(link.kind)
}

/// An agent's filing for specific pieces: the consumer signs the declaration when they
/// confirm the agent (reg. §7063).
fn signs_declaration(link: &LinkView) -> bool {
    link.purpose == LinkPurpose::ConfirmAgent && link.kind == RequestKind::KnowSpecific
}

/// What a verification page says.
struct Answer<'a> {
    status: StatusCode,
    /// A message id.
    heading: &'static str,
    message: String,
    link: Option<&'a LinkView>,
    confirm_action: Option<String>,
    offer_new_link: bool,
    /// The choice is confirm or reject an agent, not just confirm.
    agent: bool,
    /// A message id.
    declaration_error: Option<&'static str>,
}

fn render(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    a: Answer<'_>,
) -> Result<Response, AppError> {
    let t = locale.tr();
    html(
        a.status,
        &VerifyPage {
            page: state.page(gpc, locale),
            heading: t.get(a.heading),
            message: a.message,
            confirm_action: a.confirm_action,
            tracking_code: a.link.map(|l| l.tracking_code.clone()),
            offer_new_link: a.offer_new_link,
            agent: a.agent,
            declaration: a.agent && a.link.is_some_and(signs_declaration),
            declaration_error: a.declaration_error.map(|key| t.get(key)),
        },
    )
}

pub async fn open_link(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some(link) = verification::find(&state.db, &token::hash(&raw)).await? else {
        return unknown(&state, gpc, &locale);
    };
    let locale = &locale.unless_chosen(link.language);
    let t = locale.tr();
    if link.purpose == LinkPurpose::ConfirmOptIn {
        return super::opt_in::open(&state, gpc, locale, &raw, &link);
    }
    if let Some(why) = link.spent(now) {
        return spent(&state, gpc, locale, &link, why);
    }
    let agent = link.purpose == LinkPurpose::ConfirmAgent;
    let (heading, message) = if agent {
        let who = match (&link.agent_name, &link.agent_organisation) {
            (Some(n), Some(o)) => format!("{n} ({o})"),
            (Some(n), None) => n.clone(),
            _ => t.get("verify-an-agent"),
        };
        (
            "verify-agent-heading",
            t.args(
                "verify-agent-message",
                &[("who", &who), ("kind", &what(&t, &link))],
            ),
        )
    } else {
        (
            "verify-email-heading",
            t.arg("verify-email-message", "kind", what(&t, &link)),
        )
    };
    render(
        &state,
        gpc,
        locale,
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
    locale: Locale,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let hash = token::hash(&raw);
    let found = verification::find(&state.db, &hash).await?;
    let locale = &match &found {
        Some(link) => locale.unless_chosen(link.language),
        None => locale,
    };
    let t = locale.tr();
    if let Some(link) = found
        .as_ref()
        .filter(|l| l.purpose == LinkPurpose::ConfirmOptIn)
    {
        return super::opt_in::choose(&state, gpc, locale, &raw, link, &form).await;
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
            locale,
            Answer {
                status: StatusCode::OK,
                heading: "verify-rejected-heading",
                message: t.get("verify-rejected-message"),
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
            locale,
            Answer {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                heading: "verify-agent-heading",
                message: t.arg("verify-sign-below", "kind", what(&t, &link)),
                link: Some(&link),
                confirm_action: Some(format!("/verify/{raw}")),
                offer_new_link: false,
                agent: true,
                declaration_error: Some("verify-declaration-error"),
            },
        ),
        Followed::Used { link, verified } => {
            tracing::info!(tracking_code = %link.tracking_code, verified, "consumer link used");
            // Back to the agent only on the site it registered, as registered now.
            let back = link
                .redirect_to
                .as_deref()
                .and_then(|to| super::drp::safe_redirect(to, link.drp_agent_site.as_deref()));
            if let Some(back) = back {
                return Ok(axum::response::Redirect::to(&back).into_response());
            }
            let when = answer_by(&link).map_or_else(String::new, |d| {
                format!(" {}", t.arg("verify-answer-by", "date", t.date(d)))
            });
            let message = if verified {
                t.arg("verify-confirmed-working", "kind", what(&t, &link))
            } else {
                t.arg("verify-confirmed-matching", "kind", what(&t, &link))
            };
            render(
                &state,
                gpc,
                locale,
                Answer {
                    status: StatusCode::OK,
                    heading: "verify-confirmed-heading",
                    message: format!("{message}{when}"),
                    link: Some(&link),
                    confirm_action: None,
                    offer_new_link: false,
                    agent: false,
                    declaration_error: None,
                },
            )
        }
        Followed::Spent(why, link) => spent(&state, gpc, locale, &link, why),
        Followed::Unknown => unknown(&state, gpc, locale),
    }
}

/// A link that no longer works: used, out of date, or its request past verification.
/// Only an out-of-date link to a request still waiting offers a fresh one.
fn spent(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    link: &LinkView,
    why: Spent,
) -> Result<Response, AppError> {
    let t = locale.tr();
    let (heading, message, offer_new_link) = match why {
        Spent::AlreadyUsed => ("verify-used-heading", t.get("verify-used-message"), false),
        Spent::Expired => (
            "verify-expired-heading",
            t.get("verify-expired-message"),
            link.status == RequestStatus::AwaitingVerification,
        ),
        Spent::NotWaiting => {
            let status = t.status_label(Some(link.kind), link.status);
            (
                "verify-not-waiting-heading",
                t.arg("verify-not-waiting-message", "status", status),
                false,
            )
        }
    };
    render(
        state,
        gpc,
        locale,
        Answer {
            status: StatusCode::OK,
            heading,
            message,
            link: Some(link),
            confirm_action: None,
            offer_new_link,
            agent: false,
            declaration_error: None,
        },
    )
}

pub(super) fn unknown(state: &AppState, gpc: Gpc, locale: &Locale) -> Result<Response, AppError> {
    render(
        state,
        gpc,
        locale,
        Answer {
            status: StatusCode::NOT_FOUND,
            heading: "verify-invalid-heading",
            message: locale.tr().get("verify-invalid-message"),
            link: None,
            confirm_action: None,
            offer_new_link: true,
            agent: false,
            declaration_error: None,
        },
    )
}
