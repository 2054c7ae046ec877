//! The one source of "now". Production reads the system clock; tests move it forward to
//! check what happens on day 3, day 45 or day 90.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
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
