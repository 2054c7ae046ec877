//! The deadline sweep: apply opt-outs, close what could not be verified in time, remind
//! once, alert staff of what became overdue, send the daily digest. Each step takes a
//! bounded batch, acts on it in one transaction and stamps it, so a second sweep or a
//! second worker finds nothing left to repeat.

use chrono::{Duration, Timelike};
use serde_json::json;
use uuid::Uuid;

use super::Worker;
use crate::domain::kinds::{RequestKind, RequestStatus};
use crate::domain::token::SecretToken;
use crate::domain::tracking::TrackingCode;
use crate::mail::{OutgoingMessage, messages};
use crate::store::events::{self, Actor, Event};
use crate::store::sweeps::{self, Due};
use crate::store::{outbox, verification};

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub opt_outs_applied: usize,
    pub closed_unverified: usize,
    pub reminders: usize,
    pub overdue_alerts: usize,
    pub digests: usize,
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn kind_of(due: &Due) -> RequestKind {
    RequestKind::parse(&due.kind).unwrap_or(RequestKind::KnowCategories)
}

fn code_of(due: &Due) -> TrackingCode {
    TrackingCode::parse(&due.tracking_code).unwrap_or_else(TrackingCode::generate)
}

impl Worker {
    pub async fn sweep(&self) -> anyhow::Result<SweepReport> {
        let mut report = SweepReport::default();
        while let n @ 1.. = self.apply_opt_outs().await? {
            report.opt_outs_applied += n;
        }
        // Closing comes before reminding: a request at its deadline is not reminded.
        while let n @ 1.. = self.close_unverified().await? {
            report.closed_unverified += n;
        }
        while let n @ 1.. = self.remind_unverified().await? {
            report.reminders += n;
        }
        while let n @ 1.. = self.alert_overdue().await? {
            report.overdue_alerts += n;
        }
        report.digests = self.daily_digest().await?;
        self.forget_expired_signatures().await?;
        Ok(report)
    }

    /// DRP signed bodies are remembered until they expire, to be used once; after that
    /// their own `expires-at` refuses them, so the record can go.
    async fn forget_expired_signatures(&self) -> anyhow::Result<()> {
        let mut conn = self.db.acquire().await?;
        let n = crate::store::drp::forget_expired_signatures(&mut conn, self.clock.now()).await?;
        tracing::debug!(n, "expired DRP signatures forgotten");
        Ok(())
    }

    fn batch(&self) -> i64 {
        self.settings.worker.batch_size.max(1)
    }

    /// Opt-out and limit requests need no verification: they are applied at once, put on
    /// the suppression list and confirmed to the consumer (reg. §7026(f), (g)).
    async fn apply_opt_outs(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let due = sweeps::opt_outs_to_apply(&mut tx, now, self.batch()).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
        let mut trail = Vec::with_capacity(due.len() * 2);
        let mut mail = Vec::with_capacity(due.len());
        let mut listed = Vec::with_capacity(due.len());
        for d in &due {
            let kind = kind_of(d);
            let scope = if kind == RequestKind::LimitSensitive {
                "sensitive_use"
            } else {
                "sale_sharing"
            };
            if d.status == RequestStatus::Received.code() {
                trail.push(Event {
                    request_id: d.id,
                    actor: Actor::System,
                    action: "processing_started",
                    from: Some(RequestStatus::Received),
                    to: Some(RequestStatus::InProgress),
                    data: json!({}),
                });
            }
            trail.push(Event {
                request_id: d.id,
                actor: Actor::System,
                action: "opt_out_applied",
                from: Some(RequestStatus::InProgress),
                to: Some(RequestStatus::Fulfilled),
                data: json!({ "suppression_list": scope }),
            });
            listed.push((d, scope));
            mail.push((
                Some(d.id),
                messages::opt_out_applied(&self.ctx, &d.email, &code_of(d), kind)?,
            ));
        }
        sweeps::add_opt_outs(&mut tx, &listed, now).await?;
        sweeps::set_status(
            &mut tx,
            &ids,
            RequestStatus::Fulfilled,
            now,
            Some("Applied and added to the suppression list."),
        )
        .await?;
        events::record_many(&mut tx, now, &trail).await?;
        outbox::enqueue_many(&mut tx, now, &mail).await?;
        tx.commit().await?;
        Ok(due.len())
    }

    /// At `respond_by` with no verification the request is closed, and the consumer told
    /// that identity could not be verified (reg. §7022, §7024). An opt-in the consumer
    /// did not confirm is closed the same way, unapplied, and they are told that nothing
    /// changed. This runs before the overdue alert, which therefore never sees them.
    async fn close_unverified(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = self.clock.today(self.tz);
        let mut tx = self.db.begin().await?;
        let due = sweeps::unverified_at_deadline(&mut tx, today, self.batch()).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut trail = Vec::with_capacity(due.len());
        let mut mail = Vec::with_capacity(due.len());
        // The outcome each request keeps, and the requests that keep it.
        let mut closing: Vec<(&'static str, Vec<Uuid>)> = Vec::new();
        for d in &due {
            let kind = kind_of(d);
            let reason = kind.closed_unverified_reason();
            match closing.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, ids)) => ids.push(d.id),
                None => closing.push((reason, vec![d.id])),
            }
            let mut data = if kind == RequestKind::OptIn {
                json!({ "reason": "the consumer did not confirm the opt-in in time; the opt-out stays in place" })
            } else {
                json!({ "reason": "identity could not be verified by the response deadline" })
            };
            if kind == RequestKind::KnowSpecific {
                // reg. §7024(a): an unverified request for specific pieces is handled as
                // a request for categories.
                data["handled_as"] = json!(RequestKind::KnowCategories.code());
            }
            trail.push(Event {
                request_id: d.id,
                actor: Actor::System,
                action: "closed_unverified",
                from: Some(RequestStatus::AwaitingVerification),
                to: Some(RequestStatus::ClosedUnverified),
                data,
            });
            mail.push((
                Some(d.id),
                messages::closed_unverified(&self.ctx, &d.email, &code_of(d), kind)?,
            ));
        }
        for (reason, ids) in &closing {
            sweeps::set_status(
                &mut tx,
                ids,
                RequestStatus::ClosedUnverified,
                now,
                Some(reason),
            )
            .await?;
        }
        events::record_many(&mut tx, now, &trail).await?;
        outbox::enqueue_many(&mut tx, now, &mail).await?;
        tx.commit().await?;
        Ok(due.len())
    }

    /// One reminder, with a fresh link, to requests still unverified after
    /// `reminder_after_days`.
    async fn remind_unverified(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let cutoff = now - Duration::days(self.settings.worker.reminder_after_days);
        let expires = now + Duration::days(self.settings.worker.verification_link_days);
        let mut tx = self.db.begin().await?;
        let due = sweeps::to_remind(&mut tx, cutoff, self.batch()).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
        let mut trail = Vec::with_capacity(due.len());
        let mut mail: Vec<(Option<Uuid>, OutgoingMessage)> = Vec::with_capacity(due.len());
        let mut links = Vec::with_capacity(due.len());
        for d in &due {
            let token = SecretToken::generate();
            links.push((d.id, *token.hash()));
            let url = self.ctx.url(&format!("/verify/{}", token.expose()));
            let respond_by = d.respond_by.unwrap_or_else(|| self.clock.today(self.tz));
            mail.push((
                Some(d.id),
                messages::verification_reminder(
                    &self.ctx,
                    &d.email,
                    &code_of(d),
                    kind_of(d),
                    respond_by,
                    &url,
                )?,
            ));
            trail.push(Event {
                request_id: d.id,
                actor: Actor::System,
                action: "verification_reminder_sent",
                from: None,
                to: None,
                data: json!({}),
            });
        }
        verification::issue_many(&mut tx, &links, now, expires).await?;
        sweeps::stamp_reminded(&mut tx, &ids, now).await?;
        events::record_many(&mut tx, now, &trail).await?;
        outbox::enqueue_many(&mut tx, now, &mail).await?;
        tx.commit().await?;
        Ok(due.len())
    }

    /// Staff hear at once of every request that passes its legal deadline still open.
    async fn alert_overdue(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = self.clock.today(self.tz);
        let mut tx = self.db.begin().await?;
        let due = sweeps::newly_overdue(&mut tx, today, self.batch()).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
        let trail: Vec<Event> = due
            .iter()
            .map(|d| Event {
                request_id: d.id,
                actor: Actor::System,
                action: "became_overdue",
                from: None,
                to: None,
                data: json!({ "due_on": d.due_on }),
            })
            .collect();
        sweeps::stamp_overdue_alerted(&mut tx, &ids, now).await?;
        events::record_many(&mut tx, now, &trail).await?;
        if let Some(to) = &self.settings.staff_alerts_to {
            let lines = due
                .iter()
                .map(|d| messages::staff_line(&self.ctx, &d.tracking_code, &d.kind, d.due_on, ""))
                .collect();
            outbox::enqueue(
                &mut tx,
                None,
                &messages::staff_overdue(&self.ctx, to, lines)?,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    /// Once a day, from `digest_hour` business time: what is due within 7 days or
    /// overdue, unverified requests near their deadline marked.
    async fn daily_digest(&self) -> anyhow::Result<usize> {
        let Some(to) = &self.settings.staff_alerts_to else {
            return Ok(0);
        };
        let now = self.clock.now();
        let local = now.with_timezone(&self.tz);
        if local.hour() < self.settings.worker.digest_hour {
            return Ok(0);
        }
        let today = local.date_naive();
        let mut tx = self.db.begin().await?;
        if !sweeps::claim_digest(&mut tx, today, now).await? {
            return Ok(0);
        }
        const SHOWN: i64 = 100;
        let (count, due) = sweeps::open_due_by(&mut tx, today + Duration::days(7), SHOWN).await?;
        let overdue = due
            .iter()
            .filter(|d| d.due_on.is_some_and(|day| day < today))
            .count();
        let mut summary = format!(
            "{count} open request(s) are due within 7 days or overdue ({overdue} overdue among the first {}).",
            due.len()
        );
        if count > SHOWN {
            summary.push_str(&format!(" The {SHOWN} nearest are listed."));
        }
        let lines = due
            .iter()
            .map(|d| {
                let note = match d.due_on {
                    Some(day) if day < today => " · OVERDUE",
                    _ if d.status == RequestStatus::AwaitingVerification.code() => {
                        " · not verified yet"
                    }
                    _ => "",
                };
                messages::staff_line(&self.ctx, &d.tracking_code, &d.kind, d.due_on, note)
            })
            .collect();
        outbox::enqueue(
            &mut tx,
            None,
            &messages::staff_digest(&self.ctx, to, today, summary, lines)?,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(1)
    }
}
