//! Intake: a parsed request becomes a stored one, with its first event, its receipt (or
//! the consumer's confirm-the-agent link), the agent's own receipt and, with a GPC
//! signal, the opt-out it implies; all or nothing. The common case joins the grouped
//! writer (`store::inserter`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;

use super::Error;
use crate::config::Settings;
use crate::domain::calendar::BusinessCalendar;
use crate::domain::deadlines::Deadlines;
use crate::domain::intake::{self, Authority, NewRequest};
use crate::domain::kinds::{Channel, LinkPurpose, RequestKind, RequestStatus};
use crate::domain::tracking::TrackingCode;
use crate::mail::deferred::{Deferred, Slot};
use crate::mail::{MailContext, ToQueue, messages};
use crate::store::inserter::{InsertError, Inserter};
use crate::store::{self, requests::Insert};

/// What filing reads: where to write, the calendar the clocks count on, the mail
/// settings.
pub struct Intake<'a> {
    pub db: &'a PgPool,
    pub inserter: &'a Inserter,
    pub calendar: &'a BusinessCalendar,
    pub mail: &'a MailContext,
    pub tz: Tz,
    pub settings: &'a Settings,
}

/// A filed request, as the confirmation page shows it.
pub struct Stored {
    pub tracking_code: TrackingCode,
    pub deadlines: Deadlines,
    /// The opt-out a GPC signal filed beside it, if one did.
    pub gpc_opt_out: Option<TrackingCode>,
}

/// Writes the request, its first event and its receipt (and, with a GPC signal, an
/// opt-out for the same address) atomically. A tracking code that is already taken is
/// drawn again.
pub async fn file(
    state: &Intake<'_>,
    request: &Arc<NewRequest>,
    gpc: bool,
    received_at: DateTime<Utc>,
) -> Result<Stored, Error> {
    let channel = if request.agent.is_some() {
        Channel::AgentWeb
    } else {
        Channel::Web
    };
    file_on(state, request, channel, gpc, received_at).await
}

/// Files a request that came by `channel` and was received at `received_at` (for a
/// request staff enter, the day it actually arrived: the clocks run from then). The
/// receipt and the confirmation link go only to an address the request has: one
/// without (a letter, a browser-only opt-out) gets neither.
pub(crate) async fn file_on(
    state: &Intake<'_>,
    request: &Arc<NewRequest>,
    channel: Channel,
    gpc: bool,
    received_at: DateTime<Utc>,
) -> Result<Stored, Error> {
    const ATTEMPTS: usize = 5;
    let kind = request.kind;
    let received_on = received_at.with_timezone(&state.tz).date_naive();
    let deadlines = Deadlines::for_kind(kind, received_on, state.calendar);
    let gpc_applies = gpc && kind != RequestKind::OptOut && request.email.is_some();
    let verify_expires =
        received_at + chrono::Duration::days(state.settings.worker.verification_link_days);

    // Every message about the request is written in the language it was filed in.
    let mail = &state.mail.in_lang(request.language);
    for _ in 0..ATTEMPTS {
        let tracking_code = TrackingCode::generate();
        // A consumer verifies by e-mail; with an agent's signed permission the consumer
        // confirms the agent's authority instead (never both, reg. §7063(a)); with a
        // power of attorney staff check the document.
        let authority = request.agent.as_ref().map(|a| a.authority);
        let email = request.email.as_ref().map(|e| e.as_str());
        let link_needed = kind.needs_verification()
            && email.is_some()
            && !authority.is_some_and(Authority::stands_in_for_consumer);
        // The receipt is queued as its template and parameters: the worker renders it
        // when it sends it, in the request's language, and creates its link then (so no
        // raw token is ever at rest); the link's life counts from now.
        let link = LinkPurpose::of_request(kind, authority)
            .filter(|_| link_needed)
            .map(|purpose| (purpose, verify_expires));
        let receipt = match (email, &request.agent, link) {
            (None, _, _) => None,
            (Some(to), Some(agent), Some(link)) => Some(ToQueue::deferred(
                mail,
                to,
                Deferred::agent_confirmation(
                    &tracking_code,
                    kind,
                    &agent.name,
                    agent.organisation.as_deref(),
                    link,
                ),
            )),
            (Some(to), _, _) => Some(ToQueue::deferred(
                mail,
                to,
                Deferred::receipt(&tracking_code, kind, &deadlines, link),
            )),
        };
        let row = Insert {
            id: store::requests::new_id(),
            request: Arc::clone(request),
            tracking_code: tracking_code.clone(),
            kind,
            status: kind.initial_status(),
            channel,
            received_at,
            deadlines,
            receipt,
            verification: None,
            drp: None,
        };

        let result = if request.document.is_none() && request.agent.is_none() && !gpc_applies {
            // The common case goes with whatever other requests are being written.
            state.inserter.insert(row).await.map(|()| None)
        } else {
            store_with_extras(state, &row, gpc_applies)
                .await
                .map_err(InsertError::from)
        };
        match result {
            Ok(gpc_opt_out) => {
                tracing::info!(tracking_code = %tracking_code, kind = %kind, "request received");
                return Ok(Stored {
                    tracking_code,
                    deadlines,
                    gpc_opt_out,
                });
            }
            Err(InsertError::Database(err))
                if store::violates(&err, store::requests::TRACKING_CODE_KEY) =>
            {
                continue;
            }
            Err(InsertError::Database(err)) => return Err(err.into()),
            Err(InsertError::Stopped) => return Err(Error::Stopped),
        }
    }
    Err(Error::NoFreeTrackingCode)
}

/// The request with its document and/or the opt-out its GPC signal implies, in one
/// transaction.
async fn store_with_extras(
    state: &Intake<'_>,
    row: &Insert,
    gpc_applies: bool,
) -> Result<Option<TrackingCode>, sqlx::Error> {
    let mut tx = state.db.begin().await?;
    let unsolicited_per_day = state.settings.mail.unsolicited_per_day;
    store::requests::insert(&mut tx, row, unsolicited_per_day).await?;
    let id = row.id;
    if let Some(doc) = &row.request.document {
        store::requests::insert_attachment(&mut tx, id, "correction_evidence", doc).await?;
    }
    if let Some(agent) = &row.request.agent {
        store_agent_filing(state, &mut tx, id, row, agent).await?;
    }
    let mut gpc_code = None;
    let email = row.request.email.as_ref().filter(|_| gpc_applies);
    if let Some(email) = email
        && !store::requests::has_opt_out(&mut tx, email).await?
    {
        let code = TrackingCode::generate();
        let opt_out = NewRequest {
            language: row.request.language,
            ..NewRequest::opt_out(email.clone(), row.request.full_name.clone())
        };
        let received_on = row.received_at.with_timezone(&state.tz).date_naive();
        store::requests::insert(
            &mut tx,
            &Insert {
                id: store::requests::new_id(),
                request: Arc::new(opt_out),
                tracking_code: code.clone(),
                kind: RequestKind::OptOut,
                status: RequestStatus::Received,
                channel: Channel::Gpc,
                received_at: row.received_at,
                deadlines: Deadlines::for_kind(RequestKind::OptOut, received_on, state.calendar),
                receipt: None,
                verification: None,
                drp: None,
            },
            unsolicited_per_day,
        )
        .await?;
        gpc_code = Some(code);
    }
    tx.commit().await?;
    Ok(gpc_code)
}

/// The agent's part of a filing: who, with what authority, the permission document,
/// the agent's own receipt with a status link; a consumer link confirms the agent.
async fn store_agent_filing(
    state: &Intake<'_>,
    tx: &mut sqlx::PgConnection,
    id: uuid::Uuid,
    row: &Insert,
    agent: &intake::AgentFiling,
) -> Result<(), sqlx::Error> {
    store::requests::set_agent(tx, id, agent).await?;
    if let Some(doc) = &agent.permission {
        store::requests::insert_attachment(tx, id, "agent_authorization", doc).await?;
    }
    // The agent's status link is made when the receipt is sent.
    let slot = Slot::AgentStatus {};
    let status_url = slot.placeholder(state.mail);
    let receipt = messages::agent_receipt(
        &state.mail.in_lang(row.request.language),
        agent.email.as_str(),
        &row.tracking_code,
        row.kind,
        &row.deadlines,
        &status_url,
    )
    .map_err(|e| sqlx::Error::Protocol(format!("rendering the agent's receipt: {e}")))?
    .with_slot(slot);
    let unsolicited_per_day = state.settings.mail.unsolicited_per_day;
    store::outbox::enqueue_unsolicited(tx, Some(id), &receipt, row.received_at, unsolicited_per_day)
        .await
        .map(|_| ())
}
