//! Messages of the records and retention work: a fresh download link for a response
//! package that is still kept.

use super::{Action, Content, MailContext, OutgoingMessage};
use crate::domain::tracking::TrackingCode;

/// Staff sent a new link to the response package; the earlier one no longer works. In
/// the request's language (`ctx.t`).
pub fn fresh_download_link(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    url: &str,
) -> Result<OutgoingMessage, askama::Error> {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-new-download-subject", "code", code),
        paragraphs: vec![t.get("mail-new-download-intro")],
        action: Some(Action {
            label: t.get("mail-package-button"),
            url: url.to_string(),
        }),
        after_action: vec![t.count("mail-new-download-works", "days", ctx.download_days)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("download_link_reissued", to, ctx)
}
