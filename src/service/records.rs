//! Accountability (reg. §7101): a request's full record for a regulator, the trail of
//! staff who opened a consumer's data, and a fresh download link for a response package
//! while it is kept (`retention.package_days`).

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Error, Rules};
use crate::config::Settings;
use crate::domain::kinds::EventKind;
use crate::mail::deferred::Slot;
use crate::store::events::{self, Actor, Event};
use crate::store::lifecycle::{self as rows, Key};
use crate::store::outbox;
use crate::store::records::{self, Viewed};

/// Records that a staff member opened the requests' data.
pub async fn seen(
    db: &PgPool,
    request_ids: &[Uuid],
    staff_id: Uuid,
    what: Viewed,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    records::record_view(db, request_ids, staff_id, what, now).await?;
    Ok(())
}

/// The full record of the request with this tracking code, recorded as seen by
/// `staff_id`; `None` when there is no such request.
pub async fn full_record(
    db: &PgPool,
    code: &str,
    staff_id: Uuid,
    what: Viewed,
    now: DateTime<Utc>,
) -> Result<Option<serde_json::Value>, Error> {
    let Some(id) = records::id_of(db, code).await? else {
        return Ok(None);
    };
    // Recorded first, so the record shows this opening too.
    records::record_view(db, &[id], staff_id, what, now).await?;
    let Some((_, mut record)) = records::full_record(db, code).await? else {
        return Ok(None);
    };
    if let Some(tasks) = records::tasks(db, id).await? {
        record["tasks"] = tasks;
    }
    record["exported_at"] = json!(now);
    Ok(Some(record))
}

/// How a fresh download link went.
#[derive(Debug, PartialEq, Eq)]
pub enum FreshLink {
    Sent,
    /// No response package is kept for the request (none was sent, or it was removed).
    NoPackage,
    NotFound,
}

/// Sends the consumer a new link to the request's response package and ends every
/// earlier one; the trail records who sent it.
pub async fn fresh_download_link(
    db: &PgPool,
    rules: Rules<'_>,
    settings: &Settings,
    staff_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<FreshLink, Error> {
    let mut tx = db.begin().await?;
    let Some(r) = rows::lock(&mut tx, Key::Code(code)).await? else {
        return Ok(FreshLink::NotFound);
    };
    if records::kept_package(&mut tx, r.id).await?.is_none() {
        return Ok(FreshLink::NoPackage);
    }
    let to = r.email.as_deref().ok_or(Error::NoAddress)?;
    // The new link is made when the message is sent; the earlier ones end now.
    let slot = Slot::Download {
        expires_at: now + Duration::days(settings.responses.download_link_days),
    };
    crate::store::downloads::end_links(&mut tx, r.id, now).await?;
    let message = crate::mail::records::fresh_download_link(
        &rules.mail.in_lang(r.language),
        to,
        &r.tracking_code,
        &slot.placeholder(rules.mail),
    )?
    .with_slot(slot);
    outbox::enqueue(&mut tx, Some(r.id), &message, now).await?;
    let staff = staff_id.to_string();
    events::record(
        &mut tx,
        now,
        Event::without_change(
            r.id,
            Actor::Staff(&staff),
            EventKind::DownloadLinkReissued,
            json!({}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(FreshLink::Sent)
}
