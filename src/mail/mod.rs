//! E-mail: messages built from askama templates at the moment the state change that
//! causes them is written (then queued in the outbox), and the transports that deliver
//! them (SMTP, or `.eml` files when no SMTP server is configured).

pub mod messages;
pub mod smtp;
pub mod transport;

use askama::Template;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::deadlines::Deadlines;

/// Why a message was not delivered; both transports answer with it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// The server refused for good (5xx), or the message cannot be built: retrying will
    /// not help.
    pub permanent: bool,
    pub message: String,
}

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

/// What every message needs to know about the business.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub business_name: String,
    pub base_url: String,
    /// The host part of Message-IDs.
    pub host: String,
    /// How long verification links work.
    pub link_days: i64,
    /// How long response-package download links work.
    pub download_days: i64,
    /// The business's privacy policy, where unverified requests to know are pointed
    /// (reg. §7024(b)); empty when not configured.
    pub privacy_policy_url: String,
}

impl MailContext {
    pub fn new(settings: &Settings) -> Self {
        let base_url = settings.base_url().to_string();
        let authority = base_url
            .split_once("://")
            .map_or(base_url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or("localhost");
        let host = authority
            .split(':')
            .next()
            .unwrap_or("localhost")
            .to_string();
        Self {
            business_name: settings.business.name.clone(),
            base_url,
            host,
            link_days: settings.worker.verification_link_days,
            download_days: settings.responses.download_link_days,
            privacy_policy_url: settings.business.privacy_policy_url.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
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

/// The dates a consumer is told about for a request.
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

/// A link the reader is asked to follow.
#[derive(Debug, Clone)]
pub struct Action {
    pub label: String,
    pub url: String,
}

/// The content of one message; `email/message.txt` and `email/message.html` lay it out.
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub action: Option<Action>,
    /// Said after the action, e.g. how long a link works.
    pub after_action: Vec<String>,
    pub dates: Vec<DatedStep>,
    /// Plain lines, such as a staff digest's list of requests.
    pub lines: Vec<String>,
    pub tracking_code: Option<String>,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextPart<'a> {
    c: &'a Content,
    ctx: &'a MailContext,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlPart<'a> {
    c: &'a Content,
    ctx: &'a MailContext,
}

impl Content {
    pub fn render(
        &self,
        template: &'static str,
        to: &str,
        ctx: &MailContext,
    ) -> Result<OutgoingMessage, askama::Error> {
        Ok(OutgoingMessage {
            template,
            message_id: format!("<{}@{}>", Uuid::new_v4(), ctx.host),
            to: to.to_string(),
            subject: self.subject.clone(),
            text: TextPart { c: self, ctx }.render()?,
            html: HtmlPart { c: self, ctx }.render()?,
        })
    }
}
