//! HTTP: the router, shared state, security headers. Handlers are thin: parse, call the
//! domain, persist, render.

pub mod api;
pub mod browser_only;
pub mod channels;
pub mod consumer;
pub mod cookies;
pub mod download;
pub mod drp;
pub mod errors;
pub mod form;
pub mod gpc;
pub mod lang;
pub mod metrics;
pub mod ops;
pub mod opt_in;
pub mod ratelimit;
pub mod serve;
pub mod shine_the_light;
pub mod staff;
pub mod tasks;
pub mod verify;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono_tz::Tz;
use sqlx::PgPool;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::calendar::BusinessCalendar;
use crate::mail::MailContext;
use crate::store::inserter::Inserter;
use crate::wake::Waker;
use errors::AppError;
use ratelimit::RateLimiter;

/// What every handler can reach, behind one pointer: the router hands a copy to every
/// handler and middleware layer of every request, and one reference count is cheaper
/// to copy and drop than a dozen.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds. Nothing here is state another instance would need: sessions
/// and requests live in PostgreSQL; the rate limiter is per instance by design.
pub struct Shared {
    pub db: PgPool,
    pub settings: Arc<Settings>,
    pub calendar: Arc<BusinessCalendar>,
    pub tz: Tz,
    pub clock: Clock,
    pub limiter: Arc<RateLimiter>,
    pub mail: Arc<MailContext>,
    /// The queue's counts, shared for a few seconds by every page view.
    pub counts: Arc<staff::queue::CountsCache>,
    /// The public yearly metrics, counted at most once in a few minutes.
    pub public_reports: metrics::PublicReports,
    /// Wakes the workers after a request queued mail or a callback.
    pub waker: Waker,
    /// Writes new requests, many per statement under load.
    pub inserter: Inserter,
    /// Turns to read a body larger than a plain form (`http.uploads_at_once`).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// DRP agents by bearer token, for a few seconds.
    pub agents: drp::AgentsByToken,
}

impl AppState {
    pub fn new(db: PgPool, settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        let tz = settings
            .timezone()
            .map_err(|e| anyhow::anyhow!("business.timezone: {e}"))?;
        let calendar = BusinessCalendar::new(settings.deadlines.holidays.iter().map(|h| h.date));
        let mail = Arc::new(MailContext::new(&settings));
        let inserter = Inserter::spawn(
            db.clone(),
            settings.mail.unsolicited_per_day,
            settings.database.write_timeout(),
        );
        let uploads = Arc::new(tokio::sync::Semaphore::new(settings.http.uploads_at_once));
        Ok(Self(Arc::new(Shared {
            db,
            settings: Arc::new(settings),
            calendar: Arc::new(calendar),
            tz,
            clock,
            limiter: Arc::new(RateLimiter::default()),
            mail,
            counts: Arc::default(),
            public_reports: metrics::PublicReports::default(),
            waker: Waker::default(),
            inserter,
            uploads,
            agents: drp::AgentsByToken::default(),
        })))
    }
}

impl Shared {
    /// What filing a request reads.
    pub fn intake(&self) -> crate::service::intake::Intake<'_> {
        crate::service::intake::Intake {
            db: &self.db,
            inserter: &self.inserter,
            calendar: &self.calendar,
            mail: &self.mail,
            tz: self.tz,
            settings: &self.settings,
        }
    }

    /// What the lifecycle's decisions and messages read.
    pub fn rules(&self) -> crate::service::Rules<'_> {
        crate::service::Rules {
            policy: &self.settings.verification,
            mail: &self.mail,
            tz: self.tz,
        }
    }

    pub fn page(&self, gpc: gpc::Gpc, locale: &lang::Locale) -> Page {
        Page {
            business: self.settings.business.name.clone(),
            gpc: gpc.0,
            t: locale.tr(),
            switch_href: locale.switch_href.clone(),
            contact: self.mail.contact.clone(),
        }
    }
}

/// What the layout needs on every page.
pub struct Page {
    pub business: String,
    pub gpc: bool,
    /// The page's language: every word a consumer reads comes through it.
    pub t: crate::locale::Tr,
    /// This page in the other language.
    pub switch_href: String,
    /// How to reach the business, in the footer.
    pub contact: crate::mail::Contact,
}

impl Page {
    /// A page with nothing of the business's: for errors rendered where no request is
    /// at hand (a consumer page's is rendered again with everything, `web::lang`).
    pub fn bare() -> Self {
        Page {
            business: String::new(),
            gpc: false,
            t: crate::locale::Tr::default(),
            switch_href: "/?lang=es".into(),
            contact: crate::mail::Contact::default(),
        }
    }

    /// The name of the language the switch offers, in that language.
    pub fn switch_name(&self) -> &'static str {
        self.t.lang().other().own_name()
    }

    /// The code of the language the switch offers, for its `lang` and `hreflang`.
    pub fn switch_code(&self) -> &'static str {
        self.t.lang().other().code()
    }
}

pub fn html<T: Template>(status: StatusCode, template: &T) -> Result<Response, AppError> {
    Ok((status, Html(template.render()?)).into_response())
}

/// `scheme://authority/path` → `authority`.
fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// A form posted from another site is refused. Browsers send `Origin` with every POST;
/// clients that send none (scripts, agents) are not browsers being tricked.
pub fn check_origin(headers: &HeaderMap, state: &AppState) -> Result<(), AppError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let origin_authority = authority(origin);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if origin != "null"
        && (origin_authority == host || origin_authority == authority(state.settings.base_url()))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

const STYLE_CSS: &str = include_str!("../../static/style.css");

async fn style_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE_CSS,
    )
        .into_response()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(consumer::home))
        .route(
            "/requests/new/shine_the_light",
            get(shine_the_light::new_request).post(shine_the_light::submit),
        )
        .route(
            "/requests/new/{kind}",
            get(consumer::new_request).post(consumer::submit_request),
        )
        .route(
            "/status",
            get(consumer::status_form).post(consumer::status_lookup),
        )
        .route("/status/resend", post(consumer::resend_link))
        .route(
            "/verify/{token}",
            get(verify::open_link).post(verify::use_link),
        )
        .merge(
            Router::new()
                .route(
                    "/download/{token}",
                    get(download::open).post(download::ask_code),
                )
                .route("/download/{token}/file", post(download::download))
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    ratelimit::limit_downloads,
                )),
        )
        .route("/agent/status/{token}", get(consumer::agent_status))
        .route("/privacy-choices", get(channels::snippet))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gpc::record_signal,
        ));

    let app = Router::new()
        .merge(pages)
        .merge(staff::router())
        .merge(drp::router())
        .merge(api::router())
        .route("/metrics/{year}", get(metrics::yearly))
        .route(
            "/tasks/complete/{token}",
            get(tasks::open_link).post(tasks::use_link),
        )
        .route("/healthz", get(consumer::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/.well-known/gpc.json", get(gpc::well_known))
        .route("/static/style.css", get(style_css))
        .route("/static/print.css", get(staff::records::print_css))
        .route("/static/favicon.svg", get(channels::favicon))
        .route("/favicon.ico", get(channels::favicon))
        .route(
            "/static/privacy-choices.svg",
            get(channels::privacy_choices_icon),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            wake_after_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            answer_within,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            lang::choose_language,
        ))
        .layer(axum::middleware::from_fn(crate::telemetry::track_http))
        .with_state(state);
    with_security_headers(app).layer(TraceLayer::new_for_http().make_span_with(
        |req: &axum::http::Request<_>| {
            // Method and route template only: paths can carry tokens, queries e-mails.
            let route = req
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "unmatched".into());
            tracing::info_span!("http", method = %req.method(), route)
        },
    ))
}

/// Pages with personal data are not kept in shared caches or history.
pub(crate) fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A write that succeeded may have queued mail or a callback: wake the workers. Pokes
/// are coalesced, so this costs nothing per request.
async fn wake_after_writes(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let write = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    let response = next.run(req).await;
    if write && (response.status().is_success() || response.status().is_redirection()) {
        state.waker.wake();
    }
    response
}

/// A database that stops answering in the middle of a request (frozen, or the network
/// path to it lost) cancels nothing: no statement timeout fires on a server that cannot
/// run. So every request is answered within `database.answer_within_seconds`, with the
/// 503 page (the protocol's JSON error for agents), instead of hanging. Uploads are exempt:
/// their bodies may take long on a slow line, and their writes have their own timeout.
async fn answer_within(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let upload = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/"));
    if upload {
        return next.run(req).await;
    }
    let agent = req.uri().path().starts_with("/drp/v1/");
    let machine = req.uri().path().starts_with("/api/v1/");
    let limit = state.settings.database.answer_within();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let late = AppError::Unavailable(anyhow::anyhow!("no answer within {limit:?}"));
            if machine {
                return api::ApiError::from(late).into_response();
            }
            let page = late.into_response();
            if agent {
                drp::errors_as_json(page).await
            } else {
                page
            }
        }
    }
}

/// CSP without inline script or style, no framing, no sniffing, no referrer to other
/// sites (`same-origin` rather than `no-referrer`, which makes browsers send `Origin: null`
/// on form posts and so defeats the origin check).
fn with_security_headers(router: Router) -> Router {
    const HEADERS: &[(&str, &str)] = &[
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=()",
        ),
        ("cross-origin-opener-policy", "same-origin"),
    ];
    HEADERS
        .iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            ))
        })
        .layer(axum::middleware::map_response(retry_after_when_limited))
}

/// A 429 says when to come back. The public limits count per minute, so a minute, unless
/// the handler knows better (a sign-in throttle knows its own wait).
async fn retry_after_when_limited(mut response: Response) -> Response {
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .entry(header::RETRY_AFTER)
            .or_insert(HeaderValue::from_static("60"));
    }
    response
}
