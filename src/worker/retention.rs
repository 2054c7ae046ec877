//! The daily retention purge (`service::purge`): the first sweep of each business day
//! claims the day, so one worker runs it however many there are. The same run counts
//! last year's metrics once that year is finished, so the first person to ask for them
//! (on the staff page, or on the public one) reads them kept instead of waiting, and
//! adds this year's latest closings to what is kept of it.

use chrono::Datelike;

use super::Worker;
use crate::service::metrics;

impl Worker {
    /// Runs the purge once a day; how many requests it purged.
    pub(super) async fn daily_purge(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = self.clock.today(self.tz);
        {
            let mut conn = self.db.acquire().await?;
            if !crate::store::purge::claim_daily_run(&mut conn, today, now).await? {
                return Ok(0);
            }
        }
        let report =
            crate::service::purge::run(&self.db, &self.settings, now, self.batch(), false).await?;
        if !report.is_empty() {
            tracing::info!(?report, "retention purge");
        }
        // Before the year is past back-dating nothing would be kept: no count until then.
        let last_year = today.year() - 1;
        if metrics::bounds(self.tz, last_year)
            .is_some_and(|(_, until)| metrics::finished(until, now))
        {
            metrics::yearly(&self.db, self.tz, last_year, now).await?;
        }
        // This year's closings added up to the kept part, so a report need not.
        metrics::yearly(&self.db, self.tz, today.year(), now).await?;
        Ok(usize::try_from(report.requests.requests).unwrap_or(usize::MAX))
    }
}
