//! The one source of "now". Production reads the system clock; tests move it forward to
//! check what happens on day 3, day 45 or day 90.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// To the microsecond, as PostgreSQL keeps it, so a time shown before it is stored
    /// is the time read back.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6) + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Today's date where the business is, which is what legal deadlines count in.
    pub fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

/// The end of the deadline day in the business's time zone.
pub fn end_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    tz.from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

/// The start of a day in the business's time zone: when the sweeps act on a deadline
/// that falls on it.
pub fn start_of_day(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}
