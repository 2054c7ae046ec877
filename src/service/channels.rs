//! Staff intake: a request received by phone, mail, e-mail or in person becomes a
//! stored one, on the same clocks, verification policy, lifecycle and metrics as any
//! other. The clocks run from the day it was actually received.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::Error;
use super::intake::{Intake, Stored, file_on};
use super::shine_the_light;
use crate::domain::channels::StaffFiling;
use crate::domain::intake::StaffEntry;
use crate::domain::kinds::RequestKind;

/// A request staff entered, as the confirmation shows it.
pub struct Entered {
    pub stored: Stored,
    /// Past its legal deadline the moment it was entered: staff were warned, and the
    /// queue shows it overdue.
    pub overdue_at_once: bool,
}

/// When a request received on `day` counts as received: now when that is today,
/// otherwise midday of that day in the business's time zone (the day is what the
/// clocks read; midday keeps it that day whatever the offset).
pub fn received_at(tz: Tz, day: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    if now.with_timezone(&tz).date_naive() == day {
        return now;
    }
    crate::clock::start_of_day(tz, day) + chrono::Duration::hours(12)
}

/// Files what staff entered, recording who entered it and why its day is earlier.
/// The receipt goes by e-mail when the consumer gave an address; otherwise staff print
/// the receipt letter.
pub async fn enter(
    state: &Intake<'_>,
    filing: StaffFiling,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Entered, Error> {
    let today = now.with_timezone(&state.tz).date_naive();
    let overdue_at_once = filing.overdue_at_once(today, state.calendar);
    let mut request = filing.request;
    request.staff = Some(StaffEntry {
        entered_by: staff_id,
        received_note: filing.received_note,
    });
    let received_at = received_at(state.tz, filing.received_on, now);
    let request = Arc::new(request);
    let stored = if request.kind == RequestKind::ShineTheLight {
        // Its own rules: once a year per customer, its own clock and receipt.
        let arrival = shine_the_light::Arrival {
            channel: filing.channel,
            received_at,
            undesignated: filing.undesignated,
        };
        let filed = shine_the_light::file(state, &request, arrival).await?;
        Stored {
            tracking_code: filed.tracking_code,
            deadlines: filed.deadlines,
            gpc_opt_out: None,
        }
    } else {
        file_on(state, &request, filing.channel, false, received_at).await?
    };
    tracing::info!(
        tracking_code = %stored.tracking_code,
        channel = %filing.channel,
        overdue_at_once,
        "request entered by staff"
    );
    Ok(Entered {
        stored,
        overdue_at_once,
    })
}
