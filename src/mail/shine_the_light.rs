//! The messages of a "Shine the Light" request (Civ. §1798.83): its receipt, the answer
//! built from the year's record of direct-marketing disclosures, and the short note a
//! repeat request of the same year gets with a copy of that answer. The answer's words
//! are shared with the printed letter staff mail (`answer_paragraphs`).

use super::{Action, Content, MailContext, OutgoingMessage, consumer_dates};
use crate::domain::deadlines::Deadlines;
use crate::domain::kinds::RequestKind;
use crate::domain::shine_the_light::{Answer, YearRecord};
use crate::domain::tracking::TrackingCode;
use crate::locale::Tr;

type Rendered = Result<OutgoingMessage, askama::Error>;

/// Sent at once: what was received, the link that confirms the address (all this
/// request needs), and when the answer comes. A repeat of an open request says it is
/// answered with that one. In the request's language (`ctx.t`).
pub fn receipt(
    ctx: &MailContext,
    to: &str,
    code: &TrackingCode,
    deadlines: &Deadlines,
    verify_url: &str,
    linked_to: Option<&TrackingCode>,
) -> Rendered {
    let t = &ctx.t;
    let mut paragraphs = vec![t.arg(
        "mail-stl-received",
        "kind",
        t.kind_title(RequestKind::ShineTheLight),
    )];
    if let Some(first) = linked_to {
        paragraphs.push(t.arg("mail-stl-linked", "code", first));
    }
    paragraphs.push(t.get("mail-stl-next"));
    Content {
        subject: t.arg("mail-stl-receipt-subject", "code", code),
        paragraphs,
        action: Some(Action {
            label: t.get("mail-verify-button"),
            url: verify_url.to_string(),
        }),
        after_action: vec![
            t.count("mail-verify-link-works", "days", ctx.link_days),
            t.get("mail-not-you"),
        ],
        dates: consumer_dates(t, deadlines),
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
    .render("stl_receipt", to, ctx)
}

/// The answer, by e-mail: the year's disclosures (or that there were none), or the
/// §1798.83(c)(2) choice with its opt-out link.
pub fn answer(ctx: &MailContext, to: &str, code: &TrackingCode, answer: &Answer) -> Rendered {
    let t = &ctx.t;
    let mut paragraphs = vec![t.arg(
        "mail-stl-answer-intro",
        "kind",
        t.kind_title(RequestKind::ShineTheLight),
    )];
    paragraphs.extend(answer_paragraphs(t, &ctx.business_name, answer));
    content(
        t,
        answer,
        paragraphs,
        t.arg("mail-stl-answer-subject", "code", code),
        code,
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
    let t = &ctx.t;
    let kind = t.kind_title(RequestKind::ShineTheLight);
    let mut paragraphs = vec![
        t.args(
            "mail-stl-again-intro",
            &[("kind", &kind), ("earlier", earlier.as_str())],
        ),
        t.get("mail-stl-again-copy"),
    ];
    paragraphs.extend(answer_paragraphs(t, &ctx.business_name, answer));
    content(
        t,
        answer,
        paragraphs,
        t.arg("mail-stl-again-subject", "code", code),
        code,
    )
    .render("stl_already_answered", to, ctx)
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
    t: &Tr,
    answer: &Answer,
    paragraphs: Vec<String>,
    subject: String,
    code: &TrackingCode,
) -> Content {
    let action = match answer {
        Answer::OptOutChoice { opt_out_url, .. } => Some(Action {
            label: t.get("mail-stl-opt-out-button"),
            url: opt_out_url.clone(),
        }),
        Answer::Record { .. } => None,
    };
    Content {
        subject,
        paragraphs,
        action,
        tracking_code: Some(code.to_string()),
        ..Default::default()
    }
}

/// What the answer says, paragraph by paragraph, in `t`'s language: the e-mail and the
/// printed letter read the same.
pub fn answer_paragraphs(t: &Tr, business: &str, answer: &Answer) -> Vec<String> {
    match answer {
        Answer::Record {
            year,
            record: YearRecord::NothingDisclosed,
        } => vec![t.args(
            "mail-stl-nothing-disclosed",
            &[("year", &year.to_string()), ("business", business)],
        )],
        Answer::Record {
            year,
            record:
                YearRecord::Disclosed {
                    categories,
                    third_parties,
                },
        } => {
            let year = year.to_string();
            let mut out = vec![
                t.args(
                    "mail-stl-disclosed",
                    &[
                        ("year", &year),
                        ("business", business),
                        ("categories", &categories.join("; ")),
                    ],
                ),
                t.arg("mail-stl-third-parties", "year", &year),
            ];
            for party in third_parties {
                let address = one_line(&party.address);
                out.push(match &party.examples {
                    Some(examples) => t.args(
                        "mail-stl-third-party-markets",
                        &[
                            ("name", &party.name),
                            ("address", &address),
                            ("examples", one_line(examples).trim_end_matches('.')),
                        ],
                    ),
                    None => t.args(
                        "mail-stl-third-party",
                        &[("name", &party.name), ("address", &address)],
                    ),
                });
            }
            out
        }
        Answer::OptOutChoice { opt_out_url, .. } => vec![
            t.arg("mail-stl-opt-out-choice", "business", business),
            t.arg("mail-stl-opt-out-where", "url", opt_out_url),
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
        let text = answer_paragraphs(&Tr::default(), "Example Co", &answer).join("\n");
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
        assert!(
            answer_paragraphs(&Tr::default(), "Example Co", &none)[0].contains("did not disclose")
        );
        let spanish = Tr::new(crate::domain::lang::Lang::Es);
        let text = answer_paragraphs(&spanish, "Example Co", &answer).join("\n");
        assert!(
            text.contains("En 2025, Example Co dio estas categorías"),
            "{text}"
        );
        assert!(
            text.contains("Acme Catalogs, 1 Main St, Oakland CA. Lo que promociona: home goods.")
        );
    }
}
