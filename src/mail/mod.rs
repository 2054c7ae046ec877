//! E-mail messages: built from askama templates (subject, text and HTML per message) at
//! the moment the state change that causes them is written, then queued in the outbox.

use askama::Template;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::RequestKind;
use crate::domain::tracking::TrackingCode;

/// A message ready for the outbox.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    /// Which message this is, for the record and for tests.
    pub template: &'static str,
    /// Stable across retries, so a resent message is recognisable as the same one.
    pub message_id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A date as people read it: "Tuesday, December 8, 2026".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%A, %B %-d, %Y").to_string()
}

/// A deadline with its plain-language meaning.
#[derive(Debug, Clone)]
pub struct DatedStep {
    pub label: &'static str,
    pub date: String,
}

/// The dates a consumer is told about for a new request.
pub fn consumer_dates(deadlines: &Deadlines) -> Vec<DatedStep> {
    let mut steps = Vec::new();
    if let Some(d) = deadlines.confirm_by {
        steps.push(DatedStep {
            label: "We confirm receipt and explain the next steps by",
            date: long_date(d),
        });
    }
    if let Some(d) = deadlines.respond_by {
        steps.push(DatedStep {
            label: "We answer your request by",
            date: long_date(d),
        });
    }
    if let Some(d) = deadlines.comply_by {
        steps.push(DatedStep {
            label: "We apply your choice no later than",
            date: long_date(d),
        });
    }
    steps
}

#[derive(Template)]
#[template(path = "email/receipt.txt")]
struct ReceiptText<'a> {
    r: &'a Receipt<'a>,
}

#[derive(Template)]
#[template(path = "email/receipt.html")]
struct ReceiptHtml<'a> {
    r: &'a Receipt<'a>,
}

/// What the receipt says.
pub struct Receipt<'a> {
    pub business_name: &'a str,
    pub base_url: &'a str,
    pub tracking_code: &'a TrackingCode,
    pub kind: RequestKind,
    pub dates: Vec<DatedStep>,
}

impl Receipt<'_> {
    fn kind_title(&self) -> &'static str {
        self.kind.title()
    }

    fn needs_verification(&self) -> bool {
        self.kind.needs_verification()
    }
}

/// The receipt sent at once for every request (ccpa-rules §2: confirm within 10
/// business days, explaining verification and when to expect an answer).
pub fn receipt(to: &str, host: &str, r: &Receipt<'_>) -> Result<OutgoingMessage, askama::Error> {
    Ok(OutgoingMessage {
        template: "receipt",
        message_id: message_id(host),
        to: to.to_string(),
        subject: format!("We received your privacy request {}", r.tracking_code),
        text: ReceiptText { r }.render()?,
        html: ReceiptHtml { r }.render()?,
    })
}

fn message_id(host: &str) -> String {
    format!("<{}@{}>", Uuid::new_v4(), host)
}
