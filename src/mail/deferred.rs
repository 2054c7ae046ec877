//! Messages stored as their template and parameters, and rendered by the worker when it
//! sends them. Intake writes one receipt per submission: a few hundred bytes of
//! parameters instead of kilobytes of rendered text and HTML keep the write path's rows
//! and WAL small, and the live link a receipt holds (a verification or confirm-the-agent
//! link) is created only when the message is rendered, so no raw token is ever at rest.
//! Rendering reads the request's language at send time (`MailContext::in_lang`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{MailContext, OutgoingMessage, messages};
use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::{LinkPurpose, RequestKind};
use crate::domain::tracking::TrackingCode;

/// A message the worker renders when it sends it. Serialised into the outbox as
/// `template` (the variant's name, as rendered messages name theirs) and `params`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", content = "params", rename_all = "snake_case")]
pub enum Deferred {
    /// `messages::receipt`, with a link to confirm the address when the request needs one.
    Receipt(ReceiptParams),
    /// `messages::agent_confirmation`: the consumer confirms (or rejects) the agent.
    AgentConfirmation(AgentConfirmationParams),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptParams {
    pub tracking_code: String,
    pub kind: String,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub comply_by: Option<NaiveDate>,
    pub link: Option<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfirmationParams {
    pub tracking_code: String,
    pub kind: String,
    /// What the agent typed about themselves, quoted as theirs (`Quoted`).
    pub agent_name: String,
    pub organisation: Option<String>,
    pub link: Link,
}

/// The link a message carries: created by the worker when it renders the message, with
/// the purpose and expiry fixed at intake (the link's life counts from the receipt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub purpose: String,
    pub expires_at: DateTime<Utc>,
    /// Where the link leads once used (an agent's page), if not to the status page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_to: Option<String>,
}

/// Where a message rendered when queued holds its secret (a link's token, a one-time
/// code) until the worker creates it, as it sends the message: such a message is stored
/// rendered, with its [`Slot`] as its parameters, so no raw token is at rest in it.
pub const LINK_SLOT: &str = "link-created-when-sent";

/// Where a download code's message holds the code until the worker creates it.
pub const CODE_SLOT: &str = "code-created-when-sent";

/// The secret a rendered message's slot stands for, which the worker creates, stores
/// hashed and writes into the message when it sends it, where the message holds the
/// slot's `placeholder`. The outbox's `params` of such a
/// message are this, externally tagged: `{"link_slot": {...}}`, `{"download_slot": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slot {
    /// A verification link for the message's request (`MailContext::link_slot_url`);
    /// the request's earlier links stop working when it is created.
    #[serde(rename = "link_slot")]
    Verification(Link),
    /// A new link to the request's kept response package.
    #[serde(rename = "download_slot")]
    Download { expires_at: DateTime<Utc> },
    /// A one-time code for the download link `link_id` ([`CODE_SLOT`]).
    #[serde(rename = "code_slot")]
    DownloadCode {
        link_id: i64,
        expires_at: DateTime<Utc>,
    },
    /// The agent's link to follow the request.
    #[serde(rename = "agent_status_slot")]
    AgentStatus {},
    /// A staff member's invitation to choose a password.
    #[serde(rename = "invite_slot")]
    Invite {
        staff_id: uuid::Uuid,
        expires_at: DateTime<Utc>,
    },
}

impl Slot {
    /// The outbox parameters of a rendered message with this slot.
    pub fn params(&self) -> serde_json::Value {
        // Strings, dates and ids always serialise.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// The slot of a rendered message's parameters, if they hold one: a single key
    /// naming it (a deferred message's parameters hold several).
    pub fn of(params: &serde_json::Value) -> Option<Result<Slot, Undecodable>> {
        let fields = params.as_object()?;
        let named = fields.len() == 1 && fields.keys().all(|k| k.ends_with("_slot"));
        named.then(|| Ok(serde_json::from_value(params.clone())?))
    }

    /// What the message holds where the secret goes.
    pub fn placeholder(&self, ctx: &MailContext) -> String {
        self.written(ctx, if self.is_code() { CODE_SLOT } else { LINK_SLOT })
    }

    /// What the message holds once the worker has made `secret`: the link that opens
    /// with it, or the code itself.
    pub fn written(&self, ctx: &MailContext, secret: &str) -> String {
        match self {
            Slot::Verification(_) => ctx.verify_url(secret),
            Slot::Download { .. } => ctx.url(&format!("/download/{secret}")),
            Slot::DownloadCode { .. } => secret.to_string(),
            Slot::AgentStatus {} => ctx.url(&format!("/agent/status/{secret}")),
            Slot::Invite { .. } => ctx.url(&format!("/staff/invite/{secret}")),
        }
    }

    /// Whether the secret is a one-time code the consumer types, not a link's token.
    pub fn is_code(&self) -> bool {
        matches!(self, Slot::DownloadCode { .. })
    }
}

/// Parameters that do not decode: the row was written by a version that no longer
/// exists, or by hand. Retrying does not help.
#[derive(Debug, thiserror::Error)]
pub enum Undecodable {
    #[error("the message's parameters do not decode: {0}")]
    Params(#[from] serde_json::Error),
    #[error("the message's {0} does not decode")]
    Field(&'static str),
    #[error("rendering: {0}")]
    Render(#[from] askama::Error),
}

impl Deferred {
    pub fn receipt(
        code: &TrackingCode,
        kind: RequestKind,
        deadlines: &Deadlines,
        link: Option<(LinkPurpose, DateTime<Utc>)>,
    ) -> Self {
        Deferred::Receipt(ReceiptParams {
            tracking_code: code.to_string(),
            kind: kind.code().to_string(),
            confirm_by: deadlines.confirm_by,
            respond_by: deadlines.respond_by,
            comply_by: deadlines.comply_by,
            link: link.map(Link::new),
        })
    }

    pub fn agent_confirmation(
        code: &TrackingCode,
        kind: RequestKind,
        agent_name: &str,
        organisation: Option<&str>,
        link: (LinkPurpose, DateTime<Utc>),
    ) -> Self {
        Deferred::AgentConfirmation(AgentConfirmationParams {
            tracking_code: code.to_string(),
            kind: kind.code().to_string(),
            agent_name: agent_name.to_string(),
            organisation: organisation.map(str::to_string),
            link: Link::new(link),
        })
    }

    /// The outbox's `template` and `params` of this message.
    pub fn to_row(&self) -> (&'static str, String) {
        let template = match self {
            Deferred::Receipt(_) => "receipt",
            Deferred::AgentConfirmation(_) => "agent_confirmation",
        };
        let params = match self {
            Deferred::Receipt(p) => serde_json::to_string(p),
            Deferred::AgentConfirmation(p) => serde_json::to_string(p),
        };
        // Plain structs of strings, dates and options always serialise.
        (template, params.unwrap_or_default())
    }

    /// The message of an outbox row's `template` and `params`.
    pub fn from_row(template: &str, params: &serde_json::Value) -> Result<Self, Undecodable> {
        let tagged = serde_json::json!({ "template": template, "params": params });
        Ok(serde_json::from_value(tagged)?)
    }

    /// The link the worker creates for this message, if it has one: its purpose and
    /// when it stops working.
    pub fn link(&self) -> Result<Option<(LinkPurpose, DateTime<Utc>)>, Undecodable> {
        let link = match self {
            Deferred::Receipt(p) => p.link.as_ref(),
            Deferred::AgentConfirmation(p) => Some(&p.link),
        };
        link.map(|l| Ok((l.purpose()?, l.expires_at))).transpose()
    }

    /// Renders the message in `ctx`'s language, `link_url` being the link the worker
    /// created for it (see `link`).
    pub fn render(
        &self,
        ctx: &MailContext,
        to: &str,
        message_id: &str,
        link_url: Option<&str>,
    ) -> Result<OutgoingMessage, Undecodable> {
        let mut message = match self {
            Deferred::Receipt(p) => {
                let deadlines = Deadlines {
                    confirm_by: p.confirm_by,
                    respond_by: p.respond_by,
                    comply_by: p.comply_by,
                };
                messages::receipt(
                    ctx,
                    to,
                    &code(&p.tracking_code)?,
                    kind(&p.kind)?,
                    &deadlines,
                    link_url,
                )?
            }
            Deferred::AgentConfirmation(p) => messages::agent_confirmation(
                ctx,
                to,
                &code(&p.tracking_code)?,
                kind(&p.kind)?,
                &p.agent_name,
                p.organisation.as_deref(),
                link_url.ok_or(Undecodable::Field("link"))?,
            )?,
        };
        // Stable across retries: the Message-ID was chosen when the message was queued.
        message.message_id = message_id.to_string();
        Ok(message)
    }
}

impl Link {
    pub fn new((purpose, expires_at): (LinkPurpose, DateTime<Utc>)) -> Self {
        Link {
            purpose: purpose.code().to_string(),
            expires_at,
            redirect_to: None,
        }
    }

    /// The purpose, decoded.
    pub fn purpose(&self) -> Result<LinkPurpose, Undecodable> {
        LinkPurpose::parse(&self.purpose).map_err(|_| Undecodable::Field("link purpose"))
    }
}

fn code(code: &str) -> Result<TrackingCode, Undecodable> {
    TrackingCode::stored(code).map_err(|_| Undecodable::Field("tracking code"))
}

fn kind(code: &str) -> Result<RequestKind, Undecodable> {
    RequestKind::parse(code).map_err(|_| Undecodable::Field("kind"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deferred_receipt_round_trips_through_its_outbox_row() {
        let code = TrackingCode::generate();
        let deadlines = Deadlines {
            confirm_by: NaiveDate::from_ymd_opt(2026, 12, 8),
            respond_by: NaiveDate::from_ymd_opt(2027, 1, 11),
            comply_by: None,
        };
        let expires = Utc::now();
        let receipt = Deferred::receipt(
            &code,
            RequestKind::Delete,
            &deadlines,
            Some((LinkPurpose::VerifyEmail, expires)),
        );
        let (template, params) = receipt.to_row();
        assert_eq!(template, "receipt");
        assert!(params.len() < 300, "a small row: {params}");
        let params: serde_json::Value = serde_json::from_str(&params).unwrap();
        let back = Deferred::from_row(template, &params).unwrap();
        assert_eq!(back, receipt);
        assert_eq!(
            back.link().unwrap(),
            Some((LinkPurpose::VerifyEmail, expires))
        );
        assert!(Deferred::from_row("outcome", &params).is_err());
    }

    #[test]
    fn a_rendered_message_holds_its_link_slot_where_the_worker_writes_the_link() {
        let ctx = MailContext::new(&crate::config::Settings::defaults());
        let code = TrackingCode::generate();
        let expires = Utc::now();
        let message =
            messages::verification_link(&ctx, "ana@example.com", &code, &ctx.link_slot_url())
                .unwrap()
                .with_link(LinkPurpose::VerifyEmail, expires);
        // Both parts hold the slot as written, so the worker finds it in each.
        assert!(
            message.text.contains(&ctx.link_slot_url()),
            "{}",
            message.text
        );
        assert!(
            message.html.contains(&ctx.link_slot_url()),
            "{}",
            message.html
        );
        let params = message.params().unwrap();
        assert_eq!(
            Slot::of(&params).unwrap().unwrap(),
            Slot::Verification(Link::new((LinkPurpose::VerifyEmail, expires)))
        );
        assert!(Slot::of(&serde_json::json!({ "tracking_code": "x" })).is_none());
        let bad = serde_json::json!({ "link_slot": { "purpose": "nope", "expires_at": expires } });
        let Some(Ok(Slot::Verification(link))) = Slot::of(&bad) else {
            panic!("the slot decodes, its purpose is checked when the link is made");
        };
        assert!(link.purpose().is_err());
        assert!(
            Slot::of(&serde_json::json!({ "unknown_slot": {} }))
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn every_slot_round_trips_through_its_params_and_writes_its_secret_where_it_stood() {
        let ctx = MailContext::new(&crate::config::Settings::defaults());
        let expires_at = Utc::now();
        let slots = [
            Slot::Verification(Link::new((LinkPurpose::VerifyEmail, expires_at))),
            Slot::Download { expires_at },
            Slot::DownloadCode {
                link_id: 7,
                expires_at,
            },
            Slot::AgentStatus {},
            Slot::Invite {
                staff_id: uuid::Uuid::new_v4(),
                expires_at,
            },
        ];
        for slot in slots {
            let params = slot.params();
            assert_eq!(Slot::of(&params).unwrap().unwrap(), slot, "{params}");
            let placeholder = slot.placeholder(&ctx);
            let written = slot.written(&ctx, "s3cret");
            assert!(placeholder.contains("created-when-sent"), "{placeholder}");
            assert_eq!(
                written,
                placeholder.replace(if slot.is_code() { CODE_SLOT } else { LINK_SLOT }, "s3cret")
            );
        }
        assert_eq!(
            Slot::Download { expires_at }.written(&ctx, "t"),
            ctx.url("/download/t")
        );
    }

    #[test]
    fn every_message_with_a_slot_holds_it_in_both_bodies_in_every_language() {
        use crate::domain::lang::Lang;
        let base = MailContext::new(&crate::config::Settings::defaults());
        let code = TrackingCode::generate();
        let expires_at = Utc::now();
        let download = Slot::Download { expires_at }.placeholder(&base);
        let one_time = Slot::DownloadCode {
            link_id: 1,
            expires_at,
        }
        .placeholder(&base);
        let status = Slot::AgentStatus {}.placeholder(&base);
        let deadlines = Deadlines {
            confirm_by: None,
            respond_by: NaiveDate::from_ymd_opt(2027, 1, 11),
            comply_by: None,
        };
        for lang in [Lang::En, Lang::Es] {
            let ctx = base.in_lang(lang);
            let to = "ana@example.com";
            let kind = RequestKind::KnowSpecific;
            let outcome = messages::Outcome::Fulfilled;
            let rendered = [
                (
                    messages::package_ready(&ctx, to, &code, kind, outcome, "Here.", &download),
                    &download,
                ),
                (
                    crate::mail::records::fresh_download_link(&ctx, to, &code, &download),
                    &download,
                ),
                (
                    messages::download_code(&ctx, to, &code, &one_time, 15),
                    &one_time,
                ),
                (
                    messages::agent_receipt(&ctx, to, &code, kind, &deadlines, &status),
                    &status,
                ),
            ];
            for (message, placeholder) in rendered {
                let message = message.unwrap();
                assert!(
                    message.text.contains(placeholder.as_str())
                        && message.html.contains(placeholder.as_str())
                        && !message.subject.contains(placeholder.as_str()),
                    "{} ({lang:?}) must hold {placeholder} in its bodies only",
                    message.template
                );
            }
        }
    }
}
