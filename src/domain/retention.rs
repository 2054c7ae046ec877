//! How long a request's personal information is kept (reg. §7101; ccpa-rules §8): the
//! record of every request for at least 24 months, then only an anonymous record;
//! verification material and response packages for shorter times after closing. Pure:
//! the clocks are computed from a "now" passed in.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};

use super::kinds::EventKind;

/// The regulations keep a request's record at least this long (reg. §7101(a)).
pub const MIN_MONTHS: u32 = 24;

/// Counters of unsolicited mail per address (`unsolicited_mail`) serve only today's
/// limit; older days are forgotten after this many days.
pub const UNSOLICITED_DAYS: i64 = 3;

/// The moments before which each kind of material goes, for one purge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// Requests closed before this lose their personal information.
    pub purge_closed_before: DateTime<Utc>,
    /// Requests closed before this lose their verification material.
    pub verification_closed_before: DateTime<Utc>,
    /// Requests closed before this lose their response packages.
    pub packages_closed_before: DateTime<Utc>,
    /// Unsolicited-mail counters of days before this go.
    pub unsolicited_before: NaiveDate,
}

impl Clocks {
    /// The clocks at `now` for a retention of `months` (never less than
    /// [`MIN_MONTHS`], whatever is asked) and the shorter clocks in days.
    pub fn at(now: DateTime<Utc>, months: u32, verification_days: u32, package_days: u32) -> Self {
        let months = months.max(MIN_MONTHS);
        let purge = now
            .checked_sub_months(Months::new(months))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Clocks {
            purge_closed_before: purge,
            verification_closed_before: now - Duration::days(i64::from(verification_days)),
            packages_closed_before: now - Duration::days(i64::from(package_days)),
            unsolicited_before: now.date_naive() - Duration::days(UNSOLICITED_DAYS),
        }
    }
}

/// Keys of an audit event's data that hold codes, dates or staff ids, never what a
/// consumer, an agent or staff typed: a purge keeps these and drops every other key
/// (notes, explanations, reasons typed by staff, a removed suppression entry's address).
/// A key not listed goes, so a new kind of payload is purged until someone says it holds
/// nothing personal.
pub const KEPT_EVENT_KEYS: &[&str] = &[
    "kind",
    "channel",
    "data_point",
    "vouched_by_agent",
    "claimed_by_agent",
    "purpose",
    "handled_as",
    "due_on",
    "until",
    "method",
    "template",
    "notified",
    "assignee_id",
    // The outcome's code (fulfilled in part, denied as fraud, …), as the feeds give it.
    "outcome",
];

/// Events whose `reason` is a code (a denial's statutory reason, a suppressed mail's
/// cause); every other event's `reason` is typed text and goes.
pub const REASON_IS_A_CODE: &[EventKind] = &[EventKind::Denied, EventKind::MailSuppressed];

/// What a purge leaves of an event's data: the kept keys, and `reason` only where it is
/// a code. `store::purge` applies the same lists in SQL.
pub fn anonymous_event_data(action: EventKind, data: &serde_json::Value) -> serde_json::Value {
    let Some(object) = data.as_object() else {
        return serde_json::json!({});
    };
    object
        .iter()
        .filter(|(key, _)| {
            KEPT_EVENT_KEYS.contains(&key.as_str())
                || (key.as_str() == "reason" && REASON_IS_A_CODE.contains(&action))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_request_closed_two_years_ago_is_due_and_one_closed_since_is_not() {
        let now = Utc.with_ymd_and_hms(2028, 3, 15, 12, 0, 0).unwrap();
        let clocks = Clocks::at(now, 24, 30, 45);
        assert_eq!(
            clocks.purge_closed_before,
            Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap()
        );
        assert_eq!(
            clocks.verification_closed_before,
            Utc.with_ymd_and_hms(2028, 2, 14, 12, 0, 0).unwrap()
        );
        assert_eq!(
            clocks.packages_closed_before,
            Utc.with_ymd_and_hms(2028, 1, 30, 12, 0, 0).unwrap()
        );
        assert_eq!(
            clocks.unsolicited_before,
            NaiveDate::from_ymd_opt(2028, 3, 12).unwrap()
        );
    }

    #[test]
    fn retention_is_never_shorter_than_the_regulations_allow() {
        let now = Utc.with_ymd_and_hms(2028, 3, 15, 12, 0, 0).unwrap();
        assert_eq!(Clocks::at(now, 6, 30, 45), Clocks::at(now, 24, 30, 45));
        assert!(
            Clocks::at(now, 36, 30, 45).purge_closed_before
                < Clocks::at(now, 24, 30, 45).purge_closed_before
        );
    }

    #[test]
    fn a_purged_event_keeps_its_codes_and_loses_what_people_typed() {
        let denied = json!({ "reason": "research", "explanation": "Ana, we keep it for a study" });
        assert_eq!(
            anonymous_event_data(EventKind::Denied, &denied),
            json!({ "reason": "research" })
        );
        let extended = json!({ "until": "2026-05-01", "reason": "Ana's records are archived" });
        assert_eq!(
            anonymous_event_data(EventKind::DeadlineExtended, &extended),
            json!({ "until": "2026-05-01" })
        );
        let note = json!({ "note": "called her at 555-0100" });
        assert_eq!(anonymous_event_data(EventKind::NoteAdded, &note), json!({}));
        let opted_in = json!({ "removed_opt_out": { "email": "ana@example.com" }, "method": "single-use link" });
        assert_eq!(
            anonymous_event_data(EventKind::OptedIn, &opted_in),
            json!({ "method": "single-use link" })
        );
        let submitted = json!({ "kind": "delete", "channel": "web" });
        assert_eq!(
            anonymous_event_data(EventKind::Submitted, &submitted),
            submitted
        );
    }
}
