//! Use cases, each owning its transaction: the lifecycle's one transition function,
//! staff actions, consumer links. Handlers and the worker call these; these call the
//! domain for decisions, `store` for SQL and `mail` for messages.

pub mod channels;
pub mod drp;
pub mod intake;
pub mod lifecycle;
pub mod links;
pub mod metrics;
pub mod staff;

use chrono_tz::Tz;

use crate::domain::lifecycle::Policy;
use crate::mail::MailContext;

/// What a failed use case reports: never a user's mistake (those are refusals).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("rendering a message: {0}")]
    Mail(#[from] askama::Error),
    #[error("the request writer stopped")]
    Stopped,
    #[error("no free tracking code after several draws")]
    NoFreeTrackingCode,
    #[error("a request that needs an e-mail address came without one")]
    NoAddress,
}

/// The settings the lifecycle's decisions and messages read.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    pub policy: &'a Policy,
    pub mail: &'a MailContext,
    pub tz: Tz,
}
