//! The messages of a "Shine the Light" request (Civ. §1798.83): its receipt, the answer
//! built from the year's record of direct-marketing disclosures, and the short note a
//! repeat request of the same year gets with a copy of that answer. The answer's words
//! are shared with the printed letter staff mail (`answer_paragraphs`).

use super::{Action, Content, MailContext, OutgoingMessage, consumer_dates};
use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::RequestKind;
use crate::domain::shine_the_light::{Answer, YearRecord};
use crate::domain::tracking::TrackingCode;

type Rendered = Result<OutgoingMessage, askama::Error>;

/// Sent at once: what was received, the link that confirms the address (all this
/// request needs), and when the answer comes. A repeat of an open request says it is
/// answered with that one.
pub fn receipt(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    deadlines: &Deadlines,
    verify_url: &str,
    linked_to: Option<&TrackingCode>,
) -> Rendered {
    let mut paragraphs = vec![format!(
        "We received your request: {}.",
        RequestKind::ShineTheLight.title()
    )];
    if let Some(first) = linked_to {
        paragraphs.push(format!(
            "You already made this request this year ({first}). We answer both together: you will receive the same answer for each."
        ));
    }
    paragraphs.push(
        "What happens next: please confirm your e-mail address with the button below. That is all we need: \
         our answer holds no personal information about you. We never ask for a password, and you do not need an account."
            .into(),
    );
    Content {
        subject: format!("We received your Shine the Light request {code}"),
        paragraphs,
        action: Some(Action {
            label: "Confirm my e-mail address".into(),
            url: verify_url.to_string(),
        }),
        after_action: vec![
            format!(
                "The link works once and for {} days. If it has expired, you can ask for a new one on the status page.",
                ctx.link_days
            ),
            "If you did not make this request, you can ignore this message.".into(),
        ],
        dates: consumer_dates(deadlines),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("stl_receipt", to, ctx)
}

/// The answer, by e-mail: the year's disclosures (or that there were none), or the
/// §1798.83(c)(2) choice with its opt-out link.
pub fn answer(ctx: &MailContext, to: &str, code: &TrackingCode, answer: &Answer) -> Rendered {
    let mut paragraphs = vec![format!(
        "Here is our answer to your request: {}.",
        RequestKind::ShineTheLight.title()
    )];
    paragraphs.extend(answer_paragraphs(&ctx.business_name, answer));
    content(
        code,
        answer,
        paragraphs,
        "Our answer to your Shine the Light request",
    )
    .render("stl_answer", to, ctx)
}

/// A repeat request: the year's answer was already sent (with `earlier`), so this one
/// gets a short note saying so and a copy of it.
pub fn copy_of_answer(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    earlier: &TrackingCode,
    answer: &Answer,
) -> Rendered {
    let mut paragraphs = vec![
        format!(
            "You asked us again this year: {}. The law gives this answer once a calendar year, and we already sent it to you with your request {earlier}.",
            RequestKind::ShineTheLight.title()
        ),
        "Here is a copy of that answer:".into(),
    ];
    paragraphs.extend(answer_paragraphs(&ctx.business_name, answer));
    content(code, answer, paragraphs, "This year's answer, again").render(
        "stl_already_answered",
        to,
        ctx,
    )
}

/// To the privacy team: requests due within five days whose year's disclosures are not
/// recorded. Tracking codes only, no personal data.
pub fn staff_record_missing(ctx: &MailContext, to: &str, lines: Vec<String>) -> Rendered {
    Content {
        subject: format!(
            "Shine the Light: {} request(s) due soon cannot be answered yet",
            lines.len()
        ),
        paragraphs: vec![
            "These requests are due within five days, but the year's direct-marketing disclosures they are answered with are not recorded. \
             An admin records them (or that nothing was disclosed) on the Shine the Light page; then the requests can be fulfilled."
                .into(),
        ],
        lines,
        action: Some(Action {
            label: "Record the disclosures".into(),
            url: ctx.url("/staff/shine-the-light"),
        }),
        ..Default::default()
    }
    .render("staff_stl_record_missing", to, ctx)
}

fn content(
    code: &TrackingCode,
    answer: &Answer,
    paragraphs: Vec<String>,
    subject: &str,
) -> Content {
    let action = match answer {
        Answer::OptOutChoice { opt_out_url, .. } => Some(Action {
            label: "Opt out of disclosure for direct marketing".into(),
            url: opt_out_url.clone(),
        }),
        Answer::Record { .. } => None,
    };
    Content {
        subject: format!("{subject} ({code})"),
        paragraphs,
        action,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
}

/// What the answer says, paragraph by paragraph: the e-mail and the printed letter read
/// the same.
pub fn answer_paragraphs(business: &str, answer: &Answer) -> Vec<String> {
    match answer {
        Answer::Record {
            year,
            record: YearRecord::NothingDisclosed,
        } => vec![format!(
            "In {year}, {business} did not disclose any personal information about its customers to third parties for the third parties' direct marketing purposes."
        )],
        Answer::Record {
            year,
            record:
                YearRecord::Disclosed {
                    categories,
                    third_parties,
                },
        } => {
            let mut out = vec![
                format!(
                    "In {year}, {business} disclosed these categories of personal information to third parties for the third parties' direct marketing purposes: {}.",
                    categories.join("; ")
                ),
                format!(
                    "These are the third parties that received it in {year}, with their addresses:"
                ),
            ];
            for party in third_parties {
                let address = one_line(&party.address);
                out.push(match &party.examples {
                    Some(examples) => format!(
                        "{}, {address}. What it markets: {}.",
                        party.name,
                        one_line(examples).trim_end_matches('.')
                    ),
                    None => format!("{}, {address}.", party.name),
                });
            }
            out
        }
        Answer::OptOutChoice { opt_out_url, .. } => vec![
            format!(
                "{business} lets its customers choose to prevent the disclosure of their personal information to third parties for the third parties' direct marketing purposes (California Civil Code §1798.83(c)(2)). \
                 Instead of a list of such disclosures, the law lets us tell you about that choice."
            ),
            format!("You can make that choice at any time, free of charge: {opt_out_url}"),
        ],
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::shine_the_light::ThirdParty;

    #[test]
    fn the_answer_names_the_year_the_categories_and_each_third_party() {
        let answer = Answer::Record {
            year: 2025,
            record: YearRecord::Disclosed {
                categories: vec!["Name".into(), "Postal address".into()],
                third_parties: vec![
                    ThirdParty {
                        name: "Acme Catalogs".into(),
                        address: "1 Main St\nOakland CA".into(),
                        examples: Some("home goods".into()),
                    },
                    ThirdParty {
                        name: "Travel Deals Inc".into(),
                        address: "2 Oak Ave".into(),
                        examples: None,
                    },
                ],
            },
        };
        let text = answer_paragraphs("Example Co", &answer).join("\n");
        assert!(text.contains("In 2025, Example Co disclosed"));
        assert!(text.contains("Name; Postal address"));
        assert!(
            text.contains("Acme Catalogs, 1 Main St, Oakland CA. What it markets: home goods.")
        );
        assert!(text.contains("Travel Deals Inc, 2 Oak Ave."));
        let none = Answer::Record {
            year: 2025,
            record: YearRecord::NothingDisclosed,
        };
        assert!(answer_paragraphs("Example Co", &none)[0].contains("did not disclose"));
    }
}
