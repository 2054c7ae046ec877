//! Every message the portal sends, in plain language, each with the tracking code and
//! the dates that apply. Consumer messages are written in the request's language
//! (`MailContext::in_lang`), from the `locales/*/mail.ftl` files; staff messages stay
//! in English.

use chrono::NaiveDate;

use super::{Action, Content, DatedStep, MailContext, OutgoingMessage, Quoted, consumer_dates};
use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::RequestKind;
use crate::domain::tracking::TrackingCode;

type Rendered = Result<OutgoingMessage, askama::Error>;

fn verify_action(ctx: &MailContext, url: &str) -> (Option<Action>, Vec<String>) {
    let t = &ctx.t;
    (
        Some(Action {
            label: t.get("mail-verify-button"),
            url: url.to_string(),
        }),
        vec![t.count("mail-verify-link-works", "days", ctx.link_days)],
    )
}

/// "You can also reach us by phone at …": how to reach the business, when configured.
fn reach_us(ctx: &MailContext, key: &str) -> Option<String> {
    let ways = ctx.contact.ways(ctx.t);
    (!ways.is_empty()).then(|| ctx.t.arg(key, "ways", ways))
}

/// Sent at once for every request (ccpa-rules §2): what was received, how verification
/// works, when to expect the answer, and how else to reach the business.
pub fn receipt(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    deadlines: &Deadlines,
    verify_url: Option<&str>,
) -> Rendered {
    let t = &ctx.t;
    let mut paragraphs = vec![t.arg("mail-receipt-received", "kind", t.kind_title(kind))];
    let (action, after_action) = match verify_url {
        Some(url) => {
            paragraphs.push(t.get("mail-receipt-next-verify"));
            verify_action(ctx, url)
        }
        None => {
            paragraphs.push(t.get("mail-receipt-next-no-verify"));
            (None, vec![])
        }
    };
    Content {
        subject: t.arg("mail-receipt-subject", "code", code),
        paragraphs,
        action,
        after_action: [
            after_action,
            reach_us(ctx, "mail-questions").into_iter().collect(),
            vec![t.get("mail-not-you")],
        ]
        .concat(),
        dates: consumer_dates(t, deadlines),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("receipt", to, ctx)
}

/// To the consumer when an agent filed for them with signed permission: confirm or
/// reject the agent, with one link. What the agent typed about themselves is quoted as
/// theirs, never in the subject and never as a link (`Quoted`).
pub fn agent_confirmation(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    agent: &str,
    organisation: Option<&str>,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    let mut quoted = vec![Quoted::new(t.get("mail-quoted-agent-name"), agent)];
    if let Some(org) = organisation {
        quoted.push(Quoted::new(t.get("mail-quoted-agent-organisation"), org));
    }
    Content {
        subject: t.arg("mail-agent-confirmation-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-agent-confirmation-intro", "kind", t.kind_title(kind)),
            t.get("mail-agent-confirmation-unchecked"),
        ],
        quoted,
        action: Some(Action {
            label: t.get("mail-confirm-or-reject"),
            url: url.to_string(),
        }),
        after_action: vec![
            t.get("mail-agent-confirmation-choose"),
            t.count("mail-link-works", "days", ctx.link_days),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("agent_confirmation", to, ctx)
}

/// The agent's own receipt, with the link to follow the request.
pub fn agent_receipt(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    deadlines: &Deadlines,
    status_url: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-agent-receipt-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-agent-receipt-received", "kind", t.kind_title(kind)),
            t.get("mail-agent-receipt-follow"),
        ],
        action: Some(Action {
            label: t.get("mail-agent-receipt-button"),
            url: status_url.to_string(),
        }),
        after_action: reach_us(ctx, "mail-questions").into_iter().collect(),
        dates: consumer_dates(t, deadlines),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("agent_receipt", to, ctx)
}

/// A new link, asked for from the status page.
pub fn verification_link(ctx: &MailContext, to: &str, code: &TrackingCode, url: &str) -> Rendered {
    let t = &ctx.t;
    let (action, after_action) = verify_action(ctx, url);
    Content {
        subject: t.arg("mail-verification-link-subject", "code", code),
        paragraphs: vec![t.get("mail-verification-link-intro")],
        action,
        after_action,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("verification_link", to, ctx)
}

/// Sent once, three days after a request that still waits for verification.
pub fn verification_reminder(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    respond_by: NaiveDate,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    let (action, after_action) = verify_action(ctx, url);
    Content {
        subject: t.arg("mail-verification-reminder-subject", "code", code),
        paragraphs: vec![
            t.arg(
                "mail-verification-reminder-intro",
                "kind",
                t.kind_title(kind),
            ),
            t.arg("mail-close-if-unconfirmed", "date", t.date(respond_by)),
        ],
        action,
        after_action,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("verification_reminder", to, ctx)
}

/// Sent once, three days after an agent filed for a consumer who has not yet confirmed
/// or rejected the agent: the same choice, with a fresh link.
pub fn agent_confirmation_reminder(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    respond_by: NaiveDate,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-agent-reminder-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-agent-reminder-intro", "kind", t.kind_title(kind)),
            t.arg("mail-close-if-no-answer", "date", t.date(respond_by)),
        ],
        action: Some(Action {
            label: t.get("mail-confirm-or-reject"),
            url: url.to_string(),
        }),
        after_action: vec![t.count("mail-link-works", "days", ctx.link_days)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("agent_confirmation_reminder", to, ctx)
}

/// A new link to confirm or reject an agent, asked for from the status page.
pub fn agent_confirmation_link(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-agent-link-subject", "code", code),
        paragraphs: vec![t.get("mail-agent-link-intro")],
        action: Some(Action {
            label: t.get("mail-confirm-or-reject"),
            url: url.to_string(),
        }),
        after_action: vec![t.count("mail-new-link-works", "days", ctx.link_days)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("agent_confirmation_link", to, ctx)
}

/// An opt-out or limit request has been applied (reg. §7026(g)).
pub fn opt_out_applied(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
) -> Rendered {
    let t = &ctx.t;
    let what = match kind {
        RequestKind::LimitSensitive => "mail-applied-limit",
        _ => "mail-applied-opt-out",
    };
    Content {
        subject: t.arg("mail-applied-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-applied-processed", "kind", t.kind_title(kind)),
            t.get(what),
            t.get("mail-applied-nothing-else"),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_out_applied", to, ctx)
}

/// The one extension allowed, with its reason (reg. §7021(b)).
pub fn extension_notice(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    new_date: NaiveDate,
    reason: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-extension-subject", "code", code),
        paragraphs: vec![
            t.get("mail-extension-intro"),
            t.arg("mail-the-reason", "reason", reason),
        ],
        dates: vec![DatedStep {
            label: t.get("date-respond-by"),
            date: t.date(new_date),
        }],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("extension_notice", to, ctx)
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Fulfilled,
    PartiallyFulfilled,
    Denied,
}

/// The answer: fulfilled, partly fulfilled, or denied with the reason.
pub fn outcome(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    outcome: Outcome,
    explanation: &str,
) -> Rendered {
    let t = &ctx.t;
    let (subject, first) = match outcome {
        Outcome::Fulfilled => ("mail-outcome-complete-subject", "mail-outcome-complete"),
        Outcome::PartiallyFulfilled => ("mail-outcome-partial-subject", "mail-outcome-partial"),
        Outcome::Denied => ("mail-denied-subject", "mail-denied-intro"),
    };
    let mut paragraphs = vec![t.arg(first, "kind", t.kind_title(kind))];
    if !explanation.is_empty() {
        paragraphs.push(explanation.to_string());
    }
    if kind == RequestKind::Delete {
        paragraphs.push(t.get("mail-record-kept"));
    }
    Content {
        subject: t.arg(subject, "code", code),
        paragraphs,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("outcome", to, ctx)
}

/// The answer to a request to know, with the link to its package.
pub fn package_ready(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    outcome: Outcome,
    explanation: &str,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    let mut message = self::outcome(ctx, to, code, kind, outcome, explanation)?;
    let content = Content {
        subject: message.subject.clone(),
        paragraphs: vec![
            t.arg("mail-outcome-complete", "kind", t.kind_title(kind)),
            t.get("mail-package-ready"),
        ]
        .into_iter()
        .chain((!explanation.is_empty()).then(|| explanation.to_string()))
        .collect(),
        action: Some(Action {
            label: t.get("mail-package-button"),
            url: url.to_string(),
        }),
        after_action: vec![t.count("mail-package-protect", "days", ctx.download_days)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    };
    let rendered = content.render("package_ready", to, ctx)?;
    message.text = rendered.text;
    message.html = rendered.html;
    message.template = rendered.template;
    Ok(message)
}

/// The one-time code that opens a download.
pub fn download_code(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    one_time: &str,
    minutes: i64,
) -> Rendered {
    let t = &ctx.t;
    Content {
        // The tracking code, not the one-time code: a delivered message keeps its
        // subject for the request's record, and the one-time code is a secret.
        subject: t.arg("mail-download-code-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-download-code-enter", "code", one_time),
            t.count("mail-download-code-works", "minutes", minutes),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("download_code", to, ctx)
}

/// Closed because identity could not be verified by the legal deadline (reg. §7024,
/// §7022): the notice says so. An opt-in that was not confirmed says that instead:
/// nothing changed. A request by an agent holding a power of attorney speaks of the
/// agent's authority, since the consumer was never asked to confirm anything.
pub fn closed_unverified(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    by_attorney: bool,
) -> Rendered {
    if kind == RequestKind::OptIn {
        return opt_in_lapsed(ctx, to, code);
    }
    let t = &ctx.t;
    let why = if by_attorney {
        "mail-closed-agent-unconfirmed"
    } else {
        "mail-closed-identity-unverified"
    };
    let mut paragraphs = vec![
        t.arg("mail-you-asked", "kind", t.kind_title(kind)),
        t.get(why),
    ];
    paragraphs.extend(unverified_know(ctx, kind));
    paragraphs.push(t.get("mail-welcome-new-request"));
    paragraphs.extend(reach_us(ctx, "mail-questions"));
    Content {
        subject: t.arg("mail-closed-subject", "code", code),
        paragraphs,
        action: Some(Action {
            label: t.get("mail-new-request-button"),
            url: ctx.url(&format!("/?lang={}", t.code())),
        }),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("closed_unverified", to, ctx)
}

/// What an unverified request to know still gets (reg. §7024(a)–(b)): specific pieces
/// are handled as categories, and every such answer points to the privacy policy.
fn unverified_know(ctx: &MailContext, kind: RequestKind) -> Vec<String> {
    let t = &ctx.t;
    let mut paragraphs = Vec::new();
    if kind == RequestKind::KnowSpecific {
        paragraphs.push(t.get("mail-unverified-specific-as-categories"));
    }
    if kind.is_know() {
        paragraphs.push(match ctx.privacy_policy_url.as_str() {
            "" => t.get("mail-privacy-policy-describes"),
            url => t.arg("mail-privacy-policy-describes-at", "url", url),
        });
    }
    paragraphs
}

/// Why a request was denied, as the consumer reads it.
pub struct Denial<'a> {
    /// The reason code; its text comes from the message files (`outcome-<code>`).
    pub reason: &'a str,
    /// What staff explained, if anything.
    pub explanation: &'a str,
}

/// A link to a consumer form, in the message's language.
fn form_link(ctx: &MailContext, kind: RequestKind) -> Action {
    Action {
        label: ctx.t.kind_title(kind),
        url: ctx.url(&format!(
            "/requests/new/{}?lang={}",
            kind.code(),
            ctx.t.code()
        )),
    }
}

/// A denial always states its reason (ccpa-rules §6) and how to ask questions about it
/// (reg. §7022(f), §7024(e)), and offers what the regulations ask: a denied deletion
/// offers the opt-out of sale/sharing (§7022(f)(4)); a denied correction offers
/// deletion instead (§7023(f)); an unverified request to know points to the privacy
/// policy (§7024(b)).
pub fn denied(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    denial: Denial<'_>,
) -> Rendered {
    let t = &ctx.t;
    let mut paragraphs = vec![
        t.arg("mail-denied-intro", "kind", t.kind_title(kind)),
        t.arg("mail-the-reason-denied", "reason", t.outcome(denial.reason)),
    ];
    if !denial.explanation.is_empty() {
        paragraphs.push(denial.explanation.to_string());
    }
    if denial.reason == "identity_not_verified" {
        paragraphs.extend(unverified_know(ctx, kind));
    }
    let mut action = None;
    match kind {
        RequestKind::Delete => {
            paragraphs.push(t.get("mail-record-kept"));
            paragraphs.push(t.get("mail-denied-delete-offer-opt-out"));
            action = Some(form_link(ctx, RequestKind::OptOut));
        }
        RequestKind::Correct if denial.reason != "suspected_fraud" => {
            paragraphs.push(t.get("mail-denied-correct-offer-delete"));
            action = Some(form_link(ctx, RequestKind::Delete));
        }
        _ => {}
    }
    Content {
        subject: t.arg("mail-denied-subject", "code", code),
        paragraphs,
        action,
        after_action: reach_us(ctx, "mail-denied-questions").into_iter().collect(),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("outcome", to, ctx)
}

/// A withdrawn request: the consumer (and the agent) are told nothing more will be done.
pub fn withdrawn(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    note: &str,
) -> Rendered {
    let t = &ctx.t;
    let mut paragraphs = vec![
        t.arg("mail-withdrawn-intro", "kind", t.kind_title(kind)),
        t.get("mail-withdrawn-closed"),
    ];
    if !note.is_empty() {
        paragraphs.push(note.to_string());
    }
    Content {
        subject: t.arg("mail-withdrawn-subject", "code", code),
        paragraphs,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("withdrawn", to, ctx)
}

/// The copy of a status message the agent who filed a request receives, in the
/// request's language like the original. A download link is the consumer's alone: a
/// package's message is not copied.
pub fn agent_copy(
    ctx: &MailContext,
    message: &OutgoingMessage,
    agent: &str,
) -> Option<OutgoingMessage> {
    // A message's secret is its recipient's alone.
    if message.slot.is_some() {
        return None;
    }
    let template = match message.template {
        "opt_out_applied" => "opt_out_applied_agent_copy",
        "extension_notice" => "extension_notice_agent_copy",
        "closed_unverified" => "closed_unverified_agent_copy",
        "withdrawn" => "withdrawn_agent_copy",
        "outcome" => "outcome_agent_copy",
        _ => return None,
    };
    Some(OutgoingMessage {
        template,
        message_id: format!("<{}@{}>", uuid::Uuid::new_v4(), ctx.host),
        to: agent.to_string(),
        ..message.clone()
    })
}

/// To the consumer when an agent asked over DRP to opt them back in to sale/sharing:
/// nothing changes until they confirm from the link (reg. §7028: two steps). The agent's
/// own checks never replace this confirmation.
pub fn opt_in_request(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    agent: &str,
    last_day: NaiveDate,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-opt-in-request-subject", "code", code),
        paragraphs: vec![
            t.arg("mail-opt-in-request-intro", "agent", agent),
            t.get("mail-opt-in-means"),
            t.get("mail-opt-in-nothing-changes"),
        ],
        action: Some(opt_in_choice(ctx, url)),
        after_action: vec![opt_in_link_works(ctx, last_day)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_request", to, ctx)
}

/// The button of an opt-in's link, which opens the page where the consumer chooses.
fn opt_in_choice(ctx: &MailContext, url: &str) -> Action {
    Action {
        label: ctx.t.get("mail-confirm-or-decline"),
        url: url.to_string(),
    }
}

fn opt_in_link_works(ctx: &MailContext, last_day: NaiveDate) -> String {
    ctx.t
        .arg("mail-opt-in-link-works", "date", ctx.t.date(last_day))
}

/// A new opt-in link, asked for from the status page.
pub fn opt_in_link(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    last_day: NaiveDate,
    url: &str,
) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-opt-in-link-subject", "code", code),
        paragraphs: vec![t.get("mail-opt-in-link-intro"), t.get("mail-opt-in-means")],
        action: Some(opt_in_choice(ctx, url)),
        after_action: vec![format!(
            "{} {}",
            opt_in_link_works(ctx, last_day),
            t.get("mail-earlier-links-void")
        )],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_link", to, ctx)
}

/// The consumer confirmed the opt-in: it is applied, and they can opt out again at any
/// time.
pub fn opted_in(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-opted-in-subject", "code", code),
        paragraphs: vec![t.get("mail-opted-in-done"), t.get("mail-opted-in-again")],
        action: Some(form_link(ctx, RequestKind::OptOut)),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opted_in", to, ctx)
}

/// The consumer declined the opt-in: nothing changed.
pub fn opt_in_declined(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-opt-in-declined-subject", "code", code),
        paragraphs: vec![
            t.get("mail-opt-in-declined-intro"),
            t.get("mail-opt-out-stays"),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_declined", to, ctx)
}

/// An opt-in not confirmed in time is closed without being applied.
fn opt_in_lapsed(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    let t = &ctx.t;
    Content {
        subject: t.arg("mail-opt-in-lapsed-subject", "code", code),
        paragraphs: vec![
            t.get("mail-opt-in-lapsed-intro"),
            t.get("mail-opt-in-lapsed-closed"),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("closed_unverified", to, ctx)
}

/// A line about one request in a staff message: tracking code, kind, due date. No
/// personal data, so the message can go to a shared mailbox.
pub fn staff_line(
    ctx: &MailContext,
    code: &str,
    kind: &str,
    due: Option<NaiveDate>,
    note: &str,
) -> String {
    let due = due.map_or_else(|| "no deadline".into(), |d| d.to_string());
    format!(
        "{code} · {kind} · due {due}{note} · {}",
        ctx.url(&format!("/staff/requests/{code}"))
    )
}

pub fn staff_digest(
    ctx: &MailContext,
    to: &str,
    day: NaiveDate,
    summary: String,
    lines: Vec<String>,
) -> Rendered {
    Content {
        subject: format!("Privacy requests due soon: digest for {day}"),
        paragraphs: vec![summary],
        lines,
        action: Some(Action {
            label: "Open the queue".into(),
            url: ctx.url("/staff/requests"),
        }),
        for_staff: true,
        ..Default::default()
    }
    .render("staff_digest", to, ctx)
}

pub fn staff_overdue(ctx: &MailContext, to: &str, lines: Vec<String>) -> Rendered {
    Content {
        subject: format!(
            "Overdue: {} privacy request(s) passed their legal deadline",
            lines.len()
        ),
        paragraphs: vec![
            "These requests are still open after their legal deadline. Please act on them today."
                .into(),
        ],
        lines,
        action: Some(Action {
            label: "Open the queue".into(),
            url: ctx.url("/staff/requests"),
        }),
        for_staff: true,
        ..Default::default()
    }
    .render("staff_overdue", to, ctx)
}

pub fn staff_delivery_failed(
    ctx: &MailContext,
    to: &str,
    template: &str,
    code: Option<&str>,
    error: &str,
) -> Rendered {
    let about = code.map_or_else(|| "no request".to_string(), |c| format!("request {c}"));
    Content {
        subject: format!("An e-mail could not be delivered ({about})"),
        paragraphs: vec![
            format!(
                "The \"{template}\" message about {about} could not be delivered after every retry."
            ),
            format!("The mail server's last answer: {error}"),
            "Please reach the consumer another way, and check the mail settings.".into(),
        ],
        for_staff: true,
        ..Default::default()
    }
    .render("staff_delivery_failed", to, ctx)
}
