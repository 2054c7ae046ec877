//! `/staff/requests/{tracking_code}`: everything about one request, and every action on
//! it. Each action locks the request, checks the rules, writes the change, its audit
//! event and any e-mail in one transaction.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate};
use serde_json::json;
use uuid::Uuid;

use super::login::Me;
use super::session::Staff;
use crate::domain::actions::{self, DenialReason, Facts, Refusal};
use crate::domain::intake::{RawForm, Upload};
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::package::PackageType;
use crate::domain::token::SecretToken;
use crate::domain::tracking::TrackingCode;
use crate::mail::OutgoingMessage;
use crate::mail::messages::{self, Outcome};
use crate::store::detail::{self, Change, Detail};
use crate::store::downloads::NewPackage;
use crate::store::events::{self, Actor, Event};
use crate::store::{self, outbox};
use crate::web::errors::AppError;
use crate::web::form::{Package, SubmittedForm};
use crate::web::{AppState, html};

const TEXT_MAX: usize = 5000;

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
    others: Vec<detail::OtherRequest>,
    frequency_warning: bool,
    data_points: i64,
    points_needed: usize,
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
    let kind = RequestKind::parse(&r.kind).unwrap_or(RequestKind::KnowCategories);
    let open = r.closed_at.is_none();
    let events = detail::events(&state.db, r.id).await?;
    let (notes, trail): (Vec<_>, Vec<_>) = events.iter().partition(|e| e.action == "note_added");
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
        what: e.action.replace('_', " "),
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
    let data_points = events
        .iter()
        .filter(|e| matches!(e.action.as_str(), "email_verified" | "data_point_recorded"))
        .count() as i64;
    let frequency_warning = kind.is_know()
        && detail::know_requests_in_year(&state.db, &r.email, r.id, r.received_at).await? >= 2;
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
        others: detail::others(&state.db, &r.email, r.id).await?,
        frequency_warning,
        data_points,
        points_needed: actions::data_points_needed(kind),
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
        authority_open: matches!(
            r.agent_authority_state.as_deref(),
            Some("pending" | "confirmed")
        ),
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

/// The response package of a request to know: required for a copy of specific pieces,
/// optional for categories, and only JSON, CSV or ZIP.
fn checked_package(
    kind: RequestKind,
    upload: Option<Upload>,
) -> Result<Option<(PackageType, Vec<u8>, SecretToken)>, Refused> {
    let upload = upload.filter(|u| !u.bytes.is_empty());
    if !kind.is_know() {
        return Ok(None);
    }
    match upload {
        None if kind == RequestKind::KnowSpecific => Err(Refused(
            "Attach the response package: a copy of the information is delivered as a file.".into(),
        )),
        None => Ok(None),
        Some(u) => {
            let package = PackageType::sniff(&u.bytes)
                .ok_or_else(|| Refused("Attach the package as a JSON, CSV or ZIP file.".into()))?;
            Ok(Some((package, u.bytes, SecretToken::generate())))
        }
    }
}

/// A refused action: the page again, with why.
struct Refused(String);

impl From<Refusal> for Refused {
    fn from(r: Refusal) -> Self {
        let mut text = r.to_string();
        if let Some(first) = text.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Refused(format!("{text}."))
    }
}

fn required<'a>(form: &'a RawForm, field: &str, what: &str) -> Result<&'a str, Refused> {
    let value = form.get(field).trim();
    if value.is_empty() {
        return Err(Refused(format!("Enter {what}.")));
    }
    if value.chars().count() > TEXT_MAX {
        return Err(Refused(format!("Keep {what} under {TEXT_MAX} characters.")));
    }
    Ok(value)
}

fn optional<'a>(form: &'a RawForm, field: &str) -> Result<&'a str, Refused> {
    let value = form.get(field).trim();
    if value.chars().count() > TEXT_MAX {
        return Err(Refused(format!(
            "Keep the text under {TEXT_MAX} characters."
        )));
    }
    Ok(value)
}

/// What an action decided: the row change, the trail entry, the e-mail.
struct Decision {
    change: Change,
    action: &'static str,
    to: Option<RequestStatus>,
    data: serde_json::Value,
    mail: Option<OutgoingMessage>,
    deletion_notices: Vec<String>,
    /// A response package to store, and the token of its download link.
    package: Option<(PackageType, Vec<u8>, SecretToken)>,
}

impl Decision {
    fn event(action: &'static str, data: serde_json::Value) -> Self {
        Decision {
            change: Change::default(),
            action,
            to: None,
            data,
            mail: None,
            deletion_notices: Vec::new(),
            package: None,
        }
    }
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
    let now = state.clock.now();
    let today = state.clock.today(state.tz);
    let mut tx = state.db.begin().await?;
    let r = detail::lock(&mut tx, code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = RequestKind::parse(&r.kind).unwrap_or(RequestKind::KnowCategories);
    let status = RequestStatus::parse(&r.status).unwrap_or(RequestStatus::Received);
    let facts = Facts {
        kind,
        status,
        received_on: r.received_at.with_timezone(&state.tz).date_naive(),
        respond_by: r.respond_by,
        extended_respond_by: r.extended_respond_by,
        data_points: detail::data_points(&mut tx, r.id).await? as usize,
        declaration_signed: r.declaration_signed_at.is_some(),
    };
    let decided = decide(&state, &r, &facts, &code, &action, &form, upload, today);
    let decision = match decided {
        Ok(Some(d)) => d,
        Ok(None) => return Err(AppError::NotFound),
        Err(Refused(why)) => {
            drop(tx);
            return render(
                &state,
                &staff,
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await;
        }
    };
    detail::apply(&mut tx, r.id, &decision.change, now).await?;
    if let Some((kind, bytes, link)) = &decision.package {
        let filename = format!("response-{}.{}", r.tracking_code, kind.extension());
        let package = NewPackage {
            filename: &filename,
            kind: *kind,
            bytes,
        };
        let expires = now + Duration::days(state.settings.responses.download_link_days);
        store::downloads::create(&mut tx, r.id, &package, link.hash(), now, expires).await?;
    }
    for recipient in &decision.deletion_notices {
        detail::record_deletion_notice(&mut tx, r.id, recipient, staff.id, now).await?;
    }
    let actor_id = staff.id.to_string();
    events::record(
        &mut tx,
        now,
        Event {
            request_id: r.id,
            actor: Actor::Staff(&actor_id),
            action: decision.action,
            from: decision.to.map(|_| status),
            to: decision.to,
            data: decision.data,
        },
    )
    .await?;
    if let Some(mail) = &decision.mail {
        outbox::enqueue(&mut tx, Some(r.id), mail, now).await?;
    }
    tx.commit().await?;
    tracing::info!(staff_id = %staff.id, tracking_code = %r.tracking_code, action = decision.action, "staff action");
    Ok(Redirect::to(&format!(
        "/staff/requests/{}?done={}",
        r.tracking_code, decision.action
    ))
    .into_response())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one decision's inputs, each needed"
)]
fn decide(
    state: &AppState,
    r: &Detail,
    facts: &Facts,
    code: &TrackingCode,
    action: &str,
    form: &RawForm,
    upload: Option<Upload>,
    today: NaiveDate,
) -> Result<Option<Decision>, Refused> {
    let ctx = &state.mail;
    let kind = facts.kind;
    let mail_err = |e: askama::Error| Refused(format!("The e-mail could not be prepared: {e}"));
    let decision = match action {
        "note" => {
            let text = required(form, "note", "the note")?;
            Decision::event("note_added", json!({ "note": text }))
        }
        "assign" => {
            actions::while_open(facts)?;
            let to = match form.get("assignee") {
                "" => None,
                id => Some(
                    id.parse::<Uuid>()
                        .map_err(|_| Refused("Choose a staff member.".into()))?,
                ),
            };
            let mut d = Decision::event("assigned", json!({ "assignee_id": to }));
            d.change.assignee = Some(to);
            d
        }
        "data_point" => {
            actions::while_open(facts)?;
            let point = required(form, "point", "what was matched")?;
            Decision::event("data_point_recorded", json!({ "data_point": point }))
        }
        "verify" => {
            actions::mark_verified(facts)?;
            let mut d = Decision::event(
                "identity_verified",
                json!({ "data_points": facts.data_points }),
            );
            d.change.status = Some(RequestStatus::Verified.code());
            d.change.verified = true;
            d.change.verification_level = Some(format!("{} data points", facts.data_points));
            d.to = Some(RequestStatus::Verified);
            d
        }
        "start" => {
            actions::fulfil(facts)?;
            if facts.status == RequestStatus::InProgress {
                return Err(Refused("Work on this request has already started.".into()));
            }
            let mut d = Decision::event("processing_started", json!({}));
            d.change.status = Some(RequestStatus::InProgress.code());
            d.to = Some(RequestStatus::InProgress);
            d
        }
        "extend" => {
            let reason = form.get("reason").trim();
            let until = match form.get("until").trim() {
                "" => None,
                s => Some(
                    s.parse::<NaiveDate>()
                        .map_err(|_| Refused("Give the new date as YYYY-MM-DD.".into()))?,
                ),
            };
            let new_date = actions::extend(facts, today, until, reason)?;
            if reason.chars().count() > TEXT_MAX {
                return Err(Refused("Keep the reason shorter.".into()));
            }
            let mut d = Decision::event(
                "deadline_extended",
                json!({ "until": new_date, "reason": reason }),
            );
            d.change.extended_respond_by = Some(new_date);
            d.change.extension_reason = Some(reason.to_string());
            d.mail = Some(
                messages::extension_notice(ctx, &r.email, code, new_date, reason)
                    .map_err(mail_err)?,
            );
            d
        }
        "fulfil" | "partial" => {
            actions::fulfil(facts)?;
            let partial = action == "partial";
            let explanation = if partial {
                required(
                    form,
                    "explanation",
                    "what was done and what was not, and why",
                )?
            } else {
                optional(form, "explanation")?
            };
            let (status, outcome) = if partial {
                (
                    RequestStatus::PartiallyFulfilled,
                    Outcome::PartiallyFulfilled,
                )
            } else {
                (RequestStatus::Fulfilled, Outcome::Fulfilled)
            };
            let notices: Vec<String> = state
                .settings
                .staff
                .deletion_recipients
                .iter()
                .enumerate()
                .filter(|(i, _)| form.is_yes(&format!("notified_{i}")))
                .map(|(_, name)| name.clone())
                .collect();
            let mut d = Decision::event(
                if partial {
                    "partially_fulfilled"
                } else {
                    "fulfilled"
                },
                json!({ "explanation": explanation, "notified": notices }),
            );
            d.change.status = Some(status.code());
            d.change.close = true;
            d.change.outcome_reason = Some(explanation.to_string());
            d.to = Some(status);
            d.deletion_notices = notices;
            let package = checked_package(kind, upload)?;
            d.mail = Some(
                match &package {
                    Some((_, _, link)) => {
                        let url = ctx.url(&format!("/download/{}", link.expose()));
                        messages::package_ready(
                            ctx,
                            &r.email,
                            code,
                            kind,
                            outcome,
                            explanation,
                            &url,
                        )
                    }
                    None => messages::outcome(ctx, &r.email, code, kind, outcome, explanation),
                }
                .map_err(mail_err)?,
            );
            d.package = package;
            d
        }
        "deny" => {
            let reason = actions::denial_reason(kind, form.get("reason"))
                .ok_or_else(|| Refused("Choose the reason for the denial.".into()))?;
            let explanation = required(form, "explanation", "the explanation for the consumer")?;
            actions::deny(facts, explanation)?;
            let told = format!("{}. {explanation}", reason.label);
            let mut d = Decision::event(
                "denied",
                json!({ "reason": reason.code, "explanation": explanation }),
            );
            d.change.status = Some(RequestStatus::Denied.code());
            d.change.close = true;
            d.change.outcome_reason = Some(told.clone());
            d.to = Some(RequestStatus::Denied);
            d.mail = Some(
                messages::outcome(ctx, &r.email, code, kind, Outcome::Denied, &told)
                    .map_err(mail_err)?,
            );
            d
        }
        "close_unverified" => {
            actions::close_unverified(facts, today)?;
            let mut data = if kind == RequestKind::OptIn {
                json!({ "reason": "the consumer did not confirm the opt-in" })
            } else {
                json!({ "reason": "identity could not be verified" })
            };
            if kind == RequestKind::KnowSpecific {
                data["handled_as"] = json!(RequestKind::KnowCategories.code());
            }
            let mut d = Decision::event("closed_unverified", data);
            d.change.status = Some(RequestStatus::ClosedUnverified.code());
            d.change.close = true;
            d.change.outcome_reason = Some(kind.closed_unverified_reason().into());
            d.to = Some(RequestStatus::ClosedUnverified);
            d.mail =
                Some(messages::closed_unverified(ctx, &r.email, code, kind).map_err(mail_err)?);
            d
        }
        "accept_authority" | "reject_authority" => {
            actions::while_open(facts)?;
            if !matches!(
                r.agent_authority_state.as_deref(),
                Some("pending" | "confirmed")
            ) {
                return Err(Refused(
                    "There is no agent authority waiting for a decision.".into(),
                ));
            }
            if action == "accept_authority" {
                let mut d = Decision::event(
                    "agent_authority_accepted",
                    json!({ "authority": r.agent_authority }),
                );
                d.change.agent_authority_state = Some("accepted");
                d
            } else {
                let why = required(form, "explanation", "why the authority is not accepted")?;
                let told = format!("The agent's authority to act for you was not confirmed. {why}");
                let mut d =
                    Decision::event("agent_authority_rejected", json!({ "explanation": why }));
                d.change.agent_authority_state = Some("rejected");
                d.change.status = Some(RequestStatus::Denied.code());
                d.change.close = true;
                d.change.outcome_reason = Some(told.clone());
                d.to = Some(RequestStatus::Denied);
                d.mail = Some(
                    messages::outcome(ctx, &r.email, code, kind, Outcome::Denied, &told)
                        .map_err(mail_err)?,
                );
                d
            }
        }
        "withdraw" => {
            actions::while_open(facts)?;
            let note = optional(form, "explanation")?;
            let mut d = Decision::event(
                "withdrawn",
                json!({ "at_request_of": "consumer", "note": note }),
            );
            d.change.status = Some(RequestStatus::Withdrawn.code());
            d.change.close = true;
            d.change.outcome_reason = Some("Withdrawn at your request.".into());
            d.to = Some(RequestStatus::Withdrawn);
            d
        }
        _ => return Ok(None),
    };
    Ok(Some(decision))
}
