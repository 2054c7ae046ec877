//! Messages about decisions passed on downstream: the notice an e-mail recipient gets
//! for its task (with its completion link) or its cancellation, the consumer's "passed
//! on" notice once every task was delivered, and staff alerts. Staff messages carry
//! tracking codes and recipient names only, never the consumer's data.

use super::{Action, Content, MailContext, OutgoingMessage};
use crate::domain::kinds::RequestKind;

type Rendered = Result<OutgoingMessage, askama::Error>;

/// What the recipient must do, for each kind.
fn what_to_do(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Delete => "Delete the personal information you hold about this consumer.",
        RequestKind::Correct => {
            "Correct the personal information you hold about this consumer as shown."
        }
        RequestKind::OptOut => "Stop selling and sharing this consumer's personal information.",
        RequestKind::LimitSensitive => {
            "Limit your use of this consumer's sensitive personal information to what is needed to provide the goods and services asked for."
        }
        _ => "Act on this request.",
    }
}

/// The consumer's details a recipient needs to find them.
pub struct Identifiers<'a> {
    pub email: &'a str,
    pub full_name: Option<&'a str>,
    /// Field, current value, corrected value.
    pub correction: Option<(&'a str, &'a str, &'a str)>,
}

/// To an e-mail recipient: a decision to carry out, with its single-use link.
pub fn task_notice(
    ctx: &MailContext,
    to: &str,
    code: &str,
    kind: RequestKind,
    who: &Identifiers<'_>,
    url: &str,
    link_days: i64,
) -> Rendered {
    let mut lines = vec![format!("E-mail address: {}", who.email)];
    if let Some(name) = who.full_name {
        lines.push(format!("Name: {name}"));
    }
    if let Some((field, current, corrected)) = who.correction {
        lines.push(format!("Information to correct: {field}"));
        lines.push(format!("Says now: {current}"));
        lines.push(format!("Should say: {corrected}"));
    }
    Content {
        subject: format!("Privacy request {code} to carry out: {}", kind.title()),
        paragraphs: vec![
            format!(
                "{} has decided a consumer's privacy request that applies to the information you hold for it: {}.",
                ctx.business_name,
                kind.title()
            ),
            what_to_do(kind).into(),
            "The consumer, as identified in the request:".into(),
        ],
        lines,
        action: Some(Action {
            label: "Confirm it is done, or say why not".into(),
            url: url.to_string(),
        }),
        after_action: vec![format!(
            "The link works once and for {link_days} days. If an exception in the law lets you keep some of the information, say which on that page."
        )],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("task_notice", to, ctx)
}

/// To an e-mail recipient: a task sent earlier is called off (the request was withdrawn).
pub fn task_cancelled(ctx: &MailContext, to: &str, code: &str, kind: RequestKind) -> Rendered {
    Content {
        subject: format!("Privacy request {code} withdrawn: nothing to do"),
        paragraphs: vec![
            format!(
                "The request we sent you earlier ({}) has been withdrawn. Please do not act on it; if you already have, there is nothing more to do.",
                kind.title()
            ),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("task_cancelled", to, ctx)
}

/// To the consumer, once every recipient the request applies to has been told.
pub fn passed_on(ctx: &MailContext, to: &str, code: &str, kind: RequestKind) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-passed-on-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-passed-on-intro", "kind", t.kind_title(kind)),
            t.get("mail-nothing-to-do"),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("passed_on", to, ctx)
}

/// To staff: a delivery gave up after every attempt.
pub fn staff_task_failed(
    ctx: &MailContext,
    to: &str,
    code: Option<&str>,
    recipient: &str,
    error: &str,
) -> Rendered {
    let about = code.map_or_else(|| "no request".to_string(), |c| format!("request {c}"));
    let mut c = Content {
        subject: format!("A recipient could not be reached ({about})"),
        paragraphs: vec![
            format!(
                "The message to recipient \"{recipient}\" about {about} could not be delivered after every retry."
            ),
            format!("The last error: {error}"),
            "Please pass the decision on another way and record it on the request page.".into(),
        ],
        ..Default::default()
    };
    if let Some(code) = code {
        c.action = Some(Action {
            label: "Open the request".into(),
            url: ctx.url(&format!("/staff/requests/{code}")),
        });
    }
    c.render("staff_task_failed", to, ctx)
}

/// To staff: tasks still open after `[tasks] overdue_days`.
pub fn staff_tasks_overdue(ctx: &MailContext, to: &str, lines: Vec<String>, days: i64) -> Rendered {
    Content {
        subject: format!("{} task(s) passed on still not done", lines.len()),
        paragraphs: vec![format!(
            "These recipients have not confirmed their task within {days} days. Please follow up with them."
        )],
        lines,
        action: Some(Action {
            label: "Open the queue".into(),
            url: ctx.url("/staff/requests"),
        }),
        ..Default::default()
    }
    .render("staff_tasks_overdue", to, ctx)
}

/// A line about one open task in a staff message.
pub fn staff_task_line(ctx: &MailContext, code: &str, recipient: &str, since: &str) -> String {
    format!(
        "{code} · {recipient} · open since {since} · {}",
        ctx.url(&format!("/staff/requests/{code}"))
    )
}
