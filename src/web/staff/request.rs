//! `/staff/requests/{tracking_code}`: everything about one request, and every action on
//! it. Each action locks the request, checks the rules, writes the change, its audit
//! event and any e-mail in one transaction.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use super::login::Me;
use super::session::Staff;
use crate::domain::actions::{self, DenialReason};
use crate::domain::kinds::{DataPoint, EventKind, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::service::{self, staff::Acted, staff::Action};
use crate::store;
use crate::store::detail::{self, Detail};
use crate::web::errors::AppError;
use crate::web::form::{Package, SubmittedForm};
use crate::web::{AppState, html};

/// A row of the audit trail as shown.
struct TrailLine {
    at: String,
    who: String,
    what: String,
    change: String,
    data: String,
}

#[derive(Template)]
#[template(path = "staff/request.html")]
struct RequestPage<'a> {
    business: &'a str,
    me: Option<Me>,
    r: &'a Detail,
    kind_title: &'static str,
    open: bool,
    days_left: Option<i64>,
    internal_target: Option<NaiveDate>,
    trail: Vec<TrailLine>,
    notes: Vec<TrailLine>,
    files: Vec<detail::AttachmentRow>,
    /// How it came and what the channels add (`staff/request_channels.html`).
    channels: Option<store::channels::Facts>,
    others: Vec<detail::OtherRequest>,
    frequency_warning: bool,
    /// The distinct data points matched so far, as staff read them.
    points: Vec<&'static str>,
    points_needed: usize,
    /// What verification still lacks.
    missing: Vec<String>,
    /// Points staff may still record.
    point_options: Vec<(&'static str, &'static str)>,
    needs_points: bool,
    awaiting: bool,
    is_verified: bool,
    outcome: Option<&'static str>,
    staff: Vec<store::staff::StaffUser>,
    denial_reasons: Vec<&'static DenialReason>,
    recipients: Vec<(usize, &'a str, bool)>,
    latest_extension: Option<NaiveDate>,
    done: Option<String>,
    error: Option<String>,
    is_delete: bool,
    is_know: bool,
    /// Staff may still accept or reject the agent's authority.
    authority_open: bool,
    /// An opt-in: only the consumer confirms it, so staff get no verify, extend or
    /// fulfil actions.
    consumer_confirms: bool,
}

impl RequestPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let r = find(&state, &code).await?;
    render(
        &state,
        &staff,
        &r,
        StatusCode::OK,
        done.done.map(|d| d.replace('_', " ")),
        None,
    )
    .await
}

async fn find(state: &AppState, code: &str) -> Result<Detail, AppError> {
    let code = TrackingCode::parse(code).ok_or(AppError::NotFound)?;
    detail::by_code(&state.db, code.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

async fn render(
    state: &AppState,
    staff: &Staff,
    r: &Detail,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let today = state.clock.today(state.tz);
    let facts = {
        let mut conn = state.db.acquire().await?;
        store::lifecycle::read(&mut conn, store::lifecycle::Key::Id(r.id))
            .await?
            .ok_or(AppError::NotFound)?
            .facts(state.tz)
    };
    let kind = r.kind;
    let open = r.closed_at.is_none();
    let events = detail::events(&state.db, r.id).await?;
    let (notes, trail): (Vec<_>, Vec<_>) = events
        .iter()
        .partition(|e| e.action == EventKind::NoteAdded);
    let show = |e: &&detail::EventRow| TrailLine {
        at: e
            .at
            .with_timezone(&state.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        who: match &e.actor {
            Some(a) => format!("{} {a}", e.actor_type),
            None => e.actor_type.clone(),
        },
        what: e.action.code().replace('_', " "),
        change: match (&e.from_status, &e.to_status) {
            (Some(f), Some(t)) => format!("{f} → {t}"),
            (None, Some(t)) => format!("→ {t}"),
            _ => String::new(),
        },
        data: if e.data.as_object().is_some_and(|o| o.is_empty()) {
            String::new()
        } else {
            e.data.to_string()
        },
    };
    let frequency_warning = match (kind.is_know(), r.email.as_deref()) {
        (true, Some(email)) => {
            detail::know_requests_in_year(&state.db, email, r.id, r.received_at).await? >= 2
        }
        _ => false,
    };
    let notified: Vec<String> = detail::deletion_notices(&state.db, r.id)
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let page = RequestPage {
        business: &state.settings.business.name,
        me: Some(Me::from(staff)),
        r,
        kind_title: kind.title(),
        open,
        days_left: r.due_on.map(|d| (d - today).num_days()),
        internal_target: r
            .due_on
            .map(|d| d - Duration::days(i64::from(state.settings.deadlines.internal_target_days))),
        trail: trail.iter().map(show).collect(),
        notes: notes.iter().map(show).collect(),
        files: detail::attachments(&state.db, r.id).await?,
        channels: store::channels::facts(&state.db, r.id).await?,
        others: match r.email.as_deref() {
            Some(email) => detail::others(&state.db, email, r.id).await?,
            None => Vec::new(),
        },
        frequency_warning,
        points: facts.points.iter().map(|p| p.label()).collect(),
        points_needed: state.settings.verification.points_needed(kind),
        missing: if r.status == RequestStatus::AwaitingVerification {
            facts
                .missing(&state.settings.verification)
                .into_iter()
                .map(|m| m.describe())
                .collect()
        } else {
            Vec::new()
        },
        point_options: DataPoint::ALL
            .iter()
            .filter(|p| !facts.points.contains(p))
            .map(|p| (p.code(), p.label()))
            .collect(),
        needs_points: open && kind.needs_verification() && kind != RequestKind::OptIn,
        awaiting: r.status == RequestStatus::AwaitingVerification,
        is_verified: r.status == RequestStatus::Verified,
        outcome: r.outcome_code.as_deref().map(actions::outcome_label),
        staff: store::staff::all(&state.db)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .collect(),
        denial_reasons: actions::denial_reasons(kind).collect(),
        recipients: state
            .settings
            .staff
            .deletion_recipients
            .iter()
            .enumerate()
            .map(|(i, name)| (i, name.as_str(), notified.contains(name)))
            .collect(),
        latest_extension: r.respond_by.map(|_| {
            crate::domain::deadlines::latest_extension(
                r.received_at.with_timezone(&state.tz).date_naive(),
            )
        }),
        done,
        error,
        is_delete: kind == RequestKind::Delete,
        is_know: kind.is_know(),
        authority_open: open && r.agent_authority_state.as_deref() == Some("pending"),
        consumer_confirms: kind == RequestKind::OptIn,
    };
    let mut response = html(status, &page)?;
    crate::web::no_store(&mut response);
    Ok(response)
}

/// A file of the request, to staff only, never rendered inline.
pub async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    let r = find(&state, &code).await?;
    let (filename, content_type, bytes) = detail::attachment_content(&state.db, r.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tracing::info!(staff_id = %staff.id, tracking_code = %r.tracking_code, "attachment downloaded");
    let safe_name: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path((code, action)): Path<(String, String)>,
    mut submitted: SubmittedForm<Package>,
) -> Result<Response, AppError> {
    let upload = submitted.take("package");
    let form = submitted.form;
    staff.check_csrf(&form)?;
    let code = TrackingCode::parse(&code).ok_or(AppError::NotFound)?;
    let action = Action {
        name: &action,
        form: &form,
        upload,
    };
    let now = state.clock.now();
    match service::staff::act(
        &state.db,
        state.rules(),
        &state.settings,
        staff.id,
        code.as_str(),
        action,
        now,
    )
    .await?
    {
        Acted::NotFound => Err(AppError::NotFound),
        Acted::Refused(why) => {
            let r = find(&state, code.as_str()).await?;
            render(
                &state,
                &staff,
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await
        }
        Acted::Done(done) => {
            tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), action = done.code(), "staff action");
            Ok(
                Redirect::to(&format!("/staff/requests/{}?done={done}", code.as_str()))
                    .into_response(),
            )
        }
    }
}
