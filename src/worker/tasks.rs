//! Delivering tasks and lifecycle events to recipients. A sender claims a batch of due
//! deliveries with `SKIP LOCKED`, sends them at once (a webhook signed the Standard
//! Webhooks way, or an e-mail with a single-use completion link), and records every
//! result in the transaction that claimed them: a delivery that succeeded is never
//! claimed again, and one whose result was not committed (a crash) is sent again with
//! the same `webhook-id`, which receivers use to drop the repeat. Failures are retried
//! with capped exponential back-off up to `[tasks] max_attempts`, then staff are told.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::watch;

use super::Worker;
use crate::domain::kinds::RequestKind;
use crate::domain::tasks::{NotifyChannel, SigningSecret, backoff_seconds};
use crate::domain::token::SecretToken;
use crate::mail::tasks as messages;
use crate::mail::transport::Queued;
use crate::store::tasks::{self, Attempted, Claimed, TASK_CANCELLED, TASK_CREATED};

/// The body of a webhook: Standard Webhooks' `type`, `timestamp` and `data`.
pub fn webhook_body(d: &Claimed) -> serde_json::Value {
    let mut data = json!({
        "tracking_code": d.tracking_code,
        "request_kind": d.request_kind,
    });
    if let Some(task) = d.task_id {
        data["task_id"] = json!(task);
    }
    if d.kind_of_message == TASK_CREATED {
        data["decided_at"] = json!(d.decided_at);
        data["consumer"] = json!({ "email": d.email, "name": d.full_name });
        if d.request_kind.as_deref() == Some(RequestKind::Correct.code()) {
            data["correction"] = json!({
                "field": d.correction_field,
                "current_value": d.current_value,
                "corrected_value": d.corrected_value,
            });
        }
    }
    json!({
        "type": d.kind_of_message,
        "timestamp": d.occurred_at,
        "data": data,
    })
}

impl Worker {
    /// Claims up to `[tasks] batch_size` due deliveries, sends them concurrently and
    /// records the results. Returns how many were claimed.
    pub async fn deliver_tasks(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let claimed = tasks::claim_due(&mut tx, now, self.settings.tasks.batch_size.max(1)).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // E-mail recipients get a fresh completion link with each attempt, kept (as a
        // hash) with the attempt's result: a link whose e-mail was not recorded as sent
        // is replaced by the next attempt's.
        let expires = now + chrono::Duration::days(self.settings.tasks.link_days);
        let mut links = Vec::with_capacity(claimed.len());
        for d in &claimed {
            let link = (d.channel == NotifyChannel::Email && d.kind_of_message == TASK_CREATED)
                .then(SecretToken::generate);
            if let (Some(link), Some(task)) = (&link, d.task_id) {
                tasks::set_link(&mut tx, task, link.hash(), expires).await?;
            }
            links.push(link);
        }
        let sent = futures_util::future::join_all(
            claimed
                .iter()
                .zip(&links)
                .map(|(d, link)| self.send_task(d, link.as_ref())),
        )
        .await;
        let mut results = Vec::with_capacity(claimed.len());
        let mut delivered_requests = Vec::new();
        let mut alerts = Vec::new();
        for (d, sent) in claimed.iter().zip(sent) {
            let result = match sent {
                Ok(()) => {
                    if d.kind_of_message == TASK_CREATED
                        && let Some(r) = d.request_id
                    {
                        delivered_requests.push(r);
                    }
                    Attempted::Delivered
                }
                Err(Failure { error, permanent }) => {
                    let attempts = d.attempts + 1;
                    let last = permanent || attempts >= self.settings.tasks.max_attempts;
                    tracing::warn!(
                        delivery_id = d.id,
                        recipient_id = d.recipient_id,
                        attempts,
                        final_failure = last,
                        "task delivery failed"
                    );
                    if last {
                        alerts.push((d, error.clone()));
                    }
                    let retry_at = (!last).then(|| {
                        now + chrono::Duration::seconds(backoff_seconds(
                            self.settings.tasks.retry_base_seconds,
                            self.settings.tasks.retry_max_seconds,
                            attempts,
                        ))
                    });
                    Attempted::Failed { error, retry_at }
                }
            };
            results.push((d.id, result));
        }
        tasks::record_attempts(&mut tx, &results, self.clock.now()).await?;
        if let Some(to) = &self.settings.staff_alerts_to {
            for (d, error) in alerts {
                let alert = messages::staff_task_failed(
                    &self.ctx,
                    to,
                    d.tracking_code.as_deref(),
                    &d.recipient_name,
                    &error,
                )?;
                crate::store::outbox::enqueue(&mut tx, None, &alert, now).await?;
            }
        }
        crate::service::tasks::tell_passed_on(&mut tx, &self.ctx, &delivered_requests, now).await?;
        tx.commit().await?;
        Ok(claimed.len())
    }

    /// Delivers everything due now (tests, benchmarks and one-off runs).
    pub async fn deliver_all_tasks(&self) -> anyhow::Result<usize> {
        let mut n = 0;
        loop {
            match self.deliver_tasks().await? {
                0 => return Ok(n),
                claimed => n += claimed,
            }
        }
    }

    async fn send_task(&self, d: &Claimed, link: Option<&SecretToken>) -> Result<(), Failure> {
        match d.channel {
            NotifyChannel::Webhook => self.send_webhook(d).await,
            NotifyChannel::Email => self.send_task_mail(d, link).await,
            // Staff pass manual tasks on themselves; nothing is queued for them.
            NotifyChannel::Manual => Ok(()),
        }
    }

    async fn send_webhook(&self, d: &Claimed) -> Result<(), Failure> {
        let (Some(url), Some(secret)) = (
            d.address.as_deref(),
            d.signing_secret.as_deref().and_then(SigningSecret::parse),
        ) else {
            return Err(Failure::permanent(
                "the recipient has no webhook URL or secret",
            ));
        };
        let body =
            serde_json::to_vec(&webhook_body(d)).map_err(|e| Failure::permanent(&e.to_string()))?;
        let id = format!("msg_{}", d.webhook_id.simple());
        let timestamp = self.clock.now().timestamp();
        let signature = secret.sign(&id, timestamp, &body);
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        match self.webhooks.post_signed(url, body, &headers).await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(Failure::retry(format!("answered {}", r.status()))),
            Err(e @ crate::outbound::SendError::Refused(_)) => {
                Err(Failure::permanent(&e.to_string()))
            }
            Err(e) => Err(Failure::retry(e.to_string())),
        }
    }

    async fn send_task_mail(&self, d: &Claimed, link: Option<&SecretToken>) -> Result<(), Failure> {
        let (Some(to), Some(code), Some(kind)) = (
            d.address.as_deref(),
            d.tracking_code.as_deref(),
            d.request_kind
                .as_deref()
                .and_then(|k| RequestKind::parse(k).ok()),
        ) else {
            return Err(Failure::permanent("the task has no address or request"));
        };
        let message = if d.kind_of_message == TASK_CANCELLED {
            messages::task_cancelled(&self.ctx, to, code, kind)
        } else if d.kind_of_message == TASK_CREATED {
            let (Some(link), Some(_)) = (link, d.task_id) else {
                return Err(Failure::permanent("a task notice without its task"));
            };
            let days = self.settings.tasks.link_days;
            let who = messages::Identifiers {
                email: d.email.as_deref().unwrap_or_default(),
                full_name: d.full_name.as_deref(),
                correction: match (&d.correction_field, &d.current_value, &d.corrected_value) {
                    (Some(f), Some(c), Some(n)) if kind == RequestKind::Correct => {
                        Some((f.as_str(), c.as_str(), n.as_str()))
                    }
                    _ => None,
                },
            };
            let url = self.ctx.url(&format!("/tasks/complete/{}", link.expose()));
            messages::task_notice(&self.ctx, to, code, kind, &who, &url, days)
        } else {
            // Lifecycle events go to webhooks only.
            return Ok(());
        }
        .map_err(|e| Failure::permanent(&e.to_string()))?;
        let queued = Queued {
            // Negative: an `.eml` file of its own, apart from the outbox's numbering.
            id: -d.id,
            template: message.template.to_string(),
            message_id: message.message_id,
            to_addr: message.to,
            subject: message.subject,
            body_text: message.text,
            body_html: message.html,
            attempts: d.attempts,
            tracking_code: Some(code.to_string()),
        };
        self.transport
            .send(&self.from, &queued)
            .await
            .map_err(|e| Failure {
                error: e.message,
                permanent: e.permanent,
            })
    }

    /// Queues a delivery per lifecycle event and subscribed recipient, reading the
    /// audit trail behind its cursor. Returns how many events were read.
    pub async fn queue_task_events(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut read = 0;
        loop {
            let mut tx = self.db.begin().await?;
            let n =
                tasks::queue_lifecycle_events(&mut tx, now, self.settings.worker.batch_size.max(1))
                    .await?;
            tx.commit().await?;
            read += n;
            if n == 0 {
                return Ok(read);
            }
        }
    }

    /// Staff hear once of each task still open `[tasks] overdue_days` after it was
    /// created. Returns how many tasks the alert named.
    pub(super) async fn alert_overdue_tasks(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let days = self.settings.tasks.overdue_days;
        let mut tx = self.db.begin().await?;
        let due = tasks::claim_newly_overdue(
            &mut tx,
            now - chrono::Duration::days(days),
            now,
            self.settings.worker.batch_size.max(1),
        )
        .await?;
        if due.is_empty() {
            return Ok(0);
        }
        if let Some(to) = &self.settings.staff_alerts_to {
            let lines = self.overdue_task_lines(&due);
            let alert = messages::staff_tasks_overdue(&self.ctx, to, lines, days)?;
            crate::store::outbox::enqueue(&mut tx, None, &alert, now).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    /// The digest's lines about open tasks past their due day.
    pub(super) async fn overdue_task_digest(
        &self,
        conn: &mut sqlx::PgConnection,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Vec<String>> {
        let cutoff = now - chrono::Duration::days(self.settings.tasks.overdue_days);
        let open = tasks::overdue(conn, cutoff, 100).await?;
        Ok(self.overdue_task_lines(&open))
    }

    fn overdue_task_lines(&self, tasks: &[tasks::OverdueTask]) -> Vec<String> {
        tasks
            .iter()
            .map(|t| {
                let since = t
                    .created_at
                    .with_timezone(&self.tz)
                    .date_naive()
                    .to_string();
                messages::staff_task_line(&self.ctx, &t.tracking_code, &t.recipient_name, &since)
            })
            .collect()
    }

    /// Senders of tasks, woken with the mail senders, polling as a fallback.
    pub(super) async fn task_loop(self: std::sync::Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_secs(self.settings.worker.poll_seconds.max(1));
        while !*shutdown.borrow() {
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if let Err(err) = self.queue_task_events().await {
                tracing::error!(error = format!("{err:#}"), "queueing lifecycle events");
            }
            loop {
                match self.deliver_tasks().await {
                    Ok(1..) if !*shutdown.borrow() => continue,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::error!(error = format!("{err:#}"), "task delivery");
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
}

/// Why one delivery attempt failed.
struct Failure {
    error: String,
    /// Trying again cannot help (a refused URL, a message that cannot be built).
    permanent: bool,
}

impl Failure {
    fn retry(error: String) -> Self {
        Failure {
            error,
            permanent: false,
        }
    }

    fn permanent(error: &str) -> Self {
        Failure {
            error: error.to_string(),
            permanent: true,
        }
    }
}
