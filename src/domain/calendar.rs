//! Deadline arithmetic. The day of receipt is day 0 (Civ. §10); calendar-day clocks add
//! days, business-day clocks skip weekends and the configured holidays.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The business days of the business: Monday to Friday, less a list of holidays.
#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The date `n` business days after `start`, where `start` itself is day 0 whatever
    /// kind of day it is.
    pub fn add_business_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut day = start;
        let mut counted = 0;
        while counted < n {
            day = day + Days::new(1);
            if self.is_business_day(day) {
                counted += 1;
            }
        }
        day
    }
}

/// The date `n` calendar days after `start` (day 0).
pub fn add_calendar_days(start: NaiveDate, n: u32) -> NaiveDate {
    start + Days::new(u64::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The shipped 2026–2027 list, read from the default configuration.
    fn shipped() -> BusinessCalendar {
        let settings = crate::config::Settings::defaults();
        BusinessCalendar::new(settings.deadlines.holidays.iter().map(|h| h.date))
    }

    #[test]
    fn day_zero_is_the_day_of_receipt() {
        let cal = BusinessCalendar::default();
        assert_eq!(cal.add_business_days(d("2026-11-18"), 0), d("2026-11-18"));
        assert_eq!(add_calendar_days(d("2026-11-18"), 0), d("2026-11-18"));
        // Wednesday + 1 business day is Thursday.
        assert_eq!(cal.add_business_days(d("2026-11-18"), 1), d("2026-11-19"));
    }

    #[test]
    fn weekends_are_skipped() {
        let cal = BusinessCalendar::default();
        // Friday 2026-10-16 + 1 business day = Monday 2026-10-19.
        assert_eq!(cal.add_business_days(d("2026-10-16"), 1), d("2026-10-19"));
        // A request received on a Saturday: day 0 is Saturday, day 1 is Monday.
        assert_eq!(cal.add_business_days(d("2026-10-17"), 1), d("2026-10-19"));
        assert_eq!(cal.add_business_days(d("2026-10-18"), 10), d("2026-10-30"));
        // Ten business days from a Monday with no holidays: two weeks later.
        assert_eq!(cal.add_business_days(d("2026-10-19"), 10), d("2026-11-02"));
    }

    #[test]
    fn every_shipped_holiday_is_not_a_business_day() {
        let cal = shipped();
        let holidays = crate::config::Settings::defaults().deadlines.holidays;
        assert_eq!(holidays.len(), 30, "15 holidays a year for 2026 and 2027");
        for h in holidays {
            assert!(!cal.is_business_day(h.date), "{} ({})", h.date, h.name);
            // The working day before a weekday holiday counts, the holiday does not.
            if !matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun) {
                let eve = h.date - Days::new(1);
                let next = cal.add_business_days(eve, 1);
                assert!(next > h.date, "{} is skipped", h.name);
            }
        }
    }

    #[test]
    fn observed_sunday_holiday_moves_to_monday() {
        let cal = shipped();
        // 2027-07-04 is a Sunday: Monday 2027-07-05 is the holiday.
        assert!(!cal.is_business_day(d("2027-07-05")));
        assert_eq!(cal.add_business_days(d("2027-07-02"), 1), d("2027-07-06"));
    }

    #[test]
    fn thanksgiving_week_2026() {
        let cal = shipped();
        // Received Monday 2026-11-23: Thursday 26 is Thanksgiving.
        // Business days: 24, 25, 27, 30, Dec 1, 2, 3, 4, 7, 8.
        assert_eq!(cal.add_business_days(d("2026-11-23"), 10), d("2026-12-08"));
        assert_eq!(cal.add_business_days(d("2026-11-23"), 15), d("2026-12-15"));
    }

    #[test]
    fn year_boundary_with_christmas_and_new_year() {
        let cal = shipped();
        // Received Thursday 2026-12-24. Skips Fri 25 (Christmas), the weekend,
        // Fri 2027-01-01 (New Year) and the next weekend.
        // Business days: Dec 28, 29, 30, 31, Jan 4, 5, 6, 7, 8, 11.
        assert_eq!(cal.add_business_days(d("2026-12-24"), 10), d("2027-01-11"));
        assert_eq!(add_calendar_days(d("2026-12-24"), 45), d("2027-02-07"));
    }

    #[test]
    fn month_boundaries_and_leap_rules() {
        let cal = shipped();
        // February 2027 has 28 days: 2027-01-20 + 45 = 2027-03-06.
        assert_eq!(add_calendar_days(d("2027-01-20"), 45), d("2027-03-06"));
        assert_eq!(add_calendar_days(d("2026-01-31"), 90), d("2026-05-01"));
        // 2026-02-09 (Mon): 12 (Lincoln) and 16 (Washington) are skipped.
        // Business days: 10, 11, 13, 17, 18, 19, 20, 23, 24, 25.
        assert_eq!(cal.add_business_days(d("2026-02-09"), 10), d("2026-02-25"));
        // 2026-03-27 (Fri): 31 March is Cesar Chavez Day.
        // Business days: 30, Apr 1, 2, 3, 6, 7, 8, 9, 10, 13.
        assert_eq!(cal.add_business_days(d("2026-03-27"), 10), d("2026-04-13"));
    }

    #[test]
    fn september_cluster_of_holidays() {
        let cal = shipped();
        // 2026-09-04 (Fri): Labor Day 7, Admission Day 9, Native American Day 25.
        // Business days: 8, 10, 11, 14, 15, 16, 17, 18, 21, 22, 23, 24, 28, 29, 30.
        assert_eq!(cal.add_business_days(d("2026-09-04"), 15), d("2026-09-30"));
    }
}
