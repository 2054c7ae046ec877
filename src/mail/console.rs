//! Messages of the analyst's console: a staff member's own daily e-mail of what is
//! assigned to them and due soon. Tracking codes, kinds and dates only: no consumer's
//! personal data leaves in it.

use chrono::NaiveDate;

use super::{Action, Content, MailContext, OutgoingMessage};

/// What a staff member chose to receive each morning: their assigned requests due within
/// `days`, or overdue, soonest first. `lines` come from `messages::staff_line`.
pub fn assigned_due_soon(
    ctx: &MailContext,
    to: &str,
    day: NaiveDate,
    days: i64,
    lines: Vec<String>,
) -> Result<OutgoingMessage, askama::Error> {
    let summary = if lines.is_empty() {
        format!("Nothing assigned to you is due within {days} days or overdue.")
    } else {
        format!(
            "{} request(s) assigned to you are due within {days} days or overdue.",
            lines.len()
        )
    };
    Content {
        subject: format!("Your privacy requests due soon: {day}"),
        paragraphs: vec![
            summary,
            "You get this e-mail because you turned it on in the staff dashboard; turn it off there."
                .into(),
        ],
        lines,
        action: Some(Action {
            label: "Open your queue".into(),
            url: ctx.url("/staff/requests?assigned=me"),
        }),
        ..Default::default()
    }
    .render("staff_assigned_daily", to, ctx)
}
