//! What staff may do to a request, and when (ccpa-rules §2–6). Every rule here is pure:
//! the request's facts and today's date come in, a decision comes out.

use chrono::NaiveDate;
use thiserror::Error;

use super::deadlines::latest_extension;
use super::kinds::{RequestKind, RequestStatus};

/// The facts about a request that the rules look at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub received_on: NaiveDate,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    /// Data points matched so far (the e-mail link counts as one).
    pub data_points: usize,
    pub declaration_signed: bool,
}

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
}

/// Matched data points a kind needs (reg. §7061, §7062): reasonable certainty is two,
/// reasonably high certainty (specific pieces) three plus the signed declaration.
pub fn data_points_needed(kind: RequestKind) -> usize {
    match kind {
        RequestKind::KnowSpecific => 3,
        // An opt-in is confirmed by the consumer, never by matched data points.
        RequestKind::OptOut | RequestKind::LimitSensitive | RequestKind::OptIn => 0,
        _ => 2,
    }
}

/// Staff never confirm an opt-in for the consumer: neither by verifying it nor by
/// fulfilling it. Only the consumer's link applies it.
fn not_for_staff_to_confirm(f: &Facts) -> Result<(), Refusal> {
    if f.kind == RequestKind::OptIn {
        Err(Refusal::ConsumerConfirms)
    } else {
        Ok(())
    }
}

fn open(f: &Facts) -> Result<(), Refusal> {
    if f.status.is_closed() {
        Err(Refusal::Closed)
    } else {
        Ok(())
    }
}

/// Staff mark identity verified after recording enough data points.
pub fn mark_verified(f: &Facts) -> Result<(), Refusal> {
    open(f)?;
    not_for_staff_to_confirm(f)?;
    if f.status != RequestStatus::AwaitingVerification {
        return Err(Refusal::NotAwaitingVerification);
    }
    let needed = data_points_needed(f.kind);
    if f.data_points < needed {
        return Err(Refusal::TooFewDataPoints {
            needed,
            have: f.data_points,
        });
    }
    if f.kind == RequestKind::KnowSpecific && !f.declaration_signed {
        return Err(Refusal::NoDeclaration);
    }
    Ok(())
}

/// Any open request can be worked on, noted, assigned or withdrawn.
pub fn while_open(f: &Facts) -> Result<(), Refusal> {
    open(f)
}

/// Fulfilling (wholly or partly) needs verification, except for opt-out and limit.
pub fn fulfil(f: &Facts) -> Result<(), Refusal> {
    open(f)?;
    not_for_staff_to_confirm(f)?;
    let verified = matches!(
        f.status,
        RequestStatus::Verified | RequestStatus::InProgress
    );
    let no_check_needed = !f.kind.needs_verification();
    if verified || no_check_needed {
        Ok(())
    } else {
        Err(Refusal::NotVerified)
    }
}

/// Denial is possible from any open state, unverified included (the reply then says
/// identity could not be verified).
pub fn deny(f: &Facts, explanation: &str) -> Result<(), Refusal> {
    open(f)?;
    if explanation.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    Ok(())
}

/// From `respond_by` on, a request still unverified may be closed as unverified.
pub fn close_unverified(f: &Facts, today: NaiveDate) -> Result<(), Refusal> {
    open(f)?;
    if f.status != RequestStatus::AwaitingVerification {
        return Err(Refusal::NotAwaitingVerification);
    }
    match f.respond_by {
        Some(deadline) if today < deadline => Err(Refusal::BeforeDeadline(deadline)),
        _ => Ok(()),
    }
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
    open(f)?;
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
];
const VERIFIED_KINDS: &[RequestKind] = &[KnowCategories, KnowSpecific, Delete, Correct];

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
        code: "agent_not_authorized",
        label: "The agent's authority to act for you was not confirmed",
        kinds: ANY,
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
        code: "exception",
        label: "An exception in the law applies (explained below)",
        kinds: ANY,
    },
    DenialReason {
        code: "other",
        label: "Another reason (explained below)",
        kinds: ANY,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(kind: RequestKind, status: RequestStatus) -> Facts {
        Facts {
            kind,
            status,
            received_on: d("2026-11-23"),
            respond_by: Some(d("2027-01-07")),
            extended_respond_by: None,
            data_points: 1,
            declaration_signed: false,
        }
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
    }

    #[test]
    fn verification_needs_enough_data_points_and_the_declaration_for_a_copy() {
        let mut f = facts(KnowSpecific, RequestStatus::AwaitingVerification);
        f.data_points = 2;
        assert_eq!(
            mark_verified(&f),
            Err(Refusal::TooFewDataPoints { needed: 3, have: 2 })
        );
        f.data_points = 3;
        assert_eq!(mark_verified(&f), Err(Refusal::NoDeclaration));
        f.declaration_signed = true;
        assert_eq!(mark_verified(&f), Ok(()));
        let mut del = facts(Delete, RequestStatus::AwaitingVerification);
        assert!(mark_verified(&del).is_err());
        del.data_points = 2;
        assert_eq!(mark_verified(&del), Ok(()));
        assert_eq!(
            mark_verified(&facts(Delete, RequestStatus::Verified)),
            Err(Refusal::NotAwaitingVerification)
        );
    }

    #[test]
    fn fulfilment_waits_for_verification_except_opt_out_and_limit() {
        assert_eq!(
            fulfil(&facts(Delete, RequestStatus::AwaitingVerification)),
            Err(Refusal::NotVerified)
        );
        assert_eq!(fulfil(&facts(Delete, RequestStatus::Verified)), Ok(()));
        assert_eq!(fulfil(&facts(Correct, RequestStatus::InProgress)), Ok(()));
        assert_eq!(fulfil(&facts(OptOut, RequestStatus::Received)), Ok(()));
        assert_eq!(
            fulfil(&facts(Delete, RequestStatus::Fulfilled)),
            Err(Refusal::Closed)
        );
        assert_eq!(
            deny(
                &facts(Delete, RequestStatus::AwaitingVerification),
                "unverified"
            ),
            Ok(())
        );
        assert_eq!(
            deny(&facts(Delete, RequestStatus::Verified), ""),
            Err(Refusal::ReasonRequired)
        );
    }

    #[test]
    fn closing_as_unverified_waits_for_the_deadline() {
        let f = facts(Delete, RequestStatus::AwaitingVerification);
        assert_eq!(
            close_unverified(&f, d("2027-01-06")),
            Err(Refusal::BeforeDeadline(d("2027-01-07")))
        );
        assert_eq!(close_unverified(&f, d("2027-01-07")), Ok(()));
        assert_eq!(
            close_unverified(&facts(Delete, RequestStatus::Verified), d("2027-01-07")),
            Err(Refusal::NotAwaitingVerification)
        );
    }

    #[test]
    fn staff_never_confirm_an_opt_in_for_the_consumer() {
        let mut f = facts(OptIn, RequestStatus::AwaitingVerification);
        f.data_points = 3;
        assert_eq!(mark_verified(&f), Err(Refusal::ConsumerConfirms));
        assert_eq!(fulfil(&f), Err(Refusal::ConsumerConfirms));
        assert_eq!(
            fulfil(&facts(OptIn, RequestStatus::Verified)),
            Err(Refusal::ConsumerConfirms)
        );
        assert_eq!(
            extend(&f, d("2026-11-24"), None, "volume"),
            Err(Refusal::NotExtendable)
        );
        assert_eq!(deny(&f, "suspected fraud"), Ok(()));
        assert_eq!(while_open(&f), Ok(()));
        assert!(denial_reason(OptIn, "other").is_some());
        assert!(denial_reason(OptIn, "identity_not_verified").is_none());
    }

    #[test]
    fn denial_reasons_follow_the_kind() {
        assert!(denial_reason(Delete, "research").is_some());
        assert!(denial_reason(Correct, "research").is_none());
        assert!(denial_reason(Correct, "more_likely_accurate").is_some());
        assert!(denial_reason(KnowSpecific, "too_many_requests").is_some());
        assert!(denial_reason(Delete, "too_many_requests").is_none());
        assert!(denial_reason(OptOut, "identity_not_verified").is_none());
    }
}
