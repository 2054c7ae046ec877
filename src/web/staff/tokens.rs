//! `/staff/tokens` (admins only): API tokens for business systems. A new token is shown
//! once, on the page that made it (never cached); the list shows names, scopes and use,
//! never a token.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::login::Me;
use super::session::{Admin, Staff};
use crate::domain::api::{Scope, TokenName};
use crate::domain::intake::RawForm;
use crate::service::api_tokens::{self, IssueError};
use crate::store::{self, api_tokens::ApiToken};
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, html, no_store};

/// A token as a row of the table.
struct TokenRow {
    id: i64,
    name: String,
    scopes: String,
    /// The recipient it is bound to, by name.
    recipient: Option<String>,
    created_at: String,
    created_by: String,
    last_used_at: String,
    revoked_at: Option<String>,
}

const WHEN: &str = "%Y-%m-%d %H:%M UTC";

impl From<ApiToken> for TokenRow {
    fn from(t: ApiToken) -> Self {
        TokenRow {
            id: t.id,
            name: t.name,
            scopes: t
                .scopes
                .iter()
                .map(|s| s.code())
                .collect::<Vec<_>>()
                .join(", "),
            recipient: t.recipient,
            created_at: t.created_at.format(WHEN).to_string(),
            created_by: t.created_by.unwrap_or_else(|| "the command line".into()),
            last_used_at: t
                .last_used_at
                .map_or_else(|| "never".into(), |at| at.format(WHEN).to_string()),
            revoked_at: t.revoked_at.map(|at| at.format(WHEN).to_string()),
        }
    }
}

/// A scope's checkbox.
struct ScopeBox {
    field: String,
    code: &'static str,
    label: &'static str,
    checked: bool,
}

fn field_of(scope: Scope) -> String {
    format!("scope_{}", scope.code().replace(':', "_"))
}

fn label_of(scope: Scope) -> &'static str {
    match scope {
        Scope::SuppressionsRead => "read the suppression list (opt-outs and limits, with removals)",
        Scope::TasksWrite => "report downstream tasks done",
        Scope::EventsRead => "read request lifecycle events (tracking codes and codes only)",
    }
}

/// A recipient a token may be bound to, as an option of the form's select.
struct RecipientOption {
    id: String,
    name: String,
    active: bool,
}

/// The token just made, shown once.
struct IssuedView {
    name: String,
    token: String,
}

#[derive(Template)]
#[template(path = "staff/tokens.html")]
struct TokensPage<'a> {
    business: &'a str,
    me: Option<Me>,
    tokens: Vec<TokenRow>,
    scopes: Vec<ScopeBox>,
    name: String,
    recipient_id: String,
    recipients: Vec<RecipientOption>,
    issued: Option<IssuedView>,
    notice: Option<String>,
    error: Option<String>,
}

impl TokensPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

/// What the form had, kept when it is shown again with an error.
#[derive(Default)]
struct Typed {
    name: String,
    recipient_id: String,
    scopes: Vec<Scope>,
}

async fn page(
    state: &AppState,
    admin: &Staff,
    status: StatusCode,
    typed: Typed,
    outcome: Outcome,
) -> Result<Response, AppError> {
    let (issued, notice, error) = match outcome {
        Outcome::None => (None, None, None),
        Outcome::Issued(view) => (Some(view), None, None),
        Outcome::Notice(n) => (None, Some(n), None),
        Outcome::Error(e) => (None, None, Some(e)),
    };
    let tokens = store::api_tokens::all(&state.db).await?;
    let recipients = store::recipients::all(&state.db)
        .await?
        .into_iter()
        .map(|r| RecipientOption {
            id: r.id.to_string(),
            name: r.name,
            active: r.active,
        })
        .collect();
    let mut response = html(
        status,
        &TokensPage {
            business: &state.settings.business.name,
            me: Some(Me::from(admin)),
            tokens: tokens.into_iter().map(TokenRow::from).collect(),
            scopes: Scope::ALL
                .iter()
                .map(|&s| ScopeBox {
                    field: field_of(s),
                    code: s.code(),
                    label: label_of(s),
                    checked: typed.scopes.contains(&s),
                })
                .collect(),
            name: typed.name,
            recipient_id: typed.recipient_id,
            recipients,
            issued,
            notice,
            error,
        },
    )?;
    no_store(&mut response);
    Ok(response)
}

enum Outcome {
    None,
    Issued(IssuedView),
    Notice(String),
    Error(String),
}

pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Response, AppError> {
    page(
        &state,
        &admin,
        StatusCode::OK,
        Typed::default(),
        Outcome::None,
    )
    .await
}

/// A valid form: what the new token is.
struct Asked {
    name: TokenName,
    scopes: Vec<Scope>,
    recipient: Option<i64>,
}

/// The form as typed, and as a token to make or what is wrong with it.
fn parse(form: &RawForm) -> (Typed, Result<Asked, String>) {
    let typed = Typed {
        name: form.get("name").trim().to_string(),
        recipient_id: form.get("recipient_id").trim().to_string(),
        scopes: Scope::ALL
            .iter()
            .copied()
            .filter(|&s| form.is_yes(&field_of(s)))
            .collect(),
    };
    let parsed = (|| {
        let name = TokenName::parse(&typed.name).map_err(|e| format!("Name: {e}."))?;
        let scopes =
            Scope::ordered(typed.scopes.clone()).map_err(|e| format!("What it may do: {e}."))?;
        let recipient = match typed.recipient_id.as_str() {
            "" => None,
            raw => Some(
                raw.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or("Recipient: choose one from the list, or any recipient.")?,
            ),
        };
        Ok(Asked {
            name,
            scopes,
            recipient,
        })
    })();
    (typed, parsed)
}

pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let (typed, parsed) = parse(&form);
    let Asked {
        name,
        scopes,
        recipient,
    } = match parsed {
        Ok(parsed) => parsed,
        Err(problem) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, &admin, status, typed, Outcome::Error(problem)).await;
        }
    };
    let now = state.clock.now();
    match api_tokens::issue(&state.db, &name, &scopes, recipient, Some(admin.id), now).await {
        Ok(issued) => {
            tracing::info!(token_id = issued.id, by = %admin.id, "API token created");
            let view = IssuedView {
                name: name.as_str().to_string(),
                token: issued.token.expose().to_string(),
            };
            let fresh = Typed::default();
            page(&state, &admin, StatusCode::OK, fresh, Outcome::Issued(view)).await
        }
        Err(err @ IssueError::NameTaken(_)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let problem = format!("Name: {err}.");
            page(&state, &admin, status, typed, Outcome::Error(problem)).await
        }
        Err(IssueError::NoSuchRecipient) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let problem = "Recipient: choose one from the list, or any recipient.".to_string();
            page(&state, &admin, status, typed, Outcome::Error(problem)).await
        }
        Err(IssueError::Db(err)) => Err(err.into()),
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    if !store::api_tokens::revoke(&state.db, id, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(token_id = id, by = %admin.id, "API token revoked");
    let notice = "Token revoked: it no longer opens the API.".to_string();
    page(
        &state,
        &admin,
        StatusCode::OK,
        Typed::default(),
        Outcome::Notice(notice),
    )
    .await
}
