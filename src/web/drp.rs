//! The Data Rights Protocol 1.0 API under `/drp/v1`, business side (see drp.md): key
//! setup, agent information, exercise, status and revoke. Signed bodies are checked in
//! the protocol's order and every failure answers 403 with an empty body.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::clock::{end_of_day, start_of_day};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::AppState;
use super::errors::{AppError, Failure};
use super::form::{LimitedForm, SubmittedForm};
use super::ratelimit::StatusLookups;
use crate::domain::actions::data_points_needed;
use crate::domain::deadlines::{Deadlines, OPT_IN_WINDOW_DAYS, opt_in_last_day};
use crate::domain::drp::{self, Claims, Rejection};
use crate::domain::email::EmailAddress;
use crate::domain::intake::NewRequest;
use crate::domain::kinds::{Channel, Lookback, RequestKind, RequestStatus};
use crate::domain::token::{self, SecretToken};
use crate::domain::tracking::TrackingCode;
use crate::mail::{MailContext, messages};
use crate::store;
use crate::store::agents::{self, Agent, DrpView};
use crate::store::events::{self, Actor, Event};
use crate::store::inserter::InsertError;
use crate::store::requests::{DrpFields, Insert};

const BODY_MAX: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/drp/v1/agent/{agent_id}", post(pair).get(agent_info))
        .route("/drp/v1/data-rights-request", post(exercise))
        .route("/drp/v1/data-rights-request/", post(exercise))
        .route(
            "/drp/v1/data-rights-request/{id}",
            get(status).delete(revoke),
        )
        .route_layer(axum::middleware::map_response(errors_as_json));
    Router::new()
        .merge(api)
        .route("/drp/verify", get(verify_page).post(verify_send))
        .route("/drp/directory-entry.json", get(directory_entry))
}

fn forbidden(why: &str) -> Response {
    tracing::info!(why, "DRP request refused");
    StatusCode::FORBIDDEN.into_response()
}

/// `{"code": "<status>", "message": …, "fatal": …}`.
fn error(status: StatusCode, message: &str, fatal: bool) -> Response {
    (
        status,
        Json(json!({ "code": status.as_u16().to_string(), "message": message, "fatal": fatal })),
    )
        .into_response()
}

/// Agents' apps read JSON: an error the portal would show as a page (a database out
/// of reach, a request not found) is the protocol's error object, `Retry-After` kept.
async fn errors_as_json(response: Response) -> Response {
    let Some(failure) = response.extensions().get::<Failure>() else {
        return response;
    };
    let status = response.status();
    let mut json = error(status, &failure.message, status.is_client_error());
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        json.headers_mut()
            .insert(header::RETRY_AFTER, retry_after.clone());
    }
    json
}

/// The agent the bearer token belongs to.
async fn bearer(state: &AppState, headers: &HeaderMap) -> Result<Option<Agent>, AppError> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Ok(None);
    };
    Ok(agents::by_token(&state.db, &token::hash(token.trim())).await?)
}

fn open(state: &AppState, body: &[u8], agent: &Agent) -> Result<Map<String, Value>, Rejection> {
    let key = drp::parse_verify_key(&agent.verify_key).ok_or(Rejection::BadSignature)?;
    drp::open_signed(
        body,
        &key,
        &agent.id,
        &state.settings.drp.business_id,
        state.clock.now(),
    )
}

async fn read_body(body: Body) -> Option<Bytes> {
    axum::body::to_bytes(body, BODY_MAX).await.ok()
}

/// `POST /v1/agent/{agent-id}`: pair-wise key setup; the signature is the credential.
async fn pair(
    State(state): State<AppState>,
    Path(agent_id): Path<String>,
    body: Body,
) -> Result<Response, AppError> {
    let Some(agent) = agents::by_id(&state.db, &agent_id).await? else {
        return Ok(forbidden("unknown agent"));
    };
    let Some(body) = read_body(body).await else {
        return Ok(forbidden("body too large"));
    };
    if let Err(why) = open(&state, &body, &agent) {
        return Ok(forbidden(&why.to_string()));
    }
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        rand::random::<[u8; 32]>(),
    );
    agents::add_token(
        &state.db,
        &agent.id,
        &token::hash(&token),
        state.clock.now(),
    )
    .await?;
    tracing::info!(agent_id = %agent.id, "DRP agent paired");
    Ok(Json(json!({ "agent-id": agent.id, "token": token })).into_response())
}

/// `GET /v1/agent/{agent-id}`: 200 `{}` for the agent's own token.
async fn agent_info(
    State(state): State<AppState>,
    Path(agent_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    match bearer(&state, &headers).await? {
        Some(agent) if agent.id == agent_id => Ok(Json(json!({})).into_response()),
        _ => Ok(forbidden("token of another agent")),
    }
}

/// The Exercise Status object: the answer to exercise, status and revoke, and the body
/// of every status callback.
pub fn status_object(tz: chrono_tz::Tz, mail: &MailContext, v: &DrpView) -> Value {
    let status = RequestStatus::parse(&v.status).unwrap_or(RequestStatus::Received);
    let kind = RequestKind::parse(&v.kind).unwrap_or(RequestKind::KnowCategories);
    let (drp_status, reason) = drp::drp_status(kind, status, v.outcome_reason.as_deref());
    let mut o = json!({
        "request_id": v.drp_request_id.to_string(),
        "status": drp_status,
        "received_at": drp::timestamp(v.received_at),
    });
    if let Some(reason) = reason {
        o["reason"] = reason.into();
    }
    if let Some(due) = v.due_on {
        o["expected_by"] = drp::timestamp(end_of_day(tz, due)).into();
    }
    if let Some(id) = &v.agent_request_id {
        o["agent_request_id"] = id.clone().into();
    }
    let mut details = vec![format!("Tracking code {}.", v.tracking_code)];
    if let (Some(_), Some(why)) = (v.extended_respond_by, &v.extension_reason) {
        details.push(format!("The deadline was extended: {why}"));
    }
    if kind == RequestKind::OptIn && status == RequestStatus::AwaitingVerification {
        let until = v
            .due_on
            .map(|due| format!(" until {}", drp::timestamp(start_of_day(tz, due))))
            .unwrap_or_default();
        details.push(format!(
            "Waiting for the consumer to confirm the opt-in from the link we e-mailed them{until}; \
             without their confirmation nothing changes and the opt-out stays in place."
        ));
    }
    if let Some(outcome) = &v.outcome_reason {
        details.push(outcome.clone());
    }
    o["processing_details"] = details.join(" ").into();
    if reason == Some("need_user_verification") {
        o["user_verification_url"] = mail.url("/drp/verify").into();
    }
    o
}

/// `POST /v1/data-rights-request`: a signed exercise request becomes an ordinary
/// request (channel `drp`) on the same clocks, in the same queue.
async fn exercise(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let Some(agent) = bearer(&state, &headers).await? else {
        return Ok(forbidden("no valid bearer token"));
    };
    let Some(body) = read_body(body).await else {
        return Ok(forbidden("body too large"));
    };
    let json = match open(&state, &body, &agent) {
        Ok(json) => json,
        Err(why) => return Ok(forbidden(&why.to_string())),
    };
    let get = |k: &str| json.get(k).and_then(Value::as_str);
    if get("drp.version") != Some(drp::VERSION) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "drp.version must be \"1.0\"",
            true,
        ));
    }
    let Some(exercise) = get("exercise") else {
        return Ok(error(StatusCode::BAD_REQUEST, "exercise is required", true));
    };
    let Some(kind) = drp::action_kind(exercise) else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            &format!("exercise {exercise:?} is not supported here"),
            true,
        ));
    };
    let regime = get("regime");
    if !matches!(regime, None | Some("ccpa") | Some("voluntary")) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "regime must be \"ccpa\" or \"voluntary\"",
            true,
        ));
    }
    let claims: Claims = match serde_json::from_value(Value::Object(json.clone())) {
        Ok(c) => c,
        Err(e) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                &format!("identity claims: {e}"),
                true,
            ));
        }
    };
    let Some(email) = claims
        .email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
    else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "email is required and must be an e-mail address",
            true,
        ));
    };
    let callback = get("status_callback");
    if callback.is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "status_callback must be an http(s) URL",
            true,
        ));
    }
    let clip = |s: Option<&String>, max: usize| {
        s.map(|v| v.trim().chars().take(max).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    let request = NewRequest {
        kind,
        email,
        full_name: clip(claims.name.as_ref(), 200),
        phone: clip(claims.phone_number.as_ref(), 40),
        address: clip(
            claims.address.as_ref().and_then(|a| a.one_line()).as_ref(),
            500,
        ),
        california_resident: regime == Some("ccpa"),
        details: None,
        lookback: kind.is_know().then_some(Lookback::TwelveMonths),
        correction: None,
        declaration_name: None,
        document: None,
        agent: None,
    };
    let vouched = claims.vouched();
    let status = match kind {
        // Only the consumer's own confirmation opts them back in (reg. §7028): what the
        // agent vouches for never replaces it.
        RequestKind::OptIn => RequestStatus::AwaitingVerification,
        _ if !kind.needs_verification() => RequestStatus::Received,
        RequestKind::KnowSpecific => RequestStatus::AwaitingVerification,
        _ if vouched.len() >= data_points_needed(kind) => RequestStatus::Verified,
        _ => RequestStatus::AwaitingVerification,
    };
    let drp_id = Uuid::new_v4();
    let meta = DrpMeta {
        agent: &agent,
        drp_id,
        agent_request_id: get("agent-request-id"),
        regime,
        callback,
        vouched: &vouched,
    };
    let view = store_exercise(&state, &Arc::new(request), status, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(status_object(state.tz, &state.mail, &view)),
    )
        .into_response())
}

struct DrpMeta<'a> {
    agent: &'a Agent,
    drp_id: Uuid,
    agent_request_id: Option<&'a str>,
    regime: Option<&'a str>,
    callback: Option<&'a str>,
    vouched: &'a [&'static str],
}

async fn store_exercise(
    state: &AppState,
    request: &Arc<NewRequest>,
    status: RequestStatus,
    meta: &DrpMeta<'_>,
) -> Result<DrpView, AppError> {
    let kind = request.kind;
    let now = state.clock.now();
    let received_on = now.with_timezone(&state.tz).date_naive();
    let link_days = state.settings.worker.verification_link_days;
    let opt_in = kind == RequestKind::OptIn;
    let deadlines = if opt_in {
        Deadlines::for_opt_in(
            received_on,
            u32::try_from(link_days).unwrap_or(OPT_IN_WINDOW_DAYS),
        )
    } else {
        Deadlines::for_kind(kind, received_on, &state.calendar)
    };
    // An opt-in's link works until the sweep closes the opt-in, at the start of its
    // `respond_by`; other links for their usual lifetime.
    let expires = match deadlines.respond_by {
        Some(last) if opt_in => start_of_day(state.tz, last),
        _ => now + chrono::Duration::days(link_days),
    };
    for _ in 0..5 {
        let code = TrackingCode::generate();
        let link = (status == RequestStatus::AwaitingVerification).then(SecretToken::generate);
        let url = link
            .as_ref()
            .map(|t| state.mail.url(&format!("/verify/{}", t.expose())));
        let receipt = match (opt_in, url.as_deref(), deadlines.respond_by) {
            (true, Some(url), Some(respond_by)) => messages::opt_in_request(
                &state.mail,
                request.email.as_str(),
                &code,
                &meta.agent.name,
                opt_in_last_day(respond_by),
                url,
            )?,
            _ => messages::receipt(
                &state.mail,
                request.email.as_str(),
                &code,
                kind,
                &deadlines,
                url.as_deref(),
            )?,
        };
        let row = Insert {
            id: store::requests::new_id(),
            request: Arc::clone(request),
            tracking_code: code.clone(),
            kind,
            status,
            channel: Channel::Drp,
            received_at: now,
            deadlines,
            receipt: Some(receipt),
            verification: link.as_ref().map(|t| (*t.hash(), expires)),
            drp: Some(DrpFields {
                agent_id: meta.agent.id.clone(),
                drp_request_id: meta.drp_id,
                agent_request_id: meta.agent_request_id.map(str::to_owned),
                regime: meta.regime.map(str::to_owned),
                status_callback: meta.callback.map(str::to_owned),
                verification_level: (status == RequestStatus::Verified).then_some("agent vouched"),
                vouched: meta.vouched.to_vec(),
            }),
        };
        let view = DrpView::of_new(&row);
        match state.inserter.insert(row).await {
            Ok(()) => {}
            Err(InsertError::Database(err))
                if store::violates(&err, store::requests::TRACKING_CODE_KEY) =>
            {
                continue;
            }
            Err(InsertError::Database(err)) => return Err(err.into()),
            Err(err @ InsertError::Stopped) => return Err(AppError::Internal(err.into())),
        }
        tracing::info!(tracking_code = %code, agent_id = %meta.agent.id, kind = %kind, "DRP request received");
        return Ok(view);
    }
    Err(AppError::Internal(anyhow::anyhow!("no free tracking code")))
}

async fn parse_id(raw: &str) -> Option<Uuid> {
    raw.parse().ok()
}

/// `GET /v1/data-rights-request/{id}`: the agent's own requests only.
async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(agent) = bearer(&state, &headers).await? else {
        return Ok(forbidden("no valid bearer token"));
    };
    let Some(id) = parse_id(&id).await else {
        return Ok(error(StatusCode::NOT_FOUND, "no such request", false));
    };
    match agents::drp_request(&state.db, id, &agent.id).await? {
        Some(view) => Ok(Json(status_object(state.tz, &state.mail, &view)).into_response()),
        None => Ok(error(StatusCode::NOT_FOUND, "no such request", false)),
    }
}

/// `DELETE /v1/data-rights-request/{id}`: revoked from open or in progress only.
async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let Some(agent) = bearer(&state, &headers).await? else {
        return Ok(forbidden("no valid bearer token"));
    };
    let Some(body) = read_body(body).await else {
        return Ok(forbidden("body too large"));
    };
    let json = match open(&state, &body, &agent) {
        Ok(json) => json,
        Err(why) => return Ok(forbidden(&why.to_string())),
    };
    let Some(id) = parse_id(&id).await else {
        return Ok(error(StatusCode::NOT_FOUND, "no such request", false));
    };
    let Some(view) = agents::drp_request(&state.db, id, &agent.id).await? else {
        return Ok(error(StatusCode::NOT_FOUND, "no such request", false));
    };
    let status = RequestStatus::parse(&view.status).unwrap_or(RequestStatus::Received);
    if status.is_closed() {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "only an open or in-progress request can be revoked",
            false,
        ));
    }
    let reason: String = json
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(1000)
        .collect();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    store::sweeps::set_status(
        &mut tx,
        &[view.id],
        RequestStatus::Withdrawn,
        now,
        Some("Revoked by the authorized agent."),
    )
    .await?;
    events::record(
        &mut tx,
        now,
        Event {
            request_id: view.id,
            actor: Actor::Agent(&agent.id),
            action: "revoked",
            from: Some(status),
            to: Some(RequestStatus::Withdrawn),
            data: json!({ "reason": reason }),
        },
    )
    .await?;
    let view = agents::drp_request_by_id(&mut tx, view.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(Json(status_object(state.tz, &state.mail, &view)).into_response())
}

#[derive(serde::Deserialize)]
struct VerifyParams {
    request_id: Option<String>,
    redirect_to: Option<String>,
}

/// `user_verification_url`: the consumer arrives from the agent's app and asks for a
/// verification link; after following it they are sent back to `redirect_to`.
async fn verify_page(
    State(state): State<AppState>,
    Query(p): Query<VerifyParams>,
    gpc: super::gpc::Gpc,
) -> Result<Response, AppError> {
    use askama::Template;
    #[derive(Template)]
    #[template(path = "consumer/drp_verify.html")]
    struct Page<'a> {
        page: super::Page,
        request_id: &'a str,
        redirect_to: &'a str,
        sent: bool,
    }
    let request_id = p.request_id.as_deref().unwrap_or("");
    if request_id.parse::<Uuid>().is_err() {
        return Err(AppError::NotFound);
    }
    super::html(
        StatusCode::OK,
        &Page {
            page: state.page(gpc),
            request_id,
            redirect_to: p.redirect_to.as_deref().unwrap_or(""),
            sent: false,
        },
    )
}

/// Sends a verification link for the DRP request to the consumer's own address; the link
/// remembers where to send them back.
async fn verify_send(
    State(state): State<AppState>,
    LimitedForm {
        submitted: SubmittedForm { form, .. },
        over_limit,
        ..
    }: LimitedForm<StatusLookups>,
) -> Result<Response, AppError> {
    if over_limit {
        return Err(AppError::TooManyRequests);
    }
    let Ok(drp_id) = form.get("request_id").parse::<Uuid>() else {
        return Err(AppError::NotFound);
    };
    let row: Option<(Uuid, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.id, r.tracking_code, r.email, r.kind, r.status, a.web_url FROM requests r JOIN agents a ON a.id = r.agent_id
         WHERE r.drp_request_id = $1",
    )
    .bind(drp_id)
    .fetch_optional(&state.db)
    .await?;
    let Some((id, code, email, kind, status, web_url)) = row else {
        return Err(AppError::NotFound);
    };
    let redirect = safe_redirect(form.get("redirect_to"), web_url.as_deref());
    // An opt-in is confirmed only from the link already e-mailed to the consumer.
    if status != RequestStatus::AwaitingVerification.code() || kind == RequestKind::OptIn.code() {
        // Nothing to verify: straight back to the agent.
        return Ok(match redirect {
            Some(url) => Redirect::to(&url).into_response(),
            None => Redirect::to("/status").into_response(),
        });
    }
    let now = state.clock.now();
    let link = SecretToken::generate();
    let url = state.mail.url(&format!("/verify/{}", link.expose()));
    let code = TrackingCode::parse(&code).unwrap_or_else(TrackingCode::generate);
    let message = messages::verification_link(&state.mail, &email, &code, &url)?;
    let expires = now + chrono::Duration::days(state.settings.worker.verification_link_days);
    let mut tx = state.db.begin().await?;
    store::verification::issue(&mut tx, id, link.hash(), now, expires).await?;
    sqlx::query("UPDATE verification_tokens SET redirect_to = $2 WHERE token_hash = $1")
        .bind(link.hash().as_slice())
        .bind(&redirect)
        .execute(&mut *tx)
        .await?;
    store::outbox::enqueue(&mut tx, Some(id), &message, now).await?;
    tx.commit().await?;
    Ok((StatusCode::OK, axum::response::Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Check your e-mail</title>\
         <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main id=\"main\">\
         <h1>Check your e-mail</h1><p>We sent a link to the address you gave your agent. Open it to confirm \
         it is you; you will then be sent back.</p></main></body></html>",
    ))
        .into_response())
}

/// `redirect_to` only when it is an http(s) URL on the agent's own site (when the agent
/// registered one).
fn safe_redirect(raw: &str, agent_site: Option<&str>) -> Option<String> {
    let host = |u: &str| {
        let rest = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"))?;
        Some(rest.split(['/', '?', '#']).next()?.to_ascii_lowercase())
    };
    let target = host(raw)?;
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    match agent_site.and_then(host) {
        Some(site) if site != target => None,
        _ => Some(raw.to_string()),
    }
}

/// Checks an agent's registration: id shape, key, URLs.
pub fn check_agent(agent: &Agent) -> Result<(), String> {
    let id_ok = !agent.id.is_empty()
        && agent.id.len() <= 100
        && agent
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if !id_ok {
        return Err("the agent id may use letters, digits, '_', '.' and '-' only".into());
    }
    if agent.name.trim().is_empty() {
        return Err("give the agent's name".into());
    }
    if drp::parse_verify_key(&agent.verify_key).is_none() {
        return Err("the verify key must be base64 of a 32-byte Ed25519 public key".into());
    }
    if agent
        .web_url
        .as_deref()
        .is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://")))
    {
        return Err("the web URL must start with https://".into());
    }
    Ok(())
}

/// This business's entry for the DRP directory.
pub fn directory_entry_json(settings: &crate::config::Settings) -> Value {
    json!({
        "id": settings.drp.business_id,
        "name": settings.business.name,
        "api_base": format!("{}/drp", settings.base_url()),
        "supported_actions": drp::SUPPORTED_ACTIONS,
        "supported_verifications": ["email"],
        "privacy_policy_url": settings.business.privacy_policy_url,
        "web_url": settings.base_url(),
        "technical_contact": settings.staff_alerts_to,
        "business_contact": settings.staff_alerts_to,
    })
}

async fn directory_entry(State(state): State<AppState>) -> Json<Value> {
    Json(directory_entry_json(&state.settings))
}

#[cfg(test)]
mod tests {
    use super::safe_redirect;

    #[test]
    fn redirects_stay_on_the_agents_site() {
        assert_eq!(
            safe_redirect(
                "https://app.agent.example/done",
                Some("https://app.agent.example")
            )
            .as_deref(),
            Some("https://app.agent.example/done")
        );
        assert_eq!(
            safe_redirect("https://evil.example/", Some("https://app.agent.example")),
            None
        );
        assert_eq!(safe_redirect("javascript:alert(1)", None), None);
        assert_eq!(safe_redirect("//evil.example", None), None);
    }
}
