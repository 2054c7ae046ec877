//! The Data Rights Protocol's objects as the portal states them: the Exercise Status
//! object (answers and callbacks alike), an agent's registration, this business's
//! directory entry; and filing an exercise. Used by the DRP API, the worker's callbacks
//! and the CLI.

use std::sync::Arc;

use serde_json::{Value, json};
use uuid::Uuid;

use super::Error;
use super::intake::Intake;
use crate::domain::deadlines::{Deadlines, OPT_IN_WINDOW_DAYS, opt_in_last_day};
use crate::domain::intake::NewRequest;
use crate::domain::kinds::{Channel, LinkPurpose};
use crate::domain::tracking::TrackingCode;
use crate::mail::deferred::Deferred;
use crate::mail::{ToQueue, messages};
use crate::store;
use crate::store::inserter::InsertError;
use crate::store::requests::{DrpFields, Insert};

use crate::clock::{end_of_day, start_of_day};
use crate::domain::drp;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::mail::MailContext;
use crate::store::agents::{Agent, DrpView};

/// The Exercise Status object: the answer to exercise, status and revoke, and the body
/// of every status callback.
pub fn status_object(tz: chrono_tz::Tz, mail: &MailContext, v: &DrpView) -> Value {
    let (status, kind) = (v.status, v.kind);
    let (drp_status, reason) =
        drp::drp_status(kind, status, !v.email_matched, v.outcome_code.as_deref());
    let mut o = json!({
        "request_id": v.drp_request_id.to_string(),
        "status": drp_status,
        "received_at": drp::timestamp(v.received_at),
    });
    if let Some(reason) = reason {
        o["reason"] = reason.into();
    }
    if let Some(due) = v.due_on {
        o["expected_by"] = drp::timestamp(end_of_day(tz, due)).into();
    }
    if drp_status == "in_progress"
        && let Some(expires) = expires_at(tz, kind, v)
    {
        o["expires_at"] = drp::timestamp(expires).into();
    }
    if let Some(id) = &v.agent_request_id {
        o["agent_request_id"] = id.clone().into();
    }
    let mut details = vec![format!("Tracking code {}.", v.tracking_code)];
    if let (Some(_), Some(why)) = (v.extended_respond_by, &v.extension_reason) {
        details.push(format!("The deadline was extended: {why}"));
    }
    if kind == RequestKind::OptIn && status == RequestStatus::AwaitingVerification {
        let until = v
            .due_on
            .map(|due| format!(" until {}", drp::timestamp(start_of_day(tz, due))))
            .unwrap_or_default();
        details.push(format!(
            "Waiting for the consumer to confirm the opt-in from the link we e-mailed them{until}; \
             without their confirmation nothing changes and the opt-out stays in place."
        ));
    }
    if let Some(code) = &v.outcome_code {
        details.push(format!("{}.", crate::domain::actions::outcome_label(code)));
    }
    if let Some(explanation) = &v.outcome_reason {
        details.push(explanation.clone());
    }
    o["processing_details"] = details.join(" ").into();
    if reason == Some("need_user_verification") {
        o["user_verification_url"] = mail
            .url(&format!("/drp/verify/{}", v.drp_request_id))
            .into();
    }
    o
}

/// When a request still open lapses: at the end of its governing deadline (the
/// extended one once extended) in the business's time zone. An opt-in lapses when the
/// sweep closes it, at the start of its `respond_by`.
fn expires_at(
    tz: chrono_tz::Tz,
    kind: RequestKind,
    v: &DrpView,
) -> Option<chrono::DateTime<chrono::Utc>> {
    if kind == RequestKind::OptIn {
        return v.respond_by.map(|day| start_of_day(tz, day));
    }
    let governing = v.extended_respond_by.or(v.respond_by).or(v.comply_by)?;
    Some(end_of_day(tz, governing))
}

/// Checks an agent's registration (id shape, key, URLs) and returns it with its verify
/// key in the one form stored: base64, whether it came as base64 or as the 64 hex
/// digits the DRP directory lists.
pub fn check_agent(mut agent: Agent) -> Result<Agent, String> {
    let id_ok = !agent.id.is_empty()
        && agent.id.len() <= 100
        && agent
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !id_ok {
        return Err("the agent id may use letters, digits, '_', '.' and '-' only".into());
    }
    if agent.name.trim().is_empty() {
        return Err("give the agent's name".into());
    }
    let Some(key) = drp::normalise_verify_key(&agent.verify_key) else {
        return Err(
            "the verify key must be a 32-byte Ed25519 public key, in base64 or as 64 hex digits"
                .into(),
        );
    };
    agent.verify_key = key;
    if agent
        .web_url
        .as_deref()
        .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        return Err("the web URL must start with https://".into());
    }
    Ok(agent)
}

/// This business's entry for the DRP directory: every field of the directory's schema,
/// strings never `null`. Agents reach the business at its URLs, so they must be https,
/// except on a loopback address (a test or a trial on one machine).
pub fn directory_entry_json(settings: &crate::config::Settings) -> Result<Value, String> {
    let base = settings.base_url().trim_end_matches('/').to_string();
    if !is_https_or_loopback(&base) {
        return Err(format!(
            "the base URL {base} must start with https:// for the DRP directory \
             (set RIGHTSDESK_BASE_URL to the portal's public https address)"
        ));
    }
    let policy = &settings.business.privacy_policy_url;
    let logo = &settings.drp.logo_url;
    for (what, url) in [("privacy policy URL", policy), ("logo URL", logo)] {
        if !url.is_empty() && !is_https_or_loopback(url) {
            return Err(format!(
                "the {what} {url} must start with https:// for the DRP directory"
            ));
        }
    }
    let contact = settings.staff_alerts_to.clone().unwrap_or_default();
    Ok(json!({
        "id": settings.drp.business_id,
        "name": settings.business.name,
        "api_base": format!("{base}/drp"),
        "supported_actions": drp::SUPPORTED_ACTIONS,
        "supported_verifications": drp::SUPPORTED_VERIFICATIONS,
        "privacy_policy_url": policy,
        "web_url": base,
        "logo": logo,
        "technical_contact": contact,
        "business_contact": contact,
    }))
}

/// An https URL, or any URL whose host is a loopback address.
pub(crate) fn is_https_or_loopback(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What a DRP exercise adds to a request: the agent, the protocol's ids, the callback,
/// the points it vouched for, and the signed body spent by filing it.
pub struct DrpMeta<'a> {
    pub agent: &'a Agent,
    pub drp_id: Uuid,
    pub agent_request_id: Option<&'a str>,
    pub regime: Option<&'a str>,
    pub callback: Option<&'a str>,
    pub vouched: &'a [&'static str],
    pub signature: ([u8; 32], chrono::DateTime<chrono::Utc>),
}

/// Files the request; `None` when its signed body was already used.
pub async fn file_exercise(
    state: &Intake<'_>,
    request: &Arc<NewRequest>,
    status: RequestStatus,
    meta: &DrpMeta<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<DrpView>, Error> {
    let kind = request.kind;
    let received_on = now.with_timezone(&state.tz).date_naive();
    let link_days = state.settings.worker.verification_link_days;
    let opt_in = kind == RequestKind::OptIn;
    let deadlines = if opt_in {
        Deadlines::for_opt_in(
            received_on,
            u32::try_from(link_days).unwrap_or(OPT_IN_WINDOW_DAYS),
        )
    } else {
        Deadlines::for_kind(kind, received_on, state.calendar)
    };
    // An opt-in's link works until the sweep closes the opt-in, at the start of its
    // `respond_by`; other links for their usual lifetime.
    let expires = match deadlines.respond_by {
        Some(last) if opt_in => start_of_day(state.tz, last),
        _ => now + chrono::Duration::days(link_days),
    };
    // The protocol's handler refuses a request without the `email` claim.
    let email = request.email.as_ref().ok_or(Error::NoAddress)?.as_str();
    for _ in 0..5 {
        let code = TrackingCode::generate();
        let awaiting = status == RequestStatus::AwaitingVerification;
        // An opt-in's request is rendered now, but for its link; every other receipt is
        // rendered by the worker when it sends it. Either way the worker creates the link
        // as it sends the message.
        let receipt = match (opt_in && awaiting, deadlines.respond_by) {
            (true, Some(respond_by)) => {
                let message = messages::opt_in_request(
                    state.mail,
                    email,
                    &code,
                    &meta.agent.name,
                    opt_in_last_day(respond_by),
                    &state.mail.link_slot_url(),
                )?
                .with_link(LinkPurpose::ConfirmOptIn, expires);
                ToQueue::from(message)
            }
            _ => {
                let purpose = LinkPurpose::of_request(kind, None).filter(|_| awaiting);
                let receipt =
                    Deferred::receipt(&code, kind, &deadlines, purpose.map(|p| (p, expires)));
                ToQueue::deferred(state.mail, email, receipt)
            }
        };
        let row = Insert {
            id: store::requests::new_id(),
            request: Arc::clone(request),
            tracking_code: code.clone(),
            kind,
            status,
            channel: Channel::Drp,
            received_at: now,
            deadlines,
            receipt: Some(receipt),
            verification: None,
            drp: Some(DrpFields {
                agent_id: meta.agent.id.clone(),
                drp_request_id: meta.drp_id,
                agent_request_id: meta.agent_request_id.map(str::to_owned),
                regime: meta.regime.map(str::to_owned),
                status_callback: meta.callback.map(str::to_owned),
                verification_level: (status == RequestStatus::Verified).then_some("agent vouched"),
                vouched: meta.vouched.to_vec(),
                trusted: meta.agent.trusted,
                signature: Some(meta.signature),
            }),
        };
        let view = DrpView::of_new(&row);
        match state.inserter.insert(row).await {
            Ok(()) => {}
            Err(InsertError::Database(err))
                if store::violates(&err, store::requests::TRACKING_CODE_KEY) =>
            {
                continue;
            }
            Err(InsertError::Database(err))
                if store::violates(&err, store::drp::USED_SIGNATURE_KEY) =>
            {
                return Ok(None);
            }
            Err(InsertError::Database(err)) => return Err(err.into()),
            Err(InsertError::Stopped) => return Err(Error::Stopped),
        }
        tracing::info!(tracking_code = %code, agent_id = %meta.agent.id, kind = %kind, "DRP request received");
        return Ok(Some(view));
    }
    Err(Error::NoFreeTrackingCode)
}
