//! Request bodies: what costs nothing is checked before a body is read (the origin, the
//! sender's rate limit, a declared length over the limit), and bodies larger than a
//! plain form are read a few at a time. These tests send the headers and the start of
//! a body and see whether the portal answers without waiting for the rest.

use std::time::Duration;

use rightsdesk::domain::kinds::RequestKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::intake::valid_fields;
use crate::support::{TestApp, spawn_app, spawn_app_with};

const BOUNDARY: &str = "rightsdesk-test-boundary";

/// A connection that has sent a multipart POST's headers, declaring `length` bytes, and
/// then `start` of its body.
async fn begin_upload(
    app: &TestApp,
    path: &str,
    extra: &str,
    length: usize,
    start: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\n{extra}\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n",
        app.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(start).await.unwrap();
    stream
}

/// The status code the portal answered with within `wait`, or None.
async fn answer_within(stream: &mut TcpStream, wait: Duration) -> Option<u16> {
    let mut buf = [0u8; 64];
    let mut got = 0;
    let read = tokio::time::timeout(wait, async {
        while got < 12 {
            match stream.read(&mut buf[got..]).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
    })
    .await;
    if read.is_err() || got < 12 {
        return None;
    }
    std::str::from_utf8(&buf[9..12]).ok()?.parse().ok()
}

/// The opening of a multipart form with a document being attached.
fn upload_start() -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nana.lopez@example.com\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"scan.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 1024));
    body
}

/// A whole status look-up sent as multipart with a 100 KB file: larger than a plain form.
fn large_lookup() -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"tracking_code\"\r\n\r\nRD-7K3M-Q9PX\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nana@example.com\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.pdf\"\r\n\
         Content-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'x', 100 * 1024));
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").into_bytes());
    body
}

const TWENTY_MB: usize = 20 * 1024 * 1024;

/// What the portal answers, within 3 s, to a correction form whose upload of `length`
/// bytes has only begun.
async fn answer_to_begun_upload(app: &TestApp, extra: &str, length: usize) -> Option<u16> {
    let mut upload =
        begin_upload(app, "/requests/new/correct", extra, length, &upload_start()).await;
    answer_within(&mut upload, Duration::from_secs(3)).await
}

#[tokio::test]
async fn an_upload_from_another_site_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let from_elsewhere = "Origin: http://elsewhere.example\r\n";
    assert_eq!(
        answer_to_begun_upload(&app, from_elsewhere, TWENTY_MB).await,
        Some(403)
    );
}

#[tokio::test]
async fn an_upload_declared_larger_than_accepted_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    assert_eq!(
        answer_to_begun_upload(&app, "", 5 * TWENTY_MB).await,
        Some(413)
    );
}

#[tokio::test]
async fn a_sender_over_the_limit_is_refused_before_the_upload_is_read() {
    let app = spawn_app_with(|s| s.limits.submissions_per_minute = 1).await;
    let fields = valid_fields(RequestKind::Correct);
    assert_eq!(
        app.post_form("/requests/new/correct", &fields)
            .await
            .status(),
        200
    );
    assert_eq!(answer_to_begun_upload(&app, "", TWENTY_MB).await, Some(429));
    assert_eq!(app.count("requests").await, 1);
}

#[tokio::test]
async fn large_bodies_are_read_a_few_at_a_time_and_small_forms_do_not_wait() {
    let app = spawn_app_with(|s| s.http.uploads_at_once = 1).await;
    // One upload is being read, slowly: it has the only turn.
    let slow = begin_upload(
        &app,
        "/requests/new/correct",
        "",
        TWENTY_MB,
        &upload_start(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Another large body, sent whole, waits for its turn…
    let lookup = large_lookup();
    let mut waiting = begin_upload(&app, "/status", "", lookup.len(), &lookup).await;
    assert_eq!(
        answer_within(&mut waiting, Duration::from_secs(1)).await,
        None,
        "a second large body is not read while the first is"
    );
    // …while a plain form is answered at once.
    let plain = app
        .post_form(
            "/status",
            &[
                ("tracking_code", "RD-7K3M-Q9PX"),
                ("email", "ana@example.com"),
            ],
        )
        .await;
    assert_eq!(plain.status(), 404);

    // The slow sender gives up: the waiting body gets its turn.
    drop(slow);
    assert_eq!(
        answer_within(&mut waiting, Duration::from_secs(5)).await,
        Some(404)
    );
}
