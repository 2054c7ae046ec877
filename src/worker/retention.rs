//! The daily retention purge (`service::purge`): the first sweep of each business day
//! claims the day, so one worker runs it however many there are.

use super::Worker;

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
        Ok(usize::try_from(report.requests.requests).unwrap_or(usize::MAX))
    }
}
