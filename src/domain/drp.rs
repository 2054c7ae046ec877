//! The Data Rights Protocol 1.0, business side: signed bodies, the exercise request,
//! and the Exercise Status object. Pure: keys, "now" and our state come in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::kinds::{RequestKind, RequestStatus};

pub const VERSION: &str = "1.0";

/// Why a signed body was refused. Every case answers 403 with an empty body; the
/// variant is for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the body does not decode")]
    Undecodable,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("agent-id is not the agent of the token")]
    WrongAgent,
    #[error("business-id is not this business")]
    WrongBusiness,
    #[error("issued-at is in the future")]
    NotYetValid,
    #[error("expires-at has passed")]
    Expired,
}

/// An agent's public key from its registration (base64 of 32 bytes).
pub fn parse_verify_key(b64: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = STANDARD.decode(b64.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// Checks a signed body in the protocol's order (decode, signature, agent, business,
/// issued-at, expires-at) and returns its JSON object.
pub fn open_signed(
    body: &[u8],
    key: &VerifyingKey,
    agent_id: &str,
    business_id: &str,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, Rejection> {
    let text = std::str::from_utf8(body).map_err(|_| Rejection::Undecodable)?;
    let combined = STANDARD
        .decode(text.trim())
        .map_err(|_| Rejection::Undecodable)?;
    if combined.len() < 64 {
        return Err(Rejection::Undecodable);
    }
    let (sig, message) = combined.split_at(64);
    let sig = Signature::from_bytes(sig.try_into().map_err(|_| Rejection::Undecodable)?);
    key.verify(message, &sig)
        .map_err(|_| Rejection::BadSignature)?;
    let Ok(Value::Object(json)) = serde_json::from_slice::<Value>(message) else {
        return Err(Rejection::Undecodable);
    };
    if json.get("agent-id").and_then(Value::as_str) != Some(agent_id) {
        return Err(Rejection::WrongAgent);
    }
    if json.get("business-id").and_then(Value::as_str) != Some(business_id) {
        return Err(Rejection::WrongBusiness);
    }
    let time = |field: &str| {
        json.get(field)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    match time("issued-at") {
        Some(issued) if now >= issued => {}
        _ => return Err(Rejection::NotYetValid),
    }
    match time("expires-at") {
        Some(expires) if now < expires => {}
        _ => return Err(Rejection::Expired),
    }
    Ok(json)
}

/// The rights DRP can exercise here. `sale:opt-in` becomes an opt-in that the consumer
/// confirms by e-mail.
pub fn action_kind(exercise: &str) -> Option<RequestKind> {
    match exercise {
        "sale:opt-out" | "sale:opt_out" => Some(RequestKind::OptOut),
        "sale:opt-in" | "sale:opt_in" => Some(RequestKind::OptIn),
        "deletion" => Some(RequestKind::Delete),
        "access" | "access:specific" => Some(RequestKind::KnowSpecific),
        "access:categories" => Some(RequestKind::KnowCategories),
        _ => None,
    }
}

pub const SUPPORTED_ACTIONS: &[&str] = &[
    "sale:opt-out",
    "sale:opt-in",
    "deletion",
    "access",
    "access:categories",
    "access:specific",
];

/// The identity claims of an exercise request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Claims {
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    pub phone_number: Option<String>,
    #[serde(default)]
    pub phone_number_verified: bool,
    pub address: Option<Address>,
    #[serde(default)]
    pub address_verified: bool,
    #[serde(default)]
    pub power_of_attorney: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Address {
    pub formatted: Option<String>,
    pub street_address: Option<String>,
    pub locality: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

impl Address {
    pub fn one_line(&self) -> Option<String> {
        if let Some(f) = self.formatted.as_ref().filter(|f| !f.trim().is_empty()) {
            return Some(f.trim().to_string());
        }
        let parts: Vec<&str> = [
            &self.street_address,
            &self.locality,
            &self.region,
            &self.postal_code,
            &self.country,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

impl Claims {
    /// The data points the agent vouches for.
    pub fn vouched(&self) -> Vec<&'static str> {
        let mut points = Vec::new();
        if self.email_verified && self.email.is_some() {
            points.push("email");
        }
        if self.phone_number_verified && self.phone_number.is_some() {
            points.push("phone_number");
        }
        if self.address_verified && self.address.is_some() {
            points.push("address");
        }
        points
    }
}

/// DRP's view of a request's status, with its reason. An opt-in waiting for the
/// consumer's confirmation is plainly in progress: `need_user_verification` would send
/// the agent to `user_verification_url`, and that flow cannot confirm an opt-in.
pub fn drp_status(
    kind: RequestKind,
    status: RequestStatus,
    outcome_code: Option<&str>,
) -> (&'static str, Option<&'static str>) {
    match status {
        RequestStatus::Received | RequestStatus::Verified | RequestStatus::InProgress => {
            ("in_progress", None)
        }
        RequestStatus::AwaitingVerification if kind == RequestKind::OptIn => ("in_progress", None),
        RequestStatus::AwaitingVerification => ("in_progress", Some("need_user_verification")),
        RequestStatus::Fulfilled | RequestStatus::PartiallyFulfilled => ("fulfilled", None),
        RequestStatus::Withdrawn => ("revoked", None),
        RequestStatus::ClosedUnverified => ("denied", Some("insuf_verification")),
        RequestStatus::Denied => {
            let code = match outcome_code.unwrap_or("") {
                "identity_not_verified" => "insuf_verification",
                "too_many_requests" => "too_many_requests",
                "suspected_fraud" => "suspected_fraud",
                _ => "other",
            };
            ("denied", Some(code))
        }
    }
}

/// RFC 3339 with an explicit `+00:00` and microseconds, as strict parsers expect.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(key: &SigningKey, json: &Value) -> Vec<u8> {
        let message = serde_json::to_vec(json).unwrap();
        let mut combined = key.sign(&message).to_bytes().to_vec();
        combined.extend_from_slice(&message);
        STANDARD.encode(combined).into_bytes()
    }

    fn body(now: DateTime<Utc>) -> Value {
        serde_json::json!({
            "agent-id": "AGENT_1", "business-id": "BIZ", "drp.version": "1.0",
            "issued-at": timestamp(now - chrono::Duration::minutes(1)),
            "expires-at": timestamp(now + chrono::Duration::minutes(14)),
        })
    }

    #[test]
    fn each_check_fails_in_order() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[9; 32]);
        let vk = key.verifying_key();
        let now = Utc::now();
        let open = |b: &[u8], agent: &str| open_signed(b, &vk, agent, "BIZ", now);

        assert!(open(&signed(&key, &body(now)), "AGENT_1").is_ok());
        assert_eq!(
            open(b"%%% not base64", "AGENT_1"),
            Err(Rejection::Undecodable)
        );
        assert_eq!(
            open(&signed(&other, &body(now)), "AGENT_1"),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            open(&signed(&key, &body(now)), "AGENT_2"),
            Err(Rejection::WrongAgent)
        );
        let mut wrong_biz = body(now);
        wrong_biz["business-id"] = "OTHER".into();
        assert_eq!(
            open(&signed(&key, &wrong_biz), "AGENT_1"),
            Err(Rejection::WrongBusiness)
        );
        let mut future = body(now);
        future["issued-at"] = timestamp(now + chrono::Duration::minutes(5)).into();
        assert_eq!(
            open(&signed(&key, &future), "AGENT_1"),
            Err(Rejection::NotYetValid)
        );
        let mut stale = body(now);
        stale["expires-at"] = timestamp(now - chrono::Duration::seconds(1)).into();
        assert_eq!(
            open(&signed(&key, &stale), "AGENT_1"),
            Err(Rejection::Expired)
        );
    }

    #[test]
    fn timestamps_have_an_explicit_offset() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T10:00:00.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(t), "2026-11-23T10:00:00.123456+00:00");
    }

    #[test]
    fn actions_and_statuses_map() {
        assert_eq!(action_kind("sale:opt_out"), Some(RequestKind::OptOut));
        assert_eq!(action_kind("access"), Some(RequestKind::KnowSpecific));
        assert_eq!(action_kind("sale:opt-in"), Some(RequestKind::OptIn));
        assert_eq!(action_kind("sale:opt_in"), Some(RequestKind::OptIn));
        assert_eq!(action_kind("sale:optin"), None);
        assert_eq!(action_kind("opt_in"), None);
        assert!(SUPPORTED_ACTIONS.contains(&"sale:opt-in"));
        assert!(
            SUPPORTED_ACTIONS
                .iter()
                .all(|action| action_kind(action).is_some())
        );
        let delete = RequestKind::Delete;
        assert_eq!(
            drp_status(delete, RequestStatus::AwaitingVerification, None),
            ("in_progress", Some("need_user_verification"))
        );
        assert_eq!(
            drp_status(delete, RequestStatus::Withdrawn, None),
            ("revoked", None)
        );
        assert_eq!(
            drp_status(delete, RequestStatus::ClosedUnverified, None),
            ("denied", Some("insuf_verification"))
        );
    }

    #[test]
    fn an_opt_in_waits_for_the_consumer_without_sending_the_agent_to_verify() {
        let opt_in = RequestKind::OptIn;
        assert_eq!(
            drp_status(opt_in, RequestStatus::AwaitingVerification, None),
            ("in_progress", None)
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::Fulfilled, None),
            ("fulfilled", None)
        );
        assert_eq!(
            drp_status(
                opt_in,
                RequestStatus::Denied,
                Some("The consumer declined to opt back in.")
            ),
            ("denied", Some("other"))
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::ClosedUnverified, None),
            ("denied", Some("insuf_verification")),
            "the confirmation timed out"
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::Withdrawn, None),
            ("revoked", None)
        );
    }
}
