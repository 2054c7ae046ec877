//! What staff may do to a request, and when (ccpa-rules §2–6). Every rule here is pure:
//! the request's facts and today's date come in, a decision comes out.

use chrono::NaiveDate;
use thiserror::Error;

use super::deadlines::latest_extension;
use super::kinds::RequestKind;
use super::lifecycle::Facts;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("this request is closed")]
    Closed,
    #[error("this request is not waiting for verification")]
    NotAwaitingVerification,
    #[error("identity must be verified first")]
    NotVerified,
    #[error(
        "{needed} matched data points are needed to verify this kind of request; {have} recorded"
    )]
    TooFewDataPoints { needed: usize, have: usize },
    #[error("a request for specific pieces needs the signed declaration")]
    NoDeclaration,
    #[error("this kind of request has no response deadline to extend")]
    NotExtendable,
    #[error("the deadline was already extended once")]
    AlreadyExtended,
    #[error("the extension notice must be sent before the deadline ({0}); it has passed")]
    TooLateToExtend(NaiveDate),
    #[error("an extension may not go past {0} (90 days after receipt)")]
    BeyondNinetyDays(NaiveDate),
    #[error("an extension must move the deadline later than {0}")]
    NotLater(NaiveDate),
    #[error("give the reason: it is sent to the consumer")]
    ReasonRequired,
    #[error("a request can be closed as unverified only from its response deadline ({0})")]
    BeforeDeadline(NaiveDate),
    #[error(
        "only the consumer can confirm an opt-in, from the link e-mailed to them (reg. §7028: two steps)"
    )]
    ConsumerConfirms,
    #[error("a power of attorney needs no confirmation from the consumer (reg. §7063(b))")]
    NoConsumerLink,
    #[error("there is no agent authority waiting for a decision")]
    NoAgentToDecide,
    #[error("the agent's authority was already confirmed")]
    AgentAlreadyDecided,
    #[error("the agent's authority must be confirmed by the consumer or accepted by staff first")]
    AgentNotEstablished,
    #[error("this kind of request needs no identity verification")]
    NoVerificationNeeded,
    #[error("that data point is already recorded: each point counts once")]
    PointAlreadyRecorded,
    #[error("work on this request has already started")]
    AlreadyStarted,
    #[error("an opt-out or limit is applied whole, not in part")]
    AppliedWhole,
    #[error(
        "that reason does not apply to this kind of request (an opt-out or limit is denied only for suspected fraud, reg. §7026(e))"
    )]
    ReasonNotForKind,
    #[error("this request is not an opt-in")]
    NotAnOptIn,
    #[error(
        "a Shine the Light request cannot be extended: the answer is due 30 days after receipt (150 when it reached an address the business did not designate), Civ. §1798.83(b)"
    )]
    NoShineTheLightExtension,
    #[error("a Shine the Light request is answered whole, with the year's disclosures")]
    AnsweredWhole,
    #[error("this request is not a Shine the Light request")]
    NotShineTheLight,
}

/// One extension, with its reason, decided and noticed before `respond_by`, to at most
/// received + 90 days (reg. §7021(b)). Returns the new deadline. An opt-in has no legal
/// deadline to extend: its `respond_by` is only how long its link works.
pub fn extend(
    f: &Facts,
    today: NaiveDate,
    until: Option<NaiveDate>,
    reason: &str,
) -> Result<NaiveDate, Refusal> {
    if f.status.is_closed() {
        return Err(Refusal::Closed);
    }
    if f.kind == RequestKind::ShineTheLight {
        return Err(Refusal::NoShineTheLightExtension);
    }
    let Some(respond_by) = f.respond_by.filter(|_| f.kind.has_legal_deadline()) else {
        return Err(Refusal::NotExtendable);
    };
    if f.extended_respond_by.is_some() {
        return Err(Refusal::AlreadyExtended);
    }
    if today > respond_by {
        return Err(Refusal::TooLateToExtend(respond_by));
    }
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    let latest = latest_extension(f.received_on);
    let new_date = until.unwrap_or(latest);
    if new_date > latest {
        return Err(Refusal::BeyondNinetyDays(latest));
    }
    if new_date <= respond_by {
        return Err(Refusal::NotLater(respond_by));
    }
    Ok(new_date)
}

/// Why a request is denied, from the lists the law gives (Civ. §1798.105(d) for
/// deletion; reg. §7023 for correction), plus the general grounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenialReason {
    pub code: &'static str,
    pub label: &'static str,
    kinds: &'static [RequestKind],
}

use RequestKind::*;

const ANY: &[RequestKind] = &[
    KnowCategories,
    KnowSpecific,
    Delete,
    Correct,
    OptOut,
    LimitSensitive,
    OptIn,
    ShineTheLight,
];
const VERIFIED_KINDS: &[RequestKind] = &[KnowCategories, KnowSpecific, Delete, Correct];
/// Every kind but opt-out and limit, which are denied only for suspected fraud
/// (reg. §7026(e), §7027(e)).
const ON_THE_MERITS: &[RequestKind] = &[
    KnowCategories,
    KnowSpecific,
    Delete,
    Correct,
    OptIn,
    ShineTheLight,
];

pub const DENIAL_REASONS: &[DenialReason] = &[
    DenialReason {
        code: "identity_not_verified",
        label: "We could not verify your identity",
        kinds: VERIFIED_KINDS,
    },
    DenialReason {
        code: "too_many_requests",
        label: "You have already made two requests to know in the last 12 months (Civ. §1798.130(b))",
        kinds: &[KnowCategories, KnowSpecific],
    },
    DenialReason {
        code: "suspected_fraud",
        label: "We have a good-faith, reasonable and documented belief that the request is fraudulent (reg. §7026(e))",
        kinds: ANY,
    },
    DenialReason {
        code: "disproportionate_effort",
        label: "Answering would take effort disproportionate to its benefit to you (reg. §7001(h))",
        kinds: &[KnowCategories, KnowSpecific, Correct],
    },
    DenialReason {
        code: "complete_transaction",
        label: "Needed to complete a transaction, provide a good or service you asked for, or perform a contract with you (§1798.105(d)(1))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "security",
        label: "Needed to help ensure security and integrity (§1798.105(d)(2))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "debugging",
        label: "Needed to debug and repair errors (§1798.105(d)(3))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "free_speech",
        label: "Needed to exercise free speech or another legal right (§1798.105(d)(4))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "calecpa",
        label: "Needed to comply with the California Electronic Communications Privacy Act (§1798.105(d)(5))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "research",
        label: "Needed for public-interest research (§1798.105(d)(6))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "internal_expected_uses",
        label: "Needed for internal uses reasonably aligned with your expectations (§1798.105(d)(7))",
        kinds: &[Delete],
    },
    DenialReason {
        code: "legal_obligation",
        label: "Needed to comply with a legal obligation (§1798.105(d)(8))",
        kinds: &[Delete, Correct],
    },
    DenialReason {
        code: "more_likely_accurate",
        label: "The information is more likely than not accurate (reg. §7023)",
        kinds: &[Correct],
    },
    DenialReason {
        code: "inadequate_documentation",
        label: "The documentation provided was not enough to support the correction (reg. §7023)",
        kinds: &[Correct],
    },
    DenialReason {
        code: "conflict_with_law",
        label: "Correcting it would conflict with federal or state law",
        kinds: &[Correct],
    },
    DenialReason {
        code: "not_a_customer",
        label: "We have no established business relationship with you, so the Shine the Light law does not apply to your request (Civ. §1798.83(e))",
        kinds: &[ShineTheLight],
    },
    DenialReason {
        code: "exception",
        label: "An exception in the law applies (explained below)",
        kinds: ON_THE_MERITS,
    },
    DenialReason {
        code: "other",
        label: "Another reason (explained below)",
        kinds: ON_THE_MERITS,
    },
];

pub fn denial_reasons(kind: RequestKind) -> impl Iterator<Item = &'static DenialReason> {
    DENIAL_REASONS
        .iter()
        .filter(move |r| r.kinds.contains(&kind))
}

pub fn denial_reason(kind: RequestKind, code: &str) -> Option<&'static DenialReason> {
    denial_reasons(kind).find(|r| r.code == code)
}

/// What a closed request's outcome code says to the consumer (and the agent): the text
/// is rendered from the code, never stored.
pub fn outcome_label(code: &str) -> &'static str {
    match code {
        "fulfilled" => "Completed",
        "partially_fulfilled" => "Completed in part",
        "applied" => "Applied and added to the suppression list",
        "withdrawn" => "Withdrawn at your request",
        "agent_not_authorized" => "The agent's authority to act for you was not confirmed",
        "opt_in_not_confirmed" => {
            "The opt-in was not confirmed in time, so it was not applied; the opt-out stays in place"
        }
        "opt_in_declined" => "You declined the opt-in; the opt-out stays in place",
        "opted_in" => "You opted back in",
        "revoked" => "Withdrawn by the agent who filed it",
        "answered_with_earlier" => {
            "Answered with this year's answer to your earlier request, which we sent you again"
        }
        _ => DENIAL_REASONS
            .iter()
            .find(|r| r.code == code)
            .map_or("Closed", |r| r.label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kinds::RequestStatus;
    use crate::domain::lifecycle::tests::facts;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_extension_is_refused_after_respond_by_and_beyond_90_days() {
        let f = facts(Delete, RequestStatus::Verified);
        assert_eq!(
            extend(&f, d("2027-01-07"), None, "volume"),
            Ok(d("2027-02-21")),
            "on day 45 itself"
        );
        assert_eq!(
            extend(&f, d("2027-01-08"), None, "volume"),
            Err(Refusal::TooLateToExtend(d("2027-01-07")))
        );
        assert_eq!(
            extend(&f, d("2026-12-01"), Some(d("2027-02-22")), "volume"),
            Err(Refusal::BeyondNinetyDays(d("2027-02-21")))
        );
        assert_eq!(
            extend(&f, d("2026-12-01"), Some(d("2027-01-20")), "volume"),
            Ok(d("2027-01-20"))
        );
        assert_eq!(
            extend(&f, d("2026-12-01"), Some(d("2027-01-07")), "x"),
            Err(Refusal::NotLater(d("2027-01-07")))
        );
        assert_eq!(
            extend(&f, d("2026-12-01"), None, "  "),
            Err(Refusal::ReasonRequired)
        );
        let once = Facts {
            extended_respond_by: Some(d("2027-02-21")),
            ..f.clone()
        };
        assert_eq!(
            extend(&once, d("2026-12-01"), None, "again"),
            Err(Refusal::AlreadyExtended)
        );
        let opt_out = Facts {
            respond_by: None,
            ..facts(OptOut, RequestStatus::Received)
        };
        assert_eq!(
            extend(&opt_out, d("2026-12-01"), None, "x"),
            Err(Refusal::NotExtendable)
        );
        let closed = facts(Delete, RequestStatus::Denied);
        assert_eq!(
            extend(&closed, d("2026-12-01"), None, "x"),
            Err(Refusal::Closed)
        );
        let opt_in = facts(OptIn, RequestStatus::AwaitingVerification);
        assert_eq!(
            extend(&opt_in, d("2026-11-24"), None, "volume"),
            Err(Refusal::NotExtendable)
        );
    }

    #[test]
    fn a_shine_the_light_request_is_never_extended() {
        let f = facts(ShineTheLight, RequestStatus::Verified);
        assert_eq!(
            extend(&f, d("2026-11-24"), None, "volume"),
            Err(Refusal::NoShineTheLightExtension)
        );
        assert!(
            Refusal::NoShineTheLightExtension
                .to_string()
                .contains("30 days")
        );
    }

    #[test]
    fn denial_reasons_follow_the_kind() {
        assert!(denial_reason(Delete, "research").is_some());
        assert!(denial_reason(Correct, "research").is_none());
        assert!(denial_reason(Correct, "more_likely_accurate").is_some());
        assert!(denial_reason(KnowSpecific, "too_many_requests").is_some());
        assert!(denial_reason(Delete, "too_many_requests").is_none());
        assert!(denial_reason(OptOut, "identity_not_verified").is_none());
        assert!(denial_reason(KnowSpecific, "disproportionate_effort").is_some());
        assert!(denial_reason(Delete, "disproportionate_effort").is_none());
        assert!(denial_reason(OptIn, "other").is_some());
        assert!(denial_reason(OptIn, "identity_not_verified").is_none());
    }

    #[test]
    fn opt_out_and_limit_are_denied_for_suspected_fraud_only() {
        for kind in [OptOut, LimitSensitive] {
            let codes: Vec<_> = denial_reasons(kind).map(|r| r.code).collect();
            assert_eq!(codes, ["suspected_fraud"]);
        }
        assert!(denial_reason(Delete, "suspected_fraud").is_some());
    }

    #[test]
    fn outcome_codes_read_as_text() {
        assert_eq!(outcome_label("withdrawn"), "Withdrawn at your request");
        assert!(outcome_label("research").contains("research"));
        assert_eq!(outcome_label("no_such_code"), "Closed");
    }
}
