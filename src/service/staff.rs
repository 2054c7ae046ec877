//! What staff do to one request. Each action locks the request, lets the lifecycle
//! decide, and writes the change, its audit event and its e-mail in one transaction.
//! Actions that change no status (notes, assignment, extension) are recorded here too.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::lifecycle::{self, Ask};
use super::{Error, Rules};
use crate::config::Settings;
use crate::domain::actions::{self, Refusal};
use crate::domain::intake::{RawForm, Upload};
use crate::domain::kinds::{DataPoint, EventKind, RequestKind};
use crate::domain::lifecycle::Change;
use crate::domain::package::PackageType;
use crate::mail::deferred::Slot;
use crate::mail::messages;
use crate::store::downloads::NewPackage;
use crate::store::events::{self, Actor, Event};
use crate::store::lifecycle::{self as rows, Key, Locked};
use crate::store::{detail, outbox};

/// The longest text staff may type into an action.
pub const TEXT_MAX: usize = 5000;

/// An action staff asked for, as the console sent it.
pub struct Action<'a> {
    pub name: &'a str,
    pub form: &'a RawForm,
    pub upload: Option<Upload>,
}

/// How an action ended.
pub enum Acted {
    Done(EventKind),
    /// Refused: what to tell the staff member.
    Refused(String),
    NotFound,
}

impl From<Refusal> for Acted {
    fn from(r: Refusal) -> Self {
        let mut text = r.to_string();
        if let Some(first) = text.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        Acted::Refused(format!("{text}."))
    }
}

macro_rules! refuse {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(why) => return Ok(Acted::from(why)),
        }
    };
}

fn refused(text: impl Into<String>) -> Acted {
    Acted::Refused(text.into())
}

fn required<'a>(form: &'a RawForm, field: &str, what: &str) -> Result<&'a str, Acted> {
    let value = form.get(field).trim();
    if value.is_empty() {
        return Err(refused(format!("Enter {what}.")));
    }
    if value.chars().count() > TEXT_MAX {
        return Err(refused(format!("Keep {what} under {TEXT_MAX} characters.")));
    }
    Ok(value)
}

fn optional<'a>(form: &'a RawForm, field: &str) -> Result<&'a str, Acted> {
    let value = form.get(field).trim();
    if value.chars().count() > TEXT_MAX {
        return Err(refused(format!(
            "Keep the text under {TEXT_MAX} characters."
        )));
    }
    Ok(value)
}

/// Runs one staff action on the request with tracking code `code`.
pub async fn act(
    db: &PgPool,
    rules: Rules<'_>,
    settings: &Settings,
    staff_id: Uuid,
    code: &str,
    action: Action<'_>,
    now: DateTime<Utc>,
) -> Result<Acted, Error> {
    let mut tx = db.begin().await?;
    let Some(request) = rows::lock(&mut tx, Key::Code(code)).await? else {
        return Ok(Acted::NotFound);
    };
    let staff = staff_id.to_string();
    let actor = Actor::Staff(&staff);
    let form = action.form;
    let today = now.with_timezone(&rules.tz).date_naive();
    let change = match action.name {
        "note" | "assign" | "extend" => {
            let done = match action.name {
                "note" => refuse!(note(&mut tx, &request, actor, form, now).await?),
                "assign" => refuse!(assign(&mut tx, &request, actor, form, now).await?),
                _ => refuse!(extend(&mut tx, rules, &request, actor, form, today, now).await?),
            };
            tx.commit().await?;
            return Ok(Acted::Done(done));
        }
        "data_point" => {
            let point = refuse!(
                DataPoint::parse(form.get("point"))
                    .map_err(|_| refused("Choose the data point that was matched."))
            );
            Change::PointMatched(point)
        }
        "start" => Change::Start,
        "fulfil" => Change::Fulfil { partial: false },
        "partial" => Change::Fulfil { partial: true },
        "deny" => {
            let reason = refuse!(
                actions::denial_reason(request.kind, form.get("reason"))
                    .ok_or_else(|| refused("Choose the reason for the denial."))
            );
            Change::Deny(reason)
        }
        "close_unverified" => Change::CloseUnverified,
        "accept_authority" => Change::AgentAccepted,
        "reject_authority" => Change::AgentRejected,
        "withdraw" => Change::Withdraw,
        _ => return Ok(Acted::NotFound),
    };
    let explanation = match change {
        Change::Fulfil { partial: true } => refuse!(required(
            form,
            "explanation",
            "what was done and what was not, and why"
        )),
        Change::Deny(_) => refuse!(required(
            form,
            "explanation",
            "the explanation for the consumer"
        )),
        Change::AgentRejected => refuse!(required(
            form,
            "explanation",
            "why the authority is not accepted"
        )),
        _ => refuse!(optional(form, "explanation")),
    };
    let fulfilling = matches!(change, Change::Fulfil { .. });
    let package = if fulfilling {
        refuse!(checked_package(request.kind, action.upload))
    } else {
        None
    };
    // A "Shine the Light" request is answered from the year's record, which must exist.
    let stl_answer = if fulfilling && request.kind == RequestKind::ShineTheLight {
        match super::shine_the_light::answer_for(&mut tx, settings, rules.tz, &request).await? {
            Ok(answer) => Some(answer),
            Err(missing) => return Ok(Acted::Refused(format!("Not answered: {missing}."))),
        }
    } else {
        None
    };
    let stl_message = match &stl_answer {
        Some(a) => super::shine_the_light::answer_message(rules, &request, a)?,
        None => None,
    };
    let language = request.language;
    // The package's link is made when its message is sent.
    let package_link = package.as_ref().map(|_| Slot::Download {
        expires_at: now + Duration::days(settings.responses.download_link_days),
    });
    let mut data = json!({});
    if !explanation.is_empty() {
        data["explanation"] = json!(explanation);
    }
    if let Change::Deny(reason) = change {
        data["reason"] = json!(reason.code);
    }
    let ask = Ask {
        change,
        explanation,
        declaration_name: None,
        package_link: package_link.as_ref(),
        answer: stl_message.as_ref(),
        data,
    };
    let request_id = request.id;
    let tracking_code = request.tracking_code.clone();
    let done = refuse!(lifecycle::apply(&mut tx, rules, request, actor, ask, now).await?);
    if let Some((kind, bytes)) = &package {
        let filename = format!("response-{}.{}", tracking_code.as_str(), kind.extension());
        let package = NewPackage {
            filename: &filename,
            kind: *kind,
            bytes,
        };
        crate::store::downloads::create(&mut tx, request_id, &package, now).await?;
    }
    if let Some(answer) = &stl_answer {
        let request = (request_id, &tracking_code);
        let kept = super::shine_the_light::kept_text(rules, language, answer, stl_message.as_ref());
        super::shine_the_light::answered(&mut tx, rules, request, answer, &kept, now).await?;
    }
    tx.commit().await?;
    Ok(Acted::Done(done.transition.event))
}

async fn note(
    conn: &mut sqlx::PgConnection,
    r: &Locked,
    actor: Actor<'_>,
    form: &RawForm,
    now: DateTime<Utc>,
) -> Result<Result<EventKind, Acted>, Error> {
    let text = match required(form, "note", "the note") {
        Ok(t) => t,
        Err(a) => return Ok(Err(a)),
    };
    let event = Event::without_change(r.id, actor, EventKind::NoteAdded, json!({ "note": text }));
    events::record(conn, now, event).await?;
    Ok(Ok(EventKind::NoteAdded))
}

async fn assign(
    conn: &mut sqlx::PgConnection,
    r: &Locked,
    actor: Actor<'_>,
    form: &RawForm,
    now: DateTime<Utc>,
) -> Result<Result<EventKind, Acted>, Error> {
    if r.status.is_closed() {
        return Ok(Err(Refusal::Closed.into()));
    }
    let to = match form.get("assignee") {
        "" => None,
        id => match id.parse::<Uuid>() {
            Ok(id) => Some(id),
            Err(_) => return Ok(Err(refused("Choose a staff member."))),
        },
    };
    // An id that names no active member would otherwise reach the foreign key.
    if let Some(id) = to
        && !crate::store::staff::lock_active(conn, id).await?
    {
        return Ok(Err(refused(
            "Choose an active staff member: that one is not (or no longer) active.",
        )));
    }
    detail::assign(conn, r.id, to, now).await?;
    let event = Event::without_change(
        r.id,
        actor,
        EventKind::Assigned,
        json!({ "assignee_id": to }),
    );
    events::record(conn, now, event).await?;
    Ok(Ok(EventKind::Assigned))
}

/// The one extension, noticed to the consumer (and the agent) with its reason.
async fn extend(
    conn: &mut sqlx::PgConnection,
    rules: Rules<'_>,
    r: &Locked,
    actor: Actor<'_>,
    form: &RawForm,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Result<EventKind, Acted>, Error> {
    let reason = form.get("reason").trim();
    let until = match form.get("until").trim() {
        "" => None,
        s => match s.parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => return Ok(Err(refused("Give the new date as YYYY-MM-DD."))),
        },
    };
    let new_date = match actions::extend(&r.facts(rules.tz), today, until, reason) {
        Ok(d) => d,
        Err(why) => return Ok(Err(why.into())),
    };
    if reason.chars().count() > TEXT_MAX {
        return Ok(Err(refused("Keep the reason shorter.")));
    }
    detail::extend(conn, r.id, new_date, reason, now).await?;
    let event = Event::without_change(
        r.id,
        actor,
        EventKind::DeadlineExtended,
        json!({ "until": new_date, "reason": reason }),
    );
    events::record(conn, now, event).await?;
    // Without an address the notice goes by letter, which staff send.
    if let Some(to) = r.email.as_deref() {
        let ctx = &rules.mail.in_lang(r.language);
        let notice = messages::extension_notice(ctx, to, &r.tracking_code, new_date, reason)?;
        let mut mail = Vec::with_capacity(2);
        if let Some(copy) = r
            .agent_email
            .as_deref()
            .filter(|a| r.agent.is_some() && !a.eq_ignore_ascii_case(to))
            .and_then(|a| messages::agent_copy(ctx, &notice, a))
        {
            mail.push((Some(r.id), copy));
        }
        mail.push((Some(r.id), notice));
        outbox::enqueue_many(conn, now, &mail).await?;
    }
    Ok(Ok(EventKind::DeadlineExtended))
}

/// The response package of a request to know: required for a copy of specific pieces,
/// optional for categories, and only JSON, CSV or ZIP.
fn checked_package(
    kind: RequestKind,
    upload: Option<Upload>,
) -> Result<Option<(PackageType, Vec<u8>)>, Acted> {
    let upload = upload.filter(|u| !u.bytes.is_empty());
    if !kind.is_know() {
        return Ok(None);
    }
    match upload {
        None if kind == RequestKind::KnowSpecific => Err(refused(
            "Attach the response package: a copy of the information is delivered as a file.",
        )),
        None => Ok(None),
        Some(u) => {
            let package = PackageType::sniff(&u.bytes)
                .ok_or_else(|| refused("Attach the package as a JSON, CSV or ZIP file."))?;
            Ok(Some((package, u.bytes)))
        }
    }
}
