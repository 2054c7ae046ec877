//! The analyst's console, as rules: how staff read codes, which columns the queue sorts
//! by, which actions a request's state makes possible (asked of `lifecycle::decide`, never
//! decided again here), the placeholders of response templates, and the ageing chart's
//! buckets. Pure: facts and today's date in.

use chrono::NaiveDate;

use super::actions::{self, Refusal};
use super::kinds::{Channel, DataPoint, EventKind, RequestKind, RequestStatus};
use super::lifecycle::{Change, Facts, Policy, decide};

/// A kind as staff read it in the queue and on a request's page.
pub fn kind_label(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::KnowCategories => "Request to know — categories",
        RequestKind::KnowSpecific => "Request to know — specific pieces",
        RequestKind::Delete => "Request to delete",
        RequestKind::Correct => "Request to correct",
        RequestKind::OptOut => "Opt-out of sale/sharing",
        RequestKind::LimitSensitive => "Limit use of sensitive information",
        RequestKind::OptIn => "Opt back in to sale/sharing",
        RequestKind::ShineTheLight => "Shine the Light (Civ. §1798.83)",
    }
}

/// A status as staff read it (the consumer's wording is `RequestStatus::label`).
pub fn status_label(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Received => "Received",
        RequestStatus::AwaitingVerification => "Awaiting verification",
        RequestStatus::Verified => "Verified",
        RequestStatus::InProgress => "In progress",
        RequestStatus::Fulfilled => "Fulfilled",
        RequestStatus::PartiallyFulfilled => "Fulfilled in part",
        RequestStatus::Denied => "Denied",
        RequestStatus::Withdrawn => "Withdrawn",
        RequestStatus::ClosedUnverified => "Closed unverified",
    }
}

/// A channel as staff read it.
pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "Web form",
        Channel::AgentWeb => "Filed by an agent on the web",
        Channel::Drp => "Data Rights Protocol (agent API)",
        Channel::Gpc => "Global Privacy Control signal",
        Channel::Phone => "Received by phone",
        Channel::Mail => "Received by mail",
        Channel::Email => "Received by e-mail",
        Channel::InPerson => "Received in person",
    }
}

/// The queue's sortable columns. Only these reach SQL: a sort is chosen from this list,
/// never written from what the address bar says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Due,
    TrackingCode,
    Kind,
    Status,
    Name,
    Email,
    Channel,
    Assignee,
    Received,
}

impl SortKey {
    pub const ALL: &'static [SortKey] = &[
        SortKey::TrackingCode,
        SortKey::Kind,
        SortKey::Status,
        SortKey::Name,
        SortKey::Email,
        SortKey::Channel,
        SortKey::Assignee,
        SortKey::Received,
        SortKey::Due,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SortKey::Due => "due",
            SortKey::TrackingCode => "code",
            SortKey::Kind => "kind",
            SortKey::Status => "status",
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Channel => "channel",
            SortKey::Assignee => "assignee",
            SortKey::Received => "received",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// What a response template is written for: the decisions that carry an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateOutcome {
    Fulfil,
    Partial,
    Deny,
    Withdraw,
}

impl TemplateOutcome {
    pub const ALL: &'static [TemplateOutcome] = &[
        TemplateOutcome::Fulfil,
        TemplateOutcome::Partial,
        TemplateOutcome::Deny,
        TemplateOutcome::Withdraw,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TemplateOutcome::Fulfil => "fulfil",
            TemplateOutcome::Partial => "partial",
            TemplateOutcome::Deny => "deny",
            TemplateOutcome::Withdraw => "withdraw",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TemplateOutcome::Fulfil => "Fulfilled",
            TemplateOutcome::Partial => "Fulfilled in part",
            TemplateOutcome::Deny => "Denied",
            TemplateOutcome::Withdraw => "Withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|o| o.code() == code)
    }
}

/// The placeholders a response template may use, each with what it stands for.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "{consumer_name}",
        "the consumer's name, or \"there\" when none was given",
    ),
    ("{tracking_code}", "the request's tracking code"),
    (
        "{deadline}",
        "the response deadline (the extended one once extended)",
    ),
    ("{received}", "the date the request was received"),
    ("{kind}", "what was asked for"),
    ("{business}", "the business's name"),
];

/// The values a template's placeholders are filled with.
pub struct TemplateValues<'a> {
    pub consumer_name: Option<&'a str>,
    pub tracking_code: &'a str,
    pub deadline: Option<NaiveDate>,
    pub received: NaiveDate,
    pub kind: RequestKind,
    pub business: &'a str,
}

/// The template's text with its placeholders filled; an unknown `{word}` is left as typed.
pub fn fill(body: &str, v: &TemplateValues<'_>) -> String {
    let deadline = v
        .deadline
        .map_or_else(|| "no deadline".to_string(), |d| d.to_string());
    let name = v
        .consumer_name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("there");
    body.replace("{consumer_name}", name)
        .replace("{tracking_code}", v.tracking_code)
        .replace("{deadline}", &deadline)
        .replace("{received}", &v.received.to_string())
        .replace("{kind}", kind_label(v.kind))
        .replace("{business}", v.business)
}

/// What staff can do on a request's page. Notes and assignment are always there for an
/// open request; these are the ones the rules may refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    RecordPoint,
    AcceptAuthority,
    RejectAuthority,
    Start,
    Fulfil,
    Partial,
    Extend,
    Deny,
    CloseUnverified,
    Withdraw,
}

impl Step {
    /// The path segment the action posts to.
    pub fn code(self) -> &'static str {
        match self {
            Step::RecordPoint => "data_point",
            Step::AcceptAuthority => "accept_authority",
            Step::RejectAuthority => "reject_authority",
            Step::Start => "start",
            Step::Fulfil => "fulfil",
            Step::Partial => "partial",
            Step::Extend => "extend",
            Step::Deny => "deny",
            Step::CloseUnverified => "close_unverified",
            Step::Withdraw => "withdraw",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::RecordPoint => "Record a matched data point",
            Step::AcceptAuthority => "Accept the agent's authorization",
            Step::RejectAuthority => "Reject the agent's authorization",
            Step::Start => "Start work",
            Step::Fulfil => "Fulfil",
            Step::Partial => "Fulfil in part",
            Step::Extend => "Extend the deadline (once)",
            Step::Deny => "Deny",
            Step::CloseUnverified => "Close as unverified",
            Step::Withdraw => "Withdraw at the consumer's request",
        }
    }

    /// Ends the request for good, or takes something away: shown apart, and confirmed
    /// before it is done.
    pub fn destructive(self) -> bool {
        matches!(
            self,
            Step::Deny | Step::CloseUnverified | Step::Withdraw | Step::RejectAuthority
        )
    }

    pub fn parse(code: &str) -> Option<Self> {
        ORDER_VERIFYING
            .iter()
            .chain(ORDER_WORKING)
            .copied()
            .find(|s| s.code() == code)
    }
}

/// While identity is being checked: verification first, then what ends the request.
const ORDER_VERIFYING: &[Step] = &[
    Step::RecordPoint,
    Step::AcceptAuthority,
    Step::RejectAuthority,
    Step::Extend,
    Step::Start,
    Step::Fulfil,
    Step::Partial,
    Step::CloseUnverified,
    Step::Deny,
    Step::Withdraw,
];

/// Once verified (or for a kind that needs no verification): the work, then the rest.
const ORDER_WORKING: &[Step] = &[
    Step::Start,
    Step::Fulfil,
    Step::Partial,
    Step::Extend,
    Step::RecordPoint,
    Step::AcceptAuthority,
    Step::RejectAuthority,
    Step::Deny,
    Step::CloseUnverified,
    Step::Withdraw,
];

/// One action as offered: allowed, or refused with the rules' reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub step: Step,
    pub refusal: Option<String>,
}

impl Offer {
    pub fn allowed(&self) -> bool {
        self.refusal.is_none()
    }
}

/// The actions of an open request, most likely next first, each asked of the lifecycle
/// (and of `actions::extend` for the one extension). Steps that can never apply to this
/// kind or this request (an agent decision where no agent filed, a data point for a kind
/// that needs none) are left out rather than shown disabled.
pub fn offers(f: &Facts, today: NaiveDate, policy: &Policy) -> Vec<Offer> {
    if f.status.is_closed() {
        return Vec::new();
    }
    let order = if f.status == RequestStatus::AwaitingVerification {
        ORDER_VERIFYING
    } else {
        ORDER_WORKING
    };
    order
        .iter()
        .filter_map(|&step| {
            let verdict = match step {
                Step::RecordPoint => {
                    let point = DataPoint::ALL
                        .iter()
                        .copied()
                        .find(|p| !f.points.contains(p));
                    match point {
                        Some(p) => decide(f, Change::PointMatched(p), today, policy).map(|_| ()),
                        None => Err(Refusal::PointAlreadyRecorded),
                    }
                }
                Step::AcceptAuthority => {
                    decide(f, Change::AgentAccepted, today, policy).map(|_| ())
                }
                Step::RejectAuthority => {
                    decide(f, Change::AgentRejected, today, policy).map(|_| ())
                }
                Step::Start => decide(f, Change::Start, today, policy).map(|_| ()),
                Step::Fulfil => {
                    decide(f, Change::Fulfil { partial: false }, today, policy).map(|_| ())
                }
                Step::Partial => {
                    decide(f, Change::Fulfil { partial: true }, today, policy).map(|_| ())
                }
                // The reason is typed with the action: any non-empty one answers "may it?".
                Step::Extend => actions::extend(f, today, None, "reason").map(|_| ()),
                Step::Deny => match actions::denial_reasons(f.kind).next() {
                    Some(reason) => decide(f, Change::Deny(reason), today, policy).map(|_| ()),
                    None => Err(Refusal::ReasonNotForKind),
                },
                Step::CloseUnverified => {
                    decide(f, Change::CloseUnverified, today, policy).map(|_| ())
                }
                Step::Withdraw => decide(f, Change::Withdraw, today, policy).map(|_| ()),
            };
            match verdict {
                Ok(()) => Some(Offer {
                    step,
                    refusal: None,
                }),
                Err(why) if never_applies(&why) => None,
                Err(why) => Some(Offer {
                    step,
                    refusal: Some(sentence(&why)),
                }),
            }
        })
        .collect()
}

/// Refusals that say an action has no place on this request at all.
fn never_applies(why: &Refusal) -> bool {
    matches!(
        why,
        Refusal::NoAgentToDecide
            | Refusal::AgentAlreadyDecided
            | Refusal::NoVerificationNeeded
            | Refusal::ConsumerConfirms
            | Refusal::NotExtendable
            | Refusal::AppliedWhole
            | Refusal::PointAlreadyRecorded
    )
}

/// A refusal as a sentence: capitalised, with a full stop.
pub fn sentence(why: &Refusal) -> String {
    let mut text = why.to_string();
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text.push('.');
    text
}

/// An audit event as a sentence staff read: what happened, by whom.
pub fn event_sentence(kind: EventKind, who: &str) -> String {
    format!("{} by {who}.", kind.label())
}

/// The ageing chart's columns: open requests by days since receipt.
pub const AGE_BUCKETS: &[(i64, Option<i64>, &str)] = &[
    (0, Some(7), "0–7 days"),
    (8, Some(14), "8–14 days"),
    (15, Some(30), "15–30 days"),
    (31, Some(45), "31–45 days"),
    (46, Some(90), "46–90 days"),
    (91, None, "over 90 days"),
];

/// Which bucket of `AGE_BUCKETS` an age in days falls in.
pub fn age_bucket(days: i64) -> usize {
    AGE_BUCKETS
        .iter()
        .position(|(from, to, _)| days >= *from && to.is_none_or(|t| days <= t))
        .unwrap_or(0)
}

/// One bar of a chart drawn as SVG on the server: its place and size in the drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: &'static str,
    pub count: i64,
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub label_x: i64,
}

/// Bars for `counts` in a drawing `BAR_AREA` high, scaled to the largest.
pub fn bars(labels: &[&'static str], counts: &[i64]) -> Vec<Bar> {
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    labels
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (label, &count))| {
            let height = count * BAR_AREA / max;
            let x = 10 + i as i64 * BAR_STEP;
            Bar {
                label,
                count,
                x,
                y: 20 + BAR_AREA - height,
                height,
                label_x: x + BAR_WIDTH / 2,
            }
        })
        .collect()
}

pub const BAR_AREA: i64 = 160;
pub const BAR_STEP: i64 = 100;
pub const BAR_WIDTH: i64 = 70;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::tests::facts;
    use RequestKind::*;
    use RequestStatus as S;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn steps(f: &Facts, today: &str) -> Vec<(Step, bool)> {
        offers(f, d(today), &Policy::default())
            .into_iter()
            .map(|o| (o.step, o.allowed()))
            .collect()
    }

    #[test]
    fn a_deletion_awaiting_verification_offers_verification_first_and_work_disabled() {
        let f = facts(Delete, S::AwaitingVerification);
        let offered = steps(&f, "2026-11-30");
        assert_eq!(offered[0], (Step::RecordPoint, true));
        assert!(offered.contains(&(Step::Start, false)), "{offered:?}");
        assert!(offered.contains(&(Step::CloseUnverified, false)));
        assert!(offered.contains(&(Step::Deny, true)));
        assert!(
            !offered.iter().any(|(s, _)| *s == Step::AcceptAuthority),
            "no agent filed: no agent decision shown"
        );
        let start = offers(&f, d("2026-11-30"), &Policy::default())
            .into_iter()
            .find(|o| o.step == Step::Start)
            .unwrap();
        assert_eq!(
            start.refusal.as_deref(),
            Some("Identity must be verified first.")
        );
    }

    #[test]
    fn at_its_deadline_an_unverified_request_may_be_closed() {
        let f = facts(Delete, S::AwaitingVerification);
        assert!(steps(&f, "2027-01-07").contains(&(Step::CloseUnverified, true)));
    }

    #[test]
    fn a_verified_request_puts_the_work_first_and_an_opt_out_has_no_verification() {
        let f = Facts {
            points: vec![DataPoint::Email, DataPoint::Name],
            ..facts(Correct, S::Verified)
        };
        let offered = steps(&f, "2026-11-30");
        assert_eq!(offered[0], (Step::Start, true));
        assert_eq!(offered[1], (Step::Fulfil, true));
        let f = Facts {
            respond_by: None,
            ..facts(OptOut, S::Received)
        };
        let offered = steps(&f, "2026-11-30");
        assert!(
            !offered
                .iter()
                .any(|(s, _)| matches!(s, Step::RecordPoint | Step::Extend | Step::Partial))
        );
        assert!(offered.contains(&(Step::Fulfil, true)));
    }

    #[test]
    fn a_closed_request_offers_nothing_and_destructive_steps_are_marked() {
        assert!(
            offers(
                &facts(Delete, S::Denied),
                d("2026-11-30"),
                &Policy::default()
            )
            .is_empty()
        );
        assert!(Step::Deny.destructive() && Step::Withdraw.destructive());
        assert!(!Step::Fulfil.destructive());
        assert_eq!(Step::parse("close_unverified"), Some(Step::CloseUnverified));
    }

    #[test]
    fn templates_fill_their_placeholders() {
        let v = TemplateValues {
            consumer_name: Some("Ana López"),
            tracking_code: "RD-2222-3333",
            deadline: Some(d("2027-01-07")),
            received: d("2026-11-23"),
            kind: Delete,
            business: "Example Company",
        };
        assert_eq!(
            fill(
                "Dear {consumer_name}, {tracking_code} is due {deadline}; {other}",
                &v
            ),
            "Dear Ana López, RD-2222-3333 is due 2027-01-07; {other}"
        );
        let nameless = TemplateValues {
            consumer_name: None,
            ..v
        };
        assert_eq!(fill("Hello {consumer_name}", &nameless), "Hello there");
    }

    #[test]
    fn ages_fall_in_their_buckets_and_bars_scale_to_the_largest() {
        assert_eq!(age_bucket(0), 0);
        assert_eq!(age_bucket(8), 1);
        assert_eq!(age_bucket(45), 3);
        assert_eq!(age_bucket(400), 5);
        let b = bars(&["a", "b"], &[5, 10]);
        assert_eq!(b[1].height, BAR_AREA);
        assert_eq!(b[0].height, BAR_AREA / 2);
        assert_eq!(
            b[0].y + b[0].height,
            b[1].y + b[1].height,
            "bars share a baseline"
        );
    }

    #[test]
    fn labels_are_human_and_sort_keys_are_a_closed_list() {
        assert_eq!(
            kind_label(KnowSpecific),
            "Request to know — specific pieces"
        );
        assert_eq!(
            status_label(S::AwaitingVerification),
            "Awaiting verification"
        );
        assert_eq!(
            channel_label(Channel::AgentWeb),
            "Filed by an agent on the web"
        );
        assert_eq!(SortKey::parse("name"), Some(SortKey::Name));
        assert_eq!(SortKey::parse("r.email; DROP TABLE requests"), None);
    }
}
