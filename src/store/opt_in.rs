//! Opting back in to sale/sharing: what the consumer's answer changes beyond the
//! request's status (which `service::links` changes through the lifecycle). Confirming
//! takes the address off the suppression list; declining leaves it on.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{self, Event};
use crate::domain::kinds::EventKind;

/// Records that a confirmation came from a browser sending an opt-out preference
/// signal (reg. §7025(c)(3)): not applied, the link keeps working elsewhere.
pub async fn record_not_applied_for_gpc(
    conn: &mut PgConnection,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let reason = "the browser sent a Global Privacy Control opt-out signal (reg. §7025(c)(3))";
    let event = Event::by_consumer(
        request_id,
        EventKind::OptInNotAppliedGpc,
        json!({ "reason": reason }),
    );
    events::record(conn, now, event).await
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
pub async fn remove_sale_sharing_opt_out(
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
