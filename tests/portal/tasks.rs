//! Decisions passed on downstream: a task per recipient written with the decision,
//! delivered by the worker to real receivers on loopback (signed webhooks, e-mail over
//! real SMTP), retried after failures and timeouts, never twice after a success, and
//! completed by staff or the recipient's single-use link.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::service::recipients::{self, Entered, Refused};
use serde_json::Value;

use crate::support::{
    SmtpServer, TestApp, header, spawn_app_alerting_staff, spawn_app_with, status_of, text_part,
};

/// What the receiver does with the next request.
#[derive(Clone, Copy)]
enum Answer {
    Ok,
    Fail,
    Hang,
}

/// A message the receiver accepted, with its signature checked.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    body: Value,
}

#[derive(Clone, Default)]
struct Receiver {
    secret: Arc<Mutex<Vec<u8>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
    /// Every request that arrived, answered or not, by `webhook-id`.
    arrived: Arc<Mutex<Vec<String>>>,
    accepted: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// A receiver on a loopback port verifying Standard Webhooks signatures.
    async fn start() -> (Self, SocketAddr) {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, addr)
    }

    fn trust(&self, whsec: &str) {
        let key = STANDARD
            .decode(whsec.strip_prefix("whsec_").unwrap())
            .unwrap();
        *self.secret.lock().unwrap() = key;
    }

    fn then(&self, answers: &[Answer]) {
        self.script.lock().unwrap().extend(answers);
    }

    fn accepted(&self) -> Vec<Received> {
        self.accepted.lock().unwrap().clone()
    }

    fn arrived(&self) -> Vec<String> {
        self.arrived.lock().unwrap().clone()
    }
}

/// Checks the signature the way a receiver following the specification does:
/// HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed by the secret's bytes.
async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let get = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_string();
    let (id, timestamp, signature) = (
        get("webhook-id"),
        get("webhook-timestamp"),
        get("webhook-signature"),
    );
    r.arrived.lock().unwrap().push(id.clone());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &r.secret.lock().unwrap());
    let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", &body].concat();
    let expected = format!("v1,{}", STANDARD.encode(ring::hmac::sign(&key, &signed)));
    if signature != expected {
        return StatusCode::UNAUTHORIZED;
    }
    let answer = r.script.lock().unwrap().pop_front().unwrap_or(Answer::Ok);
    match answer {
        Answer::Ok => {
            r.accepted.lock().unwrap().push(Received {
                id,
                body: serde_json::from_slice(&body).unwrap(),
            });
            StatusCode::NO_CONTENT
        }
        Answer::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Answer::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::NO_CONTENT
        }
    }
}

/// Answers every name with one address, so no test looks anything up.
struct Resolving1(std::net::IpAddr);

impl Resolve for Resolving1 {
    fn resolve(&self, _: Name) -> Resolving {
        let addr = SocketAddr::new(self.0, 0);
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    }
}

/// Knows no name at all.
struct NoSuchName;

impl Resolve for NoSuchName {
    fn resolve(&self, _: Name) -> Resolving {
        Box::pin(async { Err("no such name".into()) })
    }
}

pub(crate) async fn add_recipient(
    app: &TestApp,
    name: &str,
    kinds: &str,
    channel: &str,
    address: &str,
    events: bool,
) -> Result<recipients::Added, Refused> {
    recipients::add(
        &app.db,
        Entered {
            name,
            role: "service_provider",
            kinds: vec![kinds],
            channel,
            address,
            events,
        },
        app.settings.outbound.allow_private_addresses,
        &NoSuchName,
        app.clock.now(),
    )
    .await
    .unwrap()
}

/// A webhook recipient for opt-outs on the receiver, trusted by it.
async fn webhook_recipient(app: &TestApp, receiver: &Receiver, addr: SocketAddr) {
    let added = add_recipient(
        app,
        "Ad network",
        "opt_out",
        "webhook",
        &format!("http://{addr}/hook"),
        false,
    )
    .await
    .unwrap();
    receiver.trust(&added.secret.unwrap());
}

/// An opt-out filed and applied by the worker's sweep.
async fn applied_opt_out(app: &TestApp) -> String {
    let code = app.file(RequestKind::OptOut, &[]).await;
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    code
}

async fn task_state(app: &TestApp) -> (bool, bool, i32) {
    sqlx::query_as(
        "SELECT t.delivered_at IS NOT NULL, t.failed_at IS NOT NULL, d.attempts
         FROM tasks t JOIN task_deliveries d ON d.task_id = t.id",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_applied_opt_out_reaches_the_webhook_signed_once_and_never_twice() {
    let (receiver, addr) = Receiver::start().await;
    let app = spawn_app_with(|_| {}).await;
    webhook_recipient(&app, &receiver, addr).await;
    // A recipient for deletions only gets nothing from an opt-out.
    add_recipient(&app, "Archive", "delete", "manual", "", false)
        .await
        .unwrap();
    let code = applied_opt_out(&app).await;
    assert_eq!(app.count("tasks").await, 1, "created with the decision");
    assert_eq!(task_state(&app).await, (false, false, 0));

    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    let got = receiver.accepted();
    assert_eq!(got.len(), 1, "signature verified and accepted");
    let body = &got[0].body;
    assert_eq!(body["type"], "task.created");
    assert_eq!(body["data"]["tracking_code"], code.as_str());
    assert_eq!(body["data"]["request_kind"], "opt_out");
    assert_eq!(body["data"]["consumer"]["email"], "ana.lopez@example.com");
    assert!(body["data"]["task_id"].is_i64() && body["data"]["decided_at"].is_string());
    assert_eq!(task_state(&app).await, (true, false, 1));

    // Delivered is recorded with the claim: nothing is sent again, even much later.
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 0);
    assert_eq!(receiver.arrived().len(), 1);
    // Every task delivered: the consumer is told it was passed on.
    let passed_on: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE template = 'passed_on'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(passed_on, 1);
}

#[tokio::test]
async fn a_500_is_retried_after_the_back_off_with_the_same_webhook_id() {
    let (receiver, addr) = Receiver::start().await;
    let app = spawn_app_with(|_| {}).await;
    webhook_recipient(&app, &receiver, addr).await;
    receiver.then(&[Answer::Fail]);
    applied_opt_out(&app).await;

    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    assert_eq!(task_state(&app).await, (false, false, 1));
    assert_eq!(
        app.worker.deliver_all_tasks().await.unwrap(),
        0,
        "not before the back-off"
    );
    let passed_on: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE template = 'passed_on'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(passed_on, 0, "not passed on while undelivered");

    app.clock.advance(chrono::Duration::seconds(11));
    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    assert_eq!(task_state(&app).await, (true, false, 2));
    let arrived = receiver.arrived();
    assert_eq!(arrived.len(), 2);
    assert_eq!(
        arrived[0], arrived[1],
        "a retry is recognisable as the same message"
    );
}

#[tokio::test]
async fn a_hanging_receiver_is_cut_off_at_the_timeout_and_tried_again() {
    let (receiver, addr) = Receiver::start().await;
    let app = spawn_app_with(|s| s.tasks.timeout_seconds = 1).await;
    webhook_recipient(&app, &receiver, addr).await;
    receiver.then(&[Answer::Hang]);
    applied_opt_out(&app).await;

    let started = std::time::Instant::now();
    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    assert!(started.elapsed() < Duration::from_secs(10), "cut off");
    assert_eq!(task_state(&app).await, (false, false, 1));
    let error: String = sqlx::query_scalar("SELECT last_error FROM task_deliveries")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!error.is_empty());

    app.clock.advance(chrono::Duration::seconds(11));
    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    assert_eq!(task_state(&app).await, (true, false, 2));
    assert_eq!(receiver.accepted().len(), 1);
}

#[tokio::test]
async fn a_receiver_down_past_the_attempt_limit_fails_the_task_and_alerts_staff() {
    let (receiver, addr) = Receiver::start().await;
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.staff_alerts_to = Some("privacy-team@example.com".into());
        s.worker.digest_hour = 24;
        s.tasks.max_attempts = 3;
    })
    .await;
    webhook_recipient(&app, &receiver, addr).await;
    receiver.then(&[Answer::Fail, Answer::Fail, Answer::Fail]);
    let code = applied_opt_out(&app).await;
    for _ in 0..3 {
        assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
        app.clock.advance(chrono::Duration::seconds(300));
    }
    assert_eq!(task_state(&app).await, (false, true, 3));
    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 0, "given up");
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    let alert = mail
        .iter()
        .find(|m| header(m, "To").unwrap().contains("privacy-team"))
        .expect("staff are alerted");
    assert!(header(alert, "Subject").unwrap().contains(&code));
    assert!(text_part(alert).contains("Ad network"));

    // The staff page shows the failure.
    let staff = app.admin().await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Ad network") && page.contains("failed"));
}

#[tokio::test]
async fn an_email_recipient_confirms_a_deletion_once_with_its_link() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    add_recipient(
        &app,
        "Mail vendor",
        "delete",
        "email",
        "ops@vendor.example",
        false,
    )
    .await
    .unwrap();
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "postal_address"]).await;
    let fulfilled = staff
        .post(&format!("/staff/requests/{code}/fulfil"), &[])
        .await;
    assert_eq!(fulfilled.status(), 303);
    assert_eq!(app.count("tasks").await, 1);

    assert_eq!(app.worker.deliver_all_tasks().await.unwrap(), 1);
    let notice = smtp
        .wait_for(1)
        .await
        .into_iter()
        .find(|m| header(m, "To").unwrap().contains("ops@vendor.example"))
        .expect("the recipient's notice arrived over SMTP");
    let text = text_part(&notice);
    assert!(text.contains(&code) && text.contains("ana.lopez@example.com"));
    let start = text.find("/tasks/complete/").unwrap();
    let link: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
        .collect();

    let opened = app.get(&link).await;
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("Mail vendor"));
    let no_reason = app.post_form(&link, &[("outcome", "not_done")]).await;
    assert_eq!(no_reason.status(), 422, "not done must say why");
    let done = app
        .post_form(&link, &[("outcome", "done"), ("note", "Purged from CRM")])
        .await;
    assert_eq!(done.status(), 200);
    let again = app
        .post_form(&link, &[("outcome", "not_done"), ("note", "x")])
        .await;
    assert_eq!(again.status(), 404, "single use");
    assert_eq!(app.get(&link).await.status(), 404);

    let (outcome, by, note): (String, String, String) =
        sqlx::query_as("SELECT outcome, completed_by, note FROM tasks")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((outcome.as_str(), by.as_str()), ("done", "link"));
    assert_eq!(note, "Purged from CRM");
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("recipient, by e-mail link") && page.contains("Purged from CRM"));
}

#[tokio::test]
async fn staff_record_a_manual_task_and_only_then_is_the_consumer_told_it_was_passed_on() {
    let app = spawn_app_with(|s| s.staff.deletion_recipients = vec!["Analytics Inc".into()]).await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "postal_address"]).await;
    staff
        .post(
            &format!("/staff/requests/{code}/partial"),
            &[("explanation", "Kept invoices for tax law.")],
        )
        .await;
    assert_eq!(status_of(&app, &code).await, "partially_fulfilled");
    assert_eq!(
        app.worker.deliver_all_tasks().await.unwrap(),
        0,
        "manual: nothing sent"
    );
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Analytics Inc") && page.contains("Record for Analytics Inc"));
    assert!(
        !page.contains("Deletion passed on to"),
        "the old checkbox is gone"
    );

    let id: i64 = sqlx::query_scalar("SELECT id FROM tasks")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let path = format!("/staff/tasks/{id}/complete");
    let forged = staff
        .client
        .post(staff.url(&path))
        .form(&[("outcome", "done"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "CSRF token checked");
    let done = staff
        .post(&path, &[("outcome", "done"), ("note", "Called their DPO")])
        .await;
    assert_eq!(done.status(), 303);
    let twice = staff.post(&path, &[("outcome", "done")]).await;
    assert_eq!(twice.status(), 400, "recorded once");
    let (delivered, by): (bool, String) =
        sqlx::query_as("SELECT delivered_at IS NOT NULL, completed_by FROM tasks")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(delivered && by.starts_with("staff:"));
    let passed_on: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'passed_on'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(passed_on.contains(&code) && passed_on.contains("passed on"));
    let trail: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events WHERE action = 'task_completed'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(trail, 1);
}

#[tokio::test]
async fn a_task_still_open_after_the_overdue_days_alerts_staff_once() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_alerting_staff(&smtp, 24).await;
    add_recipient(&app, "Data broker", "opt_out", "manual", "", false)
        .await
        .unwrap();
    let code = applied_opt_out(&app).await;
    app.clock.advance(chrono::Duration::days(9));
    assert_eq!(app.worker.sweep().await.unwrap().overdue_tasks, 0);
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(app.worker.sweep().await.unwrap().overdue_tasks, 1);
    assert_eq!(app.worker.sweep().await.unwrap().overdue_tasks, 0, "once");
    let alert: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'staff_tasks_overdue'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(alert.contains(&code) && alert.contains("Data broker"));
    assert!(
        !alert.contains("ana.lopez"),
        "no personal data in staff alerts"
    );
}

#[tokio::test]
async fn a_subscriber_hears_of_lifecycle_events_signed_like_tasks() {
    let (receiver, addr) = Receiver::start().await;
    let app = spawn_app_with(|_| {}).await;
    let added = add_recipient(
        &app,
        "Ticketing",
        "delete",
        "webhook",
        &format!("http://{addr}/hook"),
        true,
    )
    .await
    .unwrap();
    receiver.trust(&added.secret.unwrap());
    let code = app.file(RequestKind::Delete, &[]).await;
    app.clock.advance(chrono::Duration::seconds(5));
    assert_eq!(app.worker.queue_task_events().await.unwrap(), 1);
    app.worker.deliver_all_tasks().await.unwrap();
    let got = receiver.accepted();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["type"], "request.received");
    assert_eq!(got[0].body["data"]["tracking_code"], code.as_str());
    assert!(got[0].id.starts_with("msg_"));
    assert_eq!(
        app.worker.queue_task_events().await.unwrap(),
        0,
        "read once"
    );
}

#[tokio::test]
async fn a_webhook_url_off_the_public_internet_is_refused_when_stored() {
    let app = spawn_app_with(|s| s.outbound.allow_private_addresses = false).await;
    // Literal addresses are refused without any lookup.
    for url in [
        "http://10.0.0.5/hook",
        "http://127.0.0.1:9/hook",
        "http://[::1]/h",
    ] {
        let refused = add_recipient(&app, "X", "delete", "webhook", url, false).await;
        assert!(
            matches!(refused, Err(Refused::Webhook(_))),
            "{url}: {:?}",
            refused.err()
        );
    }
    // A name is looked up (by the test's own resolver: nothing leaves the machine).
    let entered = |url| Entered {
        name: "Y",
        role: "contractor",
        kinds: vec!["delete"],
        channel: "webhook",
        address: url,
        events: false,
    };
    let private = recipients::add(
        &app.db,
        entered("https://hooks.vendor.test/x"),
        false,
        &Resolving1("192.168.1.10".parse().unwrap()),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        private.err(),
        Some(Refused::Webhook(rightsdesk::outbound::Refused::NotPublic))
    );
    let unknown = recipients::add(
        &app.db,
        entered("https://nowhere.vendor.test/x"),
        false,
        &NoSuchName,
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        unknown.err(),
        Some(Refused::Webhook(
            rightsdesk::outbound::Refused::DoesNotResolve
        ))
    );
    let public = recipients::add(
        &app.db,
        entered("https://hooks.vendor.test/x"),
        false,
        &Resolving1("93.184.215.14".parse().unwrap()),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert!(public.is_ok());

    // Through the console: the field is named, the typed values kept.
    let admin = app.admin().await;
    let page = admin
        .post(
            "/staff/recipients",
            &[
                ("name", "Local thing"),
                ("role", "internal"),
                ("kind_delete", "yes"),
                ("channel", "webhook"),
                ("webhook", "http://169.254.169.254/latest"),
            ],
        )
        .await;
    assert_eq!(page.status(), 422);
    let text = page.text().await.unwrap();
    assert!(text.contains("href=\"#r-webhook\"") && text.contains("Local thing"));
    assert_eq!(app.count("recipients").await, 1);
}

#[tokio::test]
async fn admins_manage_recipients_in_the_console_and_reviewers_cannot() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let added = admin
        .post(
            "/staff/recipients",
            &[
                ("name", "Warehouse"),
                ("role", "internal"),
                ("kind_delete", "yes"),
                ("kind_correct", "yes"),
                ("channel", "webhook"),
                ("webhook", "http://127.0.0.1:9/hook"),
            ],
        )
        .await;
    assert_eq!(added.status(), 200);
    let page = added.text().await.unwrap();
    assert!(page.contains("id=\"signing-secret\">whsec_"), "shown once");
    let listed = admin.get("/staff/recipients").await.text().await.unwrap();
    assert!(listed.contains("Warehouse") && !listed.contains("whsec_"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM recipients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let rotated = admin
        .post(&format!("/staff/recipients/{id}/rotate"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(rotated.contains("whsec_"));
    let off = admin
        .post(&format!("/staff/recipients/{id}/deactivate"), &[])
        .await;
    assert_eq!(off.status(), 200);
    let active: bool = sqlx::query_scalar("SELECT active FROM recipients")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!active, "deactivated, not deleted");

    app.add_staff("rev@example.com", "reviewer", "reviewer password 1")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password 1").await;
    assert_ne!(reviewer.get("/staff/recipients").await.status(), 200);
}

/// Checks the page at `url` with axe at a phone's width and a desktop's.
async fn axe_clean(browser: &fantoccini::Client, url: &str) {
    browser.goto(url).await.unwrap();
    crate::axe::assert_accessible(browser, url).await;
}

#[tokio::test]
async fn the_recipients_page_the_task_list_and_the_completion_page_pass_axe() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    app.add_staff("admin@example.com", "admin", "admin password 123")
        .await;
    add_recipient(
        &app,
        "Mail vendor",
        "opt_out",
        "email",
        "ops@vendor.example",
        false,
    )
    .await
    .unwrap();
    add_recipient(&app, "Data broker", "opt_out", "manual", "", false)
        .await
        .unwrap();
    let code = applied_opt_out(&app).await;
    app.worker.deliver_all_tasks().await.unwrap();
    let notice = smtp
        .wait_for(1)
        .await
        .into_iter()
        .find(|m| header(m, "To").unwrap().contains("ops@vendor.example"))
        .unwrap();
    let text = text_part(&notice);
    let start = text.find("/tasks/complete/").unwrap();
    let link: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
        .collect();

    let (_driver, browser) = crate::browser::start_browser().await;
    axe_clean(&browser, &app.url(&link)).await;
    crate::browser::sign_in(&browser, &app, "admin@example.com", "admin password 123").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    axe_clean(&browser, &app.url("/staff/recipients")).await;
    axe_clean(&browser, &app.url(&format!("/staff/requests/{code}"))).await;
    browser.close().await.unwrap();
}

/// A token made as the command line makes it, bound to `recipient` when given.
async fn api_token(app: &TestApp, name: &str, scope: &str, recipient: Option<i64>) -> String {
    use rightsdesk::domain::api::{Scope, TokenName};
    let issued = rightsdesk::service::api_tokens::issue(
        &app.db,
        &TokenName::parse(name).unwrap(),
        &Scope::parse_list(scope).unwrap(),
        recipient,
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    issued.token.expose().to_string()
}

async fn complete_by_api(app: &TestApp, token: &str, task: i64, body: &str) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/tasks/{task}/complete")))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_recipients_system_completes_its_own_task_through_the_api_and_no_other() {
    let app = spawn_app_with(|s| s.staff.deletion_recipients = vec!["Analytics Inc".into()]).await;
    let staff = app.admin().await;
    let other = add_recipient(&app, "Mail house", "correct", "manual", "", false)
        .await
        .unwrap();
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "postal_address"]).await;
    staff
        .post(&format!("/staff/requests/{code}/fulfil"), &[])
        .await;
    let (task, recipient): (i64, i64) = sqlx::query_as("SELECT id, recipient_id FROM tasks")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let reader = api_token(&app, "Feed reader", "suppressions:read", None).await;
    let (status, body) = complete_by_api(&app, &reader, task, r#"{"outcome":"done"}"#).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );

    let someone_else = api_token(&app, "Mail house", "tasks:write", Some(other.id)).await;
    let (status, _) = complete_by_api(&app, &someone_else, task, r#"{"outcome":"done"}"#).await;
    assert_eq!(
        status, 404,
        "another recipient's token does not see the task"
    );

    let own = api_token(&app, "Analytics", "tasks:write", Some(recipient)).await;
    let (status, body) = complete_by_api(&app, &own, task, "not json").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("body"))
    );
    let (status, body) = complete_by_api(&app, &own, task, r#"{"outcome":"maybe"}"#).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("outcome"))
    );
    let (status, body) = complete_by_api(&app, &own, task, r#"{"outcome":"not_done"}"#).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("note")),
        "not done says why"
    );

    let (status, body) = complete_by_api(
        &app,
        &own,
        task,
        r#"{"outcome":"done","note":"Erased from the warehouse"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tracking_code"], code.as_str());
    assert_eq!(body["outcome"], "done");
    let by: String = sqlx::query_scalar("SELECT completed_by FROM tasks")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(by.starts_with("token"), "{by}");
    let (status, body) = complete_by_api(&app, &own, task, r#"{"outcome":"done"}"#).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
}

#[tokio::test]
async fn the_queue_lists_the_requests_whose_downstream_tasks_are_still_open() {
    let app = spawn_app_with(|s| s.staff.deletion_recipients = vec!["Archive".into()]).await;
    let staff = app.admin().await;
    let open = app.file(RequestKind::Delete, &[]).await;
    let done = app.file(RequestKind::Delete, &[]).await;
    let undecided = app.file(RequestKind::Delete, &[]).await;
    for code in [&open, &done] {
        staff.match_points(code, &["name", "postal_address"]).await;
        let fulfilled = staff
            .post(&format!("/staff/requests/{code}/fulfil"), &[])
            .await;
        assert_eq!(fulfilled.status(), 303);
    }
    assert_eq!(app.count("tasks").await, 2);
    let task_of = |code: String| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT t.id FROM tasks t JOIN requests r ON r.id = t.request_id
                 WHERE r.tracking_code = $1",
            )
            .bind(code)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let completed = staff
        .post(
            &format!("/staff/tasks/{}/complete", task_of(done.clone()).await),
            &[("outcome", "done")],
        )
        .await;
    assert_eq!(completed.status(), 303);

    let page = staff
        .get("/staff/requests?tasks_open=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&open), "{page}");
    assert!(!page.contains(&done) && !page.contains(&undecided));
    assert!(page.contains("1 request matches"));
    assert!(page.contains("id=\"tasks_open\" name=\"tasks_open\" value=\"1\" checked"));
    // Sorted by another column, the filter still holds.
    let sorted = staff
        .get("/staff/requests?tasks_open=1&sort=code")
        .await
        .text()
        .await
        .unwrap();
    assert!(sorted.contains(&open) && !sorted.contains(&done));

    // A saved view keeps the filter.
    let saved = staff
        .post(
            "/staff/views",
            &[
                ("name", "Downstream"),
                ("view", "tasks_open=1"),
                ("default", "yes"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let opened = staff.get("/staff/requests").await;
    let to = opened.headers()["location"].to_str().unwrap().to_string();
    let view = staff.get(&to).await.text().await.unwrap();
    assert!(view.contains(&open) && !view.contains(&done));

    // Once the last open task is done, the filter lists nothing.
    staff
        .post(
            &format!("/staff/tasks/{}/complete", task_of(open.clone()).await),
            &[("outcome", "done")],
        )
        .await;
    let none = staff
        .get("/staff/requests?tasks_open=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(none.contains("0 requests match") && !none.contains(&open));
}
