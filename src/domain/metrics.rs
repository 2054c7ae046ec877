//! The yearly metrics a large business publishes (reg. §7102, ccpa-rules §8): for each
//! kind of request received in a calendar year, how many came in, how many were complied
//! with in whole or in part, how many were denied and why, and how long a substantive
//! response took. Pure: the database hands over counts per (kind, channel, status,
//! outcome) and the response times per row; [`report`] does the same from single
//! requests, which is what the rules are tested against.

use chrono::{DateTime, Utc};

use super::actions::DENIAL_REASONS;
use super::kinds::{Channel, RequestKind, RequestStatus};
use super::lifecycle::outcome;

/// One line of the report. A request to know counts under its own kind and under "know"
/// together; a GPC opt-out counts as an opt-out and is also shown apart (ccpa-rules §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Row {
    Know,
    KnowCategories,
    KnowSpecific,
    Delete,
    Correct,
    OptOut,
    OptOutGpc,
    Limit,
}

impl Row {
    pub const ALL: &'static [Row] = &[
        Row::Know,
        Row::KnowCategories,
        Row::KnowSpecific,
        Row::Delete,
        Row::Correct,
        Row::OptOut,
        Row::OptOutGpc,
        Row::Limit,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Row::Know => "know",
            Row::KnowCategories => "know_categories",
            Row::KnowSpecific => "know_specific",
            Row::Delete => "delete",
            Row::Correct => "correct",
            Row::OptOut => "opt_out",
            Row::OptOutGpc => "opt_out_gpc",
            Row::Limit => "limit_sensitive",
        }
    }

    pub fn parse(code: &str) -> Option<Row> {
        Row::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// What a reader of the privacy policy sees.
    pub fn label(self) -> &'static str {
        match self {
            Row::Know => "Requests to know (all)",
            Row::KnowCategories => "Requests to know categories",
            Row::KnowSpecific => "Requests to know specific pieces",
            Row::Delete => "Requests to delete",
            Row::Correct => "Requests to correct",
            Row::OptOut => "Requests to opt out of sale or sharing (all)",
            Row::OptOutGpc => "Opt-outs by Global Privacy Control signal",
            Row::Limit => "Requests to limit use of sensitive personal information",
        }
    }

    /// The rows a request counts in; none for an opt-in, which §7102 does not ask for,
    /// nor for a "Shine the Light" request, which is not a CCPA request.
    pub fn of(kind: RequestKind, channel: Channel) -> &'static [Row] {
        match (kind, channel) {
            (RequestKind::KnowCategories, _) => &[Row::Know, Row::KnowCategories],
            (RequestKind::KnowSpecific, _) => &[Row::Know, Row::KnowSpecific],
            (RequestKind::Delete, _) => &[Row::Delete],
            (RequestKind::Correct, _) => &[Row::Correct],
            (RequestKind::OptOut, Channel::Gpc) => &[Row::OptOut, Row::OptOutGpc],
            (RequestKind::OptOut, _) => &[Row::OptOut],
            (RequestKind::LimitSensitive, _) => &[Row::Limit],
            (RequestKind::OptIn | RequestKind::ShineTheLight, _) => &[],
        }
    }
}

/// Whether §7102 counts requests of this kind: a CCPA request with a row of the report.
/// An opt-in (which §7102 does not ask for) has none.
pub fn counts(kind: RequestKind) -> bool {
    kind.is_ccpa() && !Row::of(kind, Channel::Web).is_empty()
}

/// The codes of the kinds the report leaves out: what the store's queries exclude.
pub fn left_out_codes() -> Vec<&'static str> {
    RequestKind::ALL
        .iter()
        .filter(|k| !counts(**k))
        .map(|k| k.code())
        .collect()
}

/// How a request ended, as §7102 counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Fulfilled, partially fulfilled, or (opt-out, limit) applied.
    Complied,
    /// Denied, with the reason code it keeps; closed unverified counts as denied because
    /// identity was not verified.
    Denied(&'a str),
    /// Open, or withdrawn: neither complied with nor denied.
    Neither,
}

/// Judges a request from its status and the outcome code it kept.
pub fn verdict(status: RequestStatus, outcome_code: Option<&str>) -> Verdict<'_> {
    match status {
        RequestStatus::Fulfilled | RequestStatus::PartiallyFulfilled => Verdict::Complied,
        RequestStatus::ClosedUnverified => Verdict::Denied(outcome::IDENTITY_NOT_VERIFIED),
        RequestStatus::Denied => Verdict::Denied(outcome_code.unwrap_or(OTHER)),
        _ => Verdict::Neither,
    }
}

const OTHER: &str = "other";

/// The statuses of a substantive response, for the database to time only those.
pub const RESPONDED: &[RequestStatus] = &[
    RequestStatus::Fulfilled,
    RequestStatus::PartiallyFulfilled,
    RequestStatus::Denied,
    RequestStatus::ClosedUnverified,
];

/// Requests of one kind, channel, status and outcome received in the year: what the
/// database counts with one `GROUP BY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub kind: RequestKind,
    pub channel: Channel,
    pub status: RequestStatus,
    pub outcome_code: Option<String>,
    pub count: u64,
}

/// Days from receipt to a substantive response, over a row's complied and denied
/// requests. A median does not add up across groups, so it is computed per row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub row: Row,
    pub median_days: f64,
    pub mean_days: f64,
}

/// The kinds of request §7102 times, a GPC opt-out apart from the others: each row's
/// times are those of one slot or two.
const SLOTS: usize = 7;

fn slot(kind: RequestKind, channel: Channel) -> Option<usize> {
    match (kind, channel) {
        (RequestKind::KnowCategories, _) => Some(0),
        (RequestKind::KnowSpecific, _) => Some(1),
        (RequestKind::Delete, _) => Some(2),
        (RequestKind::Correct, _) => Some(3),
        (RequestKind::OptOut, Channel::Gpc) => Some(5),
        (RequestKind::OptOut, _) => Some(4),
        (RequestKind::LimitSensitive, _) => Some(6),
        (RequestKind::OptIn | RequestKind::ShineTheLight, _) => None,
    }
}

fn slots_of(row: Row) -> &'static [usize] {
    match row {
        Row::Know => &[0, 1],
        Row::KnowCategories => &[0],
        Row::KnowSpecific => &[1],
        Row::Delete => &[2],
        Row::Correct => &[3],
        Row::OptOut => &[4, 5],
        Row::OptOutGpc => &[5],
        Row::Limit => &[6],
    }
}

/// Every substantive response's time in days, per kind (a GPC opt-out apart), each list
/// sorted. A median does not add up across parts of a year, so the times themselves are
/// what is kept and added; medians and means are taken from them last, the same way
/// however the year was put together, so a year counted in parts and one counted at once
/// agree to the bit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Days {
    slots: [Vec<f64>; SLOTS],
}

impl Days {
    /// Adds the times of requests of `kind` received by `channel`; a kind the report
    /// leaves out is ignored.
    pub fn add(&mut self, kind: RequestKind, channel: Channel, mut days: Vec<f64>) {
        if let Some(i) = slot(kind, channel) {
            days.sort_unstable_by(f64::total_cmp);
            self.slots[i] = merged(&self.slots[i], &days);
        }
    }

    /// Adds another part of the year.
    pub fn merge(&mut self, other: &Days) {
        for (mine, theirs) in self.slots.iter_mut().zip(&other.slots) {
            if !theirs.is_empty() {
                *mine = merged(mine, theirs);
            }
        }
    }

    /// How many times are held.
    pub fn len(&self) -> usize {
        self.slots.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lists in slot order, for the store to keep.
    pub fn slots(&self) -> &[Vec<f64>] {
        &self.slots
    }

    /// Lists read back in slot order; `None` unless there are as many as slots, each
    /// sorted.
    pub fn from_slots(slots: Vec<Vec<f64>>) -> Option<Days> {
        let slots: [Vec<f64>; SLOTS] = slots.try_into().ok()?;
        slots
            .iter()
            .all(|s| s.is_sorted_by(|a, b| a.total_cmp(b).is_le()))
            .then_some(Days { slots })
    }

    /// The median and mean per row that has any time. The median of an even count is the
    /// mean of the middle two, as PostgreSQL's `percentile_cont(0.5)` has it; the mean
    /// sums in sorted order, so it does not depend on the order times were added in.
    pub fn timings(&self) -> Vec<Timing> {
        Row::ALL
            .iter()
            .filter_map(|&row| {
                let ds = match slots_of(row) {
                    [one] => std::borrow::Cow::Borrowed(&self.slots[*one]),
                    [a, b] => std::borrow::Cow::Owned(merged(&self.slots[*a], &self.slots[*b])),
                    _ => return None,
                };
                let n = ds.len();
                if n == 0 {
                    return None;
                }
                let median_days = if n % 2 == 1 {
                    ds[n / 2]
                } else {
                    (ds[n / 2 - 1] + ds[n / 2]) / 2.0
                };
                let mean_days = ds.iter().sum::<f64>() / n as f64;
                Some(Timing {
                    row,
                    median_days,
                    mean_days,
                })
            })
            .collect()
    }
}

/// Two sorted lists as one.
fn merged(a: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].total_cmp(&b[j]).is_le() {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// One line: a row's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub row: Row,
    pub received: u64,
    pub complied: u64,
    pub denied: u64,
    /// Denials by reason code, in the order of the reason list; only reasons that occur.
    pub denied_by_reason: Vec<(String, u64)>,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
}

impl Line {
    fn new(row: Row) -> Self {
        Line {
            row,
            received: 0,
            complied: 0,
            denied: 0,
            denied_by_reason: Vec::new(),
            median_days: None,
            mean_days: None,
        }
    }

    /// How many were denied for `reason`.
    pub fn denied_for(&self, reason: &str) -> u64 {
        self.denied_by_reason
            .iter()
            .find(|(code, _)| code == reason)
            .map_or(0, |(_, n)| *n)
    }

    fn add_denial(&mut self, reason: &str, n: u64) {
        self.denied += n;
        match self.denied_by_reason.iter_mut().find(|(c, _)| c == reason) {
            Some((_, count)) => *count += n,
            None => {
                self.denied_by_reason.push((reason.to_owned(), n));
                self.denied_by_reason.sort_by_key(|(c, _)| reason_rank(c));
            }
        }
    }
}

/// The reason codes a denial can carry, in the order the report shows them: the denial
/// reasons, then an agent whose authority was not established.
pub fn reason_codes() -> impl Iterator<Item = &'static str> {
    DENIAL_REASONS
        .iter()
        .map(|r| r.code)
        .chain([outcome::AGENT_NOT_AUTHORIZED])
}

fn reason_rank(code: &str) -> usize {
    reason_codes().position(|c| c == code).unwrap_or(usize::MAX)
}

/// A year's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub year: i32,
    pub lines: Vec<Line>,
}

impl Report {
    pub fn line(&self, row: Row) -> &Line {
        self.lines
            .iter()
            .find(|l| l.row == row)
            .expect("every row has a line")
    }

    /// The reason codes any line has a denial for, in the report's order.
    pub fn reasons_used(&self) -> Vec<String> {
        let mut codes: Vec<String> = self
            .lines
            .iter()
            .flat_map(|l| l.denied_by_reason.iter().map(|(c, _)| c.clone()))
            .collect();
        codes.sort_by_key(|c| (reason_rank(c), c.clone()));
        codes.dedup();
        codes
    }
}

/// The report from what the database counted and timed.
pub fn tally(year: i32, groups: &[Group], timings: &[Timing]) -> Report {
    let mut lines: Vec<Line> = Row::ALL.iter().map(|&r| Line::new(r)).collect();
    for g in groups {
        for row in Row::of(g.kind, g.channel) {
            let line = lines
                .iter_mut()
                .find(|l| l.row == *row)
                .expect("every row has a line");
            line.received += g.count;
            match verdict(g.status, g.outcome_code.as_deref()) {
                Verdict::Complied => line.complied += g.count,
                Verdict::Denied(reason) => line.add_denial(reason, g.count),
                Verdict::Neither => {}
            }
        }
    }
    for t in timings {
        if let Some(line) = lines.iter_mut().find(|l| l.row == t.row) {
            line.median_days = Some(t.median_days);
            line.mean_days = Some(t.mean_days);
        }
    }
    Report { year, lines }
}

/// One request, as the metrics see it.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub kind: RequestKind,
    pub channel: Channel,
    pub status: RequestStatus,
    pub outcome_code: Option<String>,
    pub received_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// The report for requests received in `[from, until)` (the year in business time),
/// whenever they closed. Times are in days, fractions kept; the median of an even count
/// is the mean of the middle two, as PostgreSQL's `percentile_cont(0.5)` has it.
pub fn report(
    year: i32,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    requests: &[RequestFacts],
) -> Report {
    let in_year = requests
        .iter()
        .filter(|r| from <= r.received_at && r.received_at < until);
    let mut groups: Vec<Group> = Vec::new();
    let mut days = Days::default();
    for r in in_year {
        match groups.iter_mut().find(|g| {
            (g.kind, g.channel, g.status, g.outcome_code.as_deref())
                == (r.kind, r.channel, r.status, r.outcome_code.as_deref())
        }) {
            Some(g) => g.count += 1,
            None => groups.push(Group {
                kind: r.kind,
                channel: r.channel,
                status: r.status,
                outcome_code: r.outcome_code.clone(),
                count: 1,
            }),
        }
        if let (true, Some(closed)) = (RESPONDED.contains(&r.status), r.closed_at) {
            let d = (closed - r.received_at).num_seconds() as f64 / 86_400.0;
            days.add(r.kind, r.channel, vec![d]);
        }
    }
    let timings = days.timings();
    tally(year, &groups, &timings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Channel::*;
    use RequestKind::*;
    use RequestStatus as S;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 17, 0, 0).unwrap()
    }

    fn req(
        kind: RequestKind,
        channel: Channel,
        received: DateTime<Utc>,
        closed: Option<(DateTime<Utc>, RequestStatus, &str)>,
    ) -> RequestFacts {
        RequestFacts {
            kind,
            channel,
            status: closed.map_or(S::InProgress, |c| c.1),
            outcome_code: closed.map(|c| c.2.to_owned()),
            received_at: received,
            closed_at: closed.map(|c| c.0),
        }
    }

    fn year_2026(requests: &[RequestFacts]) -> Report {
        report(2026, at(2026, 1, 1), at(2027, 1, 1), requests)
    }

    /// A year worked by hand:
    ///
    /// | row             | received | complied | denied (reason)                        | days        |
    /// |-----------------|----------|----------|----------------------------------------|-------------|
    /// | know categories | 2        | 1        | 1 identity_not_verified (closed unver.)| 10, 45      |
    /// | know specific   | 2        | 1 (part) | 0, one still open                      | 80 (extended)|
    /// | know (all)      | 4        | 2        | 1                                      | 10, 45, 80  |
    /// | delete          | 3        | 1        | 1 legal_obligation; 1 withdrawn        | 20, 30      |
    /// | correct         | 1        | 0        | 1 more_likely_accurate                 | 5           |
    /// | opt-out (all)   | 3        | 3        | 0                                      | 1, 2, 3     |
    /// | opt-out by GPC  | 2        | 2        | 0                                      | 1, 3        |
    /// | limit           | 1        | 0        | 1 suspected_fraud                      | 4           |
    ///
    /// Left out: an opt-in, a request received in 2025 and closed in 2026, and one
    /// received on the last day of 2026 counts even though it closes in 2027.
    #[test]
    fn a_hand_computed_year_counts_what_was_received_in_it_whenever_it_closed() {
        let requests = vec![
            req(
                KnowCategories,
                Web,
                at(2026, 1, 5),
                Some((at(2026, 1, 15), S::Fulfilled, "fulfilled")),
            ),
            req(
                KnowCategories,
                AgentWeb,
                at(2026, 2, 1),
                Some((
                    at(2026, 3, 18),
                    S::ClosedUnverified,
                    "identity_not_verified",
                )),
            ),
            // Extended to 90 days, then fulfilled in part on day 80.
            req(
                KnowSpecific,
                Web,
                at(2026, 12, 31),
                Some((
                    at(2027, 3, 21),
                    S::PartiallyFulfilled,
                    "partially_fulfilled",
                )),
            ),
            req(KnowSpecific, Drp, at(2026, 12, 20), None),
            req(
                Delete,
                Web,
                at(2026, 3, 1),
                Some((at(2026, 3, 21), S::Fulfilled, "fulfilled")),
            ),
            req(
                Delete,
                Web,
                at(2026, 4, 1),
                Some((at(2026, 5, 1), S::Denied, "legal_obligation")),
            ),
            req(
                Delete,
                Web,
                at(2026, 4, 2),
                Some((at(2026, 4, 3), S::Withdrawn, "withdrawn")),
            ),
            req(
                Correct,
                Web,
                at(2026, 6, 1),
                Some((at(2026, 6, 6), S::Denied, "more_likely_accurate")),
            ),
            req(
                OptOut,
                Web,
                at(2026, 7, 1),
                Some((at(2026, 7, 3), S::Fulfilled, "applied")),
            ),
            req(
                OptOut,
                Gpc,
                at(2026, 7, 2),
                Some((at(2026, 7, 3), S::Fulfilled, "applied")),
            ),
            req(
                OptOut,
                Gpc,
                at(2026, 8, 1),
                Some((at(2026, 8, 4), S::Fulfilled, "applied")),
            ),
            req(
                LimitSensitive,
                Web,
                at(2026, 9, 1),
                Some((at(2026, 9, 5), S::Denied, "suspected_fraud")),
            ),
            req(
                OptIn,
                Drp,
                at(2026, 9, 2),
                Some((at(2026, 9, 3), S::Fulfilled, "opted_in")),
            ),
            req(
                Delete,
                Web,
                at(2025, 12, 31),
                Some((at(2026, 1, 10), S::Denied, "other")),
            ),
        ];
        let r = year_2026(&requests);
        let l = |row| r.line(row);

        assert_eq!(
            (
                l(Row::KnowCategories).received,
                l(Row::KnowCategories).complied
            ),
            (2, 1)
        );
        assert_eq!(
            l(Row::KnowCategories).denied_for("identity_not_verified"),
            1
        );
        assert_eq!(l(Row::KnowCategories).median_days, Some(27.5));
        assert_eq!(l(Row::KnowCategories).mean_days, Some(27.5));

        assert_eq!(
            (l(Row::KnowSpecific).received, l(Row::KnowSpecific).complied),
            (2, 1)
        );
        assert_eq!(l(Row::KnowSpecific).denied, 0);
        assert_eq!(l(Row::KnowSpecific).median_days, Some(80.0));

        let know = l(Row::Know);
        assert_eq!((know.received, know.complied, know.denied), (4, 2, 1));
        assert_eq!(know.median_days, Some(45.0));
        assert_eq!(know.mean_days, Some(45.0));

        let delete = l(Row::Delete);
        assert_eq!((delete.received, delete.complied, delete.denied), (3, 1, 1));
        assert_eq!(
            delete.denied_by_reason,
            vec![("legal_obligation".into(), 1)]
        );
        assert_eq!(delete.median_days, Some(25.0));

        let correct = l(Row::Correct);
        assert_eq!(
            (correct.received, correct.complied, correct.denied),
            (1, 0, 1)
        );
        assert_eq!(correct.denied_for("more_likely_accurate"), 1);
        assert_eq!(correct.mean_days, Some(5.0));

        let opt_out = l(Row::OptOut);
        assert_eq!(
            (opt_out.received, opt_out.complied, opt_out.denied),
            (3, 3, 0)
        );
        assert_eq!(
            (opt_out.median_days, opt_out.mean_days),
            (Some(2.0), Some(2.0))
        );
        let gpc = l(Row::OptOutGpc);
        assert_eq!((gpc.received, gpc.complied), (2, 2));
        assert_eq!((gpc.median_days, gpc.mean_days), (Some(2.0), Some(2.0)));

        let limit = l(Row::Limit);
        assert_eq!((limit.received, limit.denied), (1, 1));
        assert_eq!(limit.denied_for("suspected_fraud"), 1);

        assert_eq!(
            r.reasons_used(),
            vec![
                "identity_not_verified",
                "suspected_fraud",
                "legal_obligation",
                "more_likely_accurate"
            ]
        );
    }

    #[test]
    fn the_store_leaves_out_exactly_the_opt_in_and_shine_the_light() {
        assert_eq!(left_out_codes(), ["opt_in", "shine_the_light"]);
        for kind in RequestKind::ALL {
            assert_eq!(counts(*kind), kind.is_ccpa() && *kind != OptIn, "{kind:?}");
        }
    }

    #[test]
    fn an_opt_in_counts_nowhere() {
        let r = year_2026(&[req(OptIn, Drp, at(2026, 5, 1), None)]);
        assert!(r.lines.iter().all(|l| l.received == 0));
    }

    #[test]
    fn a_shine_the_light_request_is_no_ccpa_request_and_counts_nowhere() {
        let r = year_2026(&[req(
            ShineTheLight,
            Web,
            at(2026, 5, 1),
            Some((at(2026, 5, 20), S::Fulfilled, "fulfilled")),
        )]);
        assert!(r.lines.iter().all(|l| l.received == 0));
        assert!(Row::of(ShineTheLight, Web).is_empty());
    }

    #[test]
    fn a_year_without_responses_has_no_times() {
        let r = year_2026(&[req(Delete, Web, at(2026, 5, 1), None)]);
        assert_eq!(r.line(Row::Delete).received, 1);
        assert_eq!(r.line(Row::Delete).median_days, None);
        assert_eq!(r.line(Row::Delete).mean_days, None);
    }

    #[test]
    fn fractions_of_a_day_are_kept_and_an_even_median_is_the_middle_pair() {
        let half = at(2026, 5, 1) + chrono::Duration::hours(12);
        let r = year_2026(&[
            req(
                Delete,
                Web,
                at(2026, 5, 1),
                Some((half, S::Fulfilled, "fulfilled")),
            ),
            req(
                Delete,
                Web,
                at(2026, 5, 1),
                Some((at(2026, 5, 2), S::Fulfilled, "fulfilled")),
            ),
            req(
                Delete,
                Web,
                at(2026, 5, 1),
                Some((at(2026, 5, 4), S::Fulfilled, "fulfilled")),
            ),
            req(
                Delete,
                Web,
                at(2026, 5, 1),
                Some((at(2026, 5, 11), S::Denied, "exception")),
            ),
        ]);
        let l = r.line(Row::Delete);
        assert_eq!(l.median_days, Some(2.0));
        assert_eq!(l.mean_days, Some((0.5 + 1.0 + 3.0 + 10.0) / 4.0));
    }

    #[test]
    fn a_denial_reason_of_an_agent_not_authorized_is_its_own() {
        let r = year_2026(&[req(
            Delete,
            AgentWeb,
            at(2026, 5, 1),
            Some((at(2026, 5, 2), S::Denied, "agent_not_authorized")),
        )]);
        assert_eq!(r.line(Row::Delete).denied_for("agent_not_authorized"), 1);
    }

    #[test]
    fn each_kind_is_timed_in_the_slots_of_the_rows_it_counts_in() {
        for &kind in RequestKind::ALL {
            for &channel in Channel::ALL {
                let timed: Vec<Row> = Row::ALL
                    .iter()
                    .copied()
                    .filter(|&row| slot(kind, channel).is_some_and(|s| slots_of(row).contains(&s)))
                    .collect();
                assert_eq!(timed, Row::of(kind, channel), "{kind:?} by {channel:?}");
            }
        }
    }

    #[test]
    fn a_year_added_up_in_parts_times_as_it_does_at_once() {
        let times: Vec<f64> = (0..101).map(|i| f64::from(i * 37 % 101) / 7.0).collect();
        let mut at_once = Days::default();
        at_once.add(Delete, Web, times.clone());
        at_once.add(OptOut, Gpc, times[..10].to_vec());
        let mut parts = Days::default();
        for chunk in times.chunks(13).rev() {
            let mut part = Days::default();
            part.add(Delete, Web, chunk.to_vec());
            parts.merge(&part);
        }
        parts.add(OptOut, Gpc, times[..10].to_vec());
        assert_eq!(parts, at_once);
        assert_eq!(parts.timings(), at_once.timings());
        assert_eq!(parts.len(), 111);
        let kept = Days::from_slots(parts.slots().to_vec()).unwrap();
        assert_eq!(kept, parts);
        assert_eq!(
            Days::from_slots(vec![vec![2.0, 1.0]; SLOTS]),
            None,
            "unsorted"
        );
        assert_eq!(Days::from_slots(vec![Vec::new(); 3]), None, "too few");
        let delete = at_once.timings();
        let delete = delete.iter().find(|t| t.row == Row::Delete).unwrap();
        assert_eq!(delete.median_days, 50.0 / 7.0);
    }
}
