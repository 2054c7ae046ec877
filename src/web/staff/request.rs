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
use crate::domain::console::{self, Offer, Step};
use crate::domain::kinds::{DataPoint, EventKind, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::service::{self, staff::Acted, staff::Action};
use crate::store;
use crate::store::detail::{self, Detail};
use crate::web::errors::AppError;
use crate::web::form::{Package, SubmittedForm};
use crate::web::{AppState, html};

/// A row of the audit trail as shown: a sentence, the status change, and the event's
/// data as key: value.
struct TrailLine {
    at: String,
    who: String,
    sentence: String,
    change: String,
    data: Vec<(String, String)>,
}

/// An event's JSON data as key: value lines, keys made readable.
fn data_lines(data: &serde_json::Value) -> Vec<(String, String)> {
    let Some(object) = data.as_object() else {
        return Vec::new();
    };
    object
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let key = k.replace('_', " ");
            let mut key_chars = key.chars();
            let key = match key_chars.next() {
                Some(first) => first.to_uppercase().chain(key_chars).collect(),
                None => key,
            };
            let value = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            (key, value)
        })
        .collect()
}

/// A status code from the trail, as staff read it.
fn status_text(code: &str) -> &'static str {
    RequestStatus::parse(code).map_or("Unknown", console::status_label)
}

#[derive(Template)]
#[template(path = "staff/request.html")]
struct RequestPage<'a> {
    business: &'a str,
    me: Option<Me>,
    r: &'a Detail,
    kind_title: &'static str,
    kind_label: &'static str,
    status_label: &'static str,
    channel_label: &'static str,
    /// The business's time zone, named on the page: every time shown is in it.
    tz_label: String,
    received: String,
    declaration_at: Option<String>,
    /// What the rules allow next, most likely first.
    offers: Vec<Offer>,
    /// The queue's filters this page was opened from, and the next request in them.
    view: String,
    next: Option<String>,
    my_id: String,
    assigned_to_me: bool,
    /// Response templates for this kind: (id, name, outcome code).
    templates: Vec<(String, String, &'static str)>,
    /// A template picked for an action: (action code, filled text).
    prefill: Option<(&'static str, String)>,
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
    outcome: Option<&'static str>,
    staff: Vec<store::staff::StaffUser>,
    denial_reasons: Vec<&'static DenialReason>,
    /// What the decision was passed on to (`staff/request_tasks.html`).
    tasks: Vec<super::tasks::TaskLine>,
    latest_extension: Option<NaiveDate>,
    done: Option<String>,
    error: Option<String>,
    is_know: bool,
    /// An opt-in: only the consumer confirms it, so staff get no verify, extend or
    /// fulfil actions.
    consumer_confirms: bool,
    /// Record, access trail and fresh download link (`staff/request_records.html`).
    records: super::records::Part,
    /// A "Shine the Light" request's panel (`staff/request_stl.html`).
    stl: Option<crate::web::shine_the_light::Panel>,
}

impl RequestPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }

    /// The text an action's explanation starts with: a picked template's, or nothing.
    fn prefill_for(&self, action: &str) -> &str {
        match &self.prefill {
            Some((a, text)) if *a == action => text,
            _ => "",
        }
    }

    fn kind_text(&self, k: &RequestKind) -> &'static str {
        console::kind_label(*k)
    }

    fn status_text(&self, s: &RequestStatus) -> &'static str {
        console::status_label(*s)
    }

    fn has_templates_for(&self, action: &str) -> bool {
        self.templates.iter().any(|(_, _, o)| *o == action)
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
    view: Option<String>,
    template: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let r = find(&state, &code).await?;
    let extra = Extra {
        view: q.view.unwrap_or_default(),
        template: q.template.and_then(|t| t.parse().ok()),
    };
    super::records::seen(
        &state,
        &staff,
        &r,
        crate::store::records::Viewed::RequestPage,
    )
    .await?;
    render(
        &state,
        &staff,
        &r,
        StatusCode::OK,
        q.done
            .and_then(|d| EventKind::parse(&d).ok())
            .map(|e| e.label().to_string()),
        None,
        &extra,
    )
    .await
}

/// What the page carries beyond the request: the queue view it came from, a template
/// picked for an explanation.
#[derive(Default)]
pub(super) struct Extra {
    view: String,
    template: Option<Uuid>,
}

/// The request after `r` in the queue view `view` (its query string), if any.
async fn next_in_view(
    state: &AppState,
    staff: &Staff,
    r: &Detail,
    view: &str,
) -> Result<Option<String>, AppError> {
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(view) else {
        return Ok(None);
    };
    let params = pairs.into_iter().collect();
    let today = state.clock.today(state.tz);
    let next =
        super::queue::next_after(state, staff.id, &params, r.id, r.due_on, r.closed_at, today)
            .await?;
    Ok(next.map(|code| {
        let view = serde_urlencoded::to_string([("view", view)]).unwrap_or_default();
        format!("/staff/requests/{code}?{view}")
    }))
}

pub(super) async fn find(state: &AppState, code: &str) -> Result<Detail, AppError> {
    let code = TrackingCode::parse(code).ok_or(AppError::NotFound)?;
    detail::by_code(&state.db, code.as_str())
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) async fn render(
    state: &AppState,
    staff: &Staff,
    r: &Detail,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
    extra: &Extra,
) -> Result<Response, AppError> {
    let today = state.clock.today(state.tz);
    let when = |at: &chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&state.tz)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
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
    let show = |e: &&detail::EventRow| {
        let who = match &e.actor {
            Some(a) => format!("{} {a}", e.actor_type),
            None => e.actor_type.clone(),
        };
        TrailLine {
            at: when(&e.at),
            sentence: console::event_sentence(e.action, &who),
            who,
            change: match (&e.from_status, &e.to_status) {
                (Some(f), Some(t)) if f != t => {
                    format!("Status: {} → {}", status_text(f), status_text(t))
                }
                (None, Some(t)) => format!("Status: {}", status_text(t)),
                _ => String::new(),
            },
            data: data_lines(&e.data),
        }
    };
    // A purged request has no address left: it is no one's "other request".
    let frequency_warning = match (kind.is_know(), r.email.as_deref()) {
        (true, Some(email)) if !email.is_empty() => {
            detail::know_requests_in_year(&state.db, email, r.id, r.received_at).await? >= 2
        }
        _ => false,
    };
    let templates = store::console::templates_for(&state.db, kind).await?;
    let prefill = match extra.template {
        Some(id) => templates.iter().find(|t| t.id == id).and_then(|t| {
            let step = console::Step::parse(&t.outcome)?;
            let values = console::TemplateValues {
                consumer_name: r.full_name.as_deref(),
                tracking_code: &r.tracking_code,
                deadline: facts.governing_deadline(),
                received: facts.received_on,
                kind,
                business: &state.settings.business.name,
            };
            Some((step.code(), console::fill(&t.body, &values)))
        }),
        None => None,
    };
    let offers = console::offers(&facts, today, &state.settings.verification);
    let next = if extra.view.is_empty() {
        None
    } else {
        next_in_view(state, staff, r, &extra.view).await?
    };
    let tz_now = state.clock.now().with_timezone(&state.tz);
    let page = RequestPage {
        business: &state.settings.business.name,
        me: Some(Me::from(staff)),
        r,
        kind_title: kind.title(),
        kind_label: console::kind_label(kind),
        status_label: console::status_label(r.status),
        channel_label: console::channel_label(r.channel),
        tz_label: format!("{} ({})", state.tz.name(), tz_now.format("%Z")),
        received: when(&r.received_at),
        declaration_at: r.declaration_signed_at.as_ref().map(when),
        offers,
        view: extra.view.clone(),
        next,
        my_id: staff.id.to_string(),
        assigned_to_me: r.assignee_id == Some(staff.id),
        templates: templates
            .iter()
            .filter_map(|t| {
                let step = console::Step::parse(&t.outcome)?;
                Some((t.id.to_string(), t.name.clone(), step.code()))
            })
            .collect(),
        prefill,
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
            Some(email) if !email.is_empty() => detail::others(&state.db, email, r.id).await?,
            _ => Vec::new(),
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
        outcome: r.outcome_code.as_deref().map(actions::outcome_label),
        staff: store::staff::all(&state.db)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .collect(),
        denial_reasons: actions::denial_reasons(kind).collect(),
        tasks: super::tasks::lines(state, r.id).await?,
        latest_extension: r.respond_by.map(|_| {
            crate::domain::deadlines::latest_extension(
                r.received_at.with_timezone(&state.tz).date_naive(),
            )
        }),
        done,
        error,
        is_know: kind.is_know(),
        consumer_confirms: kind == RequestKind::OptIn,
        records: super::records::Part::of(state, r).await?,
        stl: crate::web::shine_the_light::panel(state, r).await?,
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
    super::records::seen(&state, &staff, &r, crate::store::records::Viewed::File(id)).await?;
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

#[derive(Template)]
#[template(path = "staff/confirm.html")]
struct ConfirmPage<'a> {
    business: &'a str,
    me: Option<Me>,
    tracking_code: &'a str,
    kind_label: &'static str,
    step: Step,
    /// The fields typed with the action, carried to the confirmed post.
    fields: Vec<(&'static str, String)>,
    /// What they say, for reading before confirming.
    reason_label: Option<&'static str>,
    explanation: String,
    view: String,
}

impl ConfirmPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

/// The fields a destructive action may carry.
const CONFIRMED_FIELDS: &[&str] = &["reason", "explanation", "view"];

/// The step before a destructive action: the page shows what is about to be done, and
/// only its button posts the action. Works without script.
async fn confirm(
    state: &AppState,
    staff: &Staff,
    code: &TrackingCode,
    form: &crate::domain::intake::RawForm,
) -> Result<Response, AppError> {
    let step = Step::parse(form.get("intent"))
        .filter(|s| s.destructive())
        .ok_or_else(|| {
            AppError::BadRequest("intent: not an action that needs confirming".into())
        })?;
    let r = find(state, code.as_str()).await?;
    let page = ConfirmPage {
        business: &state.settings.business.name,
        me: Some(Me::from(staff)),
        tracking_code: code.as_str(),
        kind_label: console::kind_label(r.kind),
        step,
        fields: CONFIRMED_FIELDS
            .iter()
            .map(|f| (*f, form.get(f).to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        reason_label: actions::denial_reason(r.kind, form.get("reason")).map(|d| d.label),
        explanation: form.get("explanation").trim().to_string(),
        view: form.get("view").to_string(),
    };
    let mut response = html(StatusCode::OK, &page)?;
    crate::web::no_store(&mut response);
    Ok(response)
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
    if action == "confirm" {
        return confirm(&state, &staff, &code, &form).await;
    }
    let view = form.get("view").to_string();
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
            let extra = Extra {
                view,
                template: None,
            };
            render(
                &state,
                &staff,
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
                &extra,
            )
            .await
        }
        Acted::Done(done) => {
            tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), action = done.code(), "staff action");
            let mut to = format!("/staff/requests/{}?done={done}", code.as_str());
            if !view.is_empty() {
                to.push('&');
                to.push_str(&serde_urlencoded::to_string([("view", &view)]).unwrap_or_default());
            }
            Ok(Redirect::to(&to).into_response())
        }
    }
}
