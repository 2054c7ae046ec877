//! The page an opt-in's link opens (`/verify/{token}` with an opt-in link): what opting
//! back in to sale/sharing means, and the consumer's own choice (reg. §7028: two steps).
//! Opening it changes nothing, since mail scanners open links; only a button does. A
//! browser that sends an opt-out preference signal is never opted in (reg. §7025(c)(3)).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::errors::AppError;
use super::gpc::Gpc;
use super::{AppState, Page, html, no_store};
use crate::domain::deadlines::opt_in_last_day;
use crate::domain::intake::RawForm;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::token;
use crate::mail::long_date;
use crate::service::{self, links::OptInChoice, links::OptInDecided as Decided};
use crate::store::verification::{LinkView, Spent};

#[derive(Template)]
#[template(path = "consumer/opt_in.html")]
struct OptInPage<'a> {
    page: Page,
    heading: &'a str,
    message: String,
    notice: Option<&'a str>,
    tracking_code: String,
    /// Where the buttons post, while the choice is still open.
    action: Option<String>,
    /// The browser sends GPC: confirming from it is not offered, and the page says why.
    gpc_conflict: bool,
    /// The last day the choice can be made, while it can.
    last_day: Option<String>,
    /// Show the link to opt out (again).
    offer_opt_out: bool,
}

/// What a page about one link says.
struct Answer<'a> {
    heading: &'a str,
    message: String,
    /// Show the link to opt out (again).
    offer_opt_out: bool,
}

/// The choice while it is open: the link's token, which the buttons post back to, and a
/// notice above them.
struct OpenChoice<'a> {
    raw: &'a str,
    notice: Option<&'a str>,
}

fn render(
    state: &AppState,
    gpc: Gpc,
    link: &LinkView,
    status: StatusCode,
    answer: Answer<'_>,
    choice: Option<OpenChoice<'_>>,
) -> Result<Response, AppError> {
    let choice_open = choice.is_some();
    let (action, notice) = match choice {
        Some(OpenChoice { raw, notice }) => (Some(format!("/verify/{raw}")), notice),
        None => (None, None),
    };
    let mut response = html(
        status,
        &OptInPage {
            page: state.page(gpc),
            heading: answer.heading,
            message: answer.message,
            notice,
            tracking_code: link.tracking_code.clone(),
            action,
            gpc_conflict: choice_open && gpc.0,
            last_day: link
                .respond_by
                .filter(|_| choice_open)
                .map(|d| long_date(opt_in_last_day(d))),
            offer_opt_out: answer.offer_opt_out,
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

fn who_asked(link: &LinkView) -> String {
    match link.drp_agent.as_deref().or(link.agent_name.as_deref()) {
        Some(agent) => format!("{agent}, an authorized agent,"),
        None => "An authorized agent".into(),
    }
}

/// The choice, as the link first shows it (or again, with a notice), while the link can
/// be used at `now`; otherwise what became of it.
fn choice_page(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
    now: DateTime<Utc>,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    if let Some(why) = link.spent(now) {
        return closed(state, gpc, link, Outcome::Spent(why));
    }
    let answer = Answer {
        heading: "Opt back in to the sale and sharing of your personal information?",
        message: format!(
            "{} asked us on your behalf to opt you back in to the sale and sharing of your personal information. \
             Only you can confirm it.",
            who_asked(link)
        ),
        offer_opt_out: false,
    };
    render(
        state,
        gpc,
        link,
        status,
        answer,
        Some(OpenChoice { raw, notice }),
    )
}

/// What became of an opt-in once its choice is closed.
enum Outcome {
    OptedIn,
    Declined,
    Spent(Spent),
}

impl Outcome {
    fn answer(self, link: &LinkView) -> Answer<'static> {
        let fulfilled = link.status == RequestStatus::Fulfilled;
        let (heading, message, offer_opt_out) = match self {
            Outcome::OptedIn => (
                "Done: you opted back in",
                "We removed your opt-out of the sale and sharing of your personal information, \
                 and sent you a confirmation by e-mail. You can opt out again at any time."
                    .into(),
                true,
            ),
            Outcome::Declined => (
                "Thank you: nothing changed",
                "You declined to opt back in. Your opt-out stays in place, and we have closed the request."
                    .into(),
                false,
            ),
            Outcome::Spent(Spent::AlreadyUsed) => (
                "This link was already used",
                format!(
                    "Your answer was already recorded with this link; there is nothing more to do. Status: {}.",
                    status_label(link)
                ),
                fulfilled,
            ),
            Outcome::Spent(Spent::Expired) => (
                "This link has expired",
                "The time to confirm this opt-in has passed, or a newer link replaced this one. \
                 If it was not confirmed, nothing changed: your opt-out stays in place."
                    .into(),
                false,
            ),
            Outcome::Spent(Spent::NotWaiting) => (
                "This opt-in no longer waits for your answer",
                format!("Its status: {}.", status_label(link)),
                fulfilled,
            ),
        };
        Answer {
            heading,
            message,
            offer_opt_out,
        }
    }
}

/// The page once the choice is closed.
fn closed(
    state: &AppState,
    gpc: Gpc,
    link: &LinkView,
    outcome: Outcome,
) -> Result<Response, AppError> {
    render(state, gpc, link, StatusCode::OK, outcome.answer(link), None)
}

fn status_label(link: &LinkView) -> &'static str {
    RequestKind::OptIn.status_label(link.status)
}

/// `GET /verify/{token}` for an opt-in's link: shows the choice; changes nothing.
pub fn open(state: &AppState, gpc: Gpc, raw: &str, link: &LinkView) -> Result<Response, AppError> {
    let now = state.clock.now();
    choice_page(state, gpc, raw, link, now, StatusCode::OK, None)
}

/// `POST /verify/{token}` for an opt-in's link: confirm or decline, in one transaction.
pub async fn choose(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
    form: &RawForm,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let choice = match form.get("decision") {
        "confirm" if gpc.0 => OptInChoice::ConfirmAgainstGpc,
        "confirm" => OptInChoice::Confirm,
        "decline" => OptInChoice::Decline,
        _ => {
            return choice_page(
                state,
                gpc,
                raw,
                link,
                now,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("Choose one of the two buttons."),
            );
        }
    };
    let decided =
        service::links::answer_opt_in(&state.db, state.rules(), &token::hash(raw), choice, now)
            .await?;
    match decided {
        Decided::OptedIn(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in confirmed");
            closed(state, gpc, &link, Outcome::OptedIn)
        }
        Decided::Declined(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in declined");
            closed(state, gpc, &link, Outcome::Declined)
        }
        Decided::NotAppliedForGpc(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in not applied: GPC signal");
            choice_page(
                state,
                gpc,
                raw,
                &link,
                now,
                StatusCode::OK,
                Some(
                    "We did not opt you in. Your browser sends a Global Privacy Control signal, which asks us not to \
                     sell or share your personal information, and we honor it. Nothing changed.",
                ),
            )
        }
        Decided::Spent(why, link) => closed(state, gpc, &link, Outcome::Spent(why)),
        // The link went away between reading and locking it: it no longer waits.
        Decided::Unknown => closed(state, gpc, link, Outcome::Spent(Spent::NotWaiting)),
    }
}
