//! The legal clocks of a request (ccpa-rules §2). Every clock starts on the date of
//! receipt in the business's time zone; verification never pauses them.

use chrono::NaiveDate;

use super::calendar::{BusinessCalendar, add_calendar_days};
use super::kinds::RequestKind;

pub const CONFIRM_BUSINESS_DAYS: u32 = 10;
pub const RESPOND_CALENDAR_DAYS: u32 = 45;
pub const MAX_EXTENDED_CALENDAR_DAYS: u32 = 90;
pub const COMPLY_BUSINESS_DAYS: u32 = 15;
/// How long an opt-in waits for the consumer's confirmation when no other window is
/// configured: the default lifetime of a verification link.
pub const OPT_IN_WINDOW_DAYS: u32 = 14;

/// The deadlines a new request gets. Know, delete and correct requests have
/// `confirm_by` and `respond_by`; opt-out and limit requests have `comply_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub comply_by: Option<NaiveDate>,
}

impl Deadlines {
    pub fn for_kind(
        kind: RequestKind,
        received_on: NaiveDate,
        calendar: &BusinessCalendar,
    ) -> Self {
        if kind == RequestKind::OptIn {
            Self::for_opt_in(received_on, OPT_IN_WINDOW_DAYS)
        } else if kind == RequestKind::ShineTheLight {
            Self::for_shine_the_light(received_on, false)
        } else if kind.needs_verification() {
            Self {
                confirm_by: Some(calendar.add_business_days(received_on, CONFIRM_BUSINESS_DAYS)),
                respond_by: Some(add_calendar_days(received_on, RESPOND_CALENDAR_DAYS)),
                comply_by: None,
            }
        } else {
            Self {
                confirm_by: None,
                respond_by: None,
                comply_by: Some(calendar.add_business_days(received_on, COMPLY_BUSINESS_DAYS)),
            }
        }
    }

    /// An opt-in has no legal deadline. It is "confirmed" (the consumer is e-mailed the
    /// link) on the day of receipt, and it waits for the consumer's confirmation for as
    /// long as the link works: at `respond_by` the unverified sweep closes it.
    pub fn for_opt_in(received_on: NaiveDate, window_days: u32) -> Self {
        Self {
            confirm_by: Some(received_on),
            respond_by: Some(add_calendar_days(received_on, window_days)),
            comply_by: None,
        }
    }

    /// A "Shine the Light" request (Civ. §1798.83) has one clock: the answer, 30 days
    /// after receipt, or 150 when it reached an address the business did not designate.
    /// No confirmation deadline (the receipt goes at once) and no extension.
    pub fn for_shine_the_light(received_on: NaiveDate, undesignated_address: bool) -> Self {
        Self {
            confirm_by: None,
            respond_by: Some(super::shine_the_light::respond_by(
                received_on,
                undesignated_address,
            )),
            comply_by: None,
        }
    }

    /// The legal deadline that decides the request's place in the queue.
    pub fn governing(&self) -> Option<NaiveDate> {
        self.respond_by.or(self.comply_by)
    }
}

/// The last day an opt-in can be answered: the sweep closes it at the start of its
/// `respond_by`, so the day before.
pub fn opt_in_last_day(respond_by: NaiveDate) -> NaiveDate {
    respond_by.pred_opt().unwrap_or(respond_by)
}

/// The latest date an extension may reach: received + 90 days.
pub fn latest_extension(received_on: NaiveDate) -> NaiveDate {
    add_calendar_days(received_on, MAX_EXTENDED_CALENDAR_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_deletion_gets_10_business_days_to_confirm_and_45_days_to_respond() {
        let cal = BusinessCalendar::new([d("2026-11-26")]);
        let dl = Deadlines::for_kind(RequestKind::Delete, d("2026-11-23"), &cal);
        assert_eq!(dl.confirm_by, Some(d("2026-12-08")));
        assert_eq!(dl.respond_by, Some(d("2027-01-07")));
        assert_eq!(dl.comply_by, None);
        assert_eq!(dl.governing(), dl.respond_by);
    }

    #[test]
    fn an_opt_out_gets_15_business_days_to_comply() {
        let cal = BusinessCalendar::new([d("2026-11-26")]);
        let dl = Deadlines::for_kind(RequestKind::OptOut, d("2026-11-23"), &cal);
        assert_eq!(dl.comply_by, Some(d("2026-12-15")));
        assert_eq!(dl.confirm_by, None);
        assert_eq!(dl.respond_by, None);
        assert_eq!(latest_extension(d("2026-11-23")), d("2027-02-21"));
    }

    #[test]
    fn a_shine_the_light_request_is_answered_within_30_days_or_150() {
        let cal = BusinessCalendar::new([d("2026-11-26")]);
        let dl = Deadlines::for_kind(RequestKind::ShineTheLight, d("2026-11-23"), &cal);
        assert_eq!(dl.respond_by, Some(d("2026-12-23")));
        assert_eq!(dl.confirm_by, None);
        assert_eq!(dl.comply_by, None);
        let far = Deadlines::for_shine_the_light(d("2026-11-23"), true);
        assert_eq!(far.respond_by, Some(d("2027-04-22")));
    }

    #[test]
    fn an_opt_in_waits_for_confirmation_as_long_as_its_link_works() {
        let cal = BusinessCalendar::new([d("2026-11-26")]);
        let dl = Deadlines::for_opt_in(d("2026-11-23"), 14);
        assert_eq!(dl.confirm_by, Some(d("2026-11-23")));
        assert_eq!(dl.respond_by, Some(d("2026-12-07")));
        assert_eq!(dl.comply_by, None);
        assert_eq!(
            Deadlines::for_kind(RequestKind::OptIn, d("2026-11-23"), &cal),
            dl
        );
    }
}
