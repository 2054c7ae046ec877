//! Connections: a request head must arrive in time, an idle connection is closed, and at
//! the connection cap the oldest connections that are only waiting make room, so clients
//! holding connections open cannot keep others out.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{TestApp, spawn_app_with};

/// A connection that has sent the start of a request head and nothing more.
async fn half_sent(app: &TestApp) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: portal\r\nX-Slow: ")
        .await
        .unwrap();
    stream
}

/// True when the portal closes the connection within `wait` (whatever it sends first).
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(wait, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_head_that_does_not_arrive_in_time_and_an_idle_connection_are_closed() {
    let app = spawn_app_with(|s| {
        s.http.header_read_timeout_seconds = 1;
        s.http.idle_timeout_seconds = 1;
    })
    .await;
    let mut slow = half_sent(&app).await;
    assert!(closed_within(&mut slow, Duration::from_secs(4)).await);

    let mut idle = TcpStream::connect(app.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: portal\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 12];
    idle.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");
    let started = Instant::now();
    assert!(closed_within(&mut idle, Duration::from_secs(4)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "kept open for the idle timeout first"
    );
}

#[tokio::test]
async fn at_the_cap_the_oldest_half_sent_requests_make_room_and_the_portal_keeps_answering() {
    let app = spawn_app_with(|s| {
        s.http.max_connections = 100;
        s.http.header_read_timeout_seconds = 60;
        s.http.idle_timeout_seconds = 60;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..200 {
        held.push(half_sent(&app).await);
    }
    // The portal has taken them all in by the time it answers a new request.
    let asked = Instant::now();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "answered within a second, not after {:?}",
        asked.elapsed()
    );
    let form = app.get("/requests/new/delete").await;
    assert_eq!(form.status(), 200);

    assert!(
        closed_within(&mut held[0], Duration::from_secs(2)).await,
        "the oldest made room"
    );
    assert!(
        !closed_within(&mut held[199], Duration::from_millis(300)).await,
        "the newest is still waiting for the rest of its head"
    );
}
