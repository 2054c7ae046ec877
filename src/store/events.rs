//! The append-only audit trail. Every status change writes an event in the same
//! transaction as the change.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::kinds::{EventKind, RequestStatus};

/// Who did something.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Consumer,
    Agent(&'a str),
    Staff(&'a str),
    System,
}

impl Actor<'_> {
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::Consumer => ("consumer", None),
            Actor::Agent(id) => ("agent", Some(id)),
            Actor::Staff(id) => ("staff", Some(id)),
            Actor::System => ("system", None),
        }
    }
}

pub struct Event<'a> {
    pub request_id: Uuid,
    pub actor: Actor<'a>,
    pub action: EventKind,
    pub from: Option<RequestStatus>,
    pub to: Option<RequestStatus>,
    pub data: Value,
}

impl<'a> Event<'a> {
    /// Something that changes no status: a note, an assignment, a reminder sent.
    pub fn without_change(
        request_id: Uuid,
        actor: Actor<'a>,
        action: EventKind,
        data: Value,
    ) -> Self {
        Event {
            request_id,
            actor,
            action,
            from: None,
            to: None,
            data,
        }
    }

    /// Something the consumer did that changes no status by itself.
    pub fn by_consumer(request_id: Uuid, action: EventKind, data: Value) -> Self {
        Self::without_change(request_id, Actor::Consumer, action, data)
    }
}

pub async fn record(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
    event: Event<'_>,
) -> Result<(), sqlx::Error> {
    let (actor_type, actor_id) = event.actor.parts();
    sqlx::query(
        "INSERT INTO request_events (request_id, at, actor_type, actor_id, action, from_status, to_status, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event.request_id)
    .bind(at)
    .bind(actor_type)
    .bind(actor_id)
    .bind(event.action.code())
    .bind(event.from.map(RequestStatus::code))
    .bind(event.to.map(RequestStatus::code))
    .bind(event.data)
    .execute(conn)
    .await?;
    Ok(())
}

/// Many events in one statement, for the worker's batches.
pub async fn record_many(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
    events: &[Event<'_>],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(events.len());
    let (mut types, mut actor_ids, mut actions) = (Vec::new(), Vec::new(), Vec::new());
    let (mut froms, mut tos, mut data) = (Vec::new(), Vec::new(), Vec::new());
    for e in events {
        let (actor_type, actor_id) = e.actor.parts();
        ids.push(e.request_id);
        types.push(actor_type);
        actor_ids.push(actor_id.map(str::to_owned));
        actions.push(e.action.code());
        froms.push(e.from.map(RequestStatus::code));
        tos.push(e.to.map(RequestStatus::code));
        data.push(e.data.clone());
    }
    sqlx::query(
        "INSERT INTO request_events (request_id, at, actor_type, actor_id, action, from_status, to_status, data)
         SELECT id, $2, t, a, act, f, s, d
         FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])
             AS x(id, t, a, act, f, s, d)",
    )
    .bind(ids)
    .bind(at)
    .bind(types)
    .bind(actor_ids)
    .bind(actions)
    .bind(froms)
    .bind(tos)
    .bind(data)
    .execute(conn)
    .await?;
    Ok(())
}
