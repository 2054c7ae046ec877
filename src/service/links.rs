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
    match consumer_answers(&mut tx, rules, &link, ask, now).await? {
        Some(Ok(done)) => {
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

/// The consumer's answer through their link: the lifecycle's transition, and the link
/// marked used only when the transition was allowed.
async fn consumer_answers(
    conn: &mut PgConnection,
    rules: Rules<'_>,
    link: &LinkView,
    ask: Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Result<lifecycle::Done, Refusal>>, Error> {
    let done = lifecycle::transition(
        conn,
        rules,
        Key::Id(link.request_id),
        Actor::Consumer,
        ask,
        now,
    )
    .await?;
    if matches!(done, Some(Ok(_))) {
        verification::mark_used(conn, link.token_id, now).await?;
    }
    Ok(done)
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

/// What the consumer chose on an opt-in's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptInChoice {
    Confirm,
    Decline,
    /// They pressed "confirm" in a browser that sends an opt-out preference signal
    /// (reg. §7025(c)(3)): recorded, not applied; the link keeps working elsewhere.
    ConfirmAgainstGpc,
}

/// What the choice did.
#[derive(Debug)]
pub enum OptInDecided {
    OptedIn(LinkView),
    Declined(LinkView),
    NotAppliedForGpc(LinkView),
    /// Used, expired, or the opt-in no longer waits (withdrawn by the agent, denied by
    /// staff, or closed unconfirmed).
    Spent(Spent, LinkView),
    Unknown,
}

/// Applies the consumer's answer to an opt-in in one transaction, after checking under
/// lock that the link is an opt-in's, unused, unexpired, and that the opt-in still
/// waits. Confirming takes the address off the sale/sharing suppression list; the
/// status changes through the lifecycle, with the consumer's message.
pub async fn answer_opt_in(
    db: &PgPool,
    rules: Rules<'_>,
    token_hash: &[u8],
    choice: OptInChoice,
    now: DateTime<Utc>,
) -> Result<OptInDecided, Error> {
    let mut tx = db.begin().await?;
    let Some(link) = verification::lock(&mut tx, token_hash).await? else {
        return Ok(OptInDecided::Unknown);
    };
    if link.purpose != LinkPurpose::ConfirmOptIn {
        return Ok(OptInDecided::Unknown);
    }
    if let Some(why) = link.spent(now) {
        return Ok(OptInDecided::Spent(why, link));
    }
    let (change, data) = match choice {
        OptInChoice::ConfirmAgainstGpc => {
            crate::store::opt_in::record_not_applied_for_gpc(&mut tx, link.request_id, now).await?;
            tx.commit().await?;
            return Ok(OptInDecided::NotAppliedForGpc(link));
        }
        OptInChoice::Confirm => {
            let removed =
                crate::store::opt_in::remove_sale_sharing_opt_out(&mut tx, &link.email).await?;
            (
                Change::OptInConfirmed,
                json!({
                    "confirmed_with": "single-use link e-mailed to the consumer",
                    "suppression_list": "sale_sharing",
                    "removed_opt_out": removed,
                }),
            )
        }
        OptInChoice::Decline => (
            Change::OptInDeclined,
            json!({ "reason": "consumer declined" }),
        ),
    };
    let ask = Ask {
        data,
        ..Ask::new(change)
    };
    if !matches!(
        consumer_answers(&mut tx, rules, &link, ask, now).await?,
        Some(Ok(_))
    ) {
        return Ok(OptInDecided::Spent(Spent::NotWaiting, link));
    }
    tx.commit().await?;
    Ok(match choice {
        OptInChoice::Confirm => OptInDecided::OptedIn(link),
        _ => OptInDecided::Declined(link),
    })
}
