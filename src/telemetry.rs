//! Metrics in the Prometheus text format, for the people who run the portal to see a
//! deadline coming before it is missed. Served on its own address
//! (`RIGHTSDESK_METRICS__BIND`, unset: off) so it is never public. Counts of requests
//! and messages are read from the database at each scrape (every instance reports the
//! same); HTTP traffic and sweep durations are this process's own.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono_tz::Tz;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;

use crate::clock::Clock;
use crate::domain::kinds::RequestStatus;
use crate::store;

const SECONDS_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process's recorder, installed on first use. Until then recording costs nothing.
pub fn recorder() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("duration_seconds".into()), SECONDS_BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// Counts every answer by route template (never the path: paths carry tokens) and
/// status, and times it.
pub async fn track_http(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("rightsdesk_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rightsdesk_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Times a deadline sweep, however it ends.
pub struct SweepTimer(Instant);

impl SweepTimer {
    pub fn start() -> Self {
        Self(Instant::now())
    }
}

impl Drop for SweepTimer {
    fn drop(&mut self) {
        metrics::histogram!("rightsdesk_sweep_duration_seconds")
            .record(self.0.elapsed().as_secs_f64());
    }
}

#[derive(Clone)]
struct Scrape {
    db: PgPool,
    tz: Tz,
    clock: Clock,
    handle: &'static PrometheusHandle,
}

/// `GET /metrics`, alone on its router.
pub fn router(db: PgPool, tz: Tz, clock: Clock) -> Router {
    let state = Arc::new(Scrape {
        db,
        tz,
        clock,
        handle: recorder(),
    });
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// Serves `router` on `listener` until the process stops.
pub fn spawn(listener: tokio::net::TcpListener, router: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::warn!(error = %err, "the metrics endpoint stopped");
        }
    })
}

async fn scrape(State(scrape): State<Arc<Scrape>>) -> Response {
    let today = scrape.clock.today(scrape.tz);
    match store::operations::snapshot(&scrape.db, today).await {
        Ok(snapshot) => record(&snapshot, scrape.clock.now()),
        Err(err) => {
            tracing::warn!(error = %err, "metrics: the database did not answer");
            metrics::counter!("rightsdesk_metrics_database_errors_total").increment(1);
        }
    }
    metrics::gauge!("rightsdesk_db_pool_connections", "state" => "open")
        .set(f64::from(scrape.db.size()));
    metrics::gauge!("rightsdesk_db_pool_connections", "state" => "idle")
        .set(scrape.db.num_idle() as f64);
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        scrape.handle.render(),
    )
        .into_response()
}

fn record(s: &store::operations::Snapshot, now: chrono::DateTime<chrono::Utc>) {
    for (kind, channel, n) in &s.submissions {
        metrics::counter!("rightsdesk_submissions_total", "kind" => kind.clone(), "channel" => channel.clone())
            .absolute(*n as u64);
    }
    // Every open status is written, zero included: a gauge not set again would keep
    // its last count after the queue emptied.
    for status in RequestStatus::ALL.iter().filter(|s| !s.is_closed()) {
        let n = s
            .open_by_status
            .iter()
            .find(|(code, _)| code == status.code())
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("rightsdesk_open_requests", "status" => status.code()).set(n as f64);
    }
    metrics::gauge!("rightsdesk_requests_overdue").set(s.overdue as f64);
    metrics::gauge!("rightsdesk_requests_due_within_7_days").set(s.due_within_7_days as f64);
    metrics::gauge!("rightsdesk_outbox_pending").set(s.outbox_pending as f64);
    let oldest = s.oldest_pending_at.map_or(0.0, |at| {
        (now - at).num_milliseconds().max(0) as f64 / 1000.0
    });
    metrics::gauge!("rightsdesk_outbox_oldest_pending_age_seconds").set(oldest);
    metrics::counter!("rightsdesk_messages_total", "result" => "sent")
        .absolute(s.messages_sent as u64);
    metrics::counter!("rightsdesk_messages_total", "result" => "failed")
        .absolute(s.messages_failed as u64);
}
