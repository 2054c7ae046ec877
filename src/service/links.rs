//! Links e-mailed to consumers: following one records control of the address (one
//! matched data point) or the consumer's word on an agent, through the lifecycle. A new
//! link keeps the purpose of the one it replaces.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::lifecycle::{self, Ask};
use super::{Error, Rules};
use crate::domain::actions::Refusal;
use crate::domain::kinds::LinkPurpose;
use crate::domain::lifecycle::Change;
use crate::store::events::Actor;
use crate::store::lifecycle::{self as rows, Key};
use crate::store::verification::{self, LinkView, Spent};

/// What the consumer answered on an agent's link.
pub struct AgentChoice<'a> {
    pub confirm: bool,
    /// The declaration for specific pieces, signed on that page: the typed name, when
    /// the box was ticked.
    pub declaration_name: Option<&'a str>,
}

/// What following a link did.
#[derive(Debug)]
pub enum Followed {
    /// The link was used; `verified` when that completed the request's verification.
    Used {
        link: LinkView,
        verified: bool,
    },
    /// The consumer said they did not authorize the agent: the request is denied.
    AgentRejected(LinkView),
    /// The consumer must sign the declaration on the page before confirming.
    NeedsDeclaration(LinkView),
    Spent(Spent, LinkView),
    Unknown,
}

/// Uses a link in one transaction: the link is marked used only when the lifecycle
/// accepted what it does.
pub async fn follow(
    db: &PgPool,
    rules: Rules<'_>,
    token_hash: &[u8],
    choice: Option<AgentChoice<'_>>,
    now: DateTime<Utc>,
) -> Result<Followed, Error> {
    let mut tx = db.begin().await?;
    let Some(link) = verification::lock(&mut tx, token_hash).await? else {
        return Ok(Followed::Unknown);
    };
    if let Some(why) = link.spent(now) {
        return Ok(Followed::Spent(why, link));
    }
    let (change, data) = match link.purpose {
        // Only the consumer's own choice on the opt-in page applies an opt-in.
        LinkPurpose::ConfirmOptIn => return Ok(Followed::Spent(Spent::NotWaiting, link)),
        LinkPurpose::VerifyEmail => (
            Change::EmailConfirmed,
            json!({ "method": "single-use link" }),
        ),
        LinkPurpose::ConfirmAgent => match &choice {
            Some(AgentChoice { confirm: false, .. }) => (
                Change::AgentRejected,
                json!({ "explanation": "the consumer did not authorize the agent" }),
            ),
            _ => (
                Change::AgentConfirmed {
                    declaration: choice
                        .as_ref()
                        .is_some_and(|c| c.declaration_name.is_some()),
                },
                json!({ "method": "single-use link" }),
            ),
        },
    };
    let declaration_name = choice.as_ref().and_then(|c| c.declaration_name);
    let ask = Ask {
        declaration_name,
        explanation: if change == Change::AgentRejected {
            "You told us you did not authorize the agent who filed this request, so we will not act on it."
        } else {
            ""
        },
        data,
        ..Ask::new(change)
    };
    let done = lifecycle::transition(
        &mut tx,
        rules,
        Key::Id(link.request_id),
        Actor::Consumer,
        ask,
        now,
    )
    .await?;
    match done {
        Some(Ok(done)) => {
            verification::mark_used(&mut tx, link.token_id, now).await?;
            tx.commit().await?;
            if change == Change::AgentRejected {
                return Ok(Followed::AgentRejected(link));
            }
            let verified = done.transition.to.is_some();
            Ok(Followed::Used { link, verified })
        }
        Some(Err(Refusal::NoDeclaration)) => Ok(Followed::NeedsDeclaration(link)),
        _ => Ok(Followed::Spent(Spent::NotWaiting, link)),
    }
}

/// The purpose a new link for this request has: the one its first link had. `None`
/// when the request gets no consumer link at all (a power of attorney).
pub async fn purpose(
    conn: &mut PgConnection,
    request_id: Uuid,
) -> Result<Option<LinkPurpose>, Error> {
    Ok(rows::read(conn, Key::Id(request_id))
        .await?
        .and_then(|r| LinkPurpose::of_request(r.kind, r.agent.map(|a| a.authority))))
}
