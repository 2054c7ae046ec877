//! The request lifecycle (ccpa-rules §3–5): which change may happen to a request in which
//! state, and what it does. Everything that moves a request — staff, the consumer's link,
//! an agent, the worker's sweeps, DRP — asks [`decide`], which answers with a
//! [`Transition`] to write or a [`Refusal`] to show. Pure: facts and today's date in.

use chrono::NaiveDate;

use super::actions::{DenialReason, Refusal, denial_reason};
use super::kinds::{Authority, AuthorityState, DataPoint, EventKind, RequestKind, RequestStatus};

/// Matched data points each kind needs before it is `verified` (reg. §§7060–7062): the
/// business's policy, set in `[verification]`. The defaults follow the regulations'
/// examples: two for a reasonable degree of certainty, three (with the consumer's signed
/// declaration) for a reasonably high degree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    pub know_categories: usize,
    pub know_specific: usize,
    pub delete: usize,
    pub correct: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            know_categories: 2,
            know_specific: 3,
            delete: 2,
            correct: 2,
        }
    }
}

impl Policy {
    /// Opt-out and limit need none (§7026(d), §7027); an opt-in is confirmed by the
    /// consumer's own choice, never by points.
    pub fn points_needed(&self, kind: RequestKind) -> usize {
        match kind {
            RequestKind::KnowCategories => self.know_categories,
            RequestKind::KnowSpecific => self.know_specific,
            RequestKind::Delete => self.delete,
            RequestKind::Correct => self.correct,
            RequestKind::OptOut | RequestKind::LimitSensitive | RequestKind::OptIn => 0,
        }
    }
}

/// The agent who filed in the browser, and where its authority stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentFacts {
    pub authority: Authority,
    pub state: AuthorityState,
}

impl AgentFacts {
    pub fn established(self) -> bool {
        matches!(
            self.state,
            AuthorityState::Confirmed | AuthorityState::Accepted
        )
    }
}

/// The facts about a request the lifecycle looks at.
#[derive(Debug, Clone)]
pub struct Facts {
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub received_on: NaiveDate,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    /// Distinct data points matched so far.
    pub points: Vec<DataPoint>,
    pub declaration_signed: bool,
    /// Set for a request an agent filed in the browser.
    pub agent: Option<AgentFacts>,
}

/// What identity verification still lacks; `awaiting_verification` covers all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Fewer matched points than the policy asks; `link_unused` when the consumer's own
    /// e-mail link is still one of the ways to add one.
    Points {
        have: usize,
        need: usize,
        link_unused: bool,
    },
    /// The consumer's declaration under penalty of perjury (specific pieces).
    Declaration,
    /// The agent's authority, neither confirmed by the consumer nor accepted by staff.
    AgentAuthority,
}

impl Missing {
    /// What staff read on the request page.
    pub fn describe(self) -> String {
        match self {
            Missing::Points {
                have,
                need,
                link_unused,
            } => {
                let link = if link_unused {
                    " (the consumer has not used their e-mail link yet)"
                } else {
                    ""
                };
                format!("{have} of {need} matched data points{link}")
            }
            Missing::Declaration => {
                "the consumer's signed declaration under penalty of perjury".into()
            }
            Missing::AgentAuthority => {
                "the agent's authority: the consumer's confirmation or staff acceptance".into()
            }
        }
    }
}

impl Facts {
    /// The deadline that governs: the extended one once extended.
    pub fn governing_deadline(&self) -> Option<NaiveDate> {
        self.extended_respond_by.or(self.respond_by)
    }

    fn has(&self, point: DataPoint) -> bool {
        self.points.contains(&point)
    }

    /// What verification still lacks under `policy`; empty when identity is verified
    /// as far as the kind needs.
    pub fn missing(&self, policy: &Policy) -> Vec<Missing> {
        let mut missing = Vec::new();
        let need = policy.points_needed(self.kind);
        if self.points.len() < need {
            let by_attorney = self
                .agent
                .is_some_and(|a| a.authority.stands_in_for_consumer());
            missing.push(Missing::Points {
                have: self.points.len(),
                need,
                link_unused: !by_attorney && !self.has(DataPoint::Email),
            });
        }
        if self.kind == RequestKind::KnowSpecific && !self.declaration_signed {
            missing.push(Missing::Declaration);
        }
        if self.kind.needs_verification() && self.agent.is_some_and(|a| !a.established()) {
            missing.push(Missing::AgentAuthority);
        }
        missing
    }

    /// Whether the request may be acted on: verified to its kind's policy with the
    /// agent's authority established, or a kind that needs no verification.
    pub fn verified(&self, policy: &Policy) -> bool {
        !self.kind.needs_verification() || self.missing(policy).is_empty()
    }
}

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Consumer,
    Agent,
    Staff,
    System,
}

/// A change someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The consumer used their e-mail link: control of the address, one matched point.
    EmailConfirmed,
    /// The consumer confirmed the agent from their link: also control of the address.
    /// `declaration` when they signed the declaration for specific pieces on that page.
    AgentConfirmed {
        declaration: bool,
    },
    /// Staff accepted the agent's authority from its documents.
    AgentAccepted,
    /// The consumer or staff rejected the agent: denied, `agent_not_authorized`.
    AgentRejected,
    /// Staff matched a data point against the business's records (or a trusted agent
    /// vouched for it).
    PointMatched(DataPoint),
    Start,
    Fulfil {
        partial: bool,
    },
    Deny(&'static DenialReason),
    CloseUnverified,
    Withdraw,
    /// The DRP agent who filed it revoked it.
    Revoke,
    /// The consumer confirmed, from their own link, the opt-in an agent asked for.
    OptInConfirmed,
    /// The consumer declined it.
    OptInDeclined,
}

/// The notice a transition sends the consumer (and the agent who filed, a copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Fulfilled { partial: bool },
    OptOutApplied,
    Denied,
    ClosedUnverified,
    Withdrawn,
    OptedIn,
    OptInDeclined,
}

/// Which suppression list an applied opt-out or limit adds the consumer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    SaleSharing,
    SensitiveUse,
}

impl Suppression {
    pub fn of(kind: RequestKind) -> Option<Self> {
        match kind {
            RequestKind::OptOut => Some(Suppression::SaleSharing),
            RequestKind::LimitSensitive => Some(Suppression::SensitiveUse),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Suppression::SaleSharing => "sale_sharing",
            Suppression::SensitiveUse => "sensitive_use",
        }
    }
}

/// What a decided change writes: the new status (when it changes), the audit event, the
/// outcome code a closed request keeps, and its consequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: RequestStatus,
    pub to: Option<RequestStatus>,
    pub event: EventKind,
    /// The reason code a closed request keeps; pages, e-mails, DRP and metrics read it.
    pub outcome: Option<&'static str>,
    pub point: Option<DataPoint>,
    pub authority: Option<AuthorityState>,
    pub declaration_signed: bool,
    pub suppression: Option<Suppression>,
    pub notice: Option<Notice>,
}

impl Transition {
    fn new(from: RequestStatus, event: EventKind) -> Self {
        Transition {
            from,
            to: None,
            event,
            outcome: None,
            point: None,
            authority: None,
            declaration_signed: false,
            suppression: None,
            notice: None,
        }
    }

    fn to(mut self, status: RequestStatus) -> Self {
        self.to = Some(status);
        self
    }

    fn closing(self, status: RequestStatus, outcome: &'static str, notice: Notice) -> Self {
        Transition {
            outcome: Some(outcome),
            notice: Some(notice),
            ..self.to(status)
        }
    }

    /// The status after the change.
    pub fn status(&self) -> RequestStatus {
        self.to.unwrap_or(self.from)
    }
}

/// The outcome codes that are not denial reasons.
pub mod outcome {
    pub const FULFILLED: &str = "fulfilled";
    pub const PARTIALLY_FULFILLED: &str = "partially_fulfilled";
    pub const APPLIED: &str = "applied";
    pub const IDENTITY_NOT_VERIFIED: &str = "identity_not_verified";
    pub const AGENT_NOT_AUTHORIZED: &str = "agent_not_authorized";
    pub const WITHDRAWN: &str = "withdrawn";
    pub const OPT_IN_NOT_CONFIRMED: &str = "opt_in_not_confirmed";
    pub const REVOKED: &str = "revoked";
    pub const OPTED_IN: &str = "opted_in";
    pub const OPT_IN_DECLINED: &str = "opt_in_declined";
}

/// Decides whether `change` may happen to a request with these facts, today.
pub fn decide(
    f: &Facts,
    change: Change,
    today: NaiveDate,
    policy: &Policy,
) -> Result<Transition, Refusal> {
    if f.status.is_closed() {
        return Err(Refusal::Closed);
    }
    let t = Transition::new(f.status, EventKind::Submitted);
    match change {
        Change::EmailConfirmed => {
            consumer_link_applies(f)?;
            let t = Transition {
                event: EventKind::EmailVerified,
                ..t
            };
            Ok(with_point(f, t, DataPoint::Email, policy))
        }
        Change::AgentConfirmed { declaration } => {
            // Staff may have accepted the authority already; the consumer's link still
            // shows control of the address.
            let agent = match f.agent {
                Some(a) if a.state == AuthorityState::Accepted => a,
                _ => pending_agent(f)?,
            };
            if agent.authority.stands_in_for_consumer() {
                return Err(Refusal::NoConsumerLink);
            }
            let needs_declaration = f.kind == RequestKind::KnowSpecific && !f.declaration_signed;
            if needs_declaration && !declaration {
                return Err(Refusal::NoDeclaration);
            }
            let state = match agent.state {
                AuthorityState::Pending => AuthorityState::Confirmed,
                kept => kept,
            };
            let t = Transition {
                event: EventKind::AgentAuthorityConfirmed,
                authority: (state != agent.state).then_some(state),
                declaration_signed: needs_declaration,
                ..t
            };
            let f = Facts {
                agent: Some(AgentFacts { state, ..agent }),
                declaration_signed: f.declaration_signed || needs_declaration,
                ..f.clone()
            };
            Ok(with_point(&f, t, DataPoint::Email, policy))
        }
        Change::AgentAccepted => {
            let agent = pending_agent(f)?;
            let t = Transition {
                event: EventKind::AgentAuthorityAccepted,
                authority: Some(AuthorityState::Accepted),
                ..t
            };
            let f = Facts {
                agent: Some(AgentFacts {
                    state: AuthorityState::Accepted,
                    ..agent
                }),
                ..f.clone()
            };
            Ok(verified_if_ready(&f, t, policy))
        }
        Change::AgentRejected => {
            if f.agent.is_none_or(|a| a.state == AuthorityState::Rejected) {
                return Err(Refusal::NoAgentToDecide);
            }
            Ok(Transition {
                event: EventKind::AgentAuthorityRejected,
                authority: Some(AuthorityState::Rejected),
                ..t
            }
            .closing(
                RequestStatus::Denied,
                outcome::AGENT_NOT_AUTHORIZED,
                Notice::Denied,
            ))
        }
        Change::PointMatched(point) => {
            if f.kind == RequestKind::OptIn {
                return Err(Refusal::ConsumerConfirms);
            }
            if !f.kind.needs_verification() {
                return Err(Refusal::NoVerificationNeeded);
            }
            if f.has(point) {
                return Err(Refusal::PointAlreadyRecorded);
            }
            let t = Transition {
                event: EventKind::DataPointRecorded,
                ..t
            };
            Ok(with_point(f, t, point, policy))
        }
        Change::Start => {
            may_act(f, policy)?;
            if f.status == RequestStatus::InProgress {
                return Err(Refusal::AlreadyStarted);
            }
            Ok(Transition {
                event: EventKind::ProcessingStarted,
                ..t
            }
            .to(RequestStatus::InProgress))
        }
        Change::Fulfil { partial } => {
            may_act(f, policy)?;
            if let Some(list) = Suppression::of(f.kind) {
                if partial {
                    return Err(Refusal::AppliedWhole);
                }
                return Ok(Transition {
                    event: EventKind::OptOutApplied,
                    suppression: Some(list),
                    ..t
                }
                .closing(
                    RequestStatus::Fulfilled,
                    outcome::APPLIED,
                    Notice::OptOutApplied,
                ));
            }
            let (status, event, code) = if partial {
                (
                    RequestStatus::PartiallyFulfilled,
                    EventKind::PartiallyFulfilled,
                    outcome::PARTIALLY_FULFILLED,
                )
            } else {
                (
                    RequestStatus::Fulfilled,
                    EventKind::Fulfilled,
                    outcome::FULFILLED,
                )
            };
            Ok(Transition { event, ..t }.closing(status, code, Notice::Fulfilled { partial }))
        }
        Change::Deny(reason) => {
            if denial_reason(f.kind, reason.code).is_none() {
                return Err(Refusal::ReasonNotForKind);
            }
            Ok(Transition {
                event: EventKind::Denied,
                ..t
            }
            .closing(RequestStatus::Denied, reason.code, Notice::Denied))
        }
        Change::CloseUnverified => {
            if f.status != RequestStatus::AwaitingVerification {
                return Err(Refusal::NotAwaitingVerification);
            }
            match f.governing_deadline() {
                Some(deadline) if today < deadline => Err(Refusal::BeforeDeadline(deadline)),
                _ => Ok(Transition {
                    event: EventKind::ClosedUnverified,
                    ..t
                }
                .closing(
                    RequestStatus::ClosedUnverified,
                    if f.kind == RequestKind::OptIn {
                        outcome::OPT_IN_NOT_CONFIRMED
                    } else {
                        outcome::IDENTITY_NOT_VERIFIED
                    },
                    Notice::ClosedUnverified,
                )),
            }
        }
        Change::Withdraw => Ok(Transition {
            event: EventKind::Withdrawn,
            ..t
        }
        .closing(
            RequestStatus::Withdrawn,
            outcome::WITHDRAWN,
            Notice::Withdrawn,
        )),
        Change::OptInConfirmed | Change::OptInDeclined => {
            if f.kind != RequestKind::OptIn {
                return Err(Refusal::NotAnOptIn);
            }
            if f.status != RequestStatus::AwaitingVerification {
                return Err(Refusal::NotAwaitingVerification);
            }
            Ok(if change == Change::OptInConfirmed {
                Transition {
                    event: EventKind::OptedIn,
                    ..t
                }
                .closing(
                    RequestStatus::Fulfilled,
                    outcome::OPTED_IN,
                    Notice::OptedIn,
                )
            } else {
                Transition {
                    event: EventKind::OptInDeclined,
                    ..t
                }
                .closing(
                    RequestStatus::Denied,
                    outcome::OPT_IN_DECLINED,
                    Notice::OptInDeclined,
                )
            })
        }
        Change::Revoke => Ok(Transition {
            event: EventKind::Revoked,
            ..t
        }
        .closing(
            RequestStatus::Withdrawn,
            outcome::REVOKED,
            Notice::Withdrawn,
        )),
    }
}

/// A consumer's e-mail link verifies only a request that waits for it; an opt-in is
/// confirmed on its own page, never by a link's use.
fn consumer_link_applies(f: &Facts) -> Result<(), Refusal> {
    if f.kind == RequestKind::OptIn {
        return Err(Refusal::ConsumerConfirms);
    }
    if f.status != RequestStatus::AwaitingVerification {
        return Err(Refusal::NotAwaitingVerification);
    }
    Ok(())
}

fn pending_agent(f: &Facts) -> Result<AgentFacts, Refusal> {
    match f.agent {
        Some(a) if matches!(a.state, AuthorityState::Pending) => Ok(a),
        Some(a) if a.state == AuthorityState::Confirmed || a.state == AuthorityState::Accepted => {
            Err(Refusal::AgentAlreadyDecided)
        }
        _ => Err(Refusal::NoAgentToDecide),
    }
}

/// Staff may work on and fulfil a request only once it is verified to its policy, with
/// the agent's authority established; an opt-in only its consumer confirms.
fn may_act(f: &Facts, policy: &Policy) -> Result<(), Refusal> {
    if f.kind == RequestKind::OptIn {
        return Err(Refusal::ConsumerConfirms);
    }
    if !f.kind.needs_verification() {
        return Ok(());
    }
    if f.agent.is_some_and(|a| !a.established()) {
        return Err(Refusal::AgentNotEstablished);
    }
    if !f.verified(policy) || f.status == RequestStatus::AwaitingVerification {
        return Err(Refusal::NotVerified);
    }
    Ok(())
}

/// Records `point`; a request waiting for verification becomes `verified` when the
/// point completes its policy.
fn with_point(f: &Facts, t: Transition, point: DataPoint, policy: &Policy) -> Transition {
    let mut after = f.clone();
    let point = if f.has(point) {
        None
    } else {
        after.points.push(point);
        Some(point)
    };
    verified_if_ready(&after, Transition { point, ..t }, policy)
}

fn verified_if_ready(f: &Facts, t: Transition, policy: &Policy) -> Transition {
    if f.status == RequestStatus::AwaitingVerification && f.missing(policy).is_empty() {
        t.to(RequestStatus::Verified)
    } else {
        t
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::actions::DENIAL_REASONS;
    use RequestKind::*;
    use RequestStatus as S;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A request received 2026-11-23, due 2027-01-07, nothing matched yet; the rules'
    /// tests start from it.
    pub(crate) fn facts(kind: RequestKind, status: RequestStatus) -> Facts {
        Facts {
            kind,
            status,
            received_on: d("2026-11-23"),
            respond_by: Some(d("2027-01-07")),
            extended_respond_by: None,
            points: vec![],
            declaration_signed: false,
            agent: None,
        }
    }

    fn reason(code: &str) -> &'static DenialReason {
        DENIAL_REASONS.iter().find(|r| r.code == code).unwrap()
    }

    const TODAY: &str = "2026-11-30";

    fn run(f: &Facts, change: Change) -> Result<Transition, Refusal> {
        decide(f, change, d(TODAY), &Policy::default())
    }

    #[test]
    fn the_email_link_is_one_point_and_verifies_only_when_the_policy_needs_one() {
        let f = facts(Delete, S::AwaitingVerification);
        let t = run(&f, Change::EmailConfirmed).unwrap();
        assert_eq!(t.point, Some(DataPoint::Email));
        assert_eq!(t.to, None, "one point of two: still awaiting verification");
        let one = Policy {
            delete: 1,
            ..Policy::default()
        };
        let t = decide(&f, Change::EmailConfirmed, d(TODAY), &one).unwrap();
        assert_eq!(t.to, Some(S::Verified));
    }

    #[test]
    fn a_second_distinct_point_verifies_and_the_same_point_counts_once() {
        let mut f = facts(Delete, S::AwaitingVerification);
        f.points = vec![DataPoint::Email];
        assert_eq!(
            run(&f, Change::PointMatched(DataPoint::Email)),
            Err(Refusal::PointAlreadyRecorded)
        );
        let t = run(&f, Change::PointMatched(DataPoint::Name)).unwrap();
        assert_eq!(t.to, Some(S::Verified));
        assert_eq!(t.point, Some(DataPoint::Name));
        // Staff points first, then the link: the same result.
        let mut g = facts(Correct, S::AwaitingVerification);
        g.points = vec![DataPoint::PhoneNumber];
        assert_eq!(
            run(&g, Change::EmailConfirmed).unwrap().to,
            Some(S::Verified)
        );
    }

    #[test]
    fn specific_pieces_need_three_points_and_the_declaration() {
        let mut f = facts(KnowSpecific, S::AwaitingVerification);
        f.points = vec![DataPoint::Email, DataPoint::Name];
        let t = run(&f, Change::PointMatched(DataPoint::DateOfBirth)).unwrap();
        assert_eq!(t.to, None, "no declaration yet");
        f.points.push(DataPoint::DateOfBirth);
        assert_eq!(f.missing(&Policy::default()), vec![Missing::Declaration]);
        f.declaration_signed = true;
        f.points.pop();
        let t = run(&f, Change::PointMatched(DataPoint::DateOfBirth)).unwrap();
        assert_eq!(t.to, Some(S::Verified));
    }

    #[test]
    fn fulfilment_waits_for_verification_to_the_policy() {
        let mut f = facts(Delete, S::AwaitingVerification);
        f.points = vec![DataPoint::Email];
        assert_eq!(
            run(&f, Change::Fulfil { partial: false }),
            Err(Refusal::NotVerified)
        );
        assert_eq!(run(&f, Change::Start), Err(Refusal::NotVerified));
        f.status = S::Verified;
        f.points.push(DataPoint::Name);
        let t = run(&f, Change::Fulfil { partial: false }).unwrap();
        assert_eq!(t.to, Some(S::Fulfilled));
        assert_eq!(t.outcome, Some(outcome::FULFILLED));
        let t = run(&f, Change::Fulfil { partial: true }).unwrap();
        assert_eq!(t.to, Some(S::PartiallyFulfilled));
        assert_eq!(
            t.notice,
            Some(Notice::Fulfilled { partial: true }),
            "the consumer is told"
        );
        let t = run(&f, Change::Start).unwrap();
        assert_eq!(t.to, Some(S::InProgress));
        f.status = S::InProgress;
        assert_eq!(run(&f, Change::Start), Err(Refusal::AlreadyStarted));
    }

    #[test]
    fn an_opt_out_fulfilled_by_staff_goes_on_the_suppression_list_whole() {
        let f = facts(OptOut, S::Received);
        let t = run(&f, Change::Fulfil { partial: false }).unwrap();
        assert_eq!(t.suppression, Some(Suppression::SaleSharing));
        assert_eq!(t.notice, Some(Notice::OptOutApplied));
        assert_eq!(t.to, Some(S::Fulfilled));
        assert_eq!(
            run(&f, Change::Fulfil { partial: true }),
            Err(Refusal::AppliedWhole)
        );
        let limit = facts(LimitSensitive, S::InProgress);
        assert_eq!(
            run(&limit, Change::Fulfil { partial: false })
                .unwrap()
                .suppression,
            Some(Suppression::SensitiveUse)
        );
        assert_eq!(
            run(&f, Change::PointMatched(DataPoint::Name)),
            Err(Refusal::NoVerificationNeeded)
        );
    }

    #[test]
    fn an_opt_out_is_denied_only_for_suspected_fraud() {
        let f = facts(OptOut, S::Received);
        assert_eq!(
            run(&f, Change::Deny(reason("other"))),
            Err(Refusal::ReasonNotForKind)
        );
        assert_eq!(
            run(&f, Change::Deny(reason("identity_not_verified"))),
            Err(Refusal::ReasonNotForKind)
        );
        let t = run(&f, Change::Deny(reason("suspected_fraud"))).unwrap();
        assert_eq!(t.outcome, Some("suspected_fraud"));
        assert_eq!(t.to, Some(S::Denied));
        let limit = facts(LimitSensitive, S::Received);
        assert!(run(&limit, Change::Deny(reason("exception"))).is_err());
    }

    #[test]
    fn rejecting_an_agent_denies_any_kind_as_not_authorized() {
        let mut f = facts(OptOut, S::Received);
        f.agent = Some(AgentFacts {
            authority: Authority::SignedPermission,
            state: AuthorityState::Pending,
        });
        let t = run(&f, Change::AgentRejected).unwrap();
        assert_eq!(t.outcome, Some(outcome::AGENT_NOT_AUTHORIZED));
        assert_eq!(t.authority, Some(AuthorityState::Rejected));
        assert_eq!(t.to, Some(S::Denied));
        let plain = facts(Delete, S::AwaitingVerification);
        assert_eq!(
            run(&plain, Change::AgentRejected),
            Err(Refusal::NoAgentToDecide)
        );
    }

    #[test]
    fn an_agents_request_waits_for_its_authority() {
        let mut f = facts(Delete, S::AwaitingVerification);
        f.points = vec![DataPoint::Name, DataPoint::PhoneNumber];
        f.agent = Some(AgentFacts {
            authority: Authority::PowerOfAttorney,
            state: AuthorityState::Pending,
        });
        assert_eq!(f.missing(&Policy::default()), vec![Missing::AgentAuthority]);
        assert_eq!(run(&f, Change::Start), Err(Refusal::AgentNotEstablished));
        assert_eq!(
            run(&f, Change::AgentConfirmed { declaration: false }),
            Err(Refusal::NoConsumerLink),
            "a power of attorney gets no consumer link"
        );
        let t = run(&f, Change::AgentAccepted).unwrap();
        assert_eq!(t.authority, Some(AuthorityState::Accepted));
        assert_eq!(t.to, Some(S::Verified));
        // Signed permission: the consumer's confirmation is the e-mail point too.
        let mut g = facts(Delete, S::AwaitingVerification);
        g.points = vec![DataPoint::Name];
        g.agent = Some(AgentFacts {
            authority: Authority::SignedPermission,
            state: AuthorityState::Pending,
        });
        let t = run(&g, Change::AgentConfirmed { declaration: false }).unwrap();
        assert_eq!(t.point, Some(DataPoint::Email));
        assert_eq!(t.to, Some(S::Verified));
        g.agent = Some(AgentFacts {
            authority: Authority::SignedPermission,
            state: AuthorityState::Accepted,
        });
        assert_eq!(
            run(&g, Change::AgentAccepted),
            Err(Refusal::AgentAlreadyDecided)
        );
    }

    #[test]
    fn the_consumer_signs_the_declaration_when_confirming_an_agent_for_specific_pieces() {
        let mut f = facts(KnowSpecific, S::AwaitingVerification);
        f.agent = Some(AgentFacts {
            authority: Authority::SignedPermission,
            state: AuthorityState::Pending,
        });
        assert_eq!(
            run(&f, Change::AgentConfirmed { declaration: false }),
            Err(Refusal::NoDeclaration)
        );
        let t = run(&f, Change::AgentConfirmed { declaration: true }).unwrap();
        assert!(t.declaration_signed);
        assert_eq!(t.to, None, "one point of three");
    }

    #[test]
    fn an_opt_in_is_never_confirmed_by_a_link_or_by_staff() {
        let f = facts(OptIn, S::AwaitingVerification);
        assert_eq!(
            run(&f, Change::EmailConfirmed),
            Err(Refusal::ConsumerConfirms)
        );
        assert_eq!(
            run(&f, Change::Fulfil { partial: false }),
            Err(Refusal::ConsumerConfirms)
        );
        assert_eq!(
            run(&f, Change::PointMatched(DataPoint::Name)),
            Err(Refusal::ConsumerConfirms)
        );
    }

    #[test]
    fn only_the_consumer_answers_an_opt_in_and_only_while_it_waits() {
        let f = facts(OptIn, S::AwaitingVerification);
        let t = run(&f, Change::OptInConfirmed).unwrap();
        assert_eq!(t.to, Some(S::Fulfilled));
        assert_eq!(t.outcome, Some(outcome::OPTED_IN));
        let t = run(&f, Change::OptInDeclined).unwrap();
        assert_eq!(t.to, Some(S::Denied));
        assert_eq!(t.notice, Some(Notice::OptInDeclined));
        assert_eq!(
            run(&facts(OptOut, S::Received), Change::OptInConfirmed),
            Err(Refusal::NotAnOptIn)
        );
        assert_eq!(
            run(&facts(OptIn, S::Denied), Change::OptInConfirmed),
            Err(Refusal::Closed)
        );
    }

    #[test]
    fn closing_unverified_waits_for_the_governing_deadline() {
        let mut f = facts(Delete, S::AwaitingVerification);
        assert_eq!(
            decide(
                &f,
                Change::CloseUnverified,
                d("2027-01-06"),
                &Policy::default()
            ),
            Err(Refusal::BeforeDeadline(d("2027-01-07")))
        );
        let t = decide(
            &f,
            Change::CloseUnverified,
            d("2027-01-07"),
            &Policy::default(),
        )
        .unwrap();
        assert_eq!(t.outcome, Some(outcome::IDENTITY_NOT_VERIFIED));
        f.extended_respond_by = Some(d("2027-02-10"));
        assert_eq!(
            decide(
                &f,
                Change::CloseUnverified,
                d("2027-01-08"),
                &Policy::default()
            ),
            Err(Refusal::BeforeDeadline(d("2027-02-10"))),
            "an extension moves it"
        );
        assert_eq!(
            run(&facts(Delete, S::Verified), Change::CloseUnverified),
            Err(Refusal::NotAwaitingVerification)
        );
    }

    #[test]
    fn nothing_changes_a_closed_request_and_withdrawal_tells_the_consumer() {
        for status in [S::Fulfilled, S::Denied, S::Withdrawn, S::ClosedUnverified] {
            let f = facts(Delete, status);
            assert_eq!(run(&f, Change::Withdraw), Err(Refusal::Closed));
            assert_eq!(run(&f, Change::EmailConfirmed), Err(Refusal::Closed));
        }
        let t = run(&facts(Delete, S::InProgress), Change::Withdraw).unwrap();
        assert_eq!(t.notice, Some(Notice::Withdrawn));
        assert_eq!(t.outcome, Some(outcome::WITHDRAWN));
    }

    #[test]
    fn the_email_link_does_nothing_once_verified() {
        let f = facts(Delete, S::Verified);
        assert_eq!(
            run(&f, Change::EmailConfirmed),
            Err(Refusal::NotAwaitingVerification)
        );
    }
}
