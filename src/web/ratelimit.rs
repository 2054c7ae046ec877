//! Per-address limits on the public forms. Each instance counts on its own (a fixed
//! one-minute window); behind a load balancer the effective limit is per instance.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;
use crate::config::Settings;

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked addresses, expired windows are swept out.
const SWEEP_AT: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Submission,
    StatusLookup,
    Login,
    Download,
    /// Browsers recorded as sending Global Privacy Control.
    GpcRecord,
}

/// A limited kind of form post, and how many a client address may send a minute.
pub trait Limit: Send + Sync + 'static {
    const BUCKET: Bucket;
    fn per_minute(settings: &Settings) -> u32;
}

/// The consumer's request forms.
pub struct Submissions;

impl Limit for Submissions {
    const BUCKET: Bucket = Bucket::Submission;
    fn per_minute(settings: &Settings) -> u32 {
        settings.limits.submissions_per_minute
    }
}

/// Status look-ups and the links they send.
pub struct StatusLookups;

impl Limit for StatusLookups {
    const BUCKET: Bucket = Bucket::StatusLookup;
    fn per_minute(settings: &Settings) -> u32 {
        settings.limits.status_lookups_per_minute
    }
}

/// Staff sign-in attempts.
pub struct Logins;

impl Limit for Logins {
    const BUCKET: Bucket = Bucket::Login;
    fn per_minute(settings: &Settings) -> u32 {
        settings.staff.logins_per_minute
    }
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(Bucket, IpAddr), (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one use; false when `ip` has used `bucket` `per_minute` times already in
    /// this window. A limit of 0 means no limit.
    pub fn allow(&self, bucket: Bucket, ip: IpAddr, per_minute: u32, now: Instant) -> bool {
        if per_minute == 0 {
            return true;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry((bucket, ip)).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= per_minute {
            return false;
        }
        entry.1 += 1;
        true
    }
}

/// Limits every `/download` request per client: links and one-time codes are guessed
/// there.
pub async fn limit_downloads(
    axum::extract::State(state): axum::extract::State<AppState>,
    ClientIp(ip): ClientIp,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, super::errors::AppError> {
    let limit = state.settings.limits.downloads_per_minute;
    if !state
        .limiter
        .allow(Bucket::Download, ip, limit, Instant::now())
    {
        return Err(super::errors::AppError::TooManyRequests);
    }
    Ok(next.run(req).await)
}

/// The client's address: the peer, or the last `X-Forwarded-For` hop when configured to
/// trust a proxy. Used for limits only, never logged.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.settings.http.trust_forwarded_for {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
                .next_back();
            if let Some(ip) = forwarded {
                return Ok(ClientIp(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_the_limit_then_refuses_until_it_ends() {
        let limiter = RateLimiter::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.allow(Bucket::Submission, ip, 3, t0));
        }
        assert!(!limiter.allow(Bucket::Submission, ip, 3, t0));
        assert!(
            limiter.allow(Bucket::StatusLookup, ip, 3, t0),
            "buckets are separate"
        );
        assert!(
            limiter.allow(Bucket::Submission, other, 3, t0),
            "addresses are separate"
        );
        assert!(limiter.allow(Bucket::Submission, ip, 3, t0 + WINDOW));
        assert!(
            limiter.allow(Bucket::Submission, ip, 0, t0),
            "0 means no limit"
        );
    }
}
