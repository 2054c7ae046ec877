//! E-mail: messages built from askama templates at the moment the state change that
//! causes them is written (then queued in the outbox), or queued as their template and
//! parameters and built by the worker when it sends them (`deferred`: intake's
//! receipts), and the transports that deliver them (SMTP, or `.eml` files when no SMTP
//! server is configured).

pub mod console;
pub mod deferred;
pub mod messages;
pub mod records;
pub mod shine_the_light;
pub mod smtp;
pub mod tasks;
pub mod transport;

use askama::Template;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::deadlines::Deadlines;
use crate::domain::lang::Lang;
use crate::locale::Tr;

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
    /// The secret the worker creates when it sends the message (a link's token, a
    /// one-time code), written where the text holds the slot's placeholder.
    pub slot: Option<deferred::Slot>,
}

impl OutgoingMessage {
    /// This message, its link (rendered from `MailContext::link_slot_url`) created by
    /// the worker when it sends it, for `purpose`, working until `expires_at`.
    pub fn with_link(
        mut self,
        purpose: crate::domain::kinds::LinkPurpose,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        self.slot = Some(deferred::Slot::Verification(deferred::Link::new((
            purpose, expires_at,
        ))));
        self
    }

    /// This message, its secret created by the worker when it sends it, written where
    /// the message holds `slot`'s placeholder (`deferred::Slot::placeholder`).
    pub fn with_slot(mut self, slot: deferred::Slot) -> Self {
        self.slot = Some(slot);
        self
    }

    /// This message's link, once used, leads to `redirect_to` (see `with_link`).
    pub fn redirecting_to(mut self, redirect_to: Option<String>) -> Self {
        if let Some(deferred::Slot::Verification(link)) = &mut self.slot {
            link.redirect_to = redirect_to;
        }
        self
    }

    /// The outbox's `params` of this rendered message: its slot, if any.
    pub fn params(&self) -> Option<serde_json::Value> {
        self.slot.as_ref().map(deferred::Slot::params)
    }
}

/// A message for the outbox: rendered when it is queued, or queued as its template and
/// parameters for the worker to render when it sends it.
#[derive(Debug, Clone)]
pub enum ToQueue {
    Rendered(OutgoingMessage),
    Deferred {
        /// Chosen when queued, as a rendered message's is.
        message_id: String,
        to: String,
        message: deferred::Deferred,
    },
}

impl ToQueue {
    /// A message the worker renders, to `to`, with a new Message-ID.
    pub fn deferred(ctx: &MailContext, to: &str, message: deferred::Deferred) -> Self {
        ToQueue::Deferred {
            message_id: ctx.message_id(),
            to: to.to_string(),
            message,
        }
    }

    pub fn to(&self) -> &str {
        match self {
            ToQueue::Rendered(m) => &m.to,
            ToQueue::Deferred { to, .. } => to,
        }
    }

    pub fn message_id(&self) -> &str {
        match self {
            ToQueue::Rendered(m) => &m.message_id,
            ToQueue::Deferred { message_id, .. } => message_id,
        }
    }
}

impl From<OutgoingMessage> for ToQueue {
    fn from(message: OutgoingMessage) -> Self {
        ToQueue::Rendered(message)
    }
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
    /// How consumers reach the business, for every consumer message's footer.
    pub contact: Contact,
    /// The language the message is written in: the request's (`in_lang`).
    pub t: Tr,
}

/// How consumers reach the business; each part empty when not configured.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub phone: String,
    pub email: String,
    pub postal_address: String,
    pub privacy_policy_url: String,
}

impl Contact {
    pub fn from_settings(settings: &Settings) -> Self {
        let b = &settings.business;
        Self {
            phone: b.phone.trim().to_string(),
            email: b.email.trim().to_string(),
            postal_address: b.postal_address.trim().to_string(),
            privacy_policy_url: b.privacy_policy_url.trim().to_string(),
        }
    }

    /// Whether there is any way to reach the business besides this portal.
    pub fn is_empty(&self) -> bool {
        self.phone.is_empty() && self.email.is_empty() && self.postal_address.is_empty()
    }

    /// The phone number as a `tel:` link: digits and a leading `+` only.
    pub fn phone_href(&self) -> String {
        let digits: String = self
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        format!("tel:{digits}")
    }

    /// The postal address on one line, for plain text and subjects.
    pub fn postal_one_line(&self) -> String {
        self.postal_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// "by phone at …, by e-mail at … or by mail at …", in `t`'s language: how to ask
    /// questions, said in receipts and denials; empty when nothing is configured.
    pub fn ways(&self, t: impl std::borrow::Borrow<Tr>) -> String {
        let t = t.borrow();
        let mut ways = Vec::new();
        if !self.phone.is_empty() {
            ways.push(t.arg("contact-way-phone", "phone", &self.phone));
        }
        if !self.email.is_empty() {
            ways.push(t.arg("contact-way-email", "email", &self.email));
        }
        if !self.postal_address.is_empty() {
            ways.push(t.arg("contact-way-mail", "address", self.postal_one_line()));
        }
        match ways.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => t.args(
                "list-or",
                &[("init", &init.join(", ")), ("last", last.as_str())],
            ),
        }
    }
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
            contact: Contact::from_settings(settings),
            t: Tr::default(),
        }
    }

    /// The same context, writing in `lang`: every consumer message is written in the
    /// language stored with its request.
    pub fn in_lang(&self, lang: Lang) -> MailContext {
        MailContext {
            t: Tr::new(lang),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The verification link that opens with `token`.
    pub fn verify_url(&self, token: &str) -> String {
        self.url(&format!("/verify/{token}"))
    }

    /// The verification link of a message rendered now whose link the worker creates
    /// when it sends it (`OutgoingMessage::with_link`).
    pub fn link_slot_url(&self) -> String {
        self.verify_url(deferred::LINK_SLOT)
    }

    /// A new Message-ID on the portal's host.
    pub fn message_id(&self) -> String {
        format!("<{}@{}>", Uuid::new_v4(), self.host)
    }

    /// The status page, in the message's language.
    pub fn status_url(&self) -> String {
        self.url(&format!("/status?lang={}", self.t.code()))
    }
}

/// A date as people read it in `t`'s language: "Tuesday, December 8, 2026",
/// "martes, 8 de diciembre de 2026".
pub fn long_date(t: &Tr, date: NaiveDate) -> String {
    t.date(date)
}

/// A deadline with its plain-language meaning.
#[derive(Debug, Clone)]
pub struct DatedStep {
    pub label: String,
    pub date: String,
}

/// The dates a consumer is told about for a request.
pub fn consumer_dates(t: &Tr, deadlines: &Deadlines) -> Vec<DatedStep> {
    [
        (deadlines.confirm_by, "date-confirm-by"),
        (deadlines.respond_by, "date-respond-by"),
        (deadlines.comply_by, "date-comply-by"),
    ]
    .into_iter()
    .filter_map(|(date, label)| {
        date.map(|d| DatedStep {
            label: t.get(label),
            date: t.date(d),
        })
    })
    .collect()
}

/// A link the reader is asked to follow.
#[derive(Debug, Clone)]
pub struct Action {
    pub label: String,
    pub url: String,
}

/// The most of someone's typed text a message quotes.
pub const QUOTE_CHARS: usize = 200;

/// Text that someone other than the business typed (an agent's name, a filer's
/// details), shown as what they gave: labelled, in quotation marks, on one line, at most
/// `QUOTE_CHARS` characters, and never a link. It never goes in a subject, where it
/// would read as the business's own words; a message can be made to carry a phishing
/// link or a fake instruction otherwise.
#[derive(Debug, Clone)]
pub struct Quoted {
    /// Says whose words these are, e.g. "Name the agent gave".
    pub label: String,
    pub text: String,
}

impl Quoted {
    pub fn new(label: impl Into<String>, typed: &str) -> Self {
        Self {
            label: label.into(),
            text: unlinkable(&clip(typed)),
        }
    }
}

/// One line of at most `QUOTE_CHARS` characters, ending in "…" when cut; control and
/// direction-changing characters dropped.
fn clip(typed: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    let clean: String = typed
        .chars()
        .filter(|c| !hidden(*c) || c.is_whitespace())
        .collect();
    let line = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= QUOTE_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(QUOTE_CHARS - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// Breaks what mail clients turn into links, the way security notices do: `://`
/// becomes `[:]//`, a dot between characters `[.]` (so `www.`, domains, addresses and
/// IP addresses no longer look like them) and `@` `[at]`. A dot before a space, as in
/// "J. Smith", is left alone.
pub fn unlinkable(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ':' if next == Some('/') => out.push_str("[:]"),
            '.' | '。' | '．' | '｡' if next.is_some_and(char::is_alphanumeric) => {
                out.push_str("[.]");
            }
            '@' | '＠' => out.push_str("[at]"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// The content of one message; `email/message.txt` and `email/message.html` lay it out.
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub subject: String,
    pub paragraphs: Vec<String>,
    /// What others typed, after the paragraphs (see `Quoted`).
    pub quoted: Vec<Quoted>,
    pub action: Option<Action>,
    /// Said after the action, e.g. how long a link works.
    pub after_action: Vec<String>,
    pub dates: Vec<DatedStep>,
    /// Plain lines, such as a staff digest's list of requests.
    pub lines: Vec<String>,
    pub tracking_code: Option<String>,
    /// A message to the privacy team: no business contact footer.
    pub for_staff: bool,
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
            message_id: ctx.message_id(),
            to: to.to_string(),
            subject: self.subject.clone(),
            text: TextPart { c: self, ctx }.render()?,
            html: HtmlPart { c: self, ctx }.render()?,
            slot: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_quoted_so_that_no_mail_client_links_it() {
        let q = |t: &str| Quoted::new("Name the agent gave", t).text;
        assert_eq!(q("Sam Rivera"), "Sam Rivera");
        assert_eq!(q("J. Smith & Co."), "J. Smith & Co.");
        assert_eq!(
            q("Go to https://evil.example/pay now"),
            "Go to https[:]//evil[.]example/pay now"
        );
        assert_eq!(q("www.evil.example"), "www[.]evil[.]example");
        assert_eq!(
            q("mail me: help@evil.example"),
            "mail me: help[at]evil[.]example"
        );
        assert_eq!(q("call 10.0.0.1"), "call 10[.]0[.]0[.]1");
        assert_eq!(q("evil。example"), "evil[.]example");
        assert_eq!(
            q("line one\r\nSubject: forged\u{202e}txt.exe"),
            "line one Subject: forgedtxt[.]exe",
            "one line, no direction tricks"
        );
    }

    #[test]
    fn typed_text_is_cut_at_the_limit_with_an_ellipsis() {
        let long = "a".repeat(500);
        let quoted = Quoted::new("Details given", &long).text;
        assert_eq!(quoted.chars().count(), QUOTE_CHARS);
        assert!(quoted.ends_with('…'));
        let exact = "b".repeat(QUOTE_CHARS);
        assert_eq!(Quoted::new("Details given", &exact).text, exact);
    }
}
