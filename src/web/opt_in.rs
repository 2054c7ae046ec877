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
use super::lang::Locale;
use super::{AppState, Page, html, no_store};
use crate::domain::deadlines::opt_in_last_day;
use crate::domain::intake::RawForm;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::token;
use crate::locale::Tr;
use crate::service::{self, links::OptInChoice, links::OptInDecided as Decided};
use crate::store::verification::{LinkView, Spent};

#[derive(Template)]
#[template(path = "consumer/opt_in.html")]
struct OptInPage {
    page: Page,
    heading: String,
    message: String,
    notice: Option<String>,
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
struct Answer {
    /// A message id.
    heading: &'static str,
    message: String,
    /// Show the link to opt out (again).
    offer_opt_out: bool,
}

/// The choice while it is open: the link's token, which the buttons post back to, and a
/// notice above them.
struct OpenChoice<'a> {
    raw: &'a str,
    /// A message id.
    notice: Option<&'static str>,
}

fn render(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    link: &LinkView,
    status: StatusCode,
    answer: Answer,
    choice: Option<OpenChoice<'_>>,
) -> Result<Response, AppError> {
    let t = locale.tr();
    let choice_open = choice.is_some();
    let (action, notice) = match choice {
        Some(OpenChoice { raw, notice }) => (Some(format!("/verify/{raw}")), notice),
        None => (None, None),
    };
    let mut response = html(
        status,
        &OptInPage {
            page: state.page(gpc, locale),
            heading: t.get(answer.heading),
            message: answer.message,
            notice: notice.map(|key| t.get(key)),
            tracking_code: link.tracking_code.clone(),
            action,
            gpc_conflict: choice_open && gpc.0,
            last_day: link
                .respond_by
                .filter(|_| choice_open)
                .map(|d| t.date(opt_in_last_day(d))),
            offer_opt_out: answer.offer_opt_out,
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

fn who_asked(t: &Tr, link: &LinkView) -> String {
    match link.drp_agent.as_deref().or(link.agent_name.as_deref()) {
        Some(agent) => t.arg("opt-in-asked-by-named", "agent", agent),
        None => t.get("opt-in-asked-by-agent"),
    }
}

/// The choice, as the link first shows it (or again, with a notice), while the link can
/// be used at `now`; otherwise what became of it.
#[expect(clippy::too_many_arguments, reason = "one page, each part of it given")]
fn choice_page(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    raw: &str,
    link: &LinkView,
    now: DateTime<Utc>,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    if let Some(why) = link.spent(now) {
        return closed(state, gpc, locale, link, Outcome::Spent(why));
    }
    let t = locale.tr();
    let answer = Answer {
        heading: "opt-in-heading",
        message: who_asked(&t, link),
        offer_opt_out: false,
    };
    render(
        state,
        gpc,
        locale,
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
    fn answer(self, t: &Tr, link: &LinkView) -> Answer {
        let fulfilled = link.status == RequestStatus::Fulfilled;
        let (heading, message, offer_opt_out) = match self {
            Outcome::OptedIn => ("opt-in-done-heading", t.get("opt-in-done-message"), true),
            Outcome::Declined => (
                "opt-in-declined-heading",
                t.get("opt-in-declined-message"),
                false,
            ),
            Outcome::Spent(Spent::AlreadyUsed) => (
                "verify-used-heading",
                t.arg("opt-in-used-message", "status", status_label(t, link)),
                fulfilled,
            ),
            Outcome::Spent(Spent::Expired) => (
                "verify-expired-heading",
                t.get("opt-in-expired-message"),
                false,
            ),
            Outcome::Spent(Spent::NotWaiting) => (
                "opt-in-not-waiting-heading",
                t.arg("opt-in-status", "status", status_label(t, link)),
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
    locale: &Locale,
    link: &LinkView,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let answer = outcome.answer(&locale.tr(), link);
    render(state, gpc, locale, link, StatusCode::OK, answer, None)
}

fn status_label(t: &Tr, link: &LinkView) -> String {
    t.status_label(Some(RequestKind::OptIn), link.status)
}

/// `GET /verify/{token}` for an opt-in's link: shows the choice; changes nothing.
pub fn open(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
    raw: &str,
    link: &LinkView,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    choice_page(state, gpc, locale, raw, link, now, StatusCode::OK, None)
}

/// `POST /verify/{token}` for an opt-in's link: confirm or decline, in one transaction.
pub async fn choose(
    state: &AppState,
    gpc: Gpc,
    locale: &Locale,
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
                locale,
                raw,
                link,
                now,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("opt-in-choose-one"),
            );
        }
    };
    let decided =
        service::links::answer_opt_in(&state.db, state.rules(), &token::hash(raw), choice, now)
            .await?;
    match decided {
        Decided::OptedIn(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in confirmed");
            closed(state, gpc, locale, &link, Outcome::OptedIn)
        }
        Decided::Declined(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in declined");
            closed(state, gpc, locale, &link, Outcome::Declined)
        }
        Decided::NotAppliedForGpc(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in not applied: GPC signal");
            choice_page(
                state,
                gpc,
                locale,
                raw,
                &link,
                now,
                StatusCode::OK,
                Some("opt-in-not-applied-gpc"),
            )
        }
        Decided::Spent(why, link) => closed(state, gpc, locale, &link, Outcome::Spent(why)),
        // The link went away between reading and locking it: it no longer waits.
        Decided::Unknown => closed(state, gpc, locale, link, Outcome::Spent(Spent::NotWaiting)),
    }
}
