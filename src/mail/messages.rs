//! Every message the portal sends, in plain language, each with the tracking code and
//! the dates that apply.

use chrono::NaiveDate;

use super::{
    Action, Content, DatedStep, MailContext, OutgoingMessage, Quoted, consumer_dates, long_date,
};
use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::RequestKind;
use crate::domain::tracking::TrackingCode;

type Rendered = Result<OutgoingMessage, askama::Error>;

fn verify_action(ctx: &MailContext, url: &str) -> (Option<Action>, Vec<String>) {
    (
        Some(Action {
            label: "Confirm my e-mail address".into(),
            url: url.to_string(),
        }),
        vec![format!(
            "The link works once and for {} days. If it has expired, you can ask for a new one on the status page.",
            ctx.link_days
        )],
    )
}

/// Sent at once for every request (ccpa-rules §2): what was received, how verification
/// works, when to expect the answer.
pub fn receipt(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    deadlines: &Deadlines,
    verify_url: Option<&str>,
) -> Rendered {
    let mut paragraphs = vec![format!("We received your request: {}.", kind.title())];
    let (action, after_action) = match verify_url {
        Some(url) => {
            paragraphs.push(
                "What happens next: to protect your information, we first confirm that the request comes from you. \
                 Please confirm your e-mail address with the button below. We may also ask for details that match our records. \
                 We never ask for a password, and you do not need an account."
                    .into(),
            );
            verify_action(ctx, url)
        }
        None => {
            paragraphs.push(
                "What happens next: we do not need to check your identity for this request. \
                 We will apply your choice and tell you when it is done."
                    .into(),
            );
            (None, vec![])
        }
    };
    Content {
        subject: format!("We received your privacy request {code}"),
        paragraphs,
        action,
        after_action: [
            after_action,
            vec!["If you did not make this request, you can ignore this message.".into()],
        ]
        .concat(),
        dates: consumer_dates(deadlines),
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
    let mut quoted = vec![Quoted::new("Name the agent gave", agent)];
    if let Some(org) = organisation {
        quoted.push(Quoted::new("Organisation the agent gave", org));
    }
    Content {
        subject: format!("Did you ask an agent to make a privacy request for you? ({code})"),
        paragraphs: vec![
            format!(
                "Someone told us you authorized them, as your agent, to make this request for you: {}.",
                kind.title()
            ),
            "This is what they told us about themselves; we have not checked it:".into(),
        ],
        quoted,
        action: Some(Action {
            label: "Confirm or reject".into(),
            url: url.to_string(),
        }),
        after_action: vec![
            "Please confirm or reject the request with the button above. If you did not authorize them, reject it and we will not act on the request."
                .into(),
            format!("The link works once and for {} days.", ctx.link_days),
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
    Content {
        subject: format!("Request {code} received from you as authorized agent"),
        paragraphs: vec![
            format!("We received the request you filed for a consumer: {}.", kind.title()),
            "We will send you every update about it. You can follow it at any time with the link below.".into(),
        ],
        action: Some(Action {
            label: "Follow this request".into(),
            url: status_url.to_string(),
        }),
        dates: consumer_dates(deadlines),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("agent_receipt", to, ctx)
}

/// A new link, asked for from the status page.
pub fn verification_link(ctx: &MailContext, to: &str, code: &TrackingCode, url: &str) -> Rendered {
    let (action, after_action) = verify_action(ctx, url);
    Content {
        subject: format!("Confirm your e-mail address for request {code}"),
        paragraphs: vec!["Here is a new link to confirm your e-mail address, as you asked.".into()],
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
    let (action, after_action) = verify_action(ctx, url);
    Content {
        subject: format!("Reminder: confirm your e-mail address for request {code}"),
        paragraphs: vec![
            format!("You asked us: {}. We cannot go ahead until you confirm your e-mail address.", kind.title()),
            format!(
                "If we cannot confirm it is you by {}, we will have to close the request without acting on it.",
                long_date(respond_by)
            ),
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
    Content {
        subject: format!("Reminder: did you authorize an agent to make a privacy request for you? ({code})"),
        paragraphs: vec![
            format!("An authorized agent made this request for you: {}. We cannot act on it until you confirm or reject the agent.", kind.title()),
            format!(
                "If we hear nothing by {}, we will have to close the request without acting on it.",
                long_date(respond_by)
            ),
        ],
        action: Some(Action {
            label: "Confirm or reject".into(),
            url: url.to_string(),
        }),
        after_action: vec![format!("The link works once and for {} days.", ctx.link_days)],
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
    Content {
        subject: format!("Your new link to confirm or reject the agent ({code})"),
        paragraphs: vec![
            "Here is a new link to confirm or reject the agent who made a privacy request for you, as you asked."
                .into(),
        ],
        action: Some(Action {
            label: "Confirm or reject".into(),
            url: url.to_string(),
        }),
        after_action: vec![format!(
            "The link works once and for {} days. Links sent before it no longer work.",
            ctx.link_days
        )],
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
    let what = match kind {
        RequestKind::LimitSensitive => {
            "We now use your sensitive personal information only for what is needed to provide the goods and services you ask for."
        }
        _ => "We no longer sell or share your personal information.",
    };
    Content {
        subject: format!("Your privacy choice has been applied ({code})"),
        paragraphs: vec![
            format!("We processed your request: {}.", kind.title()),
            what.into(),
            "You do not need to do anything else. We will not ask you to opt back in for at least 12 months."
                .into(),
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
    Content {
        subject: format!("We need more time for request {code}"),
        paragraphs: vec![
            "We need more time to answer your request completely, as the law allows once.".into(),
            format!("The reason: {reason}"),
        ],
        dates: vec![DatedStep {
            label: "We answer your request by",
            date: long_date(new_date),
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
    let (subject, first) = match outcome {
        Outcome::Fulfilled => ("Your request is complete", "We completed your request"),
        Outcome::PartiallyFulfilled => (
            "Your request is partly complete",
            "We completed part of your request",
        ),
        Outcome::Denied => (
            "We could not complete your request",
            "We could not complete your request",
        ),
    };
    let mut paragraphs = vec![format!("{first}: {}.", kind.title())];
    if !explanation.is_empty() {
        paragraphs.push(explanation.to_string());
    }
    if kind == RequestKind::Delete {
        paragraphs.push("We keep a record of your request itself, as the law requires.".into());
    }
    Content {
        subject: format!("{subject} ({code})"),
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
    let days = ctx.download_days;
    let mut message = self::outcome(ctx, to, code, kind, outcome, explanation)?;
    let content = Content {
        subject: message.subject.clone(),
        paragraphs: vec![
            format!("We completed your request: {}.", kind.title()),
            "Your information is ready to download, as JSON and CSV files you can open and reuse."
                .into(),
        ]
        .into_iter()
        .chain((!explanation.is_empty()).then(|| explanation.to_string()))
        .collect(),
        action: Some(Action {
            label: "Download your information".into(),
            url: url.to_string(),
        }),
        after_action: vec![format!(
            "To protect it, the page asks for your e-mail address and sends you a one-time code before the download starts. The link works for {days} days."
        )],
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
    Content {
        subject: format!("Your download code: {one_time}"),
        paragraphs: vec![
            format!("Enter this code on the download page: {one_time}"),
            format!("It works once, for {minutes} minutes. If you did not ask for it, you can ignore this message."),
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
    let why = if by_attorney {
        "We could not confirm the authority of the agent who made it for you, so we could not verify that the request comes from you. \
         We have therefore closed the request without acting on it."
    } else {
        "We could not verify your identity in time. \
         We have therefore closed the request without acting on it."
    };
    let mut paragraphs = vec![format!("You asked us: {}.", kind.title()), why.into()];
    paragraphs.extend(unverified_know(ctx, kind));
    paragraphs.push("You are welcome to make a new request at any time.".into());
    Content {
        subject: format!("Your request {code} was closed: identity not verified"),
        paragraphs,
        action: Some(Action {
            label: "Make a new request".into(),
            url: ctx.url("/"),
        }),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("closed_unverified", to, ctx)
}

/// What an unverified request to know still gets (reg. §7024(a)–(b)): specific pieces
/// are handled as categories, and every such answer points to the privacy policy.
fn unverified_know(ctx: &MailContext, kind: RequestKind) -> Vec<String> {
    let mut paragraphs = Vec::new();
    if kind == RequestKind::KnowSpecific {
        paragraphs.push(
            "Without verification we cannot give out specific pieces of personal information. \
             We handled your request as a request to know the categories of personal information we collect."
                .into(),
        );
    }
    if kind.is_know() {
        paragraphs.push(match ctx.privacy_policy_url.as_str() {
            "" => "Our privacy policy describes the categories of personal information we collect, where it comes from, why we use it and who we disclose it to.".into(),
            url => format!(
                "Our privacy policy describes the categories of personal information we collect, where it comes from, why we use it and who we disclose it to: {url}"
            ),
        });
    }
    paragraphs
}

/// Why a request was denied, as the consumer reads it.
pub struct Denial<'a> {
    /// The reason code.
    pub reason: &'a str,
    pub label: &'a str,
    /// What staff explained, if anything.
    pub explanation: &'a str,
}

/// A denial always states its reason (ccpa-rules §6) and offers what the regulations
/// ask: a denied deletion offers the opt-out of sale/sharing (§7022(f)(4)); a denied
/// correction offers deletion instead (§7023(f)); an unverified request to know points
/// to the privacy policy (§7024(b)).
pub fn denied(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    kind: RequestKind,
    denial: Denial<'_>,
) -> Rendered {
    let mut paragraphs = vec![
        format!("We could not complete your request: {}.", kind.title()),
        format!("The reason: {}.", denial.label),
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
            paragraphs.push("We keep a record of your request itself, as the law requires.".into());
            paragraphs.push(
                "You can still tell us to stop selling or sharing your personal information. No identity check is needed for that."
                    .into(),
            );
            action = Some(Action {
                label: RequestKind::OptOut.title().into(),
                url: ctx.url(&format!("/requests/new/{}", RequestKind::OptOut.code())),
            });
        }
        RequestKind::Correct if denial.reason != "suspected_fraud" => {
            paragraphs.push(
                "If you prefer, you can ask us to delete the information instead of correcting it."
                    .into(),
            );
            action = Some(Action {
                label: RequestKind::Delete.title().into(),
                url: ctx.url(&format!("/requests/new/{}", RequestKind::Delete.code())),
            });
        }
        _ => {}
    }
    Content {
        subject: format!("We could not complete your request ({code})"),
        paragraphs,
        action,
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
    let mut paragraphs = vec![
        format!("Your request was withdrawn: {}.", kind.title()),
        "We have closed it and will not act on it. You are welcome to make a new request at any time."
            .into(),
    ];
    if !note.is_empty() {
        paragraphs.push(note.to_string());
    }
    Content {
        subject: format!("Your request {code} was withdrawn"),
        paragraphs,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("withdrawn", to, ctx)
}

/// The copy of a status message the agent who filed a request receives. A download
/// link is the consumer's alone: a package's message is not copied.
pub fn agent_copy(
    ctx: &MailContext,
    message: &OutgoingMessage,
    agent: &str,
) -> Option<OutgoingMessage> {
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

/// What opting back in means, said the same way in every opt-in message.
const OPT_IN_MEANS: &str = "If you opt back in, we remove your opt-out: we may then sell your personal information, \
     or share it for cross-context behavioral advertising, as our privacy policy describes.";

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
    Content {
        subject: format!("Did you ask to opt back in to sale and sharing? ({code})"),
        paragraphs: vec![
            format!(
                "{agent}, an authorized agent, asked us on your behalf to opt you back in to the sale and sharing of your personal information."
            ),
            OPT_IN_MEANS.into(),
            "Nothing changes unless you confirm it yourself. If you did not ask for this, or changed your mind, \
             decline it or simply ignore this message: your opt-out stays in place."
                .into(),
        ],
        action: Some(opt_in_choice(url)),
        after_action: vec![opt_in_link_works(last_day)],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_request", to, ctx)
}

/// The button of an opt-in's link, which opens the page where the consumer chooses.
fn opt_in_choice(url: &str) -> Action {
    Action {
        label: "Confirm or decline".into(),
        url: url.to_string(),
    }
}

fn opt_in_link_works(last_day: NaiveDate) -> String {
    format!(
        "The link opens a page where you choose; it works once, until the end of {}.",
        long_date(last_day)
    )
}

/// A new opt-in link, asked for from the status page.
pub fn opt_in_link(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    last_day: NaiveDate,
    url: &str,
) -> Rendered {
    Content {
        subject: format!("Your new link to confirm or decline opting back in ({code})"),
        paragraphs: vec![
            "Here is a new link to confirm or decline opting back in to the sale and sharing of your personal information, as you asked."
                .into(),
            OPT_IN_MEANS.into(),
        ],
        action: Some(opt_in_choice(url)),
        after_action: vec![format!(
            "{} Links sent before it no longer work.",
            opt_in_link_works(last_day)
        )],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_link", to, ctx)
}

/// The consumer confirmed the opt-in: it is applied, and they can opt out again at any
/// time.
pub fn opted_in(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    Content {
        subject: format!("You opted back in to sale and sharing ({code})"),
        paragraphs: vec![
            "As you confirmed, we removed your opt-out of the sale and sharing of your personal information. \
             We may now sell or share it, as our privacy policy describes."
                .into(),
            "You can opt out again at any time, free of charge and without an account, with the link below."
                .into(),
        ],
        action: Some(Action {
            label: RequestKind::OptOut.title().into(),
            url: ctx.url(&format!("/requests/new/{}", RequestKind::OptOut.code())),
        }),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opted_in", to, ctx)
}

/// The consumer declined the opt-in: nothing changed.
pub fn opt_in_declined(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    Content {
        subject: format!("You declined to opt back in: nothing changed ({code})"),
        paragraphs: vec![
            "You declined the request to opt you back in to the sale and sharing of your personal information."
                .into(),
            "Nothing has changed: your opt-out stays in place.".into(),
        ],
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("opt_in_declined", to, ctx)
}

/// An opt-in not confirmed in time is closed without being applied.
fn opt_in_lapsed(ctx: &MailContext, to: &str, code: &TrackingCode) -> Rendered {
    Content {
        subject: format!("Your opt-in {code} was not confirmed: nothing changed"),
        paragraphs: vec![
            "An authorized agent asked us on your behalf to opt you back in to the sale and sharing of your personal information."
                .into(),
            "The opt-in was not confirmed in time, so we did not apply it and have closed the request. \
             Your opt-out stays in place: there is nothing you need to do."
                .into(),
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
        ..Default::default()
    }
    .render("staff_delivery_failed", to, ctx)
}
