//! The secrets of messages queued with a slot (`mail::deferred::Slot`): each is created
//! when the worker sends its message, stored hashed in the transaction that records the
//! send, and removed again if the send fails, so the next attempt carries a new one and
//! no raw secret is ever at rest in the outbox.

use chrono::{DateTime, Utc};
use rand::Rng;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::token::{self, SecretToken};
use crate::mail::deferred::Slot;
use crate::store;

const REQUEST_GONE: &str = "its request is gone";

/// A secret created for a message being sent: what the message writes where the slot
/// was, and what undoes it if the send fails.
pub(super) struct Made {
    pub written: String,
    pub undo: Undo,
}

/// The stored half of a secret made for a message, removed if the message is not sent.
pub(super) struct Undo {
    slot: Slot,
    hash: [u8; 32],
}

/// Creates the secret `slot` stands for and stores its hash; or says why the message
/// can no longer be sent (its request or package is gone, its slot does not decode).
pub(super) async fn make(
    conn: &mut PgConnection,
    ctx: &crate::mail::MailContext,
    slot: Slot,
    request_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Result<Made, &'static str>, sqlx::Error> {
    let (secret, hash) = if slot.is_code() {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        let hash = token::hash(&code);
        (code, hash)
    } else {
        let token = SecretToken::generate();
        (token.expose().to_string(), *token.hash())
    };
    match &slot {
        Slot::Verification(link) => {
            let Ok(purpose) = link.purpose() else {
                return Ok(Err("its link's purpose does not decode"));
            };
            let Some(request_id) = request_id else {
                return Ok(Err(REQUEST_GONE));
            };
            // The request's newest link: the ones before it stop working.
            store::verification::issue(conn, request_id, purpose, &hash, now, link.expires_at)
                .await?;
            if let Some(redirect_to) = &link.redirect_to {
                store::verification::set_redirect(conn, &hash, redirect_to).await?;
            }
        }
        Slot::Download { expires_at } => {
            let Some(request_id) = request_id else {
                return Ok(Err(REQUEST_GONE));
            };
            let Some(package) = store::records::kept_package(conn, request_id).await? else {
                return Ok(Err("its response package is no longer kept"));
            };
            // The request's newest link: the ones before it stop working, as they did
            // when its message was queued.
            store::downloads::end_links(conn, request_id, now).await?;
            store::downloads::add_link(conn, request_id, package, &hash, now, *expires_at).await?;
        }
        Slot::DownloadCode {
            link_id,
            expires_at,
        } => {
            let Some(request_id) = request_id else {
                return Ok(Err(REQUEST_GONE));
            };
            let set =
                store::downloads::set_code(conn, request_id, *link_id, &hash, now, *expires_at);
            if !set.await? {
                return Ok(Err("its download link has ended"));
            }
        }
        Slot::AgentStatus {} => {
            let Some(request_id) = request_id else {
                return Ok(Err(REQUEST_GONE));
            };
            store::requests::add_agent_access(conn, request_id, &hash, now).await?;
        }
        Slot::Invite {
            staff_id,
            expires_at,
        } => store::staff::create_invite(conn, &hash, *staff_id, now, *expires_at).await?,
    }
    Ok(Ok(Made {
        written: slot.written(ctx, &secret),
        undo: Undo { slot, hash },
    }))
}

impl Undo {
    /// A verification link created for a deferred message as it renders.
    pub fn verification(link: crate::mail::deferred::Link, hash: [u8; 32]) -> Self {
        Undo {
            slot: Slot::Verification(link),
            hash,
        }
    }

    /// Removes the secret of a message that was not sent: it was never seen.
    pub async fn run(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let hash = &self.hash[..];
        match &self.slot {
            Slot::Verification(_) => store::verification::remove_unsent(conn, hash).await,
            Slot::Download { .. } => store::downloads::remove_unsent(conn, hash).await,
            Slot::DownloadCode { link_id, .. } => {
                store::downloads::remove_unsent_code(conn, *link_id, hash).await
            }
            Slot::AgentStatus {} => store::requests::remove_agent_access(conn, hash).await,
            Slot::Invite { .. } => store::staff::remove_unsent_invite(conn, hash).await,
        }
    }
}
