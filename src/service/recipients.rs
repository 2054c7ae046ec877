//! Managing recipients: the console page and the `rightsdesk recipient` commands both
//! come here, so a recipient is checked the same way whichever way it is added. A
//! webhook URL is checked when stored (its host must resolve, to public addresses
//! unless `[outbound] allow_private_addresses`), and again by the worker at each call.

use chrono::{DateTime, Utc};
use reqwest::dns::Resolve;
use sqlx::PgPool;

use super::Error;
use crate::domain::email::EmailAddress;
use crate::domain::tasks::{self, BadRecipient, NotifyChannel, RecipientRole, SigningSecret};
use crate::store::recipients::{self as rows, NewRecipient};

/// A recipient as entered (form fields or command-line arguments), not yet checked.
pub struct Entered<'a> {
    pub name: &'a str,
    pub role: &'a str,
    /// Comma-separated kinds, or several values.
    pub kinds: Vec<&'a str>,
    pub channel: &'a str,
    /// The e-mail address or webhook URL; ignored for manual.
    pub address: &'a str,
    pub events: bool,
}

/// Why a recipient was not added, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("name: {0}")]
    Name(BadRecipient),
    #[error("name: a recipient of this name exists")]
    Taken,
    #[error("role: choose internal, service_provider, contractor or third_party")]
    Role,
    #[error("kinds: {0}")]
    Kinds(BadRecipient),
    #[error("channel: choose email, webhook or manual")]
    Channel,
    #[error("email: enter the address the notices go to")]
    Email,
    #[error("webhook: the URL {0}")]
    Webhook(crate::outbound::Refused),
    #[error("events: {0}")]
    Events(BadRecipient),
}

impl Refused {
    /// The form field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Refused::Name(_) | Refused::Taken => "name",
            Refused::Role => "role",
            Refused::Kinds(_) => "kinds",
            Refused::Channel => "channel",
            Refused::Email => "email",
            Refused::Webhook(_) => "webhook",
            Refused::Events(_) => "events",
        }
    }
}

/// A recipient added: its id, and for a webhook its signing secret, shown this once.
pub struct Added {
    pub id: i64,
    pub secret: Option<String>,
}

/// Checks and stores a new recipient.
pub async fn add(
    db: &PgPool,
    entered: Entered<'_>,
    allow_private: bool,
    resolver: &dyn Resolve,
    now: DateTime<Utc>,
) -> Result<Result<Added, Refused>, Error> {
    let name = match tasks::parse_name(entered.name) {
        Ok(n) => n,
        Err(e) => return Ok(Err(Refused::Name(e))),
    };
    let Ok(role) = RecipientRole::parse(entered.role.trim()) else {
        return Ok(Err(Refused::Role));
    };
    let kinds = match tasks::parse_kinds(entered.kinds.iter().flat_map(|k| k.split(','))) {
        Ok(k) => k,
        Err(e) => return Ok(Err(Refused::Kinds(e))),
    };
    let Ok(channel) = NotifyChannel::parse(entered.channel.trim()) else {
        return Ok(Err(Refused::Channel));
    };
    if entered.events && channel != NotifyChannel::Webhook {
        return Ok(Err(Refused::Events(BadRecipient::EventsNeedWebhook)));
    }
    let (address, secret) = match channel {
        NotifyChannel::Manual => (None, None),
        NotifyChannel::Email => match EmailAddress::parse(entered.address) {
            Ok(a) => (Some(a.to_string()), None),
            Err(_) => return Ok(Err(Refused::Email)),
        },
        NotifyChannel::Webhook => {
            match crate::outbound::check_url_resolving(entered.address, allow_private, resolver)
                .await
            {
                Ok(url) => (
                    Some(url.to_string()),
                    Some(SigningSecret::generate().expose()),
                ),
                Err(e) => return Ok(Err(Refused::Webhook(e))),
            }
        }
    };
    let mut conn = db.acquire().await?;
    let new = NewRecipient {
        name: &name,
        role,
        kinds: &kinds,
        channel,
        address: address.as_deref(),
        signing_secret: secret.as_deref(),
        events: entered.events,
    };
    match rows::add(&mut conn, &new, now).await {
        Ok(id) => Ok(Ok(Added { id, secret })),
        Err(e) if crate::store::violates(&e, rows::NAME_KEY) => Ok(Err(Refused::Taken)),
        Err(e) => Err(e.into()),
    }
}

/// A new signing secret for a webhook recipient, shown this once; the old one stops
/// working at once. `None` when the recipient has no webhook.
pub async fn rotate_secret(db: &PgPool, id: i64) -> Result<Option<String>, Error> {
    let secret = SigningSecret::generate().expose();
    Ok(rows::rotate_secret(db, id, &secret)
        .await?
        .then_some(secret))
}

/// `[staff] deletion_recipients`, kept working: each name becomes a manual recipient for
/// deletions unless a recipient of that name exists. Returns how many were added.
pub async fn adopt_configured(
    db: &PgPool,
    names: &[String],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut added = 0;
    for name in names {
        let Ok(name) = tasks::parse_name(name) else {
            tracing::warn!("a staff.deletion_recipients entry is not a usable name; skipped");
            continue;
        };
        if rows::adopt_manual(db, &name, now).await? {
            added += 1;
        }
    }
    Ok(added)
}
