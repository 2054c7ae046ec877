//! "Shine the Light" use cases (Civ. §1798.83): filing, with the once-a-year rule
//! (a repeat gets the year's answer again, or joins the customer's open request);
//! answering from the year's record, keeping a copy and answering the linked requests
//! with it; the staff flag that moves the clock to 150 days; and what admins record
//! per year. Each owns its transaction; status changes go through `lifecycle`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::intake::Intake;
use super::lifecycle::{self, Ask};
use super::{Error, Rules};
use crate::config::Settings;
use crate::domain::deadlines::Deadlines;
use crate::domain::intake::NewRequest;
use crate::domain::kinds::LinkPurpose;
use crate::domain::kinds::{Channel, EventKind, RequestKind};
use crate::domain::lifecycle::Change;
use crate::domain::shine_the_light::{self as stl, Answer, RecordMissing, Repeat};
use crate::domain::tracking::TrackingCode;
use crate::mail::{OutgoingMessage, shine_the_light as stl_mail};
use crate::store::events::{self, Actor, Event};
use crate::store::lifecycle::{self as rows, Key, Locked};
use crate::store::{self, requests::Insert, shine_the_light as stl_rows};

/// A filed request, as its confirmation page shows it.
pub struct Filed {
    pub tracking_code: TrackingCode,
    pub deadlines: Deadlines,
    /// What the once-a-year rule made of it.
    pub repeat: Repeat<TrackingCode>,
}

/// How a request arrived: by the web form, or by mail, phone, e-mail or in person and
/// entered by staff, possibly at an address the business did not designate.
pub struct Arrival {
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub undesignated: bool,
}

impl Arrival {
    pub fn web(received_at: DateTime<Utc>) -> Self {
        Self {
            channel: Channel::Web,
            received_at,
            undesignated: false,
        }
    }
}

/// Files a request: its row, first event and receipt in one transaction, with the
/// customer's other requests of the year locked out meanwhile. A repeat after the year's
/// answer is closed at once, its receipt being the note with the copy; a repeat while
/// the first is open is linked to it. A request staff entered without an e-mail address
/// gets no receipt (staff write) and is not matched with others (nothing to match on).
pub async fn file(
    state: &Intake<'_>,
    request: &Arc<NewRequest>,
    arrival: Arrival,
) -> Result<Filed, Error> {
    const ATTEMPTS: usize = 5;
    let received_at = arrival.received_at;
    let received_on = received_at.with_timezone(&state.tz).date_naive();
    let deadlines = Deadlines::for_shine_the_light(received_on, arrival.undesignated);
    let rules = Rules {
        policy: &state.settings.verification,
        mail: state.mail,
        tz: state.tz,
    };
    let email = request.email.as_ref().map(|e| e.as_str());
    if email.is_none() && arrival.channel == Channel::Web {
        return Err(Error::NoAddress);
    }
    // Every message about the request is written in the language it was filed in.
    let mail = &state.mail.in_lang(request.language);
    for _ in 0..ATTEMPTS {
        let tracking_code = TrackingCode::generate();
        let mut tx = state.db.begin().await?;
        let repeat = match email {
            Some(email) => {
                stl_rows::lock_customer(&mut tx, email).await?;
                let earlier = stl_rows::earlier(&mut tx, email, state.tz).await?;
                stl::repeat(received_on, &earlier)
            }
            None => Repeat::First,
        };
        let id = store::requests::new_id();
        let verify_expires =
            received_at + chrono::Duration::days(state.settings.worker.verification_link_days);
        let (receipt, copy) = match (&repeat, email) {
            (_, None) => (None, None),
            (Repeat::AlreadyAnswered((first, first_code)), Some(email)) => {
                let kept = stl_rows::answer_of(&mut tx, *first)
                    .await?
                    .ok_or_else(|| sqlx::Error::RowNotFound)?;
                let note = stl_mail::copy_of_answer(
                    mail,
                    email,
                    &tracking_code,
                    first_code,
                    &kept.answer,
                )?;
                (Some(note), Some(kept.answer))
            }
            (Repeat::First | Repeat::LinkedTo(_), Some(email)) => {
                let linked = match &repeat {
                    Repeat::LinkedTo((_, code)) => Some(code),
                    _ => None,
                };
                // The link itself is created by the worker when it sends the receipt.
                let url = mail.link_slot_url();
                let receipt =
                    stl_mail::receipt(mail, email, &tracking_code, &deadlines, &url, linked)?
                        .with_link(LinkPurpose::VerifyEmail, verify_expires);
                (Some(receipt), None)
            }
        };
        let body_text = receipt.as_ref().map(|r| r.text.clone()).unwrap_or_default();
        let row = Insert {
            id,
            request: Arc::clone(request),
            tracking_code: tracking_code.clone(),
            kind: RequestKind::ShineTheLight,
            status: RequestKind::ShineTheLight.initial_status(),
            channel: arrival.channel,
            received_at,
            deadlines,
            receipt: receipt.map(Into::into),
            verification: None,
            drp: None,
        };
        match store::requests::insert(&mut tx, &row, state.settings.mail.unsolicited_per_day).await
        {
            Err(err) if store::violates(&err, store::requests::TRACKING_CODE_KEY) => continue,
            other => other?,
        }
        match (&repeat, copy) {
            (Repeat::LinkedTo((first, first_code)), _) => {
                stl_rows::link(&mut tx, id, *first).await?;
                let event = Event::without_change(
                    id,
                    Actor::System,
                    EventKind::ShineTheLightLinked,
                    json!({ "first": first_code.as_str() }),
                );
                events::record(&mut tx, received_at, event).await?;
            }
            (Repeat::AlreadyAnswered((_, first_code)), Some(answer)) => {
                let ask = Ask {
                    data: json!({ "earlier": first_code.as_str(), "year": answer.year() }),
                    ..Ask::new(Change::YearAnswered { notice: false })
                };
                lifecycle::transition(&mut tx, rules, Key::Id(id), Actor::System, ask, received_at)
                    .await?;
                stl_rows::save_answer(&mut tx, id, &answer, &body_text, received_at).await?;
            }
            _ => {}
        }
        if arrival.undesignated {
            let respond_by = deadlines.respond_by.unwrap_or(received_on);
            stl_rows::mark_undesignated(&mut tx, id, respond_by, received_at).await?;
            let staff = request.staff.as_ref().map(|s| s.entered_by.to_string());
            let actor = staff.as_deref().map_or(Actor::System, Actor::Staff);
            let event = Event::without_change(
                id,
                actor,
                EventKind::UndesignatedAddressMarked,
                json!({ "respond_by": respond_by }),
            );
            events::record(&mut tx, received_at, event).await?;
        }
        tx.commit().await?;
        tracing::info!(tracking_code = %tracking_code, kind = %RequestKind::ShineTheLight, channel = %arrival.channel, "request received");
        let repeat = match repeat {
            Repeat::First => Repeat::First,
            Repeat::AlreadyAnswered((_, code)) => Repeat::AlreadyAnswered(code),
            Repeat::LinkedTo((_, code)) => Repeat::LinkedTo(code),
        };
        return Ok(Filed {
            tracking_code,
            deadlines,
            repeat,
        });
    }
    Err(Error::NoFreeTrackingCode)
}

/// The answer a request gets today, built from the record of the year before it was
/// received, or the year whose record is missing.
pub async fn answer_for(
    conn: &mut PgConnection,
    settings: &Settings,
    tz: chrono_tz::Tz,
    request: &Locked,
) -> Result<Result<Answer, RecordMissing>, Error> {
    let received_on = request.received_at.with_timezone(&tz).date_naive();
    let record = stl_rows::year(conn, stl::year_answered(received_on))
        .await?
        .record();
    Ok(stl::answer(
        settings.shine_the_light.mode(),
        received_on,
        record,
    ))
}

/// The answer e-mailed to a request's customer; `None` for a request staff entered
/// without an e-mail address, answered by letter (`/staff/requests/{code}/stl-letter`).
pub fn answer_message(
    rules: Rules<'_>,
    request: &Locked,
    answer: &Answer,
) -> Result<Option<OutgoingMessage>, Error> {
    let Some(to) = request.email.as_deref() else {
        return Ok(None);
    };
    Ok(Some(stl_mail::answer(
        &rules.mail.in_lang(request.language),
        to,
        &request.tracking_code,
        answer,
    )?))
}

/// The copy kept of an answer: the e-mail's text, or for an answer by letter, the
/// letter's paragraphs in the customer's language.
pub fn kept_text(
    rules: Rules<'_>,
    language: crate::domain::lang::Lang,
    answer: &Answer,
    message: Option<&OutgoingMessage>,
) -> String {
    match message {
        Some(m) => m.text.clone(),
        None => stl_mail::answer_paragraphs(
            &crate::locale::Tr::new(language),
            &rules.mail.business_name,
            answer,
        )
        .join("\n\n"),
    }
}

/// After a request was answered, in the same transaction: keeps the copy, and answers
/// the customer's requests linked to it with the same answer.
pub async fn answered(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    request: (Uuid, &TrackingCode),
    answer: &Answer,
    kept_text: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (id, code) = request;
    stl_rows::save_answer(conn, id, answer, kept_text, now).await?;
    for linked in stl_rows::linked_open(conn, id).await? {
        let Some(r) = rows::lock(conn, Key::Id(linked)).await? else {
            continue;
        };
        let Some(to) = r.email.as_deref() else {
            continue;
        };
        let copy = stl_mail::copy_of_answer(
            &rules.mail.in_lang(r.language),
            to,
            &r.tracking_code,
            code,
            answer,
        )?;
        let ask = Ask {
            answer: Some(&copy),
            data: json!({ "earlier": code.as_str(), "year": answer.year() }),
            ..Ask::new(Change::YearAnswered { notice: true })
        };
        if let Ok(done) = lifecycle::apply(conn, rules, r, Actor::System, ask, now).await? {
            stl_rows::save_answer(conn, done.request.id, answer, &copy.text, now).await?;
        }
    }
    Ok(())
}

/// Staff mark a request as received at an address the business did not designate: it
/// is then due 150 days after receipt. Returns what to tell staff when refused.
pub async fn mark_undesignated(
    db: &sqlx::PgPool,
    tz: chrono_tz::Tz,
    staff_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<Result<(), &'static str>>, Error> {
    let mut tx = db.begin().await?;
    let Some(r) = rows::lock(&mut tx, Key::Code(code)).await? else {
        return Ok(None);
    };
    if r.kind != RequestKind::ShineTheLight {
        return Ok(Some(Err("Only a Shine the Light request has this clock.")));
    }
    if r.status.is_closed() {
        return Ok(Some(Err("This request is closed.")));
    }
    if stl_rows::undesignated(&mut tx, r.id).await? {
        return Ok(Some(Err("This request is already marked.")));
    }
    let received_on = r.received_at.with_timezone(&tz).date_naive();
    let respond_by = stl::respond_by(received_on, true);
    stl_rows::mark_undesignated(&mut tx, r.id, respond_by, now).await?;
    let staff = staff_id.to_string();
    let event = Event::without_change(
        r.id,
        Actor::Staff(&staff),
        EventKind::UndesignatedAddressMarked,
        json!({ "respond_by": respond_by }),
    );
    events::record(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(Some(Ok(())))
}

/// A change an admin makes to a year's record.
pub enum RecordChange<'a> {
    Categories(&'a str),
    AddThirdParty {
        name: &'a str,
        address: &'a str,
        examples: &'a str,
    },
    RemoveThirdParty(i64),
    NothingDisclosed(bool),
}

/// Applies one change to the year's record and keeps its completeness; `Err` says what
/// the admin has to fix.
pub async fn change_record(
    db: &sqlx::PgPool,
    staff_id: Uuid,
    year: i32,
    change: RecordChange<'_>,
    now: DateTime<Utc>,
) -> Result<Result<&'static str, String>, Error> {
    let mut tx = db.begin().await?;
    stl_rows::lock_year(&mut tx, year, staff_id, now).await?;
    let before = stl_rows::year(&mut tx, year).await?;
    let done = match change {
        RecordChange::Categories(typed) => match stl::categories(typed) {
            Ok(categories) => {
                stl_rows::set_categories(&mut tx, year, &categories).await?;
                "Categories saved."
            }
            Err(why) => return Ok(Err(why)),
        },
        RecordChange::AddThirdParty {
            name,
            address,
            examples,
        } => {
            if before.nothing_disclosed {
                return Ok(Err(format!(
                    "{year} is recorded as a year with no disclosure: clear that first."
                )));
            }
            match stl::third_party(name, address, examples) {
                Ok(party) => {
                    stl_rows::add_third_party(&mut tx, year, &party, now).await?;
                    "Third party added."
                }
                Err(why) => return Ok(Err(why)),
            }
        }
        RecordChange::RemoveThirdParty(id) => {
            if !stl_rows::remove_third_party(&mut tx, year, id).await? {
                return Ok(Err("There is no such third party in this year.".into()));
            }
            "Third party removed."
        }
        RecordChange::NothingDisclosed(nothing) => {
            if nothing && (!before.third_parties.is_empty() || !before.categories.is_empty()) {
                return Ok(Err(format!(
                    "{year} lists disclosures: remove its categories and third parties before recording that nothing was disclosed."
                )));
            }
            stl_rows::set_nothing_disclosed(&mut tx, year, nothing).await?;
            if nothing {
                "Recorded: nothing disclosed that year."
            } else {
                "Cleared: the year has no record of no disclosure."
            }
        }
    };
    let after = stl_rows::year(&mut tx, year).await?;
    stl_rows::set_complete(&mut tx, year, after.record().is_some()).await?;
    tx.commit().await?;
    tracing::info!(year, by = %staff_id, "Shine the Light record changed");
    Ok(Ok(done))
}
