//! Delivering a queued message: over SMTP (`smtp://`, `smtps://`, STARTTLS with
//! `?tls=required`, credentials in the URL), or as `.eml` files when no SMTP server is
//! configured.

use std::path::PathBuf;

use anyhow::Context;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart, header};

use super::SendError;
use super::smtp::Smtp;

/// A message as the worker reads it from the outbox.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub template: String,
    pub message_id: String,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
    pub tracking_code: Option<String>,
}

pub enum Transport {
    Smtp(Smtp),
    Files(PathBuf),
}

impl Transport {
    pub fn from_settings(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let smtp =
                    Smtp::from_url(url).context("RIGHTSDESK_SMTP_URL is not a valid SMTP URL")?;
                Ok(Transport::Smtp(smtp))
            }
            None => {
                let dir = data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Ok(Transport::Files(dir))
            }
        }
    }

    pub async fn send(&self, from: &Mailbox, queued: &Queued) -> Result<(), SendError> {
        let message = build(from, queued).map_err(|e| SendError {
            permanent: true,
            message: format!("the message could not be built: {e}"),
        })?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message.envelope(), &message.formatted()).await,
            Transport::Files(dir) => {
                let path = dir.join(format!("{:010}.eml", queued.id));
                let tmp = dir.join(format!(".{:010}.eml.tmp", queued.id));
                let written = async {
                    tokio::fs::write(&tmp, message.formatted()).await?;
                    tokio::fs::rename(&tmp, &path).await
                };
                written.await.map_err(|e| SendError {
                    permanent: false,
                    message: format!("writing {}: {e}", path.display()),
                })
            }
        }
    }
}

fn build(from: &Mailbox, q: &Queued) -> anyhow::Result<Message> {
    let to: Mailbox = q.to_addr.parse().context("recipient address")?;
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&q.subject)
        .message_id(Some(q.message_id.clone()))
        .header(header::Date::now())
        .multipart(MultiPart::alternative_plain_html(
            q.body_text.clone(),
            q.body_html.clone(),
        ))?)
}
