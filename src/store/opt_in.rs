//! Opting back in to sale/sharing: the consumer's answer to an opt-in an agent asked
//! for. Confirming takes the address off the suppression list; declining leaves it on.
//! Either way the link, the request, its audit event and its e-mail change together.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::events::{self, Event};
use super::requests::{self, ConsumerAnswer};
use super::verification::{self, LinkView, Spent};
use crate::domain::kinds::{LinkPurpose, RequestStatus};
use crate::mail::OutgoingMessage;

/// Why a request was closed when the consumer declined; DRP reads it as `other`.
pub const DECLINED: &str = "The consumer declined to opt back in; the opt-out stays in place.";

/// Kept on a request whose opt-in was applied.
pub const APPLIED: &str =
    "The consumer confirmed the opt-in; the opt-out of sale and sharing was removed.";

/// What the consumer chose on the opt-in page, with the message that tells them.
pub enum Choice<'a> {
    Confirm(&'a OutgoingMessage),
    Decline(&'a OutgoingMessage),
    /// They pressed "confirm" in a browser that sends an opt-out preference signal
    /// (reg. §7025(c)(3)): recorded, not applied; the link keeps working elsewhere.
    ConfirmAgainstGpc,
}

/// What the choice did.
#[derive(Debug)]
pub enum Decided {
    OptedIn(LinkView),
    Declined(LinkView),
    NotAppliedForGpc(LinkView),
    /// Used, expired, or the opt-in no longer waits (withdrawn by the agent, denied by
    /// staff, or closed unconfirmed).
    Spent(Spent, LinkView),
    Unknown,
}

/// Applies the consumer's choice in one transaction, after checking under lock that the
/// link is an opt-in's, unused, unexpired, and that the opt-in still waits.
pub async fn decide(
    pool: &PgPool,
    token_hash: &[u8],
    now: DateTime<Utc>,
    choice: Choice<'_>,
) -> Result<Decided, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(link) = verification::lock(&mut tx, token_hash).await? else {
        return Ok(Decided::Unknown);
    };
    if link.purpose != LinkPurpose::ConfirmOptIn {
        return Ok(Decided::Unknown);
    }
    if let Some(why) = link.spent(now) {
        return Ok(Decided::Spent(why, link));
    }
    let (answer, decided): (_, fn(LinkView) -> Decided) = match choice {
        Choice::ConfirmAgainstGpc => {
            let reason =
                "the browser sent a Global Privacy Control opt-out signal (reg. §7025(c)(3))";
            let event = Event::by_consumer(
                link.request_id,
                "opt_in_not_applied_gpc",
                json!({ "reason": reason }),
            );
            events::record(&mut tx, now, event).await?;
            tx.commit().await?;
            return Ok(Decided::NotAppliedForGpc(link));
        }
        Choice::Confirm(message) => {
            let removed = remove_sale_sharing_opt_out(&mut tx, &link.email).await?;
            let answer = ConsumerAnswer {
                status: RequestStatus::Fulfilled,
                outcome_code: "opted_in",
                action: "opted_in",
                data: json!({
                    "confirmed_with": "single-use link e-mailed to the consumer",
                    "suppression_list": "sale_sharing",
                    "removed_opt_out": removed,
                }),
                message,
            };
            (answer, Decided::OptedIn)
        }
        Choice::Decline(message) => {
            let answer = ConsumerAnswer {
                status: RequestStatus::Denied,
                outcome_code: "opt_in_declined",
                action: "opt_in_declined",
                data: json!({ "reason": "consumer declined" }),
                message,
            };
            (answer, Decided::Declined)
        }
    };
    verification::mark_used(&mut tx, link.token_id, now).await?;
    requests::close_by_consumer(&mut tx, link.request_id, answer, now).await?;
    tx.commit().await?;
    Ok(decided(link))
}

/// What a removed suppression-list entry said, kept in the audit trail.
#[derive(Debug, sqlx::FromRow, serde::Serialize)]
struct RemovedOptOut {
    opted_out_since: DateTime<Utc>,
    channel: String,
    request_id: Option<Uuid>,
    tracking_code: Option<String>,
}

/// Takes the address off the sale/sharing suppression list; returns what the entry
/// said (since when, by which request and channel) for the audit trail, or null when
/// the address was not on it.
async fn remove_sale_sharing_opt_out(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Value, sqlx::Error> {
    let removed: Option<RemovedOptOut> = sqlx::query_as(
        "WITH gone AS (
             DELETE FROM opt_outs WHERE lower(email) = lower($1) AND scope = 'sale_sharing'
             RETURNING since, channel, request_id
         )
         SELECT gone.since AS opted_out_since, gone.channel, gone.request_id, r.tracking_code
         FROM gone LEFT JOIN requests r ON r.id = gone.request_id",
    )
    .bind(email)
    .fetch_optional(conn)
    .await?;
    Ok(json!(removed))
}
