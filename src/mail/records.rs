//! Messages of the records and retention work: a fresh download link for a response
//! package that is still kept.

use super::{Action, Content, MailContext, OutgoingMessage};
use crate::domain::tracking::TrackingCode;

/// Staff sent a new link to the response package; the earlier one no longer works.
pub fn fresh_download_link(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    url: &str,
) -> Result<OutgoingMessage, askama::Error> {
    Content {
        subject: format!("A new link to download the answer to your request {code}"),
        paragraphs: vec![
            "Here is a new link to download the answer to your privacy request. The link we sent before no longer works.".into(),
        ],
        action: Some(Action {
            label: "Download your information".into(),
            url: url.to_string(),
        }),
        after_action: vec![format!(
            "The link works for {} days. Each download asks for a one-time code, which we send to this e-mail address.",
            ctx.download_days
        )],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("download_link_reissued", to, ctx)
}
