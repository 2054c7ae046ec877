//! Staff administration (admins only): invite, change roles, deactivate. And each
//! member's own account: the invitation's set-password page, and password changes.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::login::Me;
use super::session::{self, Admin, Staff};
use crate::auth;
use crate::domain::email::EmailAddress;
use crate::domain::token;
use crate::mail::deferred::Slot;
use crate::mail::{Action, Content, OutgoingMessage};
use crate::store;
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html};

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersPage<'a> {
    business: &'a str,
    me: Option<Me>,
    my_id: Uuid,
    users: Vec<store::staff::StaffUser>,
    notice: Option<String>,
    error: Option<String>,
}

impl UsersPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

async fn users_page(
    state: &AppState,
    admin: &Staff,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &UsersPage {
            business: &state.settings.business.name,
            me: Some(Me::from(admin)),
            my_id: admin.id,
            users: store::staff::all(&state.db).await?,
            notice,
            error,
        },
    )
}

/// The staff page with a problem to fix.
async fn refuse(state: &AppState, admin: &Staff, problem: &str) -> Result<Response, AppError> {
    users_page(
        state,
        admin,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
        Some(problem.to_string()),
    )
    .await
}

/// The staff page after a change, saying what was done.
async fn done(state: &AppState, admin: &Staff, what: String) -> Result<Response, AppError> {
    users_page(state, admin, StatusCode::OK, Some(what), None).await
}

pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Response, AppError> {
    users_page(&state, &admin, StatusCode::OK, None, None).await
}

fn parse_role(role: &str) -> Option<&'static str> {
    match role {
        "admin" => Some("admin"),
        "reviewer" => Some("reviewer"),
        _ => None,
    }
}

/// Creates the account without a password and e-mails a single-use set-password link.
pub async fn invite(
    State(state): State<AppState>,
    Admin(admin): Admin,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let Ok(email) = EmailAddress::parse(form.get("email")) else {
        return refuse(&state, &admin, "Enter the new member's e-mail address.").await;
    };
    let Some(role) = parse_role(form.get("role")) else {
        return refuse(&state, &admin, "Choose a role.").await;
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let id = match store::staff::create(&mut tx, email.as_str(), role, None, now).await {
        Ok(id) => id,
        Err(err) if store::violates(&err, store::staff::EMAIL_KEY) => {
            drop(tx);
            return refuse(
                &state,
                &admin,
                "There is already an account with this e-mail address.",
            )
            .await;
        }
        Err(err) => return Err(err.into()),
    };
    let message = invitation(&state, &admin, email.as_str(), role, id, now)?;
    store::outbox::enqueue(&mut tx, None, &message, now).await?;
    tx.commit().await?;
    tracing::info!(staff_id = %id, by = %admin.id, "staff invited");
    done(&state, &admin, format!("Invitation sent to {email}.")).await
}

/// The invitation to `email` for account `staff_id`: its set-password link is made when
/// it is sent.
fn invitation(
    state: &AppState,
    admin: &Staff,
    email: &str,
    role: &str,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> Result<OutgoingMessage, AppError> {
    let slot = Slot::Invite {
        staff_id,
        expires_at: now + Duration::days(state.settings.staff.invite_days),
    };
    Ok(Content {
        subject: format!(
            "You are invited to {}'s privacy request desk",
            state.settings.business.name
        ),
        paragraphs: vec![format!(
            "{} invited you to work on privacy requests as {role}.",
            admin.email
        )],
        action: Some(Action {
            label: "Choose your password".into(),
            url: slot.placeholder(&state.mail),
        }),
        after_action: vec![format!(
            "The link works once and for {} days.",
            state.settings.staff.invite_days
        )],
        ..Default::default()
    }
    .render("staff_invite", email, &state.mail)?
    .with_slot(slot))
}

/// Invites a member who has not chosen a password again (the first invitation expired,
/// or never arrived): earlier invitations stop working and a new one is sent.
pub async fn invite_again(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(member) = store::staff::lock_invited(&mut tx, id).await? else {
        drop(tx);
        return refuse(
            &state,
            &admin,
            "That account is not waiting for an invitation: it has a password or is deactivated.",
        )
        .await;
    };
    store::staff::end_invites(&mut tx, id, now).await?;
    let message = invitation(&state, &admin, &member.email, member.role.code(), id, now)?;
    store::outbox::enqueue(&mut tx, None, &message, now).await?;
    tx.commit().await?;
    tracing::info!(staff_id = %id, by = %admin.id, "staff invited again");
    done(
        &state,
        &admin,
        format!(
            "Invitation sent again to {}; earlier ones no longer work.",
            member.email
        ),
    )
    .await
}

pub async fn set_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let Some(role) = parse_role(form.get("role")) else {
        return refuse(&state, &admin, "Choose a role.").await;
    };
    if id == admin.id {
        return refuse(&state, &admin, "You cannot change your own role.").await;
    }
    store::staff::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::staff::set_role(&state.db, id, role).await?;
    tracing::info!(staff_id = %id, by = %admin.id, role, "staff role changed");
    done(&state, &admin, "Role changed.".into()).await
}

/// The step between the staff list's "Deactivate…" and the deactivation, as for a
/// denial on the request page: it names the member and what follows, and only its own
/// button (which sends `confirmed=yes`) deactivates. No script is needed.
#[derive(Template)]
#[template(path = "staff/user_deactivate.html")]
struct ConfirmDeactivation<'a> {
    business: &'a str,
    me: Option<Me>,
    member: store::staff::StaffUser,
}

impl ConfirmDeactivation<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

/// Deactivates a member once confirmed; before that, asks.
pub async fn deactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<Uuid>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    if id == admin.id {
        return refuse(&state, &admin, "You cannot deactivate yourself.").await;
    }
    let member = store::staff::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !member.active {
        return refuse(&state, &admin, "That account is already deactivated.").await;
    }
    if form.get("confirmed") != "yes" {
        let mut response = html(
            StatusCode::OK,
            &ConfirmDeactivation {
                business: &state.settings.business.name,
                me: Some(Me::from(&admin)),
                member,
            },
        )?;
        crate::web::no_store(&mut response);
        return Ok(response);
    }
    store::staff::deactivate(&state.db, id).await?;
    tracing::info!(staff_id = %id, by = %admin.id, "staff deactivated");
    done(
        &state,
        &admin,
        "Account deactivated; its sessions have ended.".into(),
    )
    .await
}

#[derive(Template)]
#[template(path = "staff/password.html")]
struct PasswordPage<'a> {
    business: &'a str,
    me: Option<Me>,
    heading: &'a str,
    action: String,
    ask_current: bool,
    csrf: String,
    error: Option<String>,
    notice: Option<&'a str>,
}

pub async fn account(State(state): State<AppState>, staff: Staff) -> Result<Response, AppError> {
    html(
        StatusCode::OK,
        &PasswordPage {
            business: &state.settings.business.name,
            me: Some(Me::from(&staff)),
            heading: "Change your password",
            action: "/staff/account".into(),
            ask_current: true,
            csrf: staff.csrf.clone(),
            error: None,
            notice: None,
        },
    )
}

/// A new password ends every session of the account (sign-out everywhere) and starts a
/// fresh one here.
pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    staff.check_csrf(&form)?;
    let refuse = |msg: String| {
        html(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                business: &state.settings.business.name,
                me: Some(Me::from(&staff)),
                heading: "Change your password",
                action: "/staff/account".into(),
                ask_current: true,
                csrf: staff.csrf.clone(),
                error: Some(msg),
                notice: None,
            },
        )
    };
    let user = store::staff::by_id(&state.db, staff.id)
        .await?
        .ok_or(AppError::SignInRequired)?;
    if !auth::verify_password(form.get("current").to_string(), user.password_hash).await {
        return refuse("Your current password is not right.".into());
    }
    let new = form.get("password");
    if let Err(msg) = auth::check_new_password(new) {
        return refuse(msg);
    }
    if new != form.get("confirm") {
        return refuse("The two new passwords differ.".into());
    }
    let hash = auth::hash_password(new.to_string()).await?;
    let mut tx = state.db.begin().await?;
    store::staff::set_password(&mut tx, staff.id, &hash, state.clock.now()).await?;
    tx.commit().await?;
    tracing::info!(staff_id = %staff.id, "staff password changed; all sessions ended");
    let cookie = session::start(&state, &headers, staff.id).await?;
    let mut response = Redirect::to("/staff/requests").into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

fn invite_page(
    state: &AppState,
    raw: &str,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &PasswordPage {
            business: &state.settings.business.name,
            me: None,
            heading: "Choose your password",
            action: format!("/staff/invite/{raw}"),
            ask_current: false,
            csrf: String::new(),
            error,
            notice: None,
        },
    )
}

fn invalid_invite(state: &AppState) -> Result<Response, AppError> {
    html(
        StatusCode::NOT_FOUND,
        &PasswordPage {
            business: &state.settings.business.name,
            me: None,
            heading: "This invitation is not valid",
            action: String::new(),
            ask_current: false,
            csrf: String::new(),
            error: None,
            notice: Some(
                "It may have been used already or have expired. Ask an administrator for a new one.",
            ),
        },
    )
}

pub async fn invite_form(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    match store::staff::invite_user(&state.db, &token::hash(&raw), state.clock.now()).await? {
        Some(_) => invite_page(&state, &raw, StatusCode::OK, None),
        None => invalid_invite(&state),
    }
}

pub async fn accept_invite(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let hash = token::hash(&raw);
    let Some(user) = store::staff::invite_user(&state.db, &hash, now).await? else {
        return invalid_invite(&state);
    };
    let new = form.get("password");
    if let Err(msg) = auth::check_new_password(new) {
        return invite_page(&state, &raw, StatusCode::UNPROCESSABLE_ENTITY, Some(msg));
    }
    if new != form.get("confirm") {
        return invite_page(
            &state,
            &raw,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("The two passwords differ.".into()),
        );
    }
    let password_hash = auth::hash_password(new.to_string()).await?;
    let mut tx = state.db.begin().await?;
    if !store::staff::use_invite(&mut tx, &hash, now).await? {
        return invalid_invite(&state);
    }
    store::staff::set_password(&mut tx, user.id, &password_hash, now).await?;
    tx.commit().await?;
    tracing::info!(staff_id = %user.id, "invitation accepted");
    Ok(Redirect::to("/staff/login").into_response())
}
