//! The daily e-mail each staff member may choose: what is assigned to them and due soon.
//! Once a business day from `digest_hour`; each member is stamped in the transaction that
//! queues their message, so a second sweep or a second worker sends nothing twice.

use chrono::{Duration, Timelike};

use super::Worker;
use crate::domain::kinds::RequestStatus;
use crate::mail::{console as mail, messages};
use crate::store::{console as store, outbox};

/// "Due soon": within this many days, or overdue.
const DUE_WITHIN_DAYS: i64 = 7;
/// Staff members served per transaction.
const BATCH: i64 = 50;
/// Requests listed in one message.
const SHOWN: i64 = 100;

impl Worker {
    /// Sends today's daily e-mails not yet sent; returns how many.
    pub(super) async fn daily_emails(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let local = now.with_timezone(&self.tz);
        if local.hour() < self.settings.worker.digest_hour {
            return Ok(0);
        }
        let today = local.date_naive();
        let mut sent = 0;
        loop {
            let mut tx = self.db.begin().await?;
            let members = store::claim_daily_emails(&mut tx, today, BATCH).await?;
            if members.is_empty() {
                return Ok(sent);
            }
            for (staff_id, email) in &members {
                let due = store::assigned_due_by(
                    &mut tx,
                    *staff_id,
                    today + Duration::days(DUE_WITHIN_DAYS),
                    SHOWN,
                )
                .await?;
                let lines = due
                    .iter()
                    .map(|d| {
                        let note = match d.due_on {
                            Some(day) if day < today => " · OVERDUE",
                            _ if d.status == RequestStatus::AwaitingVerification => {
                                " · not verified yet"
                            }
                            _ => "",
                        };
                        messages::staff_line(
                            &self.ctx,
                            &d.tracking_code,
                            d.kind.code(),
                            d.due_on,
                            note,
                        )
                    })
                    .collect();
                let message =
                    mail::assigned_due_soon(&self.ctx, email, today, DUE_WITHIN_DAYS, lines)?;
                outbox::enqueue(&mut tx, None, &message, now).await?;
            }
            tx.commit().await?;
            sent += members.len();
        }
    }
}
