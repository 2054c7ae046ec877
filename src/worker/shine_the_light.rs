//! The "Shine the Light" sweep step: five days before a request is due, if the record
//! of the year it is answered with is still missing, staff are alerted (once, with the
//! request's audit trail saying so) and the queue marks the request.

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use super::Worker;
use crate::domain::kinds::{EventKind, RequestKind};
use crate::domain::shine_the_light::{self as stl, Mode, RECORD_ALERT_DAYS};
use crate::mail::{messages, shine_the_light as stl_mail};
use crate::store::events::{self, Actor, Event};
use crate::store::{outbox, shine_the_light as rows};

impl Worker {
    /// Checks a bounded batch of open requests due within five days, each once: those
    /// whose year is not recorded get an audit event and one staff alert for the batch.
    /// Returns how many requests it checked.
    pub(super) async fn check_stl_records(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = self.clock.today(self.tz);
        let mut tx = self.db.begin().await?;
        let due = rows::due_for_record_check(
            &mut tx,
            today + Duration::days(RECORD_ALERT_DAYS),
            self.settings.worker.batch_size.max(1),
        )
        .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let disclose = self.settings.shine_the_light.mode() == Mode::Disclose;
        let complete = if disclose {
            rows::complete_years(&mut tx).await?
        } else {
            Vec::new()
        };
        let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
        let mut trail = Vec::new();
        let mut lines = Vec::new();
        for d in &due {
            let year = stl::year_answered(d.received_at.with_timezone(&self.tz).date_naive());
            let due_on = d.due_on.unwrap_or(today);
            if !disclose || complete.contains(&year) || !stl::record_alert_due(due_on, today) {
                continue;
            }
            trail.push(Event::without_change(
                d.id,
                Actor::System,
                EventKind::RecordMissingAlerted,
                json!({ "year": year, "due_on": due_on }),
            ));
            let note = format!(" · the disclosures of {year} are not recorded");
            lines.push(messages::staff_line(
                &self.ctx,
                &d.tracking_code,
                RequestKind::ShineTheLight.code(),
                Some(due_on),
                &note,
            ));
        }
        rows::stamp_record_checked(&mut tx, &ids, now).await?;
        events::record_many(&mut tx, now, &trail).await?;
        if let (Some(to), false) = (&self.settings.staff_alerts_to, lines.is_empty()) {
            let message = stl_mail::staff_record_missing(&self.ctx, to, lines)?;
            outbox::enqueue(&mut tx, None, &message, now).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
