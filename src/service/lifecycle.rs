//! The one function that changes a request's status. It takes the row under lock in
//! the caller's transaction, asks `domain::lifecycle` whether the change is allowed, and
//! writes the new state, its audit event and its messages (the consumer's, and a copy to
//! the agent who filed) together, with the tasks that pass a decision on to its
//! recipients (or call them off). Staff actions, consumer links, the worker's sweeps
//! and DRP all come through here, so none can forget a task.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::{Error, Rules};
use crate::domain::actions::Refusal;
use crate::domain::lifecycle::{self, Change, Notice, Transition};
use crate::mail::deferred::Slot;
use crate::mail::messages::{self, Outcome};
use crate::mail::{OutgoingMessage, messages::agent_copy};
use crate::store::events::Actor;
use crate::store::lifecycle::{self as rows, Key, Locked, Write};
use crate::store::outbox;

/// A change asked of one request, with what the audit trail and the messages carry.
pub struct Ask<'a> {
    pub change: Change,
    /// Staff's explanation for the consumer, kept with the outcome.
    pub explanation: &'a str,
    /// The name the consumer typed when signing the declaration on their link's page.
    pub declaration_name: Option<&'a str>,
    /// The download link of a response package sent with a fulfilled request to know,
    /// made when its message is sent.
    pub package_link: Option<&'a Slot>,
    /// The message a fulfilled request is answered with when its use case built it (a
    /// "Shine the Light" answer, from the year's record).
    pub answer: Option<&'a OutgoingMessage>,
    pub data: Value,
}

impl<'a> Ask<'a> {
    pub fn new(change: Change) -> Self {
        Ask {
            change,
            explanation: "",
            declaration_name: None,
            package_link: None,
            answer: None,
            data: Value::Object(Default::default()),
        }
    }
}

/// What a transition did, for the caller to show.
pub struct Done {
    pub request: Locked,
    pub transition: Transition,
}

/// Locks the request, decides and writes; a refusal writes nothing.
pub async fn transition(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    key: Key<'_>,
    actor: Actor<'_>,
    ask: Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Result<Done, Refusal>>, Error> {
    let Some(request) = rows::lock(conn, key).await? else {
        return Ok(None);
    };
    Ok(Some(apply(conn, rules, request, actor, ask, now).await?))
}

/// Decides and writes a change of a request the caller already locked.
pub async fn apply(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    mut request: Locked,
    actor: Actor<'_>,
    ask: Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Done, Refusal>, Error> {
    if starts_first(&request, ask.change) {
        match apply_one(conn, rules, &request, actor, &Ask::new(Change::Start), now).await? {
            Ok(t) => request.status = t.status(),
            Err(refusal) => return Ok(Err(refusal)),
        }
    }
    Ok(apply_one(conn, rules, &request, actor, &ask, now)
        .await?
        .map(|transition| Done {
            request,
            transition,
        }))
}

/// An opt-out or limit still `received` passes through `in_progress` on its way to
/// `fulfilled` (ccpa-rules §3), so its trail shows both steps.
pub fn starts_first(request: &Locked, change: Change) -> bool {
    matches!(change, Change::Fulfil { .. })
        && !request.kind.needs_verification()
        && request.status == crate::domain::kinds::RequestStatus::Received
}

async fn apply_one(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    request: &Locked,
    actor: Actor<'_>,
    ask: &Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Result<Transition, Refusal>, Error> {
    let today = now.with_timezone(&rules.tz).date_naive();
    let transition =
        match lifecycle::decide(&request.facts(rules.tz), ask.change, today, rules.policy) {
            Ok(t) => t,
            Err(refusal) => return Ok(Err(refusal)),
        };
    let mut batch = Batch::default();
    batch.add(rules, request, &transition, ask)?;
    batch.write(conn, actor, now).await?;
    Ok(Ok(transition))
}

/// Applies one change to each of many locked requests (the worker's sweeps), writing
/// them all in a few statements. Requests the rules refuse are left as they are and
/// returned with the refusal.
pub async fn apply_many<'r>(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    requests: &'r [Locked],
    actor: Actor<'_>,
    ask: impl Fn(&Locked) -> Ask<'static>,
    now: DateTime<Utc>,
) -> Result<Vec<(&'r Locked, Result<Transition, Refusal>)>, Error> {
    let today = now.with_timezone(&rules.tz).date_naive();
    let mut decided = Vec::with_capacity(requests.len());
    let mut asks = Vec::with_capacity(requests.len());
    for r in requests {
        let a = ask(r);
        decided.push((
            r,
            lifecycle::decide(&r.facts(rules.tz), a.change, today, rules.policy),
        ));
        asks.push(a);
    }
    let mut batch = Batch::default();
    for ((r, t), a) in decided.iter().zip(&asks) {
        if let Ok(t) = t {
            batch.add(rules, r, t, a)?;
        }
    }
    batch.write(conn, actor, now).await?;
    Ok(decided)
}

/// Transitions decided, with their messages, waiting to be written together.
#[derive(Default)]
struct Batch<'a> {
    writes: Vec<Write<'a>>,
    suppress: Vec<(&'a Locked, &'static str)>,
    mail: Vec<(Option<uuid::Uuid>, OutgoingMessage)>,
    /// Decisions passed on to recipients: a task each, written with the decision.
    tasks: Vec<(uuid::Uuid, crate::domain::kinds::RequestKind)>,
    /// Requests whose tasks are called off.
    cancel: Vec<uuid::Uuid>,
}

impl<'a> Batch<'a> {
    fn add(
        &mut self,
        rules: Rules<'_>,
        request: &'a Locked,
        t: &'a Transition,
        ask: &'a Ask<'a>,
    ) -> Result<(), Error> {
        if let Some(list) = t.suppression {
            self.suppress.push((request, list.code()));
        }
        if t.tasks_due {
            self.tasks.push((request.id, request.kind));
        }
        if t.cancels_tasks {
            self.cancel.push(request.id);
        }
        // A request without an address (entered by staff, answered by letter; a
        // browser-only opt-out) gets no e-mail: staff write to it.
        if let (Some(notice), Some(to)) = (t.notice, request.email.as_deref()) {
            let message = notice_message(rules, request, to, t, notice, ask)?;
            let agent = request
                .agent_email
                .as_deref()
                .filter(|a| !a.eq_ignore_ascii_case(to) && request.agent.is_some());
            if let Some(copy) = agent.and_then(|a| agent_copy(rules.mail, &message, a)) {
                self.mail.push((Some(request.id), copy));
            }
            self.mail.push((Some(request.id), message));
        }
        self.writes.push(Write {
            request,
            transition: t,
            explanation: Some(ask.explanation),
            declaration_name: ask.declaration_name,
            data: ask.data.clone(),
        });
        Ok(())
    }

    async fn write(
        self,
        conn: &mut PgConnection,
        actor: Actor<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        rows::write(conn, actor, &self.writes, now).await?;
        rows::suppress(conn, &self.suppress, now).await?;
        crate::store::tasks::create_for(conn, &self.tasks, now).await?;
        crate::store::tasks::cancel_for(conn, &self.cancel, now).await?;
        outbox::enqueue_many(conn, now, &self.mail).await?;
        Ok(())
    }
}

/// The message a transition's notice sends to the consumer.
fn notice_message(
    rules: Rules<'_>,
    r: &Locked,
    to: &str,
    t: &Transition,
    notice: Notice,
    ask: &Ask<'_>,
) -> Result<OutgoingMessage, Error> {
    let ctx = &rules.mail.in_lang(r.language);
    let code = &r.tracking_code;
    let by_attorney = r
        .agent
        .is_some_and(|a| a.authority.stands_in_for_consumer());
    if let (Notice::Fulfilled { .. }, Some(answer)) = (notice, ask.answer) {
        return Ok(answer.clone());
    }
    Ok(match notice {
        Notice::Fulfilled { partial } => {
            let outcome = if partial {
                Outcome::PartiallyFulfilled
            } else {
                Outcome::Fulfilled
            };
            match ask.package_link {
                Some(slot) => {
                    let url = slot.placeholder(ctx);
                    messages::package_ready(ctx, to, code, r.kind, outcome, ask.explanation, &url)?
                        .with_slot(slot.clone())
                }
                None => messages::outcome(ctx, to, code, r.kind, outcome, ask.explanation)?,
            }
        }
        Notice::OptOutApplied => messages::opt_out_applied(ctx, to, code, r.kind)?,
        Notice::Denied => {
            let reason = t.outcome.unwrap_or("other");
            messages::denied(
                ctx,
                to,
                code,
                r.kind,
                messages::Denial {
                    reason,
                    explanation: ask.explanation,
                },
            )?
        }
        Notice::ClosedUnverified => {
            messages::closed_unverified(ctx, to, code, r.kind, by_attorney)?
        }
        Notice::Withdrawn => messages::withdrawn(ctx, to, code, r.kind, ask.explanation)?,
        Notice::OptedIn => messages::opted_in(ctx, to, code)?,
        Notice::OptInDeclined => messages::opt_in_declined(ctx, to, code)?,
    })
}
