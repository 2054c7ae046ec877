//! Requests received by phone, mail, e-mail or in person (reg. §7020: at least two
//! methods): what staff type in when they enter one. The clocks run from the day the
//! business actually received it, which may be up to 90 days before it is entered,
//! never later than today; an earlier day needs a note saying why.

use chrono::NaiveDate;

use super::calendar::BusinessCalendar;
use super::deadlines::Deadlines;
use super::email::EmailAddress;
use super::intake::{
    self, ADDRESS_MAX, Correction, DETAILS_MAX, FieldErrors, NAME_MAX, NewRequest, RawForm,
    VALUE_MAX,
};
use super::kinds::{Channel, Lookback, RequestKind};
use super::lang::Lang;

/// How far back a day of receipt may be entered.
pub const MAX_DAYS_EARLIER: i64 = 90;

/// A request staff entered: the request, the channel it came by, the day it arrived.
#[derive(Debug, Clone)]
pub struct StaffFiling {
    pub request: NewRequest,
    pub channel: Channel,
    pub received_on: NaiveDate,
    pub received_note: Option<String>,
    /// A "Shine the Light" request that reached an address the business did not
    /// designate for them: answered within 150 days instead of 30.
    pub undesignated: bool,
}

impl StaffFiling {
    /// Whether the request is past a legal deadline the moment it is entered: allowed,
    /// since it was received then, but staff are warned and the queue shows it overdue.
    pub fn overdue_at_once(&self, today: NaiveDate, calendar: &BusinessCalendar) -> bool {
        let deadlines = if self.request.kind == RequestKind::ShineTheLight {
            Deadlines::for_shine_the_light(self.received_on, self.undesignated)
        } else {
            Deadlines::for_kind(self.request.kind, self.received_on, calendar)
        };
        deadlines.governing().is_some_and(|due| due < today)
    }
}

/// The staff intake form's fields, top to bottom.
pub const STAFF_FORM_ORDER: &[&str] = &[
    "kind",
    "channel",
    "received_on",
    "received_note",
    "language",
    "full_name",
    "email",
    "phone",
    "address",
    "california_resident",
    "lookback",
    "correction_field",
    "current_value",
    "corrected_value",
    "details",
    "response_format",
    "response_format_note",
    "stl_undesignated",
];

/// Turns the staff intake form into a filing, or says what to fix. `today` is the
/// business's date.
pub fn parse_staff(form: &RawForm, today: NaiveDate) -> Result<StaffFiling, FieldErrors> {
    let mut errors = FieldErrors::default();
    let kind = match RequestKind::parse_fileable(form.get("kind")) {
        Ok(kind) => Some(kind),
        Err(_) => {
            errors.add("kind", "Choose what the consumer asks for.");
            None
        }
    };
    let channel = match Channel::parse(form.get("channel")) {
        Ok(c) if c.is_staff_entered() => Some(c),
        _ => {
            errors.add(
                "channel",
                "Choose how the request was received: phone, mail, e-mail or in person.",
            );
            None
        }
    };
    let received_on = received_day(form.get("received_on"), today, &mut errors);
    let received_note = intake::text(form, "received_note", DETAILS_MAX, true, &mut errors);
    if received_on.is_some_and(|d| d < today)
        && received_note.is_none()
        && errors.get("received_note").is_none()
    {
        errors.add(
            "received_note",
            "Say why the request is entered after the day it was received (for example: letter opened today, postmarked earlier).",
        );
    }

    // English unless staff choose another: letters and e-mails are written in it.
    let language = match form.get("language") {
        "" => Some(Lang::default()),
        code => Lang::parse(code),
    };
    if language.is_none() {
        errors.add("language", "Choose English or Spanish.".to_string());
    }

    let full_name = intake::text(form, "full_name", NAME_MAX, false, &mut errors);
    let verified_kind = kind.is_some_and(RequestKind::needs_verification);
    if verified_kind && full_name.is_none() && errors.get("full_name").is_none() {
        errors.add("full_name", "Enter the consumer's full name.");
    }
    let email = match form.get("email").trim() {
        "" => None,
        typed => match EmailAddress::parse(typed) {
            Ok(e) => Some(e),
            Err(message) => {
                errors.add("email", message);
                None
            }
        },
    };
    let phone = intake::phone_number(form, &mut errors);
    let address = intake::text(form, "address", ADDRESS_MAX, true, &mut errors);
    if email.is_none()
        && phone.is_none()
        && address.is_none()
        && errors.get("email").is_none()
        && errors.get("phone").is_none()
        && errors.get("address").is_none()
    {
        errors.add(
            "email",
            "Give at least one way to reach the consumer: an e-mail address, a phone number or a postal address.",
        );
    }
    if email.is_none() && address.is_none() && verified_kind && errors.get("address").is_none() {
        errors.add(
            "address",
            "Without an e-mail address the answer goes by letter: enter the consumer's postal address.",
        );
    }
    let california_resident = form.is_yes("california_resident");

    let mut lookback = None;
    if kind.is_some_and(RequestKind::is_know) {
        lookback = match Lookback::parse(form.get("lookback")) {
            Ok(l) => Some(l),
            Err(_) => {
                errors.add("lookback", "Choose how far back the request goes.");
                None
            }
        };
    }
    let mut correction = None;
    if kind == Some(RequestKind::Correct) {
        let field = intake::text(form, "correction_field", NAME_MAX, false, &mut errors);
        if field.is_none() && errors.get("correction_field").is_none() {
            errors.add("correction_field", "Say which information is wrong.");
        }
        let current_value = intake::text(form, "current_value", VALUE_MAX, true, &mut errors);
        let corrected_value = intake::text(form, "corrected_value", VALUE_MAX, true, &mut errors);
        if corrected_value.is_none() && errors.get("corrected_value").is_none() {
            errors.add("corrected_value", "Say what the information should be.");
        }
        if let (Some(field), Some(corrected_value)) = (field, corrected_value) {
            correction = Some(Correction {
                field,
                current_value,
                corrected_value,
            });
        }
    }
    let details = intake::text(form, "details", DETAILS_MAX, true, &mut errors);
    let response_format = intake::format_request(form, &mut errors);

    match (kind, channel, received_on) {
        (Some(kind), Some(channel), Some(received_on)) if errors.is_empty() => {
            let mut request = NewRequest::blank(kind);
            request.language = language.unwrap_or_default();
            request.email = email;
            request.full_name = full_name;
            request.phone = phone;
            request.address = address;
            request.california_resident = california_resident;
            request.details = details;
            request.lookback = lookback;
            request.correction = correction;
            request.response_format = response_format;
            Ok(StaffFiling {
                request,
                channel,
                received_on,
                received_note,
                undesignated: kind == RequestKind::ShineTheLight && form.is_yes("stl_undesignated"),
            })
        }
        _ => Err(errors.in_order_of(STAFF_FORM_ORDER)),
    }
}

/// The day of receipt: a date (`YYYY-MM-DD`) from `today - 90 days` to `today`.
fn received_day(typed: &str, today: NaiveDate, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let Ok(day) = typed.trim().parse::<NaiveDate>() else {
        errors.add(
            "received_on",
            "Enter the day the request was received, like 2026-11-30.",
        );
        return None;
    };
    if day > today {
        errors.add("received_on", "The day of receipt cannot be in the future.");
        return None;
    }
    let earliest = today - chrono::Duration::days(MAX_DAYS_EARLIER);
    if day < earliest {
        errors.add(
            "received_on",
            format!("The day of receipt can be at most {MAX_DAYS_EARLIER} days ago (not before {earliest})."),
        );
        return None;
    }
    Some(day)
}

/// The last day a staff-entered request's day of receipt may be, counted back from
/// `today`: for the form's hint.
pub fn earliest_receipt_day(today: NaiveDate) -> NaiveDate {
    today - chrono::Duration::days(MAX_DAYS_EARLIER)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> RawForm {
        RawForm::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn fields(errors: &FieldErrors) -> Vec<&'static str> {
        errors.iter().map(|(f, _)| f).collect()
    }

    const TODAY: &str = "2026-11-30";

    fn deletion(day: &str, note: &str) -> Vec<(&'static str, String)> {
        vec![
            ("kind", "delete".into()),
            ("channel", "phone".into()),
            ("received_on", day.into()),
            ("received_note", note.into()),
            ("full_name", "Ana López".into()),
            ("phone", "+1 415 555 0100".into()),
            ("address", "1 Main St, Oakland CA".into()),
        ]
    }

    fn parse(pairs: &[(&'static str, String)]) -> Result<StaffFiling, FieldErrors> {
        let f = RawForm::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())));
        parse_staff(&f, d(TODAY))
    }

    #[test]
    fn a_request_by_phone_needs_no_email_and_is_received_today() {
        let filing = parse(&deletion(TODAY, "")).unwrap();
        assert_eq!(filing.channel, Channel::Phone);
        assert_eq!(filing.received_on, d(TODAY));
        assert!(filing.request.email.is_none());
        assert_eq!(filing.request.kind, RequestKind::Delete);
    }

    #[test]
    fn an_earlier_day_needs_a_note_and_a_future_or_too_old_day_is_refused() {
        let errors = parse(&deletion("2026-11-20", "")).unwrap_err();
        assert_eq!(fields(&errors), ["received_note"]);
        let ok = parse(&deletion("2026-11-20", "Letter postmarked Nov 20")).unwrap();
        assert_eq!(ok.received_on, d("2026-11-20"));
        assert_eq!(
            ok.received_note.as_deref(),
            Some("Letter postmarked Nov 20")
        );

        let errors = parse(&deletion("2026-12-01", "x")).unwrap_err();
        assert_eq!(fields(&errors), ["received_on"]);
        // 90 days back is allowed, 91 is not.
        assert!(parse(&deletion("2026-09-01", "x")).is_ok());
        let errors = parse(&deletion("2026-08-31", "x")).unwrap_err();
        assert_eq!(fields(&errors), ["received_on"]);
        assert_eq!(earliest_receipt_day(d(TODAY)), d("2026-09-01"));
    }

    #[test]
    fn an_old_day_of_receipt_makes_the_request_overdue_at_once() {
        let cal = BusinessCalendar::new([]);
        let filing = parse(&deletion("2026-10-01", "found in the post room")).unwrap();
        assert!(filing.overdue_at_once(d(TODAY), &cal));
        let filing = parse(&deletion("2026-11-01", "found in the post room")).unwrap();
        assert!(!filing.overdue_at_once(d(TODAY), &cal));
        assert_eq!(
            crate::domain::calendar::add_calendar_days(d("2026-10-01"), 45),
            d("2026-11-15")
        );
    }

    #[test]
    fn without_email_a_postal_address_is_needed_for_the_letter() {
        let errors = parse_staff(
            &form(&[
                ("kind", "know_categories"),
                ("channel", "mail"),
                ("received_on", TODAY),
                ("full_name", "Ana López"),
                ("phone", "+1 415 555 0100"),
                ("lookback", "12_months"),
            ]),
            d(TODAY),
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["address"]);
    }

    #[test]
    fn only_rights_and_staff_channels_are_accepted() {
        let errors = parse_staff(
            &form(&[
                ("kind", "opt_in"),
                ("channel", "web"),
                ("received_on", TODAY),
            ]),
            d(TODAY),
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["kind", "channel", "email"]);
    }
}
