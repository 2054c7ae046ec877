//! The Data Rights Protocol 1.0 API under `/drp/v1`, business side (see drp.md): key
//! setup, agent information, exercise, status and revoke. Signed bodies are checked in
//! the protocol's order and every failure answers 403 with an empty body.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::errors::{AppError, Failure};
use super::form::{LimitedForm, SubmittedForm};
use super::ratelimit::StatusLookups;
use crate::domain::drp::{self, Claims, Envelope, Rejection, Signed};
use crate::domain::email::EmailAddress;
use crate::domain::intake::NewRequest;
use crate::domain::kinds::{LinkPurpose, Lookback, RequestKind, RequestStatus};
use crate::domain::lifecycle::Change;
use crate::domain::token;
use crate::domain::tracking::TrackingCode;
use crate::mail::messages;
use crate::service::{self, lifecycle::Ask};
use crate::store;
use crate::store::agents::{self, Agent};
use crate::store::events::Actor;

pub use crate::service::drp::{check_agent, directory_entry_json, status_object};

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
        .route(
            "/drp/verify/{request_id}",
            get(verify_request_page).post(verify_request_send),
        )
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
pub(crate) async fn errors_as_json(response: Response) -> Response {
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

/// How long an instance trusts what it read of an agent through its bearer token: an
/// agent filing thousands of requests costs one lookup (and one parse of its key) in
/// that time, not one per request. The price: an agent trusted, distrusted or given a
/// new key on another instance is seen here that much later. This instance forgets it
/// at once.
const AGENT_KEPT_FOR: std::time::Duration = std::time::Duration::from_secs(5);
/// Tokens remembered at most; past it, the ones out of date go, or else all.
const AGENTS_KEPT: usize = 1024;

/// An agent as its bearer token shows it, with its verify key parsed once.
pub struct KnownAgent {
    pub agent: Agent,
    key: Option<VerifyingKey>,
}

impl KnownAgent {
    fn new(agent: Agent) -> Self {
        let key = drp::parse_verify_key(&agent.verify_key);
        Self { agent, key }
    }
}

impl std::ops::Deref for KnownAgent {
    type Target = Agent;
    fn deref(&self) -> &Agent {
        &self.agent
    }
}

/// Agents by the hash of a bearer token, for [`AGENT_KEPT_FOR`]. Unknown tokens are
/// not remembered: each costs a lookup.
pub struct AgentsByToken {
    kept_for: std::time::Duration,
    known: std::sync::Mutex<HashMap<TokenHash, (Instant, Arc<KnownAgent>)>>,
}

type TokenHash = [u8; 32];

impl Default for AgentsByToken {
    fn default() -> Self {
        Self {
            kept_for: AGENT_KEPT_FOR,
            known: std::sync::Mutex::default(),
        }
    }
}

impl AgentsByToken {
    fn get(&self, token_hash: &TokenHash) -> Option<Arc<KnownAgent>> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known
            .get(token_hash)
            .filter(|(at, _)| at.elapsed() < self.kept_for)
            .map(|(_, agent)| Arc::clone(agent))
    }

    fn keep(&self, token_hash: TokenHash, agent: Arc<KnownAgent>) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= AGENTS_KEPT {
            known.retain(|_, (at, _)| at.elapsed() < self.kept_for);
            if known.len() >= AGENTS_KEPT {
                known.clear();
            }
        }
        known.insert(token_hash, (Instant::now(), agent));
    }

    /// Forgets every token of `agent_id`: its record changed.
    pub fn forget(&self, agent_id: &str) {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.retain(|_, (_, known)| known.agent.id != agent_id);
    }
}

/// The agent the bearer token belongs to.
async fn bearer(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Arc<KnownAgent>>, AppError> {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Ok(None);
    };
    let hash = token::hash(token.trim());
    if let Some(known) = state.agents.get(&hash) {
        return Ok(Some(known));
    }
    let Some(agent) = agents::by_token(&state.db, &hash).await? else {
        return Ok(None);
    };
    let known = Arc::new(KnownAgent::new(agent));
    state.agents.keep(hash, Arc::clone(&known));
    Ok(Some(known))
}

fn open(
    state: &AppState,
    body: &[u8],
    known: &KnownAgent,
    envelope: Envelope,
) -> Result<Signed, Rejection> {
    let key = known.key.as_ref().ok_or(Rejection::BadSignature)?;
    drp::open_signed(
        body,
        key,
        &known.agent.id,
        &state.settings.drp.business_id,
        state.clock.now(),
        envelope,
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
    let agent = KnownAgent::new(agent);
    let Some(body) = read_body(body).await else {
        return Ok(forbidden("body too large"));
    };
    let signed = match open(&state, &body, &agent, Envelope::Required) {
        Ok(signed) => signed,
        Err(why) => return Ok(forbidden(&why.to_string())),
    };
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        rand::random::<[u8; 32]>(),
    );
    let mut tx = state.db.begin().await?;
    if !store::drp::spend_signature(&mut tx, &signed.message_hash, signed.expires_at).await? {
        return Ok(forbidden(&Rejection::Replayed.to_string()));
    }
    agents::add_token(&mut tx, &agent.id, &token::hash(&token), state.clock.now()).await?;
    tx.commit().await?;
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
    let Signed {
        json,
        message_hash,
        expires_at,
    } = match open(&state, &body, &agent, Envelope::Required) {
        Ok(signed) => signed,
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
    if let Some(Err(why)) = callback
        .map(|u| crate::outbound::check_url(u, state.settings.outbound.allow_private_addresses))
    {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            &format!("status_callback {why}"),
            true,
        ));
    }
    let clip = |s: Option<&String>, max: usize| {
        s.map(|v| v.trim().chars().take(max).collect::<String>())
            .filter(|v| !v.is_empty())
    };
    let request = NewRequest {
        kind,
        email: Some(email),
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
        browser_id: None,
        response_format: None,
        staff: None,
        // DRP carries no language: the consumer's mail is in English.
        language: crate::domain::lang::Lang::En,
    };
    let vouched = claims.vouched();
    // What an agent vouches for counts only when the business trusts the agent; any
    // other agent's word is recorded as a claim (reg. §7026(j)).
    let matched = if agent.trusted { vouched.len() } else { 0 };
    let status = match kind {
        // Only the consumer's own confirmation opts them back in (reg. §7028): what the
        // agent vouches for never replaces it.
        RequestKind::OptIn => RequestStatus::AwaitingVerification,
        _ if !kind.needs_verification() => RequestStatus::Received,
        RequestKind::KnowSpecific => RequestStatus::AwaitingVerification,
        _ if matched >= state.settings.verification.points_needed(kind) => RequestStatus::Verified,
        _ => RequestStatus::AwaitingVerification,
    };
    let drp_id = Uuid::new_v4();
    let meta = service::drp::DrpMeta {
        agent: &agent,
        drp_id,
        agent_request_id: get("agent-request-id"),
        regime,
        callback,
        vouched: &vouched,
        signature: (message_hash, expires_at),
    };
    match service::drp::file_exercise(
        &state.intake(),
        &Arc::new(request),
        status,
        &meta,
        state.clock.now(),
    )
    .await?
    {
        Some(view) => Ok(Json(status_object(state.tz, &state.mail, &view)).into_response()),
        None => Ok(forbidden(&Rejection::Replayed.to_string())),
    }
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
    match agents::drp_request(&state.db, id).await? {
        Some(view) if view.agent_id == agent.id => {
            Ok(Json(status_object(state.tz, &state.mail, &view)).into_response())
        }
        // Spec §2.02.1: another agent's request is forbidden, and says nothing more.
        Some(_) => Ok(forbidden("request of another agent")),
        None => Ok(error(StatusCode::NOT_FOUND, "no such request", false)),
    }
}

/// `DELETE /v1/data-rights-request/{id}`: revoked from open or in progress only. The
/// body is `{"reason": …}` signed with the key of the token's agent (spec §2.04).
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
    let reason = match open(&state, &body, &agent, Envelope::WhenPresent)
        .and_then(|signed| drp::revoke_reason(&signed.json))
    {
        Ok(reason) => reason,
        Err(why) => return Ok(forbidden(&why.to_string())),
    };
    let Some(id) = parse_id(&id).await else {
        return Ok(error(StatusCode::NOT_FOUND, "no such request", false));
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let request_id = match store::drp::owner(&mut tx, id).await? {
        None => return Ok(error(StatusCode::NOT_FOUND, "no such request", false)),
        Some((_, owner)) if owner.as_deref() != Some(agent.id.as_str()) => {
            return Ok(forbidden("request of another agent"));
        }
        Some((request_id, _)) => request_id,
    };
    // The lifecycle locks the row and reads its status under the lock, so a fulfilment
    // or denial committing at the same moment is never overwritten.
    let ask = Ask {
        data: json!({ "reason": reason }),
        ..Ask::new(Change::Revoke)
    };
    let done = service::lifecycle::transition(
        &mut tx,
        state.rules(),
        store::lifecycle::Key::Id(request_id),
        Actor::Agent(&agent.id),
        ask,
        now,
    )
    .await?;
    if !matches!(done, Some(Ok(_))) {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            "only an open or in-progress request can be revoked",
            false,
        ));
    }
    let view = agents::drp_request_by_id(&mut tx, request_id)
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

#[derive(askama::Template)]
#[template(path = "consumer/drp_verify.html")]
struct VerifyPage<'a> {
    page: super::Page,
    request_id: Uuid,
    redirect_to: &'a str,
    /// The request waits for the consumer to confirm it is them.
    awaiting: bool,
    /// An opt-in, which only the e-mailed link confirms.
    opt_in: bool,
    /// A new link was just sent.
    sent: bool,
}

/// `user_verification_url`: the page of one DRP request (spec §3.02.1), where the
/// consumer arriving from the agent's app learns what to do. Whoever has the URL sees
/// only whether there is something to do: never the address, name or tracking code.
async fn verify_request_page(
    State(state): State<AppState>,
    Path(request_id): Path<String>,
    Query(p): Query<VerifyParams>,
    gpc: super::gpc::Gpc,
    locale: super::lang::Locale,
) -> Result<Response, AppError> {
    let Ok(request_id) = request_id.parse::<Uuid>() else {
        return Err(AppError::NotFound);
    };
    // The agent may append `?request_id=`: it must name this request.
    if p.request_id
        .as_deref()
        .is_some_and(|q| q.parse::<Uuid>().ok() != Some(request_id))
    {
        return Err(AppError::NotFound);
    }
    let Some(waiting) = store::drp::waiting_for_consumer(&state.db, request_id).await? else {
        return Err(AppError::NotFound);
    };
    super::html(
        StatusCode::OK,
        &VerifyPage {
            page: state.page(gpc, &locale),
            request_id,
            redirect_to: p.redirect_to.as_deref().unwrap_or(""),
            awaiting: waiting.awaiting,
            opt_in: waiting.awaiting && waiting.opt_in,
            sent: false,
        },
    )
}

/// The first form of `user_verification_url`, `/drp/verify?request_id=…`: the same page.
async fn verify_page(
    state: State<AppState>,
    Query(p): Query<VerifyParams>,
    gpc: super::gpc::Gpc,
    locale: super::lang::Locale,
) -> Result<Response, AppError> {
    let id = p.request_id.clone().unwrap_or_default();
    verify_request_page(state, Path(id), Query(p), gpc, locale).await
}

/// Sends a new verification link for the DRP request named in the path.
async fn verify_request_send(
    State(state): State<AppState>,
    Path(request_id): Path<String>,
    gpc: super::gpc::Gpc,
    locale: super::lang::Locale,
    LimitedForm {
        submitted: SubmittedForm { form, .. },
        over_limit,
        ..
    }: LimitedForm<StatusLookups>,
) -> Result<Response, AppError> {
    send_link(
        &state,
        gpc,
        &locale,
        over_limit,
        &request_id,
        form.get("redirect_to"),
    )
    .await
}

/// The first form's button, with the request id in a hidden field.
async fn verify_send(
    State(state): State<AppState>,
    gpc: super::gpc::Gpc,
    locale: super::lang::Locale,
    LimitedForm {
        submitted: SubmittedForm { form, .. },
        over_limit,
        ..
    }: LimitedForm<StatusLookups>,
) -> Result<Response, AppError> {
    let request_id = form.get("request_id").to_string();
    send_link(
        &state,
        gpc,
        &locale,
        over_limit,
        &request_id,
        form.get("redirect_to"),
    )
    .await
}

/// Sends a verification link for the DRP request to the consumer's own address; the link
/// remembers where to send them back. The origin and the rate limit were checked before
/// the body was read.
async fn send_link(
    state: &AppState,
    gpc: super::gpc::Gpc,
    locale: &super::lang::Locale,
    over_limit: bool,
    request_id: &str,
    redirect_to: &str,
) -> Result<Response, AppError> {
    if over_limit {
        return Err(AppError::TooManyRequests);
    }
    let Ok(drp_id) = request_id.parse::<Uuid>() else {
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
    let redirect = safe_redirect(redirect_to, web_url.as_deref());
    // An opt-in is confirmed only from the link already e-mailed to the consumer.
    if status != RequestStatus::AwaitingVerification.code() || kind == RequestKind::OptIn.code() {
        // Nothing to verify: straight back to the agent.
        return Ok(match redirect {
            Some(url) => Redirect::to(&url).into_response(),
            None => Redirect::to("/status").into_response(),
        });
    }
    let now = state.clock.now();
    let code = TrackingCode::stored(&code).map_err(|e| AppError::Internal(e.into()))?;
    let expires = now + chrono::Duration::days(state.settings.worker.verification_link_days);
    // The link itself is created by the worker when it sends the message.
    let message =
        messages::verification_link(&state.mail, &email, &code, &state.mail.link_slot_url())?
            .with_link(LinkPurpose::VerifyEmail, expires)
            .redirecting_to(redirect.clone());
    let mut tx = state.db.begin().await?;
    // Anyone who knows the DRP request id can ask: past the address's unsolicited mail
    // for the day nothing is sent and earlier links keep working.
    let cap = state.settings.mail.unsolicited_per_day;
    if store::outbox::enqueue_unsolicited(&mut tx, Some(id), &message, now, cap).await? {
        store::verification::retire(&mut tx, &[id], now).await?;
    }
    tx.commit().await?;
    super::html(
        StatusCode::OK,
        &VerifyPage {
            page: state.page(gpc, locale),
            request_id: drp_id,
            redirect_to: "",
            awaiting: true,
            opt_in: false,
            sent: true,
        },
    )
}

/// `redirect_to` only when it is an http(s) URL on the site the agent registered (same
/// scheme, host and port, no user name); an agent with no site registered gets no
/// redirect, so the portal never sends a consumer somewhere nobody vouched for.
pub(super) fn safe_redirect(raw: &str, agent_site: Option<&str>) -> Option<String> {
    let site = url::Url::parse(agent_site?).ok()?;
    if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let target = url::Url::parse(raw).ok()?;
    let web = |u: &url::Url| matches!(u.scheme(), "http" | "https") && u.host().is_some();
    let plain = target.username().is_empty() && target.password().is_none();
    (web(&site) && web(&target) && plain && target.origin() == site.origin())
        .then(|| target.to_string())
}

/// `/drp/directory-entry.json`; a configuration that cannot give a valid entry is
/// named in a JSON error, not a bare failure.
async fn directory_entry(State(state): State<AppState>) -> Response {
    match directory_entry_json(&state.settings) {
        Ok(entry) => Json(entry).into_response(),
        Err(problem) => error(StatusCode::SERVICE_UNAVAILABLE, &problem, true),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{
        AGENTS_KEPT, AgentsByToken, KnownAgent, check_agent, directory_entry_json, safe_redirect,
    };
    use crate::service::drp::is_https_or_loopback;
    use crate::store::agents::Agent;

    #[test]
    fn an_agent_registered_with_a_hex_key_is_stored_with_its_base64() {
        let agent = |key: &str| Agent {
            id: "AGENT_H".into(),
            name: "Hex".into(),
            verify_key: key.into(),
            contact: None,
            web_url: None,
            trusted: false,
        };
        let hex_key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let b64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        assert_eq!(check_agent(agent(hex_key)).unwrap().verify_key, b64);
        assert_eq!(check_agent(agent(b64)).unwrap().verify_key, b64);
        assert!(check_agent(agent("d75a98")).is_err());
    }

    #[test]
    fn the_directory_entry_command_refuses_a_public_http_base_url() {
        let mut settings = crate::config::Settings::defaults();
        settings.base_url = "http://privacy.example.com".into();
        let problem = directory_entry_json(&settings).unwrap_err();
        assert!(problem.contains("https://"), "{problem}");
        settings.base_url = "https://privacy.example.com/".into();
        let entry = directory_entry_json(&settings).unwrap();
        assert_eq!(entry["api_base"], "https://privacy.example.com/drp");
        assert_eq!(entry["technical_contact"], "", "never null");
    }

    #[test]
    fn the_directory_entry_is_https_unless_on_loopback() {
        assert!(is_https_or_loopback("https://privacy.example.com"));
        assert!(is_https_or_loopback("http://127.0.0.1:8080"));
        assert!(is_https_or_loopback("http://127.3.2.1/"));
        assert!(is_https_or_loopback("http://[::1]:8080/x"));
        assert!(is_https_or_loopback("http://localhost:8080"));
        assert!(!is_https_or_loopback("http://privacy.example.com"));
        assert!(!is_https_or_loopback("http://10.0.0.1:8080"));
        assert!(!is_https_or_loopback("http://127.0.0.1.example.com/"));
        assert!(!is_https_or_loopback("ftp://127.0.0.1/"));
    }

    #[test]
    fn redirects_stay_on_the_agents_site() {
        let site = Some("https://app.agent.example");
        assert_eq!(
            safe_redirect("https://app.agent.example/done?x=1", site).as_deref(),
            Some("https://app.agent.example/done?x=1")
        );
        assert_eq!(
            safe_redirect("https://APP.agent.example/done", site).as_deref(),
            Some("https://app.agent.example/done"),
            "host names compare without case"
        );
        for refused in [
            "https://evil.example/",
            "https://app.agent.example.evil.example/",
            "https://app.agent.example@evil.example/",
            "https://evil.example@app.agent.example/",
            "http://app.agent.example/done",
            "https://app.agent.example:8443/done",
            "javascript:alert(1)",
            "//evil.example",
            "/relative",
            "https://app.agent.example/do ne",
        ] {
            assert_eq!(safe_redirect(refused, site), None, "{refused}");
        }
        assert_eq!(
            safe_redirect("https://app.agent.example/done", None),
            None,
            "no site registered: no redirect"
        );
    }

    fn agent(id: &str) -> Arc<KnownAgent> {
        Arc::new(KnownAgent::new(Agent {
            id: id.into(),
            name: "Agent".into(),
            verify_key: "not a key".into(),
            contact: None,
            web_url: None,
            trusted: false,
        }))
    }

    #[test]
    fn an_agent_is_remembered_by_token_until_forgotten_or_out_of_date() {
        let agents = AgentsByToken::default();
        agents.keep([1; 32], agent("A"));
        agents.keep([2; 32], agent("A"));
        agents.keep([3; 32], agent("B"));
        assert_eq!(agents.get(&[1; 32]).unwrap().id, "A");
        assert!(
            agents.get(&[1; 32]).unwrap().key.is_none(),
            "a bad key parses to none"
        );
        assert!(agents.get(&[4; 32]).is_none());
        // Both of A's tokens go; B's stays.
        agents.forget("A");
        assert!(agents.get(&[1; 32]).is_none());
        assert!(agents.get(&[2; 32]).is_none());
        assert_eq!(agents.get(&[3; 32]).unwrap().id, "B");

        let brief = AgentsByToken {
            kept_for: std::time::Duration::ZERO,
            ..AgentsByToken::default()
        };
        brief.keep([1; 32], agent("A"));
        assert!(brief.get(&[1; 32]).is_none(), "out of date at once");
    }

    #[test]
    fn past_the_limit_the_tokens_out_of_date_go_first() {
        let agents = AgentsByToken::default();
        for i in 0..AGENTS_KEPT {
            let mut hash = [0; 32];
            hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
            agents.keep(hash, agent("A"));
        }
        agents.keep([0xff; 32], agent("B"));
        let held = agents.known.lock().unwrap().len();
        // None was out of date, so all went but the newest.
        assert_eq!(held, 1);
        assert_eq!(agents.get(&[0xff; 32]).unwrap().id, "B");
    }
}
