//! `/staff/agents` (admins only): the agent organisations registered for the Data
//! Rights Protocol, and this business's directory entry.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::login::Me;
use super::session::{Admin, Staff};
use crate::store::{self, agents::Agent};
use crate::web::errors::AppError;
use crate::web::form::SubmittedForm;
use crate::web::{AppState, drp, html};

#[derive(Template)]
#[template(path = "staff/agents.html")]
struct AgentsPage<'a> {
    business: &'a str,
    me: Option<Me>,
    agents: Vec<Agent>,
    /// The directory entry, or why the configuration cannot give one.
    entry: Result<String, String>,
    notice: Option<String>,
    error: Option<String>,
}

impl AgentsPage<'_> {
    fn csrf(&self) -> &str {
        super::login::csrf_of(&self.me)
    }
}

async fn page(
    state: &AppState,
    admin: &Staff,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    html(
        status,
        &AgentsPage {
            business: &state.settings.business.name,
            me: Some(Me::from(admin)),
            agents: store::agents::all(&state.db).await?,
            entry: drp::directory_entry_json(&state.settings)
                .map(|entry| serde_json::to_string_pretty(&entry).unwrap_or_default()),
            notice,
            error,
        },
    )
}

pub async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Response, AppError> {
    page(&state, &admin, StatusCode::OK, None, None).await
}

pub async fn add(
    State(state): State<AppState>,
    Admin(admin): Admin,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let optional = |k: &str| Some(form.get(k).trim().to_string()).filter(|v| !v.is_empty());
    let agent = Agent {
        id: form.get("id").trim().to_string(),
        name: form.get("name").trim().to_string(),
        verify_key: form.get("verify_key").trim().to_string(),
        contact: optional("contact"),
        web_url: optional("web_url"),
        trusted: form.get("trusted") == "yes",
    };
    let agent = match drp::check_agent(agent) {
        Ok(agent) => agent,
        Err(problem) => {
            return page(
                &state,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(format!("Not registered: {problem}.")),
            )
            .await;
        }
    };
    match store::agents::add(&state.db, &agent).await {
        Ok(()) => {
            tracing::info!(agent_id = %agent.id, by = %admin.id, "DRP agent registered");
            page(
                &state,
                &admin,
                StatusCode::OK,
                Some(format!("Agent {} registered.", agent.id)),
                None,
            )
            .await
        }
        Err(err) if store::violates(&err, store::agents::AGENT_KEY) => {
            page(
                &state,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("An agent with this id is already registered.".into()),
            )
            .await
        }
        Err(err) => Err(err.into()),
    }
}

/// Marks an agent trusted (`trusted=yes`) or not (`trusted=no`): only a trusted agent's
/// `*_verified` claims count as matched data points.
pub async fn set_trusted(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    SubmittedForm { form, .. }: SubmittedForm,
) -> Result<Response, AppError> {
    admin.check_csrf(&form)?;
    let trusted = match form.get("trusted") {
        "yes" => true,
        "no" => false,
        _ => {
            return page(
                &state,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("Choose trusted or not trusted.".into()),
            )
            .await;
        }
    };
    if !store::agents::set_trusted(&state.db, &id, trusted).await? {
        return Err(AppError::NotFound);
    }
    state.agents.forget(&id);
    tracing::info!(agent_id = %id, by = %admin.id, trusted, "DRP agent trust changed");
    let notice = if trusted {
        format!("Agent {id} is trusted: its verified claims now count as matched data points.")
    } else {
        format!("Agent {id} is not trusted: its verified claims are recorded as claims only.")
    };
    page(&state, &admin, StatusCode::OK, Some(notice), None).await
}
