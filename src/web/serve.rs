//! Serving connections: a request head must arrive within `http.header_read_timeout_seconds`,
//! a connection waiting for its next request is closed after `http.idle_timeout_seconds`,
//! and at most `http.max_connections` are open at once. At the cap a new connection
//! pushes out the oldest one that has no request being answered (a half-sent head, an
//! idle keep-alive), so clients holding connections open cannot lock others out.
//!
//! hyper starts the head's timer as soon as a connection is waiting, so a keep-alive
//! wait is at most the shorter of the two timeouts.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::config::Http;

/// How long a stop waits for requests being answered.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests being
/// answered finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    http: &Http,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(http.header_read_timeout_seconds));
    let idle_timeout = Duration::from_secs(http.idle_timeout_seconds);
    let open = Arc::new(Connections::new(http.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a moment rather than spin.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(conn) = open.admit() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = {
            let conn = Arc::clone(&conn);
            let app = app.clone();
            hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let answering = conn.answering();
                let app = app.clone();
                async move {
                    let response = app.oneshot(req.map(axum::body::Body::new)).await;
                    drop(answering);
                    response
                }
            })
        };
        let io = TokioIo::new(Watched {
            inner: stream,
            conn: Arc::clone(&conn),
        });
        let served = graceful.watch(builder.serve_connection(io, service));
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            tokio::select! {
                _ = served => {}
                () = conn.evicted.notified() => {}
                () = conn.idle_for(idle_timeout) => {}
            }
            open.remove(conn.id);
        });
    }
    drop(listener);
    if tokio::time::timeout(STOP_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("stopped with requests still being answered");
    }
}

/// The open connections, in the order they were accepted.
struct Connections {
    max: usize,
    next_id: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<Conn>>>,
    started: Instant,
}

impl Connections {
    fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            next_id: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
        }
    }

    /// Registers a new connection, pushing out the oldest one without a request being
    /// answered when at the cap; None when every open connection is busy.
    fn admit(&self) -> Option<Arc<Conn>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.max {
            let oldest_waiting = open
                .iter()
                .find(|(_, c)| c.in_flight.load(Ordering::Acquire) == 0)
                .map(|(id, _)| *id)?;
            if let Some(evicted) = open.remove(&oldest_waiting) {
                evicted.evicted.notify_one();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            started: self.started,
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(self.started.elapsed().as_millis() as u64),
            read_while_idle: AtomicBool::new(false),
            evicted: Notify::new(),
        });
        open.insert(id, Arc::clone(&conn));
        Some(conn)
    }

    fn remove(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }
}

/// One connection's state, as the cap and the idle timeout see it.
struct Conn {
    id: u64,
    started: Instant,
    /// Requests being answered.
    in_flight: AtomicUsize,
    /// When the last answer finished (or the connection opened), in ms since `started`.
    idle_since_ms: AtomicU64,
    /// Bytes of a next request arrived since then: hyper's head timer is in charge.
    read_while_idle: AtomicBool,
    evicted: Notify,
}

impl Conn {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Counts a request as being answered until the guard is dropped.
    fn answering(self: &Arc<Self>) -> Answering {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Answering(Arc::clone(self))
    }

    /// Completes once the connection has waited `timeout` for a next request that has
    /// not begun to arrive.
    async fn idle_for(&self, timeout: Duration) {
        let timeout_ms = timeout.as_millis() as u64;
        loop {
            let since = self.idle_since_ms.load(Ordering::Acquire);
            let waited = self.now_ms().saturating_sub(since);
            let idle = self.in_flight.load(Ordering::Acquire) == 0
                && !self.read_while_idle.load(Ordering::Acquire);
            if idle && waited >= timeout_ms {
                return;
            }
            let left = if idle {
                timeout_ms - waited
            } else {
                timeout_ms
            };
            tokio::time::sleep(Duration::from_millis(left.max(10))).await;
        }
    }
}

struct Answering(Arc<Conn>);

impl Drop for Answering {
    fn drop(&mut self) {
        let conn = &self.0;
        conn.read_while_idle.store(false, Ordering::Release);
        conn.idle_since_ms.store(conn.now_ms(), Ordering::Release);
        conn.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The socket, noting when a next request begins to arrive.
struct Watched {
    inner: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before && self.conn.in_flight.load(Ordering::Acquire) == 0 {
            self.conn.read_while_idle.store(true, Ordering::Release);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
