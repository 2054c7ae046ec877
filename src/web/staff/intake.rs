//! `/staff/requests/new`: staff enter a request received by phone, mail, e-mail or in
//! person, for any right a consumer can file; and `/staff/requests/{code}/letter`, the
//! printable receipt for a consumer who gave no e-mail address.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;

use super::login::Me;
use super::session::Staff;
use crate::domain::channels::{self, STAFF_FORM_ORDER};
use crate::domain::deadlines::Deadlines;
use crate::domain::intake::{FieldErrors, RawForm};
use crate::domain::kinds::{Channel, RequestKind, ResponseFormat};
use crate::domain::lang::Lang;
use crate::locale::Tr;
use crate::mail::{self, DatedStep, long_date};
use crate::service;
use crate::store;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html, no_store};

/// A right as the intake form offers it.
struct KindChoice {
    code: &'static str,
    title: &'static str,
}

#[derive(Template)]
#[template(path = "staff/request_new.html")]
struct IntakePage<'a> {
    business: &'a str,
    me: Option<Me>,
    kinds: Vec<KindChoice>,
    channels: &'static [Channel],
    languages: [Lang; 2],
    formats: &'static [ResponseFormat],
    today: NaiveDate,
    earliest: NaiveDate,
    form: &'a RawForm,
    errors: &'a FieldErrors,
}

impl IntakePage<'_> {
    fn value(&self, name: &str) -> &str {
        self.form.get(name)
    }

    /// Staff pages are in English.
    fn error(&self, name: &str) -> Option<String> {
        Tr::default().field_error(self.errors, name)
    }

    fn error_list(&self) -> Vec<(&'static str, String)> {
        Tr::default().field_errors(self.errors)
    }

    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

fn intake_page(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    form: &RawForm,
    errors: &FieldErrors,
) -> Result<Response, AppError> {
    let today = state.clock.today(state.tz);
    let mut response = html(
        status,
        &IntakePage {
            business: &state.settings.business.name,
            me: Some(Me::from(staff)),
            // Every kind a consumer can file, so a right added later appears here too.
            kinds: RequestKind::FILEABLE
                .iter()
                .map(|k| KindChoice {
                    code: k.code(),
                    title: k.title(),
                })
                .collect(),
            channels: Channel::STAFF_ENTERED,
            languages: Lang::ALL,
            formats: ResponseFormat::ALL,
            today,
            earliest: channels::earliest_receipt_day(today),
            form,
            errors,
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

pub async fn form(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    let today = state.clock.today(state.tz).to_string();
    let form = RawForm::from_pairs([("received_on".to_string(), today)]);
    intake_page(
        &state,
        &staff,
        StatusCode::OK,
        &form,
        &FieldErrors::default(),
    )
}

#[derive(Template)]
#[template(path = "staff/request_entered.html")]
struct EnteredPage<'a> {
    business: &'a str,
    me: Option<Me>,
    tracking_code: String,
    has_email: bool,
    overdue_at_once: bool,
    dates: Vec<DatedStep>,
}

pub async fn submit(
    State(state): State<AppState>,
    staff: Staff,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let now = state.clock.now();
    let filing = match channels::parse_staff(&form, state.clock.today(state.tz)) {
        Ok(filing) => filing,
        Err(errors) => {
            let errors = errors.in_order_of(STAFF_FORM_ORDER);
            return intake_page(
                &state,
                &staff,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form,
                &errors,
            );
        }
    };
    let has_email = filing.request.email.is_some();
    let entered = service::channels::enter(&state.intake(), filing, staff.id, now).await?;
    let mut response = html(
        StatusCode::OK,
        &EnteredPage {
            business: &state.settings.business.name,
            me: Some(Me::from(&staff)),
            tracking_code: entered.stored.tracking_code.to_string(),
            has_email,
            overdue_at_once: entered.overdue_at_once,
            dates: mail::consumer_dates(&Tr::default(), &entered.stored.deadlines),
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff/letter.html")]
struct LetterPage<'a> {
    business: &'a str,
    base_url: &'a str,
    today: String,
    received: String,
    letter: store::channels::Letter,
    kind_title: String,
    dates: Vec<DatedStep>,
    /// The consumer's language: the letter is theirs.
    t: Tr,
    contact: &'a crate::mail::Contact,
}

/// The receipt letter: what the e-mailed receipt says, on paper, with the tracking
/// code and the dates that apply, for staff to print and post.
pub async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let letter = store::channels::letter(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    // A purged request's letter shows no name or address: not an opening.
    if letter.full_name.is_some() || letter.address.is_some() {
        crate::service::records::seen(
            &state.db,
            &[letter.id],
            staff.id,
            crate::store::records::Viewed::Letter,
            state.clock.now(),
        )
        .await?;
    }
    let t = Tr::new(letter.language);
    let dates = mail::consumer_dates(
        &t,
        &Deadlines {
            confirm_by: letter.confirm_by,
            respond_by: letter.extended_respond_by.or(letter.respond_by),
            comply_by: letter.comply_by,
        },
    );
    let mut response = html(
        StatusCode::OK,
        &LetterPage {
            business: &state.settings.business.name,
            base_url: state.settings.base_url(),
            today: long_date(&t, state.clock.today(state.tz)),
            received: long_date(&t, letter.received_at.with_timezone(&state.tz).date_naive()),
            kind_title: t.kind_title(letter.kind),
            t,
            contact: &state.mail.contact,
            letter,
            dates,
        },
    )?;
    no_store(&mut response);
    Ok(response)
}
