//! `/staff/recipients` (admins only): who decisions are passed on to. Add (a webhook's
//! signing secret is shown once), deactivate (never delete: tasks keep their
//! recipient), and rotate a webhook's secret.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::login::Me;
use super::session::{Admin, Staff};
use crate::domain::tasks::{RecipientRole, TASK_KINDS};
use crate::service::recipients::{self, Entered};
use crate::store::recipients::Recipient;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html};

/// The add form's values, kept when it is shown again.
#[derive(Default)]
struct Typed {
    name: String,
    role: String,
    kinds: Vec<String>,
    channel: String,
    webhook: String,
    email: String,
    events: bool,
}

#[derive(Template)]
#[template(path = "staff/recipients.html")]
struct RecipientsPage<'a> {
    business: &'a str,
    me: Option<Me>,
    recipients: Vec<Recipient>,
    roles: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    form: Typed,
    notice: Option<String>,
    secret: Option<String>,
    /// The field at fault and what to fix.
    error: Option<(&'static str, String)>,
}

impl RecipientsPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

struct Shown {
    status: StatusCode,
    form: Typed,
    notice: Option<String>,
    secret: Option<String>,
    error: Option<(&'static str, String)>,
}

impl Shown {
    fn ok(notice: String) -> Self {
        Shown {
            status: StatusCode::OK,
            form: Typed::default(),
            notice: Some(notice),
            secret: None,
            error: None,
        }
    }
}

async fn page(state: &AppState, admin: &Staff, shown: Shown) -> Result<Response, AppError> {
    let kinds = TASK_KINDS
        .iter()
        .map(|k| {
            (
                k.code(),
                k.title(),
                shown.form.kinds.iter().any(|c| c == k.code()),
            )
        })
        .collect();
    let mut response = html(
        shown.status,
        &RecipientsPage {
            business: &state.settings.business.name,
            me: Some(Me::from(admin)),
            recipients: crate::store::recipients::all(&state.db).await?,
            roles: RecipientRole::ALL
                .iter()
                .map(|r| (r.code(), r.label()))
                .collect(),
            kinds,
            form: shown.form,
            notice: shown.notice,
            secret: shown.secret,
            error: shown.error,
        },
    )?;
    crate::web::no_store(&mut response);
    Ok(response)
}

pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Response, AppError> {
    let shown = Shown {
        notice: None,
        ..Shown::ok(String::new())
    };
    page(&state, &admin, shown).await
}

pub async fn add(
    State(state): State<AppState>,
    Admin(admin): Admin,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let typed = Typed {
        name: form.get("name").to_string(),
        role: form.get("role").to_string(),
        kinds: TASK_KINDS
            .iter()
            .filter(|k| form.is_yes(&format!("kind_{}", k.code())))
            .map(|k| k.code().to_string())
            .collect(),
        channel: form.get("channel").to_string(),
        webhook: form.get("webhook").to_string(),
        email: form.get("email").to_string(),
        events: form.is_yes("events"),
    };
    let address = match typed.channel.as_str() {
        "webhook" => typed.webhook.as_str(),
        "email" => typed.email.as_str(),
        _ => "",
    };
    let entered = Entered {
        name: &typed.name,
        role: &typed.role,
        kinds: typed.kinds.iter().map(String::as_str).collect(),
        channel: &typed.channel,
        address,
        events: typed.events,
    };
    let added = recipients::add(
        &state.db,
        entered,
        state.settings.outbound.allow_private_addresses,
        &crate::outbound::SystemResolver,
        state.clock.now(),
    )
    .await?;
    match added {
        Ok(added) => {
            tracing::info!(recipient_id = added.id, by = %admin.id, "recipient added");
            let shown = Shown {
                secret: added.secret,
                ..Shown::ok(format!("Recipient {} added.", typed.name.trim()))
            };
            page(&state, &admin, shown).await
        }
        Err(refused) => {
            let mut text = refused.to_string();
            if let Some((_, rest)) = text.split_once(": ") {
                text = rest.to_string();
            }
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let shown = Shown {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                form: typed,
                notice: None,
                secret: None,
                error: Some((refused.field(), format!("{text}."))),
            };
            page(&state, &admin, shown).await
        }
    }
}

pub async fn deactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let Some(r) = crate::store::recipients::by_id(&state.db, id).await? else {
        return Err(AppError::NotFound);
    };
    crate::store::recipients::deactivate(&state.db, id, state.clock.now()).await?;
    tracing::info!(recipient_id = id, by = %admin.id, "recipient deactivated");
    let notice = format!(
        "{} is deactivated: it gets no new tasks; its open tasks stay.",
        r.name
    );
    page(&state, &admin, Shown::ok(notice)).await
}

pub async fn rotate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let Some(r) = crate::store::recipients::by_id(&state.db, id).await? else {
        return Err(AppError::NotFound);
    };
    let Some(secret) = recipients::rotate_secret(&state.db, id).await? else {
        return Err(AppError::NotFound);
    };
    tracing::info!(recipient_id = id, by = %admin.id, "recipient signing secret rotated");
    let shown = Shown {
        secret: Some(secret),
        ..Shown::ok(format!(
            "{} has a new signing secret; the old one no longer signs.",
            r.name
        ))
    };
    page(&state, &admin, shown).await
}
