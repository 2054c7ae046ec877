//! The consumer's pages: the rights, one form per kind, the confirmation, the status
//! look-up. No account, ever.

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::errors::AppError;
use super::form::{LimitedForm, SubmittedForm};
use super::gpc::Gpc;
use super::lang::Locale;
use super::ratelimit::{StatusLookups, Submissions};
use super::{AppState, Page, browser_only, html, no_store};
use crate::domain::deadlines::Deadlines;
use crate::domain::email::EmailAddress;
use crate::domain::intake::{self, FieldErrors, RawForm};
use crate::domain::kinds::{LinkPurpose, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::mail::{self, DatedStep, long_date, messages};
use crate::service;
use crate::store;

/// A right as listed on the home page.
struct Right {
    code: &'static str,
    title: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "consumer/home.html")]
struct HomePage {
    page: Page,
    rights: Vec<Right>,
}

pub async fn home(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    let t = locale.tr();
    let rights = RequestKind::RIGHTS
        .iter()
        .map(|k| Right {
            code: k.code(),
            title: t.kind_title(*k),
            summary: t.kind_summary(*k),
        })
        .collect();
    html(
        StatusCode::OK,
        &HomePage {
            page: state.page(gpc, &locale),
            rights,
        },
    )
}

/// The kind in `/requests/new/{kind}`; an unknown kind is a 404 before any body is read.
pub struct KindPath(RequestKind);

impl FromRequestParts<AppState> for KindPath {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(code) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound)?;
        RequestKind::parse_right(&code)
            .map(KindPath)
            .map_err(|_| AppError::NotFound)
    }
}

#[derive(Template)]
#[template(path = "consumer/form.html")]
struct FormPage<'a> {
    page: Page,
    kind_code: &'static str,
    title: String,
    summary: String,
    identity: bool,
    lookback: bool,
    declaration: bool,
    correction: bool,
    upload_mb: usize,
    form: &'a RawForm,
    errors: &'a FieldErrors,
    notice: Option<String>,
    /// How long requests are kept, for the notice at collection.
    retention_months: i64,
}

impl FormPage<'_> {
    fn value(&self, name: &str) -> &str {
        self.form.get(name)
    }

    /// The field's error, in the page's language.
    fn error(&self, name: &str) -> Option<String> {
        self.page.t.field_error(self.errors, name)
    }

    /// Every error, in the order of the fields, in the page's language.
    fn error_list(&self) -> Vec<(&'static str, String)> {
        self.page.t.field_errors(self.errors)
    }

    /// The "filing for someone else" disclosure starts open only when it was used.
    fn agent_open(&self) -> bool {
        self.form.is_yes("for_someone_else")
            || agent_fields().iter().any(|f| self.errors.get(f).is_some())
    }
}

/// The fields behind the "filing for someone else" disclosure: the form's last, from
/// its checkbox on.
fn agent_fields() -> &'static [&'static str] {
    let start = intake::FORM_ORDER
        .iter()
        .position(|f| *f == "for_someone_else")
        .unwrap_or(intake::FORM_ORDER.len());
    &intake::FORM_ORDER[start..]
}

#[expect(clippy::too_many_arguments, reason = "one page, each part of it given")]
fn form_page(
    state: &AppState,
    status: StatusCode,
    gpc: Gpc,
    locale: &Locale,
    kind: RequestKind,
    form: &RawForm,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, AppError> {
    let t = locale.tr();
    html(
        status,
        &FormPage {
            page: state.page(gpc, locale),
            kind_code: kind.code(),
            title: t.kind_title(kind),
            summary: t.kind_summary(kind),
            identity: kind.needs_verification(),
            lookback: kind.is_know(),
            declaration: kind == RequestKind::KnowSpecific,
            correction: kind == RequestKind::Correct,
            upload_mb: state.settings.http.upload_bytes / (1024 * 1024),
            form,
            errors,
            notice: notice.map(|key| t.get(key)),
            retention_months: i64::from(state.settings.retention.months),
        },
    )
}

pub async fn new_request(
    State(state): State<AppState>,
    KindPath(kind): KindPath,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    form_page(
        &state,
        StatusCode::OK,
        gpc,
        &locale,
        kind,
        &RawForm::default(),
        &FieldErrors::default(),
        None,
    )
}

#[derive(Template)]
#[template(path = "consumer/submitted.html")]
struct SubmittedPage {
    page: Page,
    tracking_code: TrackingCode,
    email: String,
    needs_verification: bool,
    dates: Vec<DatedStep>,
    gpc_opt_out: Option<TrackingCode>,
}

pub async fn submit_request(
    State(state): State<AppState>,
    KindPath(kind): KindPath,
    gpc: Gpc,
    locale: Locale,
    headers: axum::http::HeaderMap,
    LimitedForm {
        mut submitted,
        over_limit,
        ..
    }: LimitedForm<Submissions>,
) -> Result<Response, AppError> {
    let document = submitted.take("document");
    let permission = submitted.take("permission");
    let form = submitted.form;
    if !kind.needs_verification() && form.get("record") == "browser" && !over_limit {
        return browser_only::submit(&state, kind, gpc, &locale, &headers).await;
    }
    // A file cannot be put back into a file input: if the form comes back, the page
    // says so at the field and in the summary.
    let attached: Vec<&'static str> = [("document", &document), ("permission", &permission)]
        .into_iter()
        .filter(|(_, u)| u.as_ref().is_some_and(|u| !u.bytes.is_empty()))
        .map(|(field, _)| field)
        .collect();
    if over_limit {
        let notice = "form-notice-too-many";
        return form_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            gpc,
            &locale,
            kind,
            &form,
            &FieldErrors::default(),
            Some(notice),
        );
    }
    let request = match intake::parse(
        kind,
        &form,
        document,
        permission,
        state.settings.http.upload_bytes,
    ) {
        // Filed in the page's language: every e-mail about it will be too.
        Ok(request) => intake::NewRequest {
            language: locale.lang,
            ..request
        },
        Err(mut errors) => {
            for field in attached {
                if errors.get(field).is_none() {
                    errors.add(field, "error-attach-again");
                }
            }
            let errors = errors.in_order_of(intake::FORM_ORDER);
            return form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                gpc,
                &locale,
                kind,
                &form,
                &errors,
                None,
            );
        }
    };
    let request = Arc::new(request);
    let filed = service::intake::file(&state.intake(), &request, gpc.0, state.clock.now()).await;
    let stored = match filed.map_err(AppError::from) {
        Ok(stored) => stored,
        Err(AppError::Unavailable(err)) => {
            tracing::warn!(error = format!("{err:#}"), "database unavailable");
            let notice = "form-notice-unavailable";
            let mut response = form_page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                gpc,
                &locale,
                kind,
                &form,
                &FieldErrors::default(),
                Some(notice),
            )?;
            super::errors::retry_later(&mut response);
            return Ok(response);
        }
        Err(err) => return Err(err),
    };
    let page = SubmittedPage {
        page: state.page(gpc, &locale),
        tracking_code: stored.tracking_code,
        email: request
            .email
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        needs_verification: kind.needs_verification(),
        dates: mail::consumer_dates(&locale.tr(), &stored.deadlines),
        gpc_opt_out: stored.gpc_opt_out,
    };
    let mut response = html(StatusCode::OK, &page)?;
    no_store(&mut response);
    Ok(response)
}

/// What the status page shows of one request.
struct StatusResult {
    awaiting_verification: bool,
    /// What the consumer's link is for, when the request waits for it.
    link_for: String,
    tracking_code: String,
    kind_title: String,
    status_label: String,
    received: String,
    dates: Vec<DatedStep>,
    extension_reason: Option<String>,
    /// The outcome, rendered from its code, and staff's explanation.
    outcome: Option<String>,
    outcome_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "consumer/status.html")]
struct StatusPage<'a> {
    page: Page,
    code_value: &'a str,
    email_value: &'a str,
    errors: FieldErrors,
    not_found: bool,
    notice: Option<&'static str>,
    result: Option<StatusResult>,
}

impl StatusPage<'_> {
    /// The field's error, in the page's language.
    fn error(&self, name: &str) -> Option<String> {
        self.page.t.field_error(&self.errors, name)
    }

    /// Every error, in the order of the fields, in the page's language.
    fn error_list(&self) -> Vec<(&'static str, String)> {
        self.page.t.field_errors(&self.errors)
    }
}

pub async fn status_form(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    html(
        StatusCode::OK,
        &StatusPage {
            page: state.page(gpc, &locale),
            code_value: "",
            email_value: "",
            errors: FieldErrors::default(),
            not_found: false,
            notice: None,
            result: None,
        },
    )
}

pub async fn status_lookup(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
    form: LimitedForm<StatusLookups>,
) -> Result<Response, AppError> {
    look_up(state, gpc, locale, form, false).await
}

/// The status page's "send me a new link": the same look-up, then a fresh link for a
/// request that still waits for verification.
pub async fn resend_link(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
    form: LimitedForm<StatusLookups>,
) -> Result<Response, AppError> {
    look_up(state, gpc, locale, form, true).await
}

async fn look_up(
    state: AppState,
    gpc: Gpc,
    locale: Locale,
    LimitedForm {
        submitted: SubmittedForm { form, .. },
        over_limit,
        ..
    }: LimitedForm<StatusLookups>,
    resend: bool,
) -> Result<Response, AppError> {
    let mut page = StatusPage {
        page: state.page(gpc, &locale),
        code_value: form.get("tracking_code"),
        email_value: form.get("email"),
        errors: FieldErrors::default(),
        not_found: false,
        notice: None,
        result: None,
    };
    if over_limit {
        page.notice = Some("status-notice-too-many");
        return html(StatusCode::TOO_MANY_REQUESTS, &page);
    }
    let code = TrackingCode::parse(page.code_value);
    if code.is_none() {
        page.errors.add("tracking_code", "error-tracking-code");
    }
    let email = EmailAddress::parse(page.email_value)
        .map_err(|message| page.errors.add("email", message))
        .ok();
    let (Some(code), Some(email)) = (code, email) else {
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match store::requests::find_for_consumer(&state.db, &code, &email).await? {
        Some(view) => {
            let waiting =
                view.status == RequestStatus::AwaitingVerification && !view.consumer_answered;
            if resend && waiting {
                page.notice = Some(match send_new_link(&state, &view, &code).await? {
                    NewLink::Sent => "status-notice-link-sent",
                    NewLink::NoneNeeded => "status-notice-no-link-needed",
                    NewLink::Capped => "status-notice-capped",
                });
            }
            page.result = Some(status_result(&state, &locale.tr(), view));
        }
        None => page.not_found = true,
    }
    let status = if page.not_found {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let mut response = html(status, &page)?;
    no_store(&mut response);
    Ok(response)
}

/// What asking for a new link came to.
enum NewLink {
    Sent,
    /// The request gets no consumer link (a power of attorney).
    NoneNeeded,
    /// The address had its unsolicited mail for the day: earlier links keep working.
    Capped,
}

/// Sends a new link with the purpose of the first one (confirm the e-mail, confirm or
/// reject an agent, confirm or decline an opt-in), unless the address had its
/// unsolicited mail for the day (anyone who knows a tracking code and its address can
/// ask).
async fn send_new_link(
    state: &AppState,
    view: &store::requests::ConsumerView,
    code: &TrackingCode,
) -> Result<NewLink, AppError> {
    let now = state.clock.now();
    // The link itself is created by the worker when it sends the message.
    let url = state.mail.link_slot_url();
    let mut expires = now + chrono::Duration::days(state.settings.worker.verification_link_days);
    if let (RequestKind::OptIn, Some(respond_by)) = (view.kind, view.respond_by) {
        // An opt-in's link works until the opt-in lapses, at the start of `respond_by`.
        expires = expires.min(crate::clock::start_of_day(state.tz, respond_by));
    }
    let mut tx = state.db.begin().await?;
    let purpose = service::links::purpose(&mut tx, view.id).await?;
    // In the language the request was filed in, whatever this page's.
    let ctx = &state.mail.in_lang(view.language);
    let Some(purpose) = purpose else {
        return Ok(NewLink::NoneNeeded);
    };
    let message = match purpose {
        LinkPurpose::ConfirmOptIn => {
            let last_day = crate::domain::deadlines::opt_in_last_day(
                view.respond_by.unwrap_or(now.date_naive()),
            );
            messages::opt_in_link(ctx, &view.email, code, last_day, &url)?
        }
        LinkPurpose::ConfirmAgent => {
            messages::agent_confirmation_link(ctx, &view.email, code, &url)?
        }
        LinkPurpose::VerifyEmail => messages::verification_link(ctx, &view.email, code, &url)?,
    }
    .with_link(purpose, expires);
    let cap = state.settings.mail.unsolicited_per_day;
    if !store::outbox::enqueue_unsolicited(&mut tx, Some(view.id), &message, now, cap).await? {
        tx.commit().await?;
        return Ok(NewLink::Capped);
    }
    store::verification::retire(&mut tx, &[view.id], now).await?;
    store::events::record(
        &mut tx,
        now,
        store::events::Event::without_change(
            view.id,
            store::events::Actor::Consumer,
            crate::domain::kinds::EventKind::VerificationLinkRequested,
            serde_json::json!({ "purpose": purpose.code() }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(NewLink::Sent)
}

fn status_result(
    state: &AppState,
    t: &crate::locale::Tr,
    v: store::requests::ConsumerView,
) -> StatusResult {
    let kind = Some(v.kind);
    let status = Some(v.status);
    let gets_link = LinkPurpose::of_request(v.kind, agent_authority(&v)).is_some();
    let open = !v.status.is_closed();
    let mut dates = Vec::new();
    if open {
        let deadline = Deadlines {
            confirm_by: None,
            respond_by: v.extended_respond_by.or(v.respond_by),
            comply_by: v.comply_by,
        };
        dates = mail::consumer_dates(t, &deadline);
    }
    if let Some(closed) = v.closed_at {
        dates.push(DatedStep {
            label: t.get("date-closed-on"),
            date: long_date(t, closed.with_timezone(&state.tz).date_naive()),
        });
    }
    StatusResult {
        // The consumer is asked for their link only while it is unused and they get one.
        awaiting_verification: status == Some(RequestStatus::AwaitingVerification)
            && !v.consumer_answered
            && gets_link,
        link_for: t.get(match LinkPurpose::of_request(v.kind, agent_authority(&v)) {
            Some(LinkPurpose::ConfirmOptIn) => "status-link-for-opt-in",
            Some(LinkPurpose::ConfirmAgent) => "status-link-for-agent",
            _ => "status-link-for-email",
        }),
        tracking_code: v.tracking_code,
        kind_title: kind.map_or_else(|| t.get("status-privacy-request"), |k| t.kind_title(k)),
        status_label: match (kind, status) {
            (Some(kind), Some(RequestStatus::AwaitingVerification))
                if kind != RequestKind::OptIn && (v.consumer_answered || !gets_link) =>
            {
                t.get("status-checking-identity")
            }
            (kind, Some(status)) => t.status_label(kind, status),
            _ => t.get("status-in_progress"),
        },
        received: long_date(t, v.received_at.with_timezone(&state.tz).date_naive()),
        dates,
        extension_reason: v.extension_reason,
        outcome: v.outcome_code.as_deref().map(|code| t.outcome(code)),
        outcome_reason: v.outcome_reason,
    }
}

fn agent_authority(v: &store::requests::ConsumerView) -> Option<crate::domain::kinds::Authority> {
    v.agent_authority
        .as_deref()
        .and_then(|a| crate::domain::kinds::Authority::parse(a).ok())
}

#[derive(Template)]
#[template(path = "agent/status.html")]
struct AgentStatusPage {
    page: Page,
    r: StatusResult,
}

/// `/agent/status/{token}`: the agent follows a request they filed, from the link in
/// their receipt; no other request is reachable from it.
pub async fn agent_status(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    let view = store::requests::find_for_agent(&state.db, &crate::domain::token::hash(&raw))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut response = html(
        StatusCode::OK,
        &AgentStatusPage {
            page: state.page(gpc, &locale),
            r: status_result(&state, &locale.tr(), view),
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
