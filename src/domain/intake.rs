//! What a consumer's form becomes: a `NewRequest` with every field checked, or the list
//! of problems, each tied to the field the consumer has to fix.

use std::collections::HashMap;

use uuid::Uuid;

use super::email::EmailAddress;
use super::kinds::{Lookback, RequestKind, ResponseFormat};
use super::lang::{Lang, Msg};

/// The form as sent: field name to value, untrusted.
#[derive(Debug, Clone, Default)]
pub struct RawForm {
    fields: HashMap<String, String>,
}

impl RawForm {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut fields = HashMap::new();
        for (name, value) in pairs {
            // The first value wins: a repeated field cannot override what was shown.
            fields.entry(name).or_insert(value);
        }
        Self { fields }
    }

    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn is_yes(&self, name: &str) -> bool {
        self.get(name) == "yes"
    }
}

/// A file the consumer attached, as received.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in.
    pub field: String,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The document types the portal accepts, recognised by content, never by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Pdf,
    Png,
    Jpeg,
}

impl DocumentType {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(DocumentType::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(DocumentType::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocumentType::Jpeg)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Png => "image/png",
            DocumentType::Jpeg => "image/jpeg",
        }
    }
}

/// A checked document: its type comes from its bytes.
#[derive(Debug, Clone)]
pub struct Document {
    pub filename: String,
    pub doc_type: DocumentType,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Correction {
    pub field: String,
    pub current_value: Option<String>,
    pub corrected_value: String,
}

pub use super::kinds::Authority;

/// The agent who files for a consumer, and the proof of authority.
#[derive(Debug, Clone)]
pub struct AgentFiling {
    pub name: String,
    pub organisation: Option<String>,
    pub email: EmailAddress,
    pub authority: Authority,
    pub permission: Option<Document>,
}

/// What staff record when they enter a request received by phone, mail, e-mail or in
/// person: who entered it, and why its day of receipt is earlier than today.
#[derive(Debug, Clone)]
pub struct StaffEntry {
    pub entered_by: Uuid,
    pub received_note: Option<String>,
}

/// The format a consumer asks the response in, and what they said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatRequest {
    pub format: ResponseFormat,
    pub note: Option<String>,
}

/// A request that passed every check of its kind's form.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub kind: RequestKind,
    /// None only for a request staff entered without one, or an opt-out recorded for a
    /// browser (`browser_id`); the database holds every other request to one.
    pub email: Option<EmailAddress>,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub california_resident: bool,
    pub details: Option<String>,
    pub lookback: Option<Lookback>,
    pub correction: Option<Correction>,
    /// The typed name of the declaration under penalty of perjury (`know_specific`).
    pub declaration_name: Option<String>,
    pub document: Option<Document>,
    /// Set when an authorized agent filed it.
    pub agent: Option<AgentFiling>,
    /// The browser a browser-only opt-out covers.
    pub browser_id: Option<Uuid>,
    /// Set when the consumer asked for the response in another format.
    pub response_format: Option<FormatRequest>,
    /// Set when staff entered the request.
    pub staff: Option<StaffEntry>,
    /// The language every message to the consumer is written in: the form's.
    pub language: Lang,
}

impl NewRequest {
    /// An opt-out of sale/sharing with nothing but an address and, where known, a name:
    /// what a Global Privacy Control signal files alongside another request.
    pub fn opt_out(email: EmailAddress, full_name: Option<String>) -> Self {
        NewRequest {
            email: Some(email),
            full_name,
            ..Self::blank(RequestKind::OptOut)
        }
    }

    /// An opt-out (or limit) with no personal information at all, recorded for one
    /// browser's random id, like a GPC signal: it covers that browser on this site.
    pub fn for_browser(kind: RequestKind, browser_id: Uuid) -> Self {
        NewRequest {
            browser_id: Some(browser_id),
            ..Self::blank(kind)
        }
    }

    /// A request of `kind` with nothing filled in.
    pub fn blank(kind: RequestKind) -> Self {
        NewRequest {
            kind,
            email: None,
            full_name: None,
            phone: None,
            address: None,
            california_resident: false,
            details: None,
            lookback: None,
            correction: None,
            declaration_name: None,
            document: None,
            agent: None,
            browser_id: None,
            response_format: None,
            staff: None,
            language: Lang::default(),
        }
    }

    /// Whether this request enters the e-mail-keyed suppression list when applied: only
    /// with an address; a browser-only opt-out is kept by browser id instead.
    pub fn browser_only(&self) -> bool {
        self.email.is_none() && self.browser_id.is_some()
    }
}

/// Problems with a form, in the order the fields appear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, Msg)>);

impl FieldErrors {
    /// `message` is an id of the `locales/` files: pages say it in the visitor's language.
    pub fn add(&mut self, field: &'static str, message: impl Into<Msg>) {
        self.0.push((field, message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Msg> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Msg)> {
        self.0.iter().map(|(f, m)| (*f, m))
    }

    /// Puts the problems in the order the page shows `fields` (others last, as they
    /// were), so the summary reads top to bottom like the form.
    pub fn in_order_of(mut self, fields: &[&str]) -> Self {
        let place = |f: &str| fields.iter().position(|x| *x == f).unwrap_or(fields.len());
        self.0.sort_by_key(|(f, _)| place(f));
        self
    }
}

/// The consumer form's fields, top to bottom, as `templates/consumer/form.html` shows
/// them.
pub const FORM_ORDER: &[&str] = &[
    "full_name",
    "email",
    "phone",
    "address",
    "california_resident",
    "lookback",
    "correction_field",
    "current_value",
    "corrected_value",
    "document",
    "details",
    "response_format",
    "response_format_note",
    "declaration_name",
    "declaration_agree",
    "for_someone_else",
    "agent_name",
    "agent_organisation",
    "agent_email",
    "authority",
    "permission",
    "agent_declaration",
    "guardian_declaration",
];

/// Limits on free text, generous for people and small for abuse.
pub(crate) const NAME_MAX: usize = 200;
pub(crate) const ADDRESS_MAX: usize = 500;
pub(crate) const DETAILS_MAX: usize = 5000;
pub(crate) const VALUE_MAX: usize = 2000;
pub const FILENAME_MAX: usize = 200;

/// Turns a form into a request of `kind`, or says what to fix.
pub fn parse(
    kind: RequestKind,
    form: &RawForm,
    upload: Option<Upload>,
    permission: Option<Upload>,
    upload_max: usize,
) -> Result<NewRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let verified_kind = kind.needs_verification();

    let full_name = text(form, "full_name", NAME_MAX, false, &mut errors);
    if verified_kind && full_name.is_none() && errors.get("full_name").is_none() {
        errors.add("full_name", "error-full-name");
    }

    let email = match EmailAddress::parse(form.get("email")) {
        Ok(email) => Some(email),
        Err(message) => {
            errors.add("email", message);
            None
        }
    };

    let (mut phone, mut address, mut details, mut lookback) = (None, None, None, None);
    let (mut correction, mut declaration_name, mut document) = (None, None, None);
    let mut california_resident = false;

    if verified_kind {
        phone = phone_number(form, &mut errors);
        address = text(form, "address", ADDRESS_MAX, true, &mut errors);

        california_resident = form.is_yes("california_resident");
        if !california_resident {
            errors.add("california_resident", "error-california-resident");
        }
    }

    if kind.is_know() {
        lookback = match form.get("lookback") {
            "" => {
                errors.add("lookback", "error-lookback-missing");
                None
            }
            code => match Lookback::parse(code) {
                Ok(l) => Some(l),
                Err(_) => {
                    errors.add("lookback", "error-lookback-invalid");
                    None
                }
            },
        };
    }

    if kind == RequestKind::KnowSpecific {
        if phone.is_none() && address.is_none() && errors.get("phone").is_none() {
            errors.add("phone", "error-phone-or-address");
        }
        // The declaration is the consumer's (reg. §7063): an agent with signed permission
        // never signs it (the consumer does, on the page their link opens); an agent
        // holding a power of attorney stands in the consumer's shoes and signs it.
        let by_agent = form.is_yes("for_someone_else");
        let by_attorney = by_agent
            && Authority::parse(form.get("authority")).is_ok_and(Authority::stands_in_for_consumer);
        if !by_agent || by_attorney {
            let signer = if by_attorney {
                text(
                    form,
                    "agent_name",
                    NAME_MAX,
                    false,
                    &mut FieldErrors(Vec::new()),
                )
            } else {
                full_name.clone()
            };
            declaration_name = text(form, "declaration_name", NAME_MAX, false, &mut errors);
            match (&declaration_name, &signer) {
                (None, _) if errors.get("declaration_name").is_none() => {
                    errors.add("declaration_name", "error-declaration-name");
                }
                (Some(signed), Some(name)) if !same_name(signed, name) => {
                    errors.add(
                        "declaration_name",
                        if by_attorney {
                            "error-declaration-name-agent"
                        } else {
                            "error-declaration-name-same"
                        },
                    );
                }
                _ => {}
            }
            if !form.is_yes("declaration_agree") {
                errors.add("declaration_agree", "error-declaration-agree");
            }
        }
    }

    if kind == RequestKind::Correct {
        let field = text(form, "correction_field", NAME_MAX, false, &mut errors);
        if field.is_none() && errors.get("correction_field").is_none() {
            errors.add("correction_field", "error-correction-field");
        }
        let current_value = text(form, "current_value", VALUE_MAX, true, &mut errors);
        let corrected_value = text(form, "corrected_value", VALUE_MAX, true, &mut errors);
        if corrected_value.is_none() && errors.get("corrected_value").is_none() {
            errors.add("corrected_value", "error-corrected-value");
        }
        if let (Some(field), Some(corrected_value)) = (field, corrected_value) {
            correction = Some(Correction {
                field,
                current_value,
                corrected_value,
            });
        }
        document = upload.and_then(|u| checked_document(u, "document", upload_max, &mut errors));
    }

    let mut response_format = None;
    if verified_kind {
        details = text(form, "details", DETAILS_MAX, true, &mut errors);
        response_format = format_request(form, &mut errors);
    }

    let agent = if form.is_yes("for_someone_else") {
        agent_filing(form, email.as_ref(), permission, upload_max, &mut errors)
    } else {
        None
    };

    match (errors.is_empty(), email) {
        (true, Some(email)) => Ok(NewRequest {
            kind,
            email: Some(email),
            full_name,
            phone,
            address,
            california_resident,
            details,
            lookback,
            correction,
            declaration_name,
            document,
            agent,
            browser_id: None,
            response_format,
            staff: None,
            language: Lang::default(),
        }),
        _ => Err(errors),
    }
}

/// A "Shine the Light" form (Civ. §1798.83): name, e-mail and, for a reply by mail, a
/// postal address. Nothing else is asked or kept: the answer holds no personal
/// information of the requester, so no identity check beyond the e-mail link.
pub fn parse_shine_the_light(form: &RawForm) -> Result<NewRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let full_name = text(form, "full_name", NAME_MAX, false, &mut errors);
    if full_name.is_none() && errors.get("full_name").is_none() {
        errors.add("full_name", "error-full-name");
    }
    let email = match EmailAddress::parse(form.get("email")) {
        Ok(email) => Some(email),
        Err(message) => {
            errors.add("email", message);
            None
        }
    };
    let address = text(form, "address", ADDRESS_MAX, true, &mut errors);
    match (errors.is_empty(), email) {
        (true, Some(email)) => Ok(NewRequest {
            kind: RequestKind::ShineTheLight,
            language: Lang::default(),
            email: Some(email),
            full_name,
            phone: None,
            address,
            california_resident: false,
            details: None,
            lookback: None,
            correction: None,
            declaration_name: None,
            document: None,
            agent: None,
            browser_id: None,
            response_format: None,
            staff: None,
        }),
        _ => Err(errors),
    }
}

/// The optional "answer in another format" part of a form: a format, and a note
/// (a note alone asks for another format too).
pub(crate) fn format_request(form: &RawForm, errors: &mut FieldErrors) -> Option<FormatRequest> {
    let note = text(form, "response_format_note", NAME_MAX, false, errors);
    let format = match form.get("response_format") {
        "" => None,
        code => match ResponseFormat::parse(code) {
            Ok(f) => Some(f),
            Err(_) => {
                errors.add("response_format", "error-response-format");
                return None;
            }
        },
    };
    match (format, note) {
        (None, None) => None,
        (format, note) => Some(FormatRequest {
            format: format.unwrap_or(ResponseFormat::Other),
            note,
        }),
    }
}

/// The agent part of a form: who files, and the proof of authority (required with
/// signed permission, optional with a power of attorney).
fn agent_filing(
    form: &RawForm,
    consumer_email: Option<&EmailAddress>,
    permission: Option<Upload>,
    upload_max: usize,
    errors: &mut FieldErrors,
) -> Option<AgentFiling> {
    let name = text(form, "agent_name", NAME_MAX, false, errors);
    if name.is_none() && errors.get("agent_name").is_none() {
        errors.add("agent_name", "error-agent-name");
    }
    let organisation = text(form, "agent_organisation", NAME_MAX, false, errors);
    let authority = Authority::parse(form.get("authority")).ok();
    // A parent may well give their own address for a young child.
    let guardian = authority == Some(Authority::ParentGuardian);
    let email = match EmailAddress::parse(form.get("agent_email")) {
        Ok(e)
            if !guardian
                && consumer_email.is_some_and(|c| c.as_str().eq_ignore_ascii_case(e.as_str())) =>
        {
            errors.add("agent_email", "error-agent-email-own");
            None
        }
        Ok(e) => Some(e),
        Err(message) => {
            errors.add("agent_email", message);
            None
        }
    };
    if authority.is_none() {
        errors.add("authority", "error-authority");
    }
    let document = permission.and_then(|u| checked_document(u, "permission", upload_max, errors));
    if authority.is_some_and(Authority::needs_document)
        && document.is_none()
        && errors.get("permission").is_none()
    {
        errors.add(
            "permission",
            if guardian {
                "error-permission-missing-guardian"
            } else {
                "error-permission-missing"
            },
        );
    }
    if !form.is_yes("agent_declaration") {
        errors.add("agent_declaration", "error-agent-declaration");
    }
    // A parent or guardian also declares the relationship and the child's age (reg.
    // §7070): the same verification as any agent, with this declaration on record.
    if guardian && !form.is_yes("guardian_declaration") {
        errors.add("guardian_declaration", "error-guardian-declaration");
    }
    Some(AgentFiling {
        name: name?,
        organisation,
        email: email?,
        authority: authority?,
        permission: document,
    })
}

/// An optional text field: trimmed, empty as `None`, within `max` characters, free of
/// control characters (line breaks allowed where `multiline`).
pub(crate) fn text(
    form: &RawForm,
    field: &'static str,
    max: usize,
    multiline: bool,
    errors: &mut FieldErrors,
) -> Option<String> {
    let value = form.get(field).trim();
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max {
        errors.add(field, Msg::new("error-too-long").with("max", max));
        return None;
    }
    let allowed = |c: char| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'));
    if !value.chars().all(allowed) {
        errors.add(field, "error-unusual-characters");
        return None;
    }
    Some(value.to_string())
}

pub(crate) fn phone_number(form: &RawForm, errors: &mut FieldErrors) -> Option<String> {
    let value = form.get("phone").trim();
    if value.is_empty() {
        return None;
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let shape_ok = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !shape_ok || !(7..=15).contains(&digits) {
        errors.add("phone", "error-phone");
        return None;
    }
    Some(value.to_string())
}

fn checked_document(
    upload: Upload,
    field: &'static str,
    max: usize,
    errors: &mut FieldErrors,
) -> Option<Document> {
    if upload.bytes.is_empty() {
        // A file input left empty sends an empty part: no document.
        return None;
    }
    if upload.bytes.len() > max {
        errors.add(
            field,
            Msg::new("error-file-too-large-field").with("mb", max / (1024 * 1024)),
        );
        return None;
    }
    let Some(doc_type) = DocumentType::sniff(&upload.bytes) else {
        errors.add(field, "error-file-type");
        return None;
    };
    let filename: String = upload
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(FILENAME_MAX)
        .collect();
    Some(Document {
        filename: if filename.trim().is_empty() {
            "document".to_string()
        } else {
            filename
        },
        doc_type,
        bytes: upload.bytes,
    })
}

fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> RawForm {
        RawForm::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    const MAX: usize = 10 * 1024 * 1024;

    fn fields(errors: &FieldErrors) -> Vec<&'static str> {
        errors.iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn an_opt_out_needs_only_an_email() {
        let req = parse(
            RequestKind::OptOut,
            &form(&[("email", "a@example.com")]),
            None,
            None,
            MAX,
        )
        .unwrap();
        assert_eq!(
            req.email.as_ref().map(|e| e.as_str()),
            Some("a@example.com")
        );
        assert!(req.full_name.is_none());
        // Fields an opt-out does not ask for are not kept even when sent.
        let req = parse(
            RequestKind::LimitSensitive,
            &form(&[
                ("email", "a@example.com"),
                ("address", "1 Main St"),
                ("details", "x"),
            ]),
            None,
            None,
            MAX,
        )
        .unwrap();
        assert!(req.address.is_none() && req.details.is_none());
    }

    #[test]
    fn a_deletion_needs_name_email_and_residency() {
        let errors = parse(RequestKind::Delete, &form(&[]), None, None, MAX).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["full_name", "email", "california_resident"]
        );
        let ok = parse(
            RequestKind::Delete,
            &form(&[
                ("full_name", " Ana López "),
                ("email", "ana@example.com"),
                ("california_resident", "yes"),
            ]),
            None,
            None,
            MAX,
        )
        .unwrap();
        assert_eq!(ok.full_name.as_deref(), Some("Ana López"));
    }

    #[test]
    fn a_copy_needs_lookback_a_third_detail_and_the_signed_declaration() {
        let base = [
            ("full_name", "Ana López"),
            ("email", "ana@example.com"),
            ("california_resident", "yes"),
        ];
        let errors = parse(RequestKind::KnowSpecific, &form(&base), None, None, MAX).unwrap_err();
        assert_eq!(
            fields(&errors),
            ["lookback", "phone", "declaration_name", "declaration_agree"]
        );

        let mut wrong_name = base.to_vec();
        wrong_name.extend([
            ("lookback", "since_2022"),
            ("phone", "+1 415 555 0100"),
            ("declaration_name", "Someone Else"),
            ("declaration_agree", "yes"),
        ]);
        let errors = parse(
            RequestKind::KnowSpecific,
            &form(&wrong_name),
            None,
            None,
            MAX,
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["declaration_name"]);

        let mut ok = base.to_vec();
        ok.extend([
            ("lookback", "since_2022"),
            ("address", "1 Main St, Oakland CA"),
            ("declaration_name", "ana  lópez"),
            ("declaration_agree", "yes"),
        ]);
        let req = parse(RequestKind::KnowSpecific, &form(&ok), None, None, MAX).unwrap();
        assert_eq!(req.lookback, Some(Lookback::Since2022));
        assert_eq!(req.declaration_name.as_deref(), Some("ana  lópez"));
    }

    #[test]
    fn a_correction_needs_the_field_and_the_right_value_and_checks_the_document() {
        let base = [
            ("full_name", "Ana López"),
            ("email", "ana@example.com"),
            ("california_resident", "yes"),
        ];
        let errors = parse(RequestKind::Correct, &form(&base), None, None, MAX).unwrap_err();
        assert_eq!(fields(&errors), ["correction_field", "corrected_value"]);

        let mut ok = base.to_vec();
        ok.extend([
            ("correction_field", "Postal address"),
            ("corrected_value", "2 Oak Ave"),
        ]);
        let upload = |bytes: &[u8]| {
            Some(Upload {
                field: "document".into(),
                filename: "C:\\Users\\ana\\proof.pdf".into(),
                bytes: bytes.to_vec(),
            })
        };
        let req = parse(
            RequestKind::Correct,
            &form(&ok),
            upload(b"%PDF-1.7 ..."),
            None,
            MAX,
        )
        .unwrap();
        let doc = req.document.unwrap();
        assert_eq!(
            (doc.doc_type, doc.filename.as_str()),
            (DocumentType::Pdf, "proof.pdf")
        );

        let errors = parse(
            RequestKind::Correct,
            &form(&ok),
            upload(b"MZ\x90\x00"),
            None,
            MAX,
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["document"]);
        let errors = parse(
            RequestKind::Correct,
            &form(&ok),
            upload(b"%PDF-1.7"),
            None,
            4,
        )
        .unwrap_err();
        assert_eq!(fields(&errors), ["document"]);
        // An empty file input is no document, not an error.
        let req = parse(RequestKind::Correct, &form(&ok), upload(b""), None, MAX).unwrap();
        assert!(req.document.is_none());
    }

    #[test]
    fn bad_values_are_named() {
        let long = "x".repeat(201);
        let errors = parse(
            RequestKind::KnowCategories,
            &form(&[
                ("full_name", &long),
                ("email", "not-an-email"),
                ("phone", "call me"),
                ("california_resident", "no"),
                ("lookback", "forever"),
                ("details", "bell\u{7}"),
            ]),
            None,
            None,
            MAX,
        )
        .unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "full_name",
                "email",
                "phone",
                "california_resident",
                "lookback",
                "details"
            ]
        );
    }

    #[test]
    fn a_shine_the_light_request_asks_only_name_email_and_an_optional_address() {
        let errors = parse_shine_the_light(&form(&[])).unwrap_err();
        assert_eq!(fields(&errors), ["full_name", "email"]);
        let req = parse_shine_the_light(&form(&[
            ("full_name", " Ana López "),
            ("email", "Ana@Example.com "),
            ("phone", "+1 415 555 0100"),
            ("details", "ignored"),
        ]))
        .unwrap();
        assert_eq!(req.kind, RequestKind::ShineTheLight);
        assert_eq!(req.full_name.as_deref(), Some("Ana López"));
        assert!(req.address.is_none() && req.phone.is_none() && req.details.is_none());
        let req = parse_shine_the_light(&form(&[
            ("full_name", "Ana López"),
            ("email", "ana@example.com"),
            ("address", "1 Main St\nOakland CA 94607"),
        ]))
        .unwrap();
        assert_eq!(req.address.as_deref(), Some("1 Main St\nOakland CA 94607"));
    }

    #[test]
    fn documents_are_recognised_by_content() {
        assert_eq!(
            DocumentType::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(DocumentType::Png)
        );
        assert_eq!(
            DocumentType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(DocumentType::Jpeg)
        );
        assert_eq!(DocumentType::sniff(b"<html>"), None);
    }
}
