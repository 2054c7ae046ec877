//! "Shine the Light" pages (Civ. §1798.83): the customer's form and confirmation; for
//! staff, the request page's panel (the clock's flag, the year's record, the answer
//! kept), the printed letter for an answer by mail, and the admins' yearly record of
//! direct-marketing disclosures. Handlers parse, call `service::shine_the_light`, render.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;

use super::errors::AppError;
use super::form::{LimitedForm, SubmittedForm};
use super::gpc::Gpc;
use super::lang::Locale;
use super::ratelimit::Submissions;
use super::staff::login::{Me, csrf_of};
use super::staff::session::{Admin, Staff};
use super::{AppState, Page, html, no_store};
use crate::domain::intake::{self, FieldErrors, RawForm};
use crate::domain::kinds::RequestKind;
use crate::domain::shine_the_light::{self as stl, Answer, Repeat};
use crate::domain::tracking::TrackingCode;
use crate::mail::{self, DatedStep, long_date, shine_the_light::answer_paragraphs};
use crate::service::shine_the_light::{self as service, RecordChange};
use crate::store::detail::{self, Detail};
use crate::store::lifecycle::{self as rows, Key};
use crate::store::shine_the_light as stl_rows;

#[derive(Template)]
#[template(path = "consumer/shine_the_light.html")]
struct FormPage<'a> {
    page: Page,
    title: String,
    form: &'a RawForm,
    errors: &'a FieldErrors,
    notice: Option<String>,
    /// How long requests are kept, for the notice at collection.
    retention_months: i64,
}

impl FormPage<'_> {
    fn value(&self, name: &str) -> &str {
        self.form.get(name)
    }

    /// The field's error, in the page's language.
    fn error(&self, name: &str) -> Option<String> {
        self.page.t.field_error(self.errors, name)
    }

    /// Every error, in the order of the fields, in the page's language.
    fn error_list(&self) -> Vec<(&'static str, String)> {
        self.page.t.field_errors(self.errors)
    }
}

/// The form, in the page's language; `notice` is a message id.
fn form_page(
    state: &AppState,
    status: StatusCode,
    (gpc, locale): (Gpc, &Locale),
    form: &RawForm,
    errors: &FieldErrors,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let page = state.page(gpc, locale);
    let t = page.t;
    html(
        status,
        &FormPage {
            page,
            title: t.kind_title(RequestKind::ShineTheLight),
            form,
            errors,
            notice: notice.map(|key| t.get(key)),
            retention_months: i64::from(state.settings.retention.months),
        },
    )
}

/// `GET /requests/new/shine_the_light`.
pub async fn new_request(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
) -> Result<Response, AppError> {
    form_page(
        &state,
        StatusCode::OK,
        (gpc, &locale),
        &RawForm::default(),
        &FieldErrors::default(),
        None,
    )
}

#[derive(Template)]
#[template(path = "consumer/shine_the_light_submitted.html")]
struct SubmittedPage {
    page: Page,
    tracking_code: TrackingCode,
    email: String,
    dates: Vec<DatedStep>,
    /// The year's answer was already sent with this earlier request: a copy is on its way.
    already_answered: Option<TrackingCode>,
    /// Answered together with this open request.
    linked_to: Option<TrackingCode>,
}

impl SubmittedPage {
    fn already_answered_note(&self) -> Option<String> {
        self.already_answered.as_ref().map(|earlier| {
            self.page.t.args(
                "stl-already-answered",
                &[("code", earlier.as_str()), ("email", &self.email)],
            )
        })
    }
}

/// `POST /requests/new/shine_the_light`.
pub async fn submit(
    State(state): State<AppState>,
    gpc: Gpc,
    locale: Locale,
    LimitedForm {
        submitted,
        over_limit,
        ..
    }: LimitedForm<Submissions>,
) -> Result<Response, AppError> {
    let form = submitted.form;
    if over_limit {
        return form_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            (gpc, &locale),
            &form,
            &FieldErrors::default(),
            Some("form-notice-too-many"),
        );
    }
    let request = match intake::parse_shine_the_light(&form) {
        // Filed in the page's language: every e-mail about it will be too.
        Ok(request) => Arc::new(intake::NewRequest {
            language: locale.lang,
            ..request
        }),
        Err(errors) => {
            return form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                (gpc, &locale),
                &form,
                &errors,
                None,
            );
        }
    };
    let filed = match service::file(
        &state.intake(),
        &request,
        service::Arrival::web(state.clock.now()),
    )
    .await
    .map_err(AppError::from)
    {
        Ok(filed) => filed,
        Err(AppError::Unavailable(err)) => {
            tracing::warn!(error = format!("{err:#}"), "database unavailable");
            let mut response = form_page(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                (gpc, &locale),
                &form,
                &FieldErrors::default(),
                Some("form-notice-unavailable"),
            )?;
            super::errors::retry_later(&mut response);
            return Ok(response);
        }
        Err(err) => return Err(err),
    };
    let (already_answered, linked_to) = match filed.repeat {
        Repeat::First => (None, None),
        Repeat::AlreadyAnswered(code) => (Some(code), None),
        Repeat::LinkedTo(code) => (None, Some(code)),
    };
    let page = state.page(gpc, &locale);
    let dates = mail::consumer_dates(&page.t, &filed.deadlines);
    let page = SubmittedPage {
        page,
        tracking_code: filed.tracking_code,
        email: request
            .email
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        dates,
        already_answered,
        linked_to,
    };
    let mut response = html(StatusCode::OK, &page)?;
    no_store(&mut response);
    Ok(response)
}

/// What the staff request page shows of a "Shine the Light" request.
pub struct Panel {
    pub year: i32,
    pub undesignated: bool,
    /// Whether the year's record exists (or the business answers with its opt-out).
    pub answerable: bool,
    pub opt_out_instead: bool,
    pub linked_to: Option<String>,
    pub answer_text: Option<String>,
    pub answered_on: Option<String>,
    pub by_mail: bool,
}

/// The panel of a request, or `None` for any other kind.
pub async fn panel(state: &AppState, r: &Detail) -> Result<Option<Panel>, AppError> {
    if r.kind != RequestKind::ShineTheLight {
        return Ok(None);
    }
    let mut conn = state.db.acquire().await?;
    let year = stl::year_answered(r.received_at.with_timezone(&state.tz).date_naive());
    let record = stl_rows::year(&mut conn, year).await?.record();
    let kept = stl_rows::answer_of(&mut conn, r.id).await?;
    let opt_out_instead = state.settings.shine_the_light.opt_out_instead;
    Ok(Some(Panel {
        year,
        undesignated: stl_rows::undesignated(&mut conn, r.id).await?,
        answerable: opt_out_instead || record.is_some(),
        opt_out_instead,
        linked_to: stl_rows::linked_to(&mut conn, r.id).await?,
        answered_on: kept.as_ref().map(|k| {
            k.sent_at
                .with_timezone(&state.tz)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        }),
        answer_text: kept.map(|k| k.body_text),
        by_mail: r.address.is_some(),
    }))
}

/// The queue's rows whose "Shine the Light" record is missing near their due date
/// (staff were alerted and it is still missing).
pub async fn queue_marks(
    state: &AppState,
    rows: &[crate::store::queue::Row],
) -> Result<Vec<uuid::Uuid>, AppError> {
    let ids: Vec<uuid::Uuid> = rows
        .iter()
        .filter(|r| r.kind == RequestKind::ShineTheLight && r.closed_at.is_none())
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(stl_rows::still_missing(&state.db, &ids).await?)
}

/// `POST /staff/requests/{code}/stl-undesignated`: the request reached an address the
/// business did not designate; it is due 150 days after receipt.
pub async fn mark_undesignated(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let code = TrackingCode::parse(&code).ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    match service::mark_undesignated(&state.db, state.tz, staff.id, code.as_str(), now).await? {
        None => Err(AppError::NotFound),
        Some(Err(why)) => Err(AppError::BadRequest(why.into())),
        Some(Ok(())) => {
            tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), "marked as received at an undesignated address");
            Ok(Redirect::to(&format!(
                "/staff/requests/{}?done=stl_undesignated_address",
                code.as_str()
            ))
            .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "staff/stl_letter.html")]
struct LetterPage<'a> {
    business: &'a str,
    date: String,
    tracking_code: &'a str,
    full_name: Option<&'a str>,
    address_lines: Vec<&'a str>,
    paragraphs: Vec<String>,
    opt_out_url: Option<String>,
    /// Not sent yet: the letter shows what fulfilling would send.
    draft: bool,
    /// The consumer's language, which the letter is written in.
    t: crate::locale::Tr,
}

/// `GET /staff/requests/{code}/stl-letter`: the answer as a letter to print and mail,
/// from the answer kept with the request, or, before it is answered, from the year's
/// record (marked as a draft).
pub async fn letter(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = TrackingCode::parse(&code).ok_or(AppError::NotFound)?;
    let r = detail::by_code(&state.db, code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if r.kind != RequestKind::ShineTheLight {
        return Err(AppError::NotFound);
    }
    let mut conn = state.db.acquire().await?;
    let (answer, draft, date) = match stl_rows::answer_of(&mut conn, r.id).await? {
        Some(kept) => (kept.answer, false, kept.sent_at),
        None => {
            let locked = rows::read(&mut conn, Key::Id(r.id))
                .await?
                .ok_or(AppError::NotFound)?;
            match service::answer_for(&mut conn, &state.settings, state.tz, &locked).await? {
                Ok(answer) => (answer, true, state.clock.now()),
                Err(missing) => return Err(AppError::BadRequest(format!("{missing}.").into())),
            }
        }
    };
    // A purged request's letter shows no name or address: not an opening.
    if r.full_name.is_some() || r.address.is_some() {
        crate::service::records::seen(
            &state.db,
            &[r.id],
            staff.id,
            crate::store::records::Viewed::Letter,
            state.clock.now(),
        )
        .await?;
    }
    tracing::info!(staff_id = %staff.id, tracking_code = %code.as_str(), "Shine the Light letter printed");
    let opt_out_url = match &answer {
        Answer::OptOutChoice { opt_out_url, .. } => Some(opt_out_url.clone()),
        Answer::Record { .. } => None,
    };
    let business = &state.settings.business.name;
    // The letter is the consumer's: in the language they filed in.
    let t = crate::locale::Tr::new(r.language);
    let page = LetterPage {
        business,
        date: long_date(&t, date.with_timezone(&state.tz).date_naive()),
        tracking_code: &r.tracking_code,
        full_name: r.full_name.as_deref(),
        address_lines: r
            .address
            .as_deref()
            .map(|a| a.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
            .unwrap_or_default(),
        paragraphs: answer_paragraphs(&t, business, &answer),
        t,
        opt_out_url,
        draft,
    };
    let mut response = html(StatusCode::OK, &page)?;
    no_store(&mut response);
    Ok(response)
}

#[derive(Template)]
#[template(path = "staff/shine_the_light.html")]
struct RecordPage<'a> {
    business: &'a str,
    me: Option<Me>,
    view: stl_rows::YearView,
    complete: bool,
    years: Vec<(i32, bool)>,
    categories_text: String,
    opt_out_instead: bool,
    notice: Option<String>,
    error: Option<String>,
}

impl RecordPage<'_> {
    fn csrf(&self) -> &str {
        csrf_of(&self.me)
    }
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<String>,
    done: Option<String>,
}

async fn record_page(
    state: &AppState,
    admin: &Staff,
    year: i32,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let view = {
        let mut conn = state.db.acquire().await?;
        stl_rows::year(&mut conn, year).await?
    };
    let page = RecordPage {
        business: &state.settings.business.name,
        me: Some(Me::from(admin)),
        complete: view.record().is_some(),
        categories_text: view.categories.join("\n"),
        view,
        years: stl_rows::years(&state.db).await?,
        opt_out_instead: state.settings.shine_the_light.opt_out_instead,
        notice,
        error,
    };
    let mut response = html(status, &page)?;
    no_store(&mut response);
    Ok(response)
}

/// `GET /staff/shine-the-light?year=YYYY` (admins): a year's record, last year's by
/// default (the year this year's requests are answered with).
pub async fn record(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let last_year = state.clock.today(state.tz).year() - 1;
    let year = match q.year.as_deref() {
        None | Some("") => last_year,
        Some(typed) => stl::record_year(typed)
            .ok_or_else(|| AppError::BadRequest("year: give a year like 2025.".into()))?,
    };
    let notice = q.done.map(|d| match d.as_str() {
        "categories" => "Categories saved.",
        "add_third_party" => "Third party added.",
        "remove_third_party" => "Third party removed.",
        _ => "Saved.",
    });
    record_page(
        &state,
        &admin,
        year,
        StatusCode::OK,
        notice.map(str::to_string),
        None,
    )
    .await
}

/// `POST /staff/shine-the-light/{year}/{action}` (admins, CSRF): one change to the
/// year's record.
pub async fn change(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path((year, action)): Path<(String, String)>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let year = stl::record_year(&year).ok_or(AppError::NotFound)?;
    let change = match action.as_str() {
        "categories" => RecordChange::Categories(form.get("categories")),
        "add_third_party" => RecordChange::AddThirdParty {
            name: form.get("name"),
            address: form.get("address"),
            examples: form.get("examples"),
        },
        "remove_third_party" => match form.get("id").parse() {
            Ok(id) => RecordChange::RemoveThirdParty(id),
            Err(_) => return Err(AppError::BadRequest("id: choose a third party.".into())),
        },
        "nothing_disclosed" => match form.get("nothing_disclosed") {
            "yes" => RecordChange::NothingDisclosed(true),
            "no" => RecordChange::NothingDisclosed(false),
            _ => {
                return Err(AppError::BadRequest(
                    "nothing_disclosed: answer yes or no.".into(),
                ));
            }
        },
        _ => return Err(AppError::NotFound),
    };
    let now = state.clock.now();
    match service::change_record(&state.db, admin.id, year, change, now).await? {
        Ok(_) => Ok(
            Redirect::to(&format!("/staff/shine-the-light?year={year}&done={action}"))
                .into_response(),
        ),
        Err(why) => {
            record_page(
                &state,
                &admin,
                year,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(why),
            )
            .await
        }
    }
}
