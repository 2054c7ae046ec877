//! Passing decisions on downstream (Civ. §1798.105(c), reg. §7022(b), §7023(c),
//! §7026(f), §7027(g)): who a recipient is, which kinds it acts on, how it is told, and
//! how a webhook is signed (Standard Webhooks: HMAC-SHA256 over
//! `"{id}.{timestamp}.{body}"`, keyed by the bytes of a `whsec_` secret). Pure: no clock,
//! no I/O; the random secret is drawn by the caller's `generate`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use super::kinds::{EventKind, RequestKind, RequestStatus, coded_enum};

coded_enum!(
    /// Who the recipient is to the business; the regulations name each (reg. §7051).
    RecipientRole, "recipient role" {
        Internal => "internal",
        ServiceProvider => "service_provider",
        Contractor => "contractor",
        ThirdParty => "third_party",
    }
);

coded_enum!(
    /// How a recipient is told of its tasks.
    NotifyChannel, "recipient channel" {
        Email => "email",
        Webhook => "webhook",
        Manual => "manual",
    }
);

coded_enum!(
    /// How a task ended: done, or not (with why, e.g. an exception the recipient claims).
    TaskOutcome, "task outcome" {
        Done => "done",
        NotDone => "not_done",
    }
);

coded_enum!(
    /// The request events a recipient may subscribe to (ticketing systems).
    LifecycleEvent, "lifecycle event" {
        Received => "received",
        Verified => "verified",
        Extended => "extended",
        Fulfilled => "fulfilled",
        Denied => "denied",
        Closed => "closed",
    }
);

impl RecipientRole {
    pub fn label(self) -> &'static str {
        match self {
            RecipientRole::Internal => "Internal system",
            RecipientRole::ServiceProvider => "Service provider",
            RecipientRole::Contractor => "Contractor",
            RecipientRole::ThirdParty => "Third party",
        }
    }
}

impl TaskOutcome {
    pub fn label(self) -> &'static str {
        match self {
            TaskOutcome::Done => "done",
            TaskOutcome::NotDone => "not done",
        }
    }
}

impl LifecycleEvent {
    /// The event an audit-trail entry stands for, if any: `to` is the status it moved
    /// the request to.
    pub fn of(action: EventKind, to: Option<RequestStatus>) -> Option<Self> {
        use RequestStatus as S;
        match (action, to) {
            (EventKind::Submitted, _) => Some(LifecycleEvent::Received),
            (EventKind::DeadlineExtended, _) => Some(LifecycleEvent::Extended),
            (_, Some(S::Verified)) => Some(LifecycleEvent::Verified),
            (_, Some(S::Fulfilled | S::PartiallyFulfilled)) => Some(LifecycleEvent::Fulfilled),
            (_, Some(S::Denied)) => Some(LifecycleEvent::Denied),
            (_, Some(S::Withdrawn | S::ClosedUnverified)) => Some(LifecycleEvent::Closed),
            _ => None,
        }
    }

    /// The webhook's `type`.
    pub fn webhook_type(self) -> String {
        format!("request.{}", self.code())
    }
}

/// The kinds a recipient can act on: decisions that must be carried out elsewhere.
pub const TASK_KINDS: &[RequestKind] = &[
    RequestKind::Delete,
    RequestKind::Correct,
    RequestKind::OptOut,
    RequestKind::LimitSensitive,
];

/// Whether deciding `kind` the way `to` says passes it on to recipients: a deletion or
/// correction fulfilled wholly or in part, an opt-out or limit applied.
pub fn tasks_due(kind: RequestKind, to: Option<RequestStatus>) -> bool {
    TASK_KINDS.contains(&kind)
        && matches!(
            to,
            Some(RequestStatus::Fulfilled | RequestStatus::PartiallyFulfilled)
        )
}

/// Why a recipient as entered cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRecipient {
    #[error("enter a name (at most 100 characters)")]
    Name,
    #[error("choose at least one request kind: delete, correct, opt_out, limit_sensitive")]
    Kinds,
    #[error("lifecycle events go to webhook recipients only")]
    EventsNeedWebhook,
}

/// The request kinds a recipient acts on, from `delete,correct,…`: each known, no
/// duplicates, at least one.
pub fn parse_kinds<'a>(
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<RequestKind>, BadRecipient> {
    let mut kinds = Vec::new();
    for code in codes {
        let code = code.trim();
        if code.is_empty() {
            continue;
        }
        let kind = RequestKind::parse(code).map_err(|_| BadRecipient::Kinds)?;
        if !TASK_KINDS.contains(&kind) {
            return Err(BadRecipient::Kinds);
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err(BadRecipient::Kinds);
    }
    Ok(kinds)
}

/// A recipient's name: trimmed, 1 to 100 characters, no control characters.
pub fn parse_name(raw: &str) -> Result<String, BadRecipient> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(BadRecipient::Name);
    }
    Ok(name.to_string())
}

/// A webhook signing secret in the Standard Webhooks format: `whsec_` and the base64 of
/// its key's bytes.
#[derive(Clone)]
pub struct SigningSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

impl SigningSecret {
    pub const PREFIX: &'static str = "whsec_";

    /// A new secret of 32 random bytes.
    pub fn generate() -> Self {
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        Self { key }
    }

    /// A stored secret; `None` when it is not `whsec_` + base64 of at least 24 bytes.
    pub fn parse(text: &str) -> Option<Self> {
        let key = STANDARD.decode(text.strip_prefix(Self::PREFIX)?).ok()?;
        (key.len() >= 24).then_some(Self { key })
    }

    /// The text stored, and shown once to whoever set the receiver up.
    pub fn expose(&self) -> String {
        format!("{}{}", Self::PREFIX, STANDARD.encode(&self.key))
    }

    /// The `webhook-signature` header's value for one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.key);
        let mut ctx = ring::hmac::Context::with_key(&key);
        ctx.update(id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
    }
}

/// Exponential back-off for deliveries: base, 2×base, 4×base … capped at `cap_seconds`,
/// so a receiver that comes back after an outage is tried again soon.
pub fn backoff_seconds(base_seconds: i64, cap_seconds: i64, attempts: i32) -> i64 {
    let factor = 1i64 << (attempts.clamp(1, 30) - 1);
    base_seconds
        .max(1)
        .saturating_mul(factor)
        .min(cap_seconds.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_matches_the_standard_webhooks_reference() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_random_and_read_back_from_their_text() {
        let a = SigningSecret::generate();
        let b = SigningSecret::generate();
        assert!(a.expose().starts_with("whsec_"));
        assert_ne!(a.expose(), b.expose());
        let again = SigningSecret::parse(&a.expose()).unwrap();
        assert_eq!(again.sign("x", 1, b"{}"), a.sign("x", 1, b"{}"));
        assert!(
            SigningSecret::parse("whsec_c2hvcnQ=").is_none(),
            "too short"
        );
        assert!(SigningSecret::parse("sk_abc").is_none());
        assert_eq!(format!("{a:?}"), "SigningSecret(…)", "never printed");
    }

    #[test]
    fn only_fulfilled_deletions_corrections_opt_outs_and_limits_are_passed_on() {
        use RequestKind::*;
        use RequestStatus as S;
        for kind in [Delete, Correct] {
            assert!(tasks_due(kind, Some(S::Fulfilled)));
            assert!(tasks_due(kind, Some(S::PartiallyFulfilled)));
            assert!(!tasks_due(kind, Some(S::Denied)));
            assert!(!tasks_due(kind, Some(S::InProgress)));
        }
        assert!(tasks_due(OptOut, Some(S::Fulfilled)));
        assert!(tasks_due(LimitSensitive, Some(S::Fulfilled)));
        assert!(!tasks_due(KnowSpecific, Some(S::Fulfilled)));
        assert!(!tasks_due(OptIn, Some(S::Fulfilled)));
        assert!(!tasks_due(Delete, None));
    }

    #[test]
    fn kinds_are_parsed_once_each_and_only_those_carried_out_downstream() {
        assert_eq!(
            parse_kinds("delete, opt_out,delete".split(',')),
            Ok(vec![RequestKind::Delete, RequestKind::OptOut])
        );
        assert_eq!(parse_kinds("".split(',')), Err(BadRecipient::Kinds));
        assert_eq!(
            parse_kinds("know_specific".split(',')),
            Err(BadRecipient::Kinds)
        );
        assert_eq!(parse_kinds("erase".split(',')), Err(BadRecipient::Kinds));
        assert_eq!(parse_name("  Mail vendor "), Ok("Mail vendor".into()));
        assert_eq!(parse_name(" "), Err(BadRecipient::Name));
        assert_eq!(parse_name("a\nb"), Err(BadRecipient::Name));
    }

    #[test]
    fn audit_events_map_to_the_lifecycle_events_subscribers_hear_of() {
        use RequestStatus as S;
        let of = LifecycleEvent::of;
        assert_eq!(
            of(EventKind::Submitted, Some(S::Received)),
            Some(LifecycleEvent::Received)
        );
        assert_eq!(
            of(EventKind::DataPointRecorded, Some(S::Verified)),
            Some(LifecycleEvent::Verified)
        );
        assert_eq!(of(EventKind::DataPointRecorded, None), None);
        assert_eq!(
            of(EventKind::DeadlineExtended, None),
            Some(LifecycleEvent::Extended)
        );
        assert_eq!(
            of(EventKind::OptOutApplied, Some(S::Fulfilled)),
            Some(LifecycleEvent::Fulfilled)
        );
        assert_eq!(
            of(EventKind::Denied, Some(S::Denied)),
            Some(LifecycleEvent::Denied)
        );
        assert_eq!(
            of(EventKind::Revoked, Some(S::Withdrawn)),
            Some(LifecycleEvent::Closed)
        );
        assert_eq!(of(EventKind::ProcessingStarted, Some(S::InProgress)), None);
        assert_eq!(LifecycleEvent::Closed.webhook_type(), "request.closed");
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        assert_eq!(backoff_seconds(10, 300, 1), 10);
        assert_eq!(backoff_seconds(10, 300, 3), 40);
        assert_eq!(backoff_seconds(10, 300, 6), 300);
        assert_eq!(backoff_seconds(10, 300, 40), 300);
    }
}
