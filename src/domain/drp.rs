//! The Data Rights Protocol 1.0, business side: signed bodies, the exercise request,
//! and the Exercise Status object. Pure: keys, "now" and our state come in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::kinds::{RequestKind, RequestStatus};

pub const VERSION: &str = "1.0";

/// The longest life a signed body may claim: agents use 10–15 minutes.
pub const MAX_LIFETIME: Duration = Duration::hours(1);
/// How far the agent's clock may be ahead of or behind ours.
pub const CLOCK_SKEW: Duration = Duration::minutes(2);

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
    #[error("issued-at is more than an hour old")]
    Stale,
    #[error("expires-at has passed")]
    Expired,
    #[error("expires-at is more than an hour after issued-at")]
    TooLong,
    #[error("the body is not of this call's shape")]
    WrongShape,
    #[error("the signed body was already used")]
    Replayed,
}

/// Which envelope claims (`agent-id`, `business-id`, `issued-at`, `expires-at`) a call's
/// body must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// Key setup and exercise: all four.
    Required,
    /// Revoke, whose body is `{"reason": …}` (spec §2.04): each is checked only when
    /// present.
    WhenPresent,
}

/// A body whose signature verified and whose envelope holds.
#[derive(Debug, Clone)]
pub struct Signed {
    pub json: Map<String, Value>,
    /// SHA-256 of the signed message: what makes a body usable once. The message, not the
    /// signature, so a re-encoded signature of the same message is the same body.
    pub message_hash: [u8; 32],
    /// Until when the body could be used, and so must be remembered.
    pub expires_at: DateTime<Utc>,
}

/// An agent's public key from its registration: base64 of the 32 bytes, or the 64 hex
/// digits the DRP directory publishes.
pub fn parse_verify_key(raw: &str) -> Option<VerifyingKey> {
    let raw = raw.trim();
    let bytes: [u8; 32] = if raw.len() == 64 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(raw).ok()?.try_into().ok()?
    } else {
        STANDARD.decode(raw).ok()?.try_into().ok()?
    };
    VerifyingKey::from_bytes(&bytes).ok()
}

/// A verify key in the one form the portal stores (base64), whichever form it came in.
pub fn normalise_verify_key(raw: &str) -> Option<String> {
    parse_verify_key(raw).map(|key| STANDARD.encode(key.to_bytes()))
}

const SIGNATURE_LEN: usize = 64;

/// Decodes a signed body (base64 of the signature and then the message) and checks the
/// signature against `key`. Returns the message.
pub fn verified_message(body: &[u8], key: &VerifyingKey) -> Result<Vec<u8>, Rejection> {
    let text = std::str::from_utf8(body).map_err(|_| Rejection::Undecodable)?;
    let mut sig = STANDARD
        .decode(text.trim())
        .map_err(|_| Rejection::Undecodable)?;
    if sig.len() < SIGNATURE_LEN {
        return Err(Rejection::Undecodable);
    }
    // The body is the signature, then the message.
    let message = sig.split_off(SIGNATURE_LEN);
    let sig = Signature::from_bytes(
        sig.as_slice()
            .try_into()
            .map_err(|_| Rejection::Undecodable)?,
    );
    key.verify(&message, &sig)
        .map_err(|_| Rejection::BadSignature)?;
    Ok(message)
}

/// Checks a signed body in the protocol's order (decode, signature, agent, business,
/// issued-at, expires-at) and returns its JSON object. A body lives at most an hour,
/// give or take [`CLOCK_SKEW`] between our clock and the agent's.
pub fn open_signed(
    body: &[u8],
    key: &VerifyingKey,
    agent_id: &str,
    business_id: &str,
    now: DateTime<Utc>,
    envelope: Envelope,
) -> Result<Signed, Rejection> {
    let message = verified_message(body, key)?;
    let Ok(Value::Object(json)) = serde_json::from_slice::<Value>(&message) else {
        return Err(Rejection::Undecodable);
    };
    let required = envelope == Envelope::Required;
    let claim = |field: &str| json.get(field).filter(|v| required || !v.is_null());
    match claim("agent-id") {
        None if !required => {}
        Some(v) if v.as_str() == Some(agent_id) => {}
        _ => return Err(Rejection::WrongAgent),
    }
    match claim("business-id") {
        None if !required => {}
        Some(v) if v.as_str() == Some(business_id) => {}
        _ => return Err(Rejection::WrongBusiness),
    }
    let time = |field: &str| {
        claim(field).map(|v| {
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
        })
    };
    let issued = match time("issued-at") {
        None if !required => None,
        Some(Some(issued)) if issued <= now + CLOCK_SKEW => {
            if issued < now - MAX_LIFETIME - CLOCK_SKEW {
                return Err(Rejection::Stale);
            }
            Some(issued)
        }
        _ => return Err(Rejection::NotYetValid),
    };
    let expires = match time("expires-at") {
        None if !required => None,
        Some(Some(expires)) if now < expires => Some(expires),
        _ => return Err(Rejection::Expired),
    };
    let latest = match issued {
        Some(issued) => issued + MAX_LIFETIME,
        None => now + MAX_LIFETIME + CLOCK_SKEW,
    };
    if expires.is_some_and(|e| e > latest) {
        return Err(Rejection::TooLong);
    }
    Ok(Signed {
        message_hash: Sha256::digest(message).into(),
        expires_at: expires.unwrap_or(now + MAX_LIFETIME),
        json,
    })
}

/// The keys a revoke body may hold: its reason and, when the agent sends them, the
/// envelope claims.
const REVOKE_KEYS: &[&str] = &[
    "reason",
    "agent-id",
    "business-id",
    "issued-at",
    "expires-at",
    "drp.version",
];

/// The reason of a revoke body (spec §2.04: `{"reason": "<optional text>"}`). The
/// `reason` key must be there, and nothing but the envelope beside it, so that a signed
/// key-setup or exercise body replayed at revoke revokes nothing.
pub fn revoke_reason(json: &Map<String, Value>) -> Result<String, Rejection> {
    if json.keys().any(|k| !REVOKE_KEYS.contains(&k.as_str())) {
        return Err(Rejection::WrongShape);
    }
    match json.get("reason") {
        Some(Value::String(reason)) => Ok(reason.chars().take(1000).collect()),
        Some(Value::Null) => Ok(String::new()),
        _ => Err(Rejection::WrongShape),
    }
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

/// The data points an agent can vouch for, as the DRP directory names them.
pub const SUPPORTED_VERIFICATIONS: &[&str] = &["email", "phone_number", "address"];

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

/// DRP's view of a request's status, with its reason. `need_user_verification` is said
/// only while the consumer must act (their address not yet confirmed); while staff
/// match further points it is plainly in progress. An opt-in waiting for the consumer's
/// confirmation is in progress too: `user_verification_url` cannot confirm an opt-in.
pub fn drp_status(
    kind: RequestKind,
    status: RequestStatus,
    consumer_must_act: bool,
    outcome_code: Option<&str>,
) -> (&'static str, Option<&'static str>) {
    match status {
        RequestStatus::Received | RequestStatus::Verified | RequestStatus::InProgress => {
            ("in_progress", None)
        }
        RequestStatus::AwaitingVerification if kind == RequestKind::OptIn || !consumer_must_act => {
            ("in_progress", None)
        }
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
        let open = |b: &[u8], agent: &str| {
            open_signed(b, &vk, agent, "BIZ", now, Envelope::Required).map(|s| s.json)
        };

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
    fn a_signed_body_lives_an_hour_at_most_give_or_take_two_minutes_of_skew() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let vk = key.verifying_key();
        let now = Utc::now();
        let with = |issued: i64, expires: i64| {
            let mut b = body(now);
            b["issued-at"] = timestamp(now + Duration::minutes(issued)).into();
            b["expires-at"] = timestamp(now + Duration::minutes(expires)).into();
            open_signed(
                &signed(&key, &b),
                &vk,
                "AGENT_1",
                "BIZ",
                now,
                Envelope::Required,
            )
            .map(|_| ())
        };
        assert_eq!(with(-1, 14), Ok(()));
        assert_eq!(with(-1, 59), Ok(()), "exactly an hour");
        assert_eq!(with(-1, 60), Err(Rejection::TooLong));
        assert_eq!(with(1, 15), Ok(()), "the agent's clock runs a minute ahead");
        assert_eq!(with(3, 15), Err(Rejection::NotYetValid));
        assert_eq!(with(-59, 1), Ok(()));
        assert_eq!(with(-10, -1), Err(Rejection::Expired));
    }

    #[test]
    fn a_revoke_body_needs_only_its_reason_and_checks_the_envelope_it_carries() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let vk = key.verifying_key();
        let now = Utc::now();
        let open = |b: &Value| {
            open_signed(
                &signed(&key, b),
                &vk,
                "AGENT_1",
                "BIZ",
                now,
                Envelope::WhenPresent,
            )
            .and_then(|s| revoke_reason(&s.json))
        };
        let reason = serde_json::json!({ "reason": "changed their mind" });
        assert_eq!(open(&reason).as_deref(), Ok("changed their mind"));
        let mut enveloped = body(now);
        enveloped["reason"] = "".into();
        assert_eq!(open(&enveloped).as_deref(), Ok(""));
        enveloped["agent-id"] = "AGENT_2".into();
        assert_eq!(open(&enveloped), Err(Rejection::WrongAgent));
        let mut late = serde_json::json!({ "reason": "x" });
        late["expires-at"] = timestamp(now - Duration::seconds(1)).into();
        assert_eq!(open(&late), Err(Rejection::Expired));
        let issued = |ago: i64| {
            let mut b = serde_json::json!({ "reason": "x" });
            b["issued-at"] = timestamp(now - Duration::minutes(ago)).into();
            open(&b).map(|_| ())
        };
        assert_eq!(issued(61), Ok(()), "an hour old, within the skew");
        assert_eq!(issued(63), Err(Rejection::Stale));
        assert_eq!(
            open(&body(now)),
            Err(Rejection::WrongShape),
            "a key-setup body"
        );
        let mut exercise = body(now);
        exercise["exercise"] = "deletion".into();
        exercise["reason"] = "x".into();
        assert_eq!(
            open(&exercise),
            Err(Rejection::WrongShape),
            "an exercise body"
        );
    }

    #[test]
    fn verify_keys_come_in_base64_or_hex_and_are_stored_as_base64() {
        let vk = SigningKey::from_bytes(&[7; 32]).verifying_key();
        let b64 = STANDARD.encode(vk.to_bytes());
        let hex_key = hex::encode(vk.to_bytes());
        assert_eq!(normalise_verify_key(&b64).as_deref(), Some(b64.as_str()));
        assert_eq!(
            normalise_verify_key(&hex_key).as_deref(),
            Some(b64.as_str())
        );
        assert_eq!(
            normalise_verify_key(&hex_key.to_uppercase()).as_deref(),
            Some(b64.as_str())
        );
        assert_eq!(normalise_verify_key(&hex_key[..62]), None);
        assert_eq!(normalise_verify_key("short"), None);
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
        // A "Shine the Light" request is not a DRP right (drp.md): refused.
        assert_eq!(action_kind("shine_the_light"), None);
        assert_eq!(action_kind("shine-the-light"), None);
        assert!(
            SUPPORTED_ACTIONS
                .iter()
                .all(|action| action_kind(action).is_some_and(RequestKind::is_ccpa))
        );
        assert!(SUPPORTED_ACTIONS.contains(&"sale:opt-in"));
        assert!(
            SUPPORTED_ACTIONS
                .iter()
                .all(|action| action_kind(action).is_some())
        );
        let delete = RequestKind::Delete;
        assert_eq!(
            drp_status(delete, RequestStatus::AwaitingVerification, true, None),
            ("in_progress", Some("need_user_verification"))
        );
        assert_eq!(
            drp_status(delete, RequestStatus::AwaitingVerification, false, None),
            ("in_progress", None),
            "staff are matching points: nothing for the consumer to do"
        );
        assert_eq!(
            drp_status(delete, RequestStatus::Denied, true, Some("suspected_fraud")),
            ("denied", Some("suspected_fraud"))
        );
        assert_eq!(
            drp_status(delete, RequestStatus::Withdrawn, true, None),
            ("revoked", None)
        );
        assert_eq!(
            drp_status(delete, RequestStatus::ClosedUnverified, true, None),
            ("denied", Some("insuf_verification"))
        );
    }

    #[test]
    fn an_opt_in_waits_for_the_consumer_without_sending_the_agent_to_verify() {
        let opt_in = RequestKind::OptIn;
        assert_eq!(
            drp_status(opt_in, RequestStatus::AwaitingVerification, true, None),
            ("in_progress", None)
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::Fulfilled, true, None),
            ("fulfilled", None)
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::Denied, true, Some("opt_in_declined")),
            ("denied", Some("other"))
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::ClosedUnverified, true, None),
            ("denied", Some("insuf_verification")),
            "the confirmation timed out"
        );
        assert_eq!(
            drp_status(opt_in, RequestStatus::Withdrawn, true, None),
            ("revoked", None)
        );
    }
}
