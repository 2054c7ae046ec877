//! The deadline sweep: apply opt-outs, close what could not be verified in time, remind
//! once, alert staff of what became overdue, send the daily digest. Each step takes a
//! bounded batch, acts on it in one transaction and stamps it, so a second sweep or a
//! second worker finds nothing left to repeat.

use chrono::{Duration, Timelike};
use serde_json::json;
use uuid::Uuid;

use super::Worker;
use crate::domain::actions::Refusal;
use crate::domain::kinds::{DataPoint, EventKind, LinkPurpose, RequestKind, RequestStatus};
use crate::domain::lifecycle::Change;
use crate::mail::{OutgoingMessage, messages};
use crate::service::lifecycle::{self, Ask};
use crate::store::events::{self, Actor, Event};
use crate::store::lifecycle as rows;
use crate::store::sweeps;
use crate::store::{outbox, verification};

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub opt_outs_applied: usize,
    pub closed_unverified: usize,
    pub reminders: usize,
    pub overdue_alerts: usize,
    pub digests: usize,
    /// Staff members' own daily e-mails (`worker::console`).
    pub daily_emails: usize,
    /// Requests whose personal information the daily retention purge removed.
    pub purged: usize,
    /// Open tasks past `[tasks] overdue_days` staff were alerted of.
    pub overdue_tasks: usize,
    /// "Shine the Light" requests checked for their year's record, five days before due.
    pub stl_records_checked: usize,
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// How many requests a sweep's step changed. It selects only what the rules allow, so a
/// refusal means the two disagree: logged, and the request left for staff.
fn changed(
    decided: &[(
        &rows::Locked,
        Result<crate::domain::lifecycle::Transition, Refusal>,
    )],
) -> usize {
    let mut n = 0;
    for (r, result) in decided {
        match result {
            Ok(_) => n += 1,
            Err(why) => {
                tracing::warn!(tracking_code = %r.tracking_code.as_str(), refusal = %why, "sweep skipped a request the rules refused");
            }
        }
    }
    n
}

impl Worker {
    pub async fn sweep(&self) -> anyhow::Result<SweepReport> {
        let _timer = crate::telemetry::SweepTimer::start();
        let mut report = SweepReport::default();
        // Each step goes on while it changes something: a batch the rules refused whole
        // (selection and rules disagreeing) ends the step instead of repeating it.
        while let n @ 1.. = self.apply_opt_outs().await? {
            report.opt_outs_applied += n;
        }
        // Closing comes before reminding: a request at its deadline is not reminded.
        while let n @ 1.. = self.close_unverified().await? {
            report.closed_unverified += n;
        }
        loop {
            let (taken, sent) = self.remind_unverified().await?;
            report.reminders += sent;
            if taken == 0 {
                break;
            }
        }
        while let n @ 1.. = self.alert_overdue().await? {
            report.overdue_alerts += n;
        }
        while let n @ 1.. = self.alert_overdue_tasks().await? {
            report.overdue_tasks += n;
        }
        while let n @ 1.. = self.check_stl_records().await? {
            report.stl_records_checked += n;
        }
        report.digests = self.daily_digest().await?;
        report.daily_emails = self.daily_emails().await?;
        self.forget_expired_signatures().await?;
        report.purged = self.daily_purge().await?;
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

    pub(super) fn batch(&self) -> i64 {
        self.settings.worker.batch_size.max(1)
    }

    /// Opt-out and limit requests need no verification: they are applied at once, put on
    /// the suppression list and confirmed to the consumer (reg. §7026(f), (g)), through
    /// the same lifecycle transition staff use when they fulfil one.
    async fn apply_opt_outs(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let due = rows::lock_due(
            &mut tx,
            "r.kind IN ('opt_out', 'limit_sensitive') AND r.status IN ('received', 'in_progress') AND r.received_at <= $1",
            "r.received_at",
            now,
            self.batch(),
        )
        .await?;
        if due.is_empty() {
            return Ok(0);
        }
        // Those still `received` are started first, so the trail shows each step.
        let mut due = due;
        let fulfil = Change::Fulfil { partial: false };
        let received: Vec<_> = due
            .iter()
            .filter(|r| lifecycle::starts_first(r, fulfil))
            .cloned()
            .collect();
        let started = lifecycle::apply_many(
            &mut tx,
            self.rules(),
            &received,
            Actor::System,
            |_| Ask::new(Change::Start),
            now,
        )
        .await?;
        changed(&started);
        for r in due.iter_mut() {
            if let Some((_, Ok(t))) = started.iter().find(|(s, _)| s.id == r.id) {
                r.status = t.status();
            }
        }
        let decided = lifecycle::apply_many(
            &mut tx,
            self.rules(),
            &due,
            Actor::System,
            |_| Ask::new(fulfil),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(changed(&decided))
    }

    /// At the end of its governing deadline (the extended one when extended), in the
    /// business's time zone, a request still unverified is closed and the consumer told
    /// why (reg. §7022, §7024). An opt-in the consumer did not confirm lapses when its link
    /// does, unapplied. This runs before the overdue alert, which therefore never sees
    /// them.
    async fn close_unverified(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let today = self.clock.today(self.tz);
        let mut tx = self.db.begin().await?;
        let due = rows::lock_due(
            &mut tx,
            "r.status = 'awaiting_verification' AND r.due_on <= $1 AND (r.kind = 'opt_in' OR r.due_on < $1)",
            "r.due_on",
            today,
            self.batch(),
        )
        .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let decided = lifecycle::apply_many(
            &mut tx,
            self.rules(),
            &due,
            Actor::System,
            |r| {
                let mut data =
                    json!({ "reason": "verification was not completed by the deadline" });
                if r.kind == RequestKind::KnowSpecific {
                    // reg. §7024(a): an unverified request for specific pieces is
                    // handled as a request for categories.
                    data["handled_as"] = json!(RequestKind::KnowCategories.code());
                }
                Ask {
                    data,
                    ..Ask::new(Change::CloseUnverified)
                }
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(changed(&decided))
    }

    /// One reminder, with a fresh link of the same purpose, to requests whose consumer
    /// has not used their own link after `reminder_after_days`. A power of attorney gets
    /// no consumer link, so no reminder either.
    /// Returns how many requests it took and how many reminders it sent.
    async fn remind_unverified(&self) -> anyhow::Result<(usize, usize)> {
        let now = self.clock.now();
        let cutoff = now - Duration::days(self.settings.worker.reminder_after_days);
        let expires = now + Duration::days(self.settings.worker.verification_link_days);
        let mut tx = self.db.begin().await?;
        let due = rows::lock_due(
            &mut tx,
            "r.status = 'awaiting_verification' AND r.reminded_at IS NULL AND r.received_at <= $1
             AND r.kind <> 'opt_in'",
            "r.received_at",
            cutoff,
            self.batch(),
        )
        .await?;
        if due.is_empty() {
            return Ok((0, 0));
        }
        let ids: Vec<Uuid> = due.iter().map(|d| d.id).collect();
        let mut trail = Vec::with_capacity(due.len());
        let mut mail: Vec<(Option<Uuid>, OutgoingMessage)> = Vec::with_capacity(due.len());
        let mut retired = Vec::with_capacity(due.len());
        for d in &due {
            let own_link_used = d.points.contains(&DataPoint::Email);
            let purpose = LinkPurpose::of_request(d.kind, d.agent.map(|a| a.authority));
            let Some(purpose) = purpose.filter(|_| !own_link_used) else {
                continue;
            };
            // No address, no link to remind of (a request entered by staff).
            let Some(to) = d.email.as_deref() else {
                continue;
            };
            // The link itself is created when the reminder is sent.
            retired.push(d.id);
            let url = self.ctx.link_slot_url();
            let respond_by = d
                .extended_respond_by
                .or(d.respond_by)
                .unwrap_or_else(|| self.clock.today(self.tz));
            // In the language the request was filed in.
            let ctx = &self.ctx.in_lang(d.language);
            let message = match purpose {
                LinkPurpose::ConfirmAgent => messages::agent_confirmation_reminder(
                    ctx,
                    to,
                    &d.tracking_code,
                    d.kind,
                    respond_by,
                    &url,
                )?,
                _ => messages::verification_reminder(
                    ctx,
                    to,
                    &d.tracking_code,
                    d.kind,
                    respond_by,
                    &url,
                )?,
            };
            mail.push((Some(d.id), message.with_link(purpose, expires)));
            trail.push(Event::without_change(
                d.id,
                Actor::System,
                EventKind::VerificationReminderSent,
                json!({ "purpose": purpose.code() }),
            ));
        }
        verification::retire(&mut tx, &retired, now).await?;
        // Stamped whether or not a reminder went: the sweep never looks at them again.
        sweeps::stamp_reminded(&mut tx, &ids, now).await?;
        events::record_many(&mut tx, now, &trail).await?;
        outbox::enqueue_many(&mut tx, now, &mail).await?;
        tx.commit().await?;
        Ok((due.len(), mail.len()))
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
            .map(|d| {
                Event::without_change(
                    d.id,
                    Actor::System,
                    EventKind::BecameOverdue,
                    json!({ "due_on": d.due_on }),
                )
            })
            .collect();
        sweeps::stamp_overdue_alerted(&mut tx, &ids, now).await?;
        events::record_many(&mut tx, now, &trail).await?;
        if let Some(to) = &self.settings.staff_alerts_to {
            let lines = due
                .iter()
                .map(|d| {
                    messages::staff_line(&self.ctx, &d.tracking_code, d.kind.code(), d.due_on, "")
                })
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
        let (count, due) = sweeps::open_due_by(&mut tx, today + Duration::days(6), SHOWN).await?;
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
                    _ if d.status == RequestStatus::AwaitingVerification => " · not verified yet",
                    _ => "",
                };
                messages::staff_line(&self.ctx, &d.tracking_code, d.kind.code(), d.due_on, note)
            })
            .collect::<Vec<_>>();
        let tasks = self.overdue_task_digest(&mut tx, now).await?;
        let (summary, lines) = if tasks.is_empty() {
            (summary, lines)
        } else {
            let summary = format!(
                "{summary} {} task(s) passed on to recipients are still open after {} days; they follow the requests.",
                tasks.len(),
                self.settings.tasks.overdue_days
            );
            (summary, [lines, tasks].concat())
        };
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
