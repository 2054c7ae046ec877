//! The page an opt-in's link opens (`/verify/{token}` with an opt-in link): what opting
//! back in to sale/sharing means, and the consumer's own choice (reg. §7028: two steps).
//! Opening it changes nothing, since mail scanners open links; only a button does. A
//! browser that sends an opt-out preference signal is never opted in (reg. §7025(c)(3)).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Days, NaiveDate};

use super::errors::AppError;
use super::gpc::Gpc;
use super::{AppState, Page, html};
use crate::domain::intake::RawForm;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::token;
use crate::domain::tracking::TrackingCode;
use crate::mail::{long_date, messages};
use crate::store::opt_in::{self, Choice, Decided};
use crate::store::verification::LinkView;

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

/// The last day the consumer can answer: the unconfirmed sweep closes the opt-in on its
/// `respond_by`, so the day before.
fn last_day(link: &LinkView) -> Option<NaiveDate> {
    link.respond_by
        .and_then(|d| d.checked_sub_days(Days::new(1)))
}

/// What a page about one link says.
struct Answer<'a> {
    status: StatusCode,
    heading: &'a str,
    message: String,
    notice: Option<&'a str>,
    choice_open: bool,
    offer_opt_out: bool,
}

fn render(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
    a: Answer<'_>,
) -> Result<Response, AppError> {
    let mut response = html(
        a.status,
        &OptInPage {
            page: state.page(gpc),
            heading: a.heading,
            message: a.message,
            notice: a.notice,
            tracking_code: link.tracking_code.clone(),
            action: a.choice_open.then(|| format!("/verify/{raw}")),
            gpc_conflict: a.choice_open && gpc.0,
            last_day: last_day(link).filter(|_| a.choice_open).map(long_date),
            offer_opt_out: a.offer_opt_out,
        },
    )?;
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

fn who_asked(link: &LinkView) -> String {
    match link.drp_agent.as_deref().or(link.agent_name.as_deref()) {
        Some(agent) => format!("{agent}, an authorized agent,"),
        None => "An authorized agent".into(),
    }
}

/// The choice, as the link first shows it (or again, with a notice).
fn choice_page(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
    status: StatusCode,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    render(
        state,
        gpc,
        raw,
        link,
        Answer {
            status,
            heading: "Opt back in to the sale and sharing of your personal information?",
            message: format!(
                "{} asked us on your behalf to opt you back in to the sale and sharing of your personal information. \
                 Only you can confirm it.",
                who_asked(link)
            ),
            notice,
            choice_open: true,
            offer_opt_out: false,
        },
    )
}

/// `GET /verify/{token}` for an opt-in's link: shows the choice; changes nothing.
pub fn open(state: &AppState, gpc: Gpc, raw: &str, link: &LinkView) -> Result<Response, AppError> {
    let now = state.clock.now();
    if link.used_at.is_some() {
        return already_used(state, gpc, raw, link);
    }
    if link.expires_at <= now {
        return expired(state, gpc, raw, link);
    }
    if link.status != RequestStatus::AwaitingVerification.code() {
        return not_waiting(state, gpc, raw, link);
    }
    choice_page(state, gpc, raw, link, StatusCode::OK, None)
}

/// `POST /verify/{token}` for an opt-in's link: confirm or decline, in one transaction.
pub async fn choose(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
    form: &RawForm,
) -> Result<Response, AppError> {
    let code = TrackingCode::parse(&link.tracking_code).unwrap_or_else(TrackingCode::generate);
    let message;
    let choice = match form.get("decision") {
        "confirm" if gpc.0 => Choice::ConfirmAgainstGpc,
        "confirm" => {
            message = messages::opted_in(&state.mail, &link.email, &code)?;
            Choice::Confirm(&message)
        }
        "decline" => {
            message = messages::opt_in_declined(&state.mail, &link.email, &code)?;
            Choice::Decline(&message)
        }
        _ => {
            return open_with_notice(state, gpc, raw, link);
        }
    };
    let decided = opt_in::decide(&state.db, &token::hash(raw), state.clock.now(), choice).await?;
    match decided {
        Decided::OptedIn(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in confirmed");
            render(
                state,
                gpc,
                raw,
                &link,
                Answer {
                    status: StatusCode::OK,
                    heading: "Done: you opted back in",
                    message: "We removed your opt-out of the sale and sharing of your personal information, \
                              and sent you a confirmation by e-mail. You can opt out again at any time."
                        .into(),
                    notice: None,
                    choice_open: false,
                    offer_opt_out: true,
                },
            )
        }
        Decided::Declined(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in declined");
            render(
                state,
                gpc,
                raw,
                &link,
                Answer {
                    status: StatusCode::OK,
                    heading: "Thank you: nothing changed",
                    message: "You declined to opt back in. Your opt-out stays in place, and we have closed the request."
                        .into(),
                    notice: None,
                    choice_open: false,
                    offer_opt_out: false,
                },
            )
        }
        Decided::NotAppliedForGpc(link) => {
            tracing::info!(tracking_code = %link.tracking_code, "opt-in not applied: GPC signal");
            choice_page(
                state,
                gpc,
                raw,
                &link,
                StatusCode::OK,
                Some(
                    "We did not opt you in. Your browser sends a Global Privacy Control signal, which asks us not to \
                     sell or share your personal information, and we honor it. Nothing changed.",
                ),
            )
        }
        Decided::AlreadyUsed(link) => already_used(state, gpc, raw, &link),
        Decided::Expired(link) => expired(state, gpc, raw, &link),
        Decided::NotWaiting(link) => not_waiting(state, gpc, raw, &link),
        Decided::Unknown => super::verify::unknown(state, gpc),
    }
}

fn open_with_notice(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
) -> Result<Response, AppError> {
    if link.used_at.is_some()
        || link.expires_at <= state.clock.now()
        || link.status != RequestStatus::AwaitingVerification.code()
    {
        return open(state, gpc, raw, link);
    }
    choice_page(
        state,
        gpc,
        raw,
        link,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("Choose one of the two buttons."),
    )
}

fn status_label(link: &LinkView) -> &'static str {
    let status = RequestStatus::parse(&link.status).unwrap_or(RequestStatus::Received);
    RequestKind::OptIn.status_label(status)
}

fn already_used(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
) -> Result<Response, AppError> {
    let fulfilled = link.status == RequestStatus::Fulfilled.code();
    render(
        state,
        gpc,
        raw,
        link,
        Answer {
            status: StatusCode::OK,
            heading: "This link was already used",
            message: format!(
                "Your answer was already recorded with this link; there is nothing more to do. Status: {}.",
                status_label(link)
            ),
            notice: None,
            choice_open: false,
            offer_opt_out: fulfilled,
        },
    )
}

fn expired(state: &AppState, gpc: Gpc, raw: &str, link: &LinkView) -> Result<Response, AppError> {
    render(
        state,
        gpc,
        raw,
        link,
        Answer {
            status: StatusCode::OK,
            heading: "This link has expired",
            message:
                "The time to confirm this opt-in has passed, or a newer link replaced this one. \
                      If it was not confirmed, nothing changed: your opt-out stays in place."
                    .into(),
            notice: None,
            choice_open: false,
            offer_opt_out: false,
        },
    )
}

fn not_waiting(
    state: &AppState,
    gpc: Gpc,
    raw: &str,
    link: &LinkView,
) -> Result<Response, AppError> {
    let fulfilled = link.status == RequestStatus::Fulfilled.code();
    render(
        state,
        gpc,
        raw,
        link,
        Answer {
            status: StatusCode::OK,
            heading: "This opt-in no longer waits for your answer",
            message: format!("Its status: {}.", status_label(link)),
            notice: None,
            choice_open: false,
            offer_opt_out: fulfilled,
        },
    )
}
