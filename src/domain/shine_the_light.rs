//! "Shine the Light" (Civ. §1798.83): a customer may ask, once a calendar year, which
//! categories of personal information the business disclosed to third parties for their
//! direct marketing in the preceding calendar year, and to whom; or be told that nothing
//! was. It is not a CCPA right: its own clock (30 days, 150 when the request reached an
//! address the business did not designate), no extension, and an answer built from the
//! year's record that admins keep. Pure: dates and records in, decisions out.

use chrono::{Datelike, NaiveDate};

use super::calendar::add_calendar_days;

/// Days to answer a request sent to a designated address (§1798.83(b)(1)(C)).
pub const RESPOND_DAYS: u32 = 30;
/// Days to answer a request that reached the business at an address it did not
/// designate (§1798.83(b)(1)(C)).
pub const UNDESIGNATED_RESPOND_DAYS: u32 = 150;
/// Staff are alerted when the year's record is still missing this many days before a
/// request is due.
pub const RECORD_ALERT_DAYS: i64 = 5;

/// Limits on what admins type into the record, generous for people, small for abuse.
pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const EXAMPLES_MAX: usize = 500;
pub const CATEGORY_MAX: usize = 200;
pub const CATEGORIES_MAX: usize = 50;

/// The answer's due date: 30 days after receipt, or 150 for an undesignated address.
pub fn respond_by(received_on: NaiveDate, undesignated_address: bool) -> NaiveDate {
    let days = if undesignated_address {
        UNDESIGNATED_RESPOND_DAYS
    } else {
        RESPOND_DAYS
    };
    add_calendar_days(received_on, days)
}

/// The calendar year whose disclosures answer a request received on `received_on`: the
/// preceding one.
pub fn year_answered(received_on: NaiveDate) -> i32 {
    received_on.year() - 1
}

/// Whether staff should hear, today, that the year's record is still missing for a
/// request due on `due_on`: from five days before it is due.
pub fn record_alert_due(due_on: NaiveDate, today: NaiveDate) -> bool {
    (due_on - today).num_days() <= RECORD_ALERT_DAYS
}

/// A third party that received personal information for its own direct marketing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThirdParty {
    pub name: String,
    pub address: String,
    /// What it markets, where the name does not say it (§1798.83(a)).
    pub examples: Option<String>,
}

/// A year's disclosures, complete enough to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YearRecord {
    /// No personal information went to third parties for their direct marketing.
    NothingDisclosed,
    Disclosed {
        categories: Vec<String>,
        third_parties: Vec<ThirdParty>,
    },
}

impl YearRecord {
    /// The record as kept, or `None` while it is incomplete: a year counts as recorded
    /// when admins said nothing was disclosed, or gave at least one category and one
    /// third party.
    pub fn from_parts(
        nothing_disclosed: bool,
        categories: Vec<String>,
        third_parties: Vec<ThirdParty>,
    ) -> Option<Self> {
        if nothing_disclosed {
            return Some(YearRecord::NothingDisclosed);
        }
        if categories.is_empty() || third_parties.is_empty() {
            return None;
        }
        Some(YearRecord::Disclosed {
            categories,
            third_parties,
        })
    }
}

/// What a request is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The year's disclosures, or that there were none.
    Record { year: i32, record: YearRecord },
    /// The business lets customers opt out of disclosure for direct marketing and says
    /// so instead (§1798.83(c)(2)): the answer explains that choice and links it.
    OptOutChoice { year: i32, opt_out_url: String },
}

impl Answer {
    pub fn year(&self) -> i32 {
        match self {
            Answer::Record { year, .. } | Answer::OptOutChoice { year, .. } => *year,
        }
    }
}

/// How the business answers, from `[shine_the_light]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode<'a> {
    /// From the year's record, which must exist before anyone is answered.
    Disclose,
    /// With the §1798.83(c)(2) choice and its opt-out link; no record needed.
    OptOutInstead { url: &'a str },
}

/// Why a request cannot be answered yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the direct-marketing disclosures of {0} are not recorded yet: an admin records them (or that nothing was disclosed) on the Shine the Light page first"
)]
pub struct RecordMissing(pub i32);

/// The answer to a request received on `received_on`, or the year whose record is
/// missing.
pub fn answer(
    mode: Mode<'_>,
    received_on: NaiveDate,
    record: Option<YearRecord>,
) -> Result<Answer, RecordMissing> {
    let year = year_answered(received_on);
    match mode {
        Mode::OptOutInstead { url } => Ok(Answer::OptOutChoice {
            year,
            opt_out_url: url.to_string(),
        }),
        Mode::Disclose => record
            .map(|record| Answer::Record { year, record })
            .ok_or(RecordMissing(year)),
    }
}

/// An earlier request of the same customer (one e-mail address, trimmed and lower-cased)
/// received in the same calendar year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier<Id> {
    pub id: Id,
    pub received_on: NaiveDate,
    pub open: bool,
    /// Whether the year's answer was sent with it.
    pub answered: bool,
}

/// What a new request becomes, given the customer's earlier ones (once per customer per
/// calendar year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat<Id> {
    /// The first this year: answered on its own.
    First,
    /// The year's answer was already sent: the new request is answered at once with a
    /// note saying so and a copy of it.
    AlreadyAnswered(Id),
    /// An earlier request is still open: the new one is linked to it and answered with
    /// it.
    LinkedTo(Id),
}

/// Decides the once-a-year rule for a request received on `received_on`.
pub fn repeat<Id: Clone>(received_on: NaiveDate, earlier: &[Earlier<Id>]) -> Repeat<Id> {
    let same_year = |e: &&Earlier<Id>| e.received_on.year() == received_on.year();
    if let Some(e) = earlier.iter().filter(same_year).find(|e| e.answered) {
        return Repeat::AlreadyAnswered(e.id.clone());
    }
    match earlier
        .iter()
        .filter(same_year)
        .filter(|e| e.open)
        .min_by_key(|e| e.received_on)
    {
        Some(e) => Repeat::LinkedTo(e.id.clone()),
        None => Repeat::First,
    }
}

/// A third party as an admin typed it: every field trimmed and checked.
pub fn third_party(name: &str, address: &str, examples: &str) -> Result<ThirdParty, String> {
    let name = line(name, "the third party's name", NAME_MAX, true)?;
    let address = text(address, "its address", ADDRESS_MAX)?;
    let examples = examples.trim();
    if examples.chars().count() > EXAMPLES_MAX {
        return Err(format!(
            "Keep the examples under {EXAMPLES_MAX} characters."
        ));
    }
    if examples
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err("Remove the unusual characters from the examples.".into());
    }
    Ok(ThirdParty {
        name,
        address,
        examples: (!examples.is_empty()).then(|| examples.to_string()),
    })
}

/// The categories, one a line, blank lines dropped, each once.
pub fn categories(typed: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for raw in typed.lines() {
        let category = raw.trim();
        if category.is_empty() {
            continue;
        }
        let category = line(category, "a category", CATEGORY_MAX, true)?;
        if !out.iter().any(|c| c.eq_ignore_ascii_case(&category)) {
            out.push(category);
        }
    }
    if out.len() > CATEGORIES_MAX {
        return Err(format!("List at most {CATEGORIES_MAX} categories."));
    }
    Ok(out)
}

/// A year an admin may keep a record for.
pub fn record_year(typed: &str) -> Option<i32> {
    typed
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2200).contains(y))
}

fn line(typed: &str, what: &str, max: usize, required: bool) -> Result<String, String> {
    let value = typed.trim();
    if required && value.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if value.chars().count() > max {
        return Err(format!("Keep {what} under {max} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("Remove the unusual characters from {what}."));
    }
    Ok(value.to_string())
}

fn text(typed: &str, what: &str, max: usize) -> Result<String, String> {
    let value = typed.trim();
    if value.is_empty() {
        return Err(format!("Enter {what}."));
    }
    if value.chars().count() > max {
        return Err(format!("Keep {what} under {max} characters."));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(format!("Remove the unusual characters from {what}."));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_answer_is_due_30_days_after_receipt_or_150_at_an_undesignated_address() {
        assert_eq!(respond_by(d("2026-11-23"), false), d("2026-12-23"));
        assert_eq!(respond_by(d("2026-11-23"), true), d("2027-04-22"));
    }

    #[test]
    fn a_request_is_answered_with_the_preceding_calendar_year() {
        assert_eq!(year_answered(d("2026-01-01")), 2025);
        assert_eq!(year_answered(d("2026-12-31")), 2025);
    }

    #[test]
    fn staff_hear_of_a_missing_record_from_five_days_before_the_due_date() {
        assert!(!record_alert_due(d("2026-12-23"), d("2026-12-17")));
        assert!(record_alert_due(d("2026-12-23"), d("2026-12-18")));
        assert!(record_alert_due(d("2026-12-23"), d("2026-12-30")));
    }

    fn acme() -> ThirdParty {
        third_party("Acme Catalogs", "1 Main St, Oakland CA", "home goods").unwrap()
    }

    #[test]
    fn a_year_is_recorded_once_it_says_nothing_or_names_categories_and_a_third_party() {
        assert_eq!(YearRecord::from_parts(false, vec![], vec![]), None);
        assert_eq!(
            YearRecord::from_parts(false, vec!["Name".into()], vec![]),
            None
        );
        assert_eq!(YearRecord::from_parts(false, vec![], vec![acme()]), None);
        assert_eq!(
            YearRecord::from_parts(true, vec![], vec![]),
            Some(YearRecord::NothingDisclosed)
        );
        assert!(matches!(
            YearRecord::from_parts(false, vec!["Name".into()], vec![acme()]),
            Some(YearRecord::Disclosed { .. })
        ));
    }

    #[test]
    fn without_the_record_the_refusal_names_the_missing_year() {
        let refused = answer(Mode::Disclose, d("2026-11-23"), None).unwrap_err();
        assert_eq!(refused, RecordMissing(2025));
        assert!(refused.to_string().contains("2025"));
        let ok = answer(
            Mode::Disclose,
            d("2026-11-23"),
            Some(YearRecord::NothingDisclosed),
        )
        .unwrap();
        assert_eq!(ok.year(), 2025);
        // Offering the opt-out instead needs no record (§1798.83(c)(2)).
        let choice = answer(
            Mode::OptOutInstead {
                url: "https://example.com/opt-out",
            },
            d("2026-11-23"),
            None,
        )
        .unwrap();
        assert!(matches!(choice, Answer::OptOutChoice { year: 2025, .. }));
    }

    #[test]
    fn once_a_year_a_repeat_gets_the_answer_again_or_joins_the_open_request() {
        let e = |id: u8, day: &str, open: bool, answered: bool| Earlier {
            id,
            received_on: d(day),
            open,
            answered,
        };
        assert_eq!(repeat::<u8>(d("2026-11-23"), &[]), Repeat::First);
        assert_eq!(
            repeat(d("2026-11-23"), &[e(1, "2026-02-01", false, true)]),
            Repeat::AlreadyAnswered(1)
        );
        assert_eq!(
            repeat(d("2026-11-23"), &[e(1, "2026-11-20", true, false)]),
            Repeat::LinkedTo(1)
        );
        // Last year's answer does not count for this year.
        assert_eq!(
            repeat(d("2026-01-02"), &[e(1, "2025-12-20", false, true)]),
            Repeat::First
        );
        // A request closed without an answer (withdrawn, denied) leaves the year open.
        assert_eq!(
            repeat(d("2026-11-23"), &[e(1, "2026-03-01", false, false)]),
            Repeat::First
        );
    }

    #[test]
    fn what_admins_type_is_checked() {
        assert!(third_party("", "1 Main St", "").is_err());
        assert!(third_party("Acme", "", "").is_err());
        assert!(third_party("Acme\u{7}", "1 Main St", "").is_err());
        assert_eq!(
            third_party(" Acme ", "1 Main St", " ").unwrap().examples,
            None
        );
        assert_eq!(
            categories("Name\n\n e-mail address \nname\n").unwrap(),
            ["Name", "e-mail address"]
        );
        assert!(categories(&"x\n".repeat(0)).unwrap().is_empty());
        assert_eq!(record_year("2025"), Some(2025));
        assert_eq!(record_year("25"), None);
        assert_eq!(record_year("x"), None);
    }
}
