//! The background worker: delivers the outbox and keeps the legal clocks. Any number of
//! workers may run against one database; row locks with `SKIP LOCKED` keep them from
//! doing the same thing twice.

mod console;
mod retention;
mod shine_the_light;
mod slots;
mod sweeps;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::Mailbox;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Notify, watch};

pub use sweeps::SweepReport;

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::lang::Lang;
use crate::domain::token::SecretToken;
use crate::mail::SendError;
use crate::mail::deferred::{Deferred, Link, Slot};
use crate::mail::transport::{Queued, Transport};
use crate::mail::{MailContext, messages};
use crate::store;

const MAX_BACKOFF_SECONDS: i64 = 6 * 3600;

pub struct Worker {
    db: PgPool,
    settings: Arc<Settings>,
    clock: Clock,
    tz: Tz,
    ctx: MailContext,
    transport: Transport,
    from: Mailbox,
    wake: Arc<Notify>,
    http: crate::outbound::Client,
    /// Calls recipients' webhooks, cut off after `[tasks] timeout_seconds`.
    webhooks: crate::outbound::Client,
}

impl Worker {
    fn rules(&self) -> crate::service::Rules<'_> {
        crate::service::Rules {
            policy: &self.settings.verification,
            mail: &self.ctx,
            tz: self.tz,
        }
    }

    pub fn new(db: PgPool, settings: Arc<Settings>, clock: Clock) -> anyhow::Result<Self> {
        let transport = Transport::from_settings(settings.smtp_url.as_deref(), &settings.data_dir)?;
        let from = settings.mail_from.parse().context("mail_from")?;
        let tz = settings
            .timezone()
            .map_err(|e| anyhow::anyhow!("business.timezone: {e}"))?;
        let http = crate::outbound::Client::from_settings(&settings)
            .context("building the HTTP client for DRP callbacks")?;
        let webhooks = crate::outbound::Client::new(
            Duration::from_secs(settings.tasks.timeout_seconds),
            settings.outbound.allow_private_addresses,
            Arc::new(crate::outbound::SystemResolver),
        )
        .context("building the HTTP client for webhooks")?;
        Ok(Self {
            ctx: MailContext::new(&settings),
            db,
            settings,
            clock,
            tz,
            transport,
            from,
            wake: Arc::default(),
            http,
            webhooks,
        })
    }

    /// Calls agents' URLs through `http` (tests inject their own resolver this way).
    pub fn with_outbound(mut self, http: crate::outbound::Client) -> Self {
        self.http = http;
        self
    }

    /// Calls recipients' webhooks through `client` (tests inject their own resolver).
    pub fn with_webhooks(mut self, client: crate::outbound::Client) -> Self {
        self.webhooks = client;
        self
    }

    /// Shares this process's wake-ups (see `wake::Waker`), so the web tier's writes
    /// wake this worker directly.
    pub fn woken_by(mut self, waker: &crate::wake::Waker) -> Self {
        self.wake = waker.local();
        self
    }

    /// Sends the next message due, if any. The message stays locked in this worker's
    /// transaction until its result is committed, so no other worker sends it; a crash
    /// between the send and the commit can repeat this one message only. A deferred
    /// message is rendered here, in its request's language, and the secret of any
    /// message (a link, a one-time code) created now: stored hashed in the same
    /// transaction, and removed again if the send fails (the next attempt carries a new
    /// one).
    pub async fn deliver_one(&self) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let Some(claimed) = store::outbox::claim_next(&mut tx, now).await? else {
            return Ok(false);
        };
        let deferred = claimed.params.is_some();
        let (queued, link) = match self.prepare(&mut tx, claimed, now).await? {
            Ok(ready) => ready,
            Err((queued, err)) => {
                self.record_failure(&mut tx, &queued, &err, now).await?;
                tx.commit().await?;
                return Ok(true);
            }
        };
        match self.transport.send(&self.from, &queued).await {
            Ok(()) => {
                let subject = deferred.then_some(queued.subject.as_str());
                store::outbox::mark_sent(&mut tx, queued.id, self.clock.now(), subject).await?;
            }
            Err(err) => {
                if let Some(undo) = &link {
                    undo.run(&mut tx).await?;
                }
                self.record_failure(&mut tx, &queued, &err, now).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The message ready to send, with what undoes the secret created for it, if any; or,
    /// for parameters that no longer render, the permanent failure to record.
    async fn prepare(
        &self,
        tx: &mut sqlx::PgConnection,
        claimed: store::outbox::Claimed,
        now: DateTime<Utc>,
    ) -> Prepared {
        let mut queued = Queued {
            id: claimed.id,
            template: claimed.template,
            message_id: claimed.message_id,
            to_addr: claimed.to_addr,
            subject: claimed.subject.unwrap_or_default(),
            body_text: claimed.body_text.unwrap_or_default(),
            body_html: claimed.body_html.unwrap_or_default(),
            attempts: claimed.attempts,
            tracking_code: claimed.tracking_code,
        };
        let Some(params) = claimed.params else {
            return Ok(Ok((queued, None)));
        };
        if let Some(slot) = crate::mail::deferred::Slot::of(&params) {
            return self
                .fill_slot(tx, queued, claimed.request_id, slot, now)
                .await;
        }
        let message = match Deferred::from_row(&queued.template, &params) {
            Ok(message) => message,
            Err(err) => return unrenderable(queued, &err),
        };
        // The request's language, read now: the message speaks it even if it changed
        // since the message was queued.
        let lang = claimed.language.as_deref().and_then(Lang::parse);
        let (Some(request_id), Some(lang)) = (claimed.request_id, lang) else {
            return unrenderable(queued, &"its request is gone");
        };
        let link = match message.link() {
            Ok(link) => link,
            Err(err) => return unrenderable(queued, &err),
        };
        let token = link.map(|_| SecretToken::generate());
        let url = token.as_ref().map(|t| self.ctx.verify_url(t.expose()));
        let ctx = self.ctx.in_lang(lang);
        let rendered =
            match message.render(&ctx, &queued.to_addr, &queued.message_id, url.as_deref()) {
                Ok(rendered) => rendered,
                Err(err) => return unrenderable(queued, &err),
            };
        if let (Some(token), Some((purpose, expires_at))) = (&token, link) {
            store::verification::add_for_message(
                tx,
                request_id,
                purpose,
                token.hash(),
                now,
                expires_at,
            )
            .await?;
        }
        queued.subject = rendered.subject;
        queued.body_text = rendered.text;
        queued.body_html = rendered.html;
        let undo = token
            .zip(link)
            .map(|(t, l)| slots::Undo::verification(Link::new(l), *t.hash()));
        Ok(Ok((queued, undo)))
    }

    /// A message rendered when queued, but for its secret (a link, a one-time code):
    /// the secret is created now, stored hashed, and written where the message's bodies
    /// hold the slot's placeholder.
    async fn fill_slot(
        &self,
        tx: &mut sqlx::PgConnection,
        mut queued: Queued,
        request_id: Option<uuid::Uuid>,
        slot: Result<Slot, crate::mail::deferred::Undecodable>,
        now: DateTime<Utc>,
    ) -> Prepared {
        let slot = match slot {
            Ok(slot) => slot,
            Err(err) => return unrenderable(queued, &err),
        };
        // The secret goes in the bodies only: a sent message keeps its subject.
        let placeholder = slot.placeholder(&self.ctx);
        if !queued.body_text.contains(&placeholder) || queued.subject.contains(&placeholder) {
            return unrenderable(queued, &"its slot is not where its secret goes");
        }
        let made = match slots::make(tx, &self.ctx, slot, request_id, now).await? {
            Ok(made) => made,
            Err(why) => return unrenderable(queued, &why),
        };
        queued.body_text = queued.body_text.replace(&placeholder, &made.written);
        queued.body_html = queued.body_html.replace(&placeholder, &made.written);
        Ok(Ok((queued, Some(made.undo))))
    }

    async fn record_failure(
        &self,
        tx: &mut sqlx::PgConnection,
        queued: &Queued,
        err: &SendError,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let attempts = queued.attempts + 1;
        let final_failure = err.permanent || attempts >= self.settings.mail.max_attempts;
        tracing::warn!(
            outbox_id = queued.id,
            template = %queued.template,
            attempts,
            permanent = err.permanent,
            final_failure,
            "e-mail delivery failed"
        );
        let retry_at = (!final_failure)
            .then(|| now + backoff(self.settings.mail.retry_base_seconds, attempts));
        store::outbox::mark_attempt_failed(tx, queued.id, now, retry_at, &err.message).await?;
        // Staff hear of every message lost for good, except of their own alerts and
        // digests (an invitation is neither: the admin can invite again).
        let to_staff = queued.template.starts_with("staff_") && queued.template != "staff_invite";
        if final_failure
            && !to_staff
            && let Some(to) = &self.settings.staff_alerts_to
        {
            let alert = messages::staff_delivery_failed(
                &self.ctx,
                to,
                &queued.template,
                queued.tracking_code.as_deref(),
                &err.message,
            )?;
            store::outbox::enqueue(tx, None, &alert, now).await?;
        }
        Ok(())
    }

    /// POSTs the next due DRP status callback, if any, with the request's current
    /// Exercise Status object; any 2xx counts, anything else is retried with back-off.
    pub async fn deliver_callback(&self) -> anyhow::Result<bool> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let Some(callback) = store::agents::claim_callback(&mut tx, now).await? else {
            return Ok(false);
        };
        let view = store::agents::drp_request_by_id(&mut tx, callback.request_id).await?;
        let Some((view, url)) = view.and_then(|v| v.status_callback.clone().map(|u| (v, u))) else {
            store::agents::callback_done(&mut tx, callback.id, now, Ok(())).await?;
            tx.commit().await?;
            return Ok(true);
        };
        let body = crate::service::drp::status_object(self.tz, &self.ctx, &view);
        let sent = self.http.post_json(&url, &body).await;
        // A refused URL stays refused: no retry.
        let (outcome, retriable) = match sent {
            Ok(r) if r.status().is_success() => (Ok(()), true),
            Ok(r) => (Err(format!("answered {}", r.status())), true),
            Err(e @ crate::outbound::SendError::Refused(_)) => (Err(e.to_string()), false),
            Err(e) => (Err(e.to_string()), true),
        };
        let attempts = callback.attempts + 1;
        let recorded = match &outcome {
            Ok(()) => Ok(()),
            Err(error) => {
                tracing::warn!(
                    callback_id = callback.id,
                    attempts,
                    retriable,
                    "DRP status callback failed"
                );
                let retry = (retriable && attempts < self.settings.drp.callback_attempts)
                    .then(|| now + backoff(self.settings.mail.retry_base_seconds, attempts));
                Err((error.as_str(), retry))
            }
        };
        store::agents::callback_done(&mut tx, callback.id, now, recorded).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Delivers every callback due now (tests and one-off runs).
    pub async fn deliver_all_callbacks(&self) -> anyhow::Result<usize> {
        let mut sent = 0;
        while self.deliver_callback().await? {
            sent += 1;
        }
        Ok(sent)
    }

    /// Sends everything due now, one message after another (tests and one-off runs).
    pub async fn deliver_all(&self) -> anyhow::Result<usize> {
        let mut sent = 0;
        while self.deliver_one().await? {
            sent += 1;
        }
        Ok(sent)
    }

    /// Runs until `shutdown` turns true: `mail.concurrency` senders woken by
    /// LISTEN/NOTIFY (with a polling fallback), and the deadline sweep on its interval.
    pub async fn run(self: Arc<Self>, shutdown: watch::Receiver<bool>) {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.settings.mail.concurrency {
            tasks.spawn(Arc::clone(&self).send_loop(shutdown.clone()));
        }
        for _ in 0..self.settings.mail.concurrency {
            tasks.spawn(Arc::clone(&self).task_loop(shutdown.clone()));
        }
        tasks.spawn(Arc::clone(&self).listen_loop(shutdown.clone()));
        tasks.spawn(Arc::clone(&self).sweep_loop(shutdown.clone()));
        while tasks.join_next().await.is_some() {}
        tracing::info!("worker stopped");
    }

    async fn send_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_secs(self.settings.worker.poll_seconds.max(1));
        while !*shutdown.borrow() {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            loop {
                match self.deliver_one().await {
                    Ok(true) if !*shutdown.borrow() => continue,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::error!(error = format!("{err:#}"), "outbox delivery");
                        break;
                    }
                }
            }
            loop {
                match self.deliver_callback().await {
                    Ok(true) if !*shutdown.borrow() => continue,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::error!(error = format!("{err:#}"), "DRP callback delivery");
                        break;
                    }
                }
            }
            tokio::select! {
                () = &mut woken => {}
                () = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    async fn listen_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let listener = async {
                let mut listener = PgListener::connect_with(&self.db).await?;
                listener.listen(crate::wake::CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let mut listener = match listener.await {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for outbox notifications; polling");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(10)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            };
            loop {
                tokio::select! {
                    received = listener.recv() => match received {
                        Ok(_) => self.wake.notify_waiters(),
                        Err(err) => {
                            tracing::warn!(error = %err, "outbox notifications interrupted");
                            break;
                        }
                    },
                    _ = shutdown.changed() => return,
                }
            }
        }
    }

    async fn sweep_loop(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut every = tokio::time::interval(Duration::from_secs(
            self.settings.worker.sweep_seconds.max(1),
        ));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            let started = std::time::Instant::now();
            match self.sweep().await {
                Ok(report) if report.is_empty() => {}
                Ok(report) => {
                    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
                    tracing::info!(?report, elapsed_ms, "deadline sweep");
                    self.wake.notify_waiters();
                }
                Err(err) => tracing::error!(error = format!("{err:#}"), "deadline sweep"),
            }
        }
    }
}

/// Exponential back-off: base, 2×base, 4×base … capped at six hours.
/// A message ready to send, with what undoes the secret created for it, if any; or the
/// permanent failure to record instead.
type Prepared = anyhow::Result<Result<(Queued, Option<slots::Undo>), (Queued, SendError)>>;

/// What a message that can no longer be rendered gets instead of a send: a permanent
/// failure, saying why.
fn unrenderable(queued: Queued, err: &dyn std::fmt::Display) -> Prepared {
    Ok(Err((
        queued,
        SendError {
            permanent: true,
            message: format!("the message could not be rendered: {err}"),
        },
    )))
}

fn backoff(base_seconds: i64, attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(crate::domain::tasks::backoff_seconds(
        base_seconds,
        MAX_BACKOFF_SECONDS,
        attempts,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(30, 1).num_seconds(), 30);
        assert_eq!(backoff(30, 2).num_seconds(), 60);
        assert_eq!(backoff(30, 5).num_seconds(), 480);
        assert_eq!(backoff(30, 30).num_seconds(), MAX_BACKOFF_SECONDS);
    }
}
