//! Completing a task passed on to a recipient: by staff on the request page (manual
//! recipients, or on a recipient's word), by the recipient's single-use e-mail link, or
//! by an API token. Each completion locks the task, records who did it with an audit
//! event on the request, and, when it was the last task to reach its recipient, tells
//! the consumer their request was passed on.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::Error;
use crate::domain::kinds::EventKind;
use crate::domain::tasks::TaskOutcome;
use crate::mail::MailContext;
use crate::store::events::{self, Actor, Event};
use crate::store::outbox;
use crate::store::tasks::{self, LockedTask};

/// The longest note a completion keeps.
pub const NOTE_MAX: usize = 2000;

/// Who records a task's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletedBy {
    Staff(Uuid),
    /// The recipient, through the link e-mailed to it.
    Link,
    /// An API token with `tasks:write`; one bound to a recipient completes only that
    /// recipient's tasks.
    Token {
        token_id: i64,
        recipient_id: Option<i64>,
    },
}

impl CompletedBy {
    /// As stored in `tasks.completed_by` and shown to staff.
    pub fn code(self) -> String {
        match self {
            CompletedBy::Staff(id) => format!("staff:{id}"),
            CompletedBy::Link => "link".into(),
            CompletedBy::Token { token_id, .. } => format!("token:{token_id}"),
        }
    }

    fn actor(self, staff: &str) -> Actor<'_> {
        match self {
            CompletedBy::Staff(_) => Actor::Staff(staff),
            _ => Actor::System,
        }
    }
}

/// Why a completion was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaskRefusal {
    #[error("no such task")]
    NotFound,
    #[error("this task was already recorded as done or not done")]
    AlreadyCompleted,
    #[error("this task was called off: the request was withdrawn")]
    Cancelled,
    #[error("say why it cannot be done")]
    NoteNeeded,
    #[error("keep the note under 2000 characters")]
    NoteTooLong,
    #[error("choose done or not done")]
    NoOutcome,
}

/// A completion as asked: the outcome code and the note, not yet checked.
pub struct Asked<'a> {
    pub outcome: &'a str,
    pub note: &'a str,
}

impl Asked<'_> {
    /// The outcome and the trimmed note: "not done" must say why.
    pub fn check(&self) -> Result<(TaskOutcome, &str), TaskRefusal> {
        let outcome =
            TaskOutcome::parse(self.outcome.trim()).map_err(|_| TaskRefusal::NoOutcome)?;
        let note = self.note.trim();
        if note.chars().count() > NOTE_MAX {
            return Err(TaskRefusal::NoteTooLong);
        }
        if outcome == TaskOutcome::NotDone && note.is_empty() {
            return Err(TaskRefusal::NoteNeeded);
        }
        Ok((outcome, note))
    }
}

/// What a recorded completion was about, for the caller to show.
#[derive(Debug)]
pub struct Completed {
    pub task_id: i64,
    pub tracking_code: String,
    pub recipient_name: String,
    pub outcome: TaskOutcome,
}

/// Records the outcome of task `id`.
pub async fn complete(
    db: &PgPool,
    mail: &MailContext,
    id: i64,
    by: CompletedBy,
    asked: Asked<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Completed, TaskRefusal>, Error> {
    let mut tx = db.begin().await?;
    let Some(task) = tasks::lock(&mut tx, id).await? else {
        return Ok(Err(TaskRefusal::NotFound));
    };
    if let CompletedBy::Token {
        recipient_id: Some(own),
        ..
    } = by
        && own != task.recipient_id
    {
        // Another recipient's task is not this token's to see.
        return Ok(Err(TaskRefusal::NotFound));
    }
    let done = record(&mut tx, mail, &task, by, &asked, now).await?;
    if done.is_ok() {
        tx.commit().await?;
    }
    Ok(done)
}

/// The task a completion link opens, if the link still works.
pub async fn by_link(
    db: &PgPool,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<LockedTask>, Error> {
    let mut conn = db.acquire().await?;
    let hash = crate::domain::token::hash(token);
    Ok(tasks::by_link(&mut conn, &hash, false)
        .await?
        .filter(|t| usable(t, now)))
}

fn usable(task: &LockedTask, now: DateTime<Utc>) -> bool {
    task.completed_at.is_none()
        && task.cancelled_at.is_none()
        && task.link_expires_at.is_some_and(|e| e > now)
}

/// Records the outcome through the recipient's e-mail link, which is spent by it. A
/// link that is used, expired or unknown finds nothing.
pub async fn complete_by_link(
    db: &PgPool,
    mail: &MailContext,
    token: &str,
    asked: Asked<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Completed, TaskRefusal>, Error> {
    let mut tx = db.begin().await?;
    let hash = crate::domain::token::hash(token);
    let Some(task) = tasks::by_link(&mut tx, &hash, true)
        .await?
        .filter(|t| usable(t, now))
    else {
        return Ok(Err(TaskRefusal::NotFound));
    };
    let done = record(&mut tx, mail, &task, CompletedBy::Link, &asked, now).await?;
    if done.is_ok() {
        tx.commit().await?;
    }
    Ok(done)
}

async fn record(
    conn: &mut PgConnection,
    mail: &MailContext,
    task: &LockedTask,
    by: CompletedBy,
    asked: &Asked<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Completed, TaskRefusal>, Error> {
    if task.completed_at.is_some() {
        return Ok(Err(TaskRefusal::AlreadyCompleted));
    }
    if task.cancelled_at.is_some() {
        return Ok(Err(TaskRefusal::Cancelled));
    }
    let (outcome, note) = match asked.check() {
        Ok(checked) => checked,
        Err(why) => return Ok(Err(why)),
    };
    let by_code = by.code();
    tasks::record_completion(conn, task.id, outcome, note, &by_code, now).await?;
    let staff = match by {
        CompletedBy::Staff(id) => id.to_string(),
        _ => String::new(),
    };
    let event = Event::without_change(
        task.request_id,
        by.actor(&staff),
        EventKind::TaskCompleted,
        tasks::completion_data(task, outcome, &by_code, note),
    );
    events::record(conn, now, event).await?;
    tell_passed_on(conn, mail, &[task.request_id], now).await?;
    Ok(Ok(Completed {
        task_id: task.id,
        tracking_code: task.tracking_code.clone(),
        recipient_name: task.recipient_name.clone(),
        outcome,
    }))
}

/// Queues the consumer's "passed on" notice for each of `requests` whose every task has
/// now been delivered, once. "Passed on" means delivered: a task that was only created,
/// or whose delivery failed, keeps the notice back.
pub async fn tell_passed_on(
    conn: &mut PgConnection,
    mail: &MailContext,
    requests: &[Uuid],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let ready = tasks::claim_passed_on(conn, requests, now).await?;
    let mut messages = Vec::with_capacity(ready.len());
    for r in &ready {
        let Some(to) = r.email.as_deref() else {
            continue;
        };
        messages.push((
            Some(r.request_id),
            crate::mail::tasks::passed_on(&mail.in_lang(r.language), to, &r.tracking_code, r.kind)?,
        ));
    }
    outbox::enqueue_many(conn, now, &messages).await?;
    Ok(messages.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_done_needs_a_reason_and_the_outcome_must_be_known() {
        let ask = |outcome, note| {
            Asked { outcome, note }
                .check()
                .map(|(o, n)| (o, n.to_string()))
        };
        assert_eq!(ask("done", ""), Ok((TaskOutcome::Done, String::new())));
        assert_eq!(
            ask("not_done", "  exception: legal hold "),
            Ok((TaskOutcome::NotDone, "exception: legal hold".into()))
        );
        assert_eq!(ask("not_done", "  "), Err(TaskRefusal::NoteNeeded));
        assert_eq!(ask("maybe", ""), Err(TaskRefusal::NoOutcome));
        assert_eq!(
            ask("done", &"x".repeat(NOTE_MAX + 1)),
            Err(TaskRefusal::NoteTooLong)
        );
        assert_eq!(
            CompletedBy::Token {
                token_id: 7,
                recipient_id: None
            }
            .code(),
            "token:7"
        );
    }
}
