//! The outbox delivered over real SMTP: exactly once, through outages, with several
//! workers.

use std::sync::Arc;
use std::time::Duration;

use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::worker::Worker;
use sqlx::Row;
use tokio::sync::watch;

use crate::intake::valid_fields;
use crate::support::{
    SmtpServer, header, mail_about, spawn_app_with, text_part, tracking_code_in, verify_link,
};

#[tokio::test]
async fn the_receipt_arrives_over_smtp_with_its_code_dates_and_a_working_link() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let page = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);

    assert_eq!(app.worker.deliver_all().await.unwrap(), 1);
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1);
    let raw = &mail[0];
    assert!(header(raw, "Subject").unwrap().contains(&code));
    assert!(header(raw, "To").unwrap().contains("ana.lopez@example.com"));
    let stored_id: String = sqlx::query_scalar("SELECT message_id FROM outbox")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        header(raw, "Message-ID").as_deref(),
        Some(stored_id.as_str())
    );
    assert!(raw.contains("multipart/alternative") && raw.contains("text/html"));
    let text = text_part(raw);
    assert!(text.contains(&code));
    assert!(text.contains("We answer your request by"));

    // The link works: opening shows a button, pressing it verifies.
    let link = verify_link(raw);
    let opened = app.get(&link).await;
    assert_eq!(opened.status(), 200);
    assert!(
        opened
            .text()
            .await
            .unwrap()
            .contains("Confirm my e-mail address")
    );
    let status: String = sqlx::query_scalar("SELECT status FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        status, "awaiting_verification",
        "opening the link alone changes nothing"
    );

    let pressed = app.post_form(&link, &[]).await;
    assert_eq!(pressed.status(), 200);
    assert!(
        pressed
            .text()
            .await
            .unwrap()
            .contains("your e-mail address is confirmed")
    );
    // Control of the address is one matched point: a deletion needs two.
    let row = sqlx::query("SELECT status, verified_at FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("status"), "awaiting_verification");
    assert!(
        row.get::<Option<chrono::DateTime<chrono::Utc>>, _>("verified_at")
            .is_none()
    );
    let event: serde_json::Value = sqlx::query_scalar(
        "SELECT data FROM request_events WHERE action = 'email_verified' AND to_status IS NULL",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(event["data_point"], "email");

    // Twice: a clear page, nothing changes.
    let again = app.post_form(&link, &[]).await;
    assert_eq!(again.status(), 200);
    assert!(again.text().await.unwrap().contains("already used"));
    assert_eq!(app.count("request_events").await, 2);
}

#[tokio::test]
async fn forged_and_late_links_get_a_clear_page() {
    let app = spawn_app_with(|_| {}).await;
    let forged = app.get("/verify/not-a-real-token").await;
    assert_eq!(forged.status(), 404);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("This link is not valid")
    );
    assert_eq!(
        app.post_form("/verify/not-a-real-token", &[])
            .await
            .status(),
        404
    );

    app.post_form("/requests/new/correct", &valid_fields(RequestKind::Correct))
        .await;
    app.worker.deliver_all().await.unwrap();
    let eml = std::fs::read_dir(app.settings.data_dir.join("outbox"))
        .unwrap()
        .flatten()
        .next()
        .expect("with no SMTP server, mail is written as .eml files");
    let raw = std::fs::read_to_string(eml.path()).unwrap();
    let link = verify_link(&raw);

    app.clock.advance(chrono::Duration::days(15));
    let late = app.post_form(&link, &[]).await;
    assert_eq!(late.status(), 200);
    let page = late.text().await.unwrap();
    assert!(page.contains("This link has expired") && page.contains("new link"));
    let status: String = sqlx::query_scalar("SELECT status FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "awaiting_verification");
}

#[tokio::test]
async fn a_new_link_can_be_requested_from_the_status_page_and_replaces_the_old_one() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let code = tracking_code_in(
        &app.post_form(
            "/requests/new/know_categories",
            &valid_fields(RequestKind::KnowCategories),
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    app.worker.deliver_all().await.unwrap();
    let first = verify_link(&smtp.wait_for(1).await[0]);

    let status = app
        .post_form(
            "/status",
            &[("tracking_code", &code), ("email", "ana.lopez@example.com")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(status.contains("Send me a new confirmation link"));
    let resent = app
        .post_form(
            "/status/resend",
            &[("tracking_code", &code), ("email", "ana.lopez@example.com")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(resent.contains("We sent a new confirmation link"));
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    assert_eq!(mail.len(), 2);
    let second = mail
        .iter()
        .map(|m| verify_link(m))
        .find(|l| *l != first)
        .unwrap();

    assert!(
        app.post_form(&first, &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("expired")
    );
    assert!(
        app.post_form(&second, &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("confirmed")
    );

    // A wrong address resends nothing and says nothing.
    let wrong = app
        .post_form(
            "/status/resend",
            &[("tracking_code", &code), ("email", "other@example.com")],
        )
        .await;
    assert_eq!(wrong.status(), 404);
    assert_eq!(app.count("outbox").await, 2);
}

#[tokio::test]
async fn nothing_is_lost_while_smtp_is_down_and_each_message_arrives_once_when_it_is_back() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    smtp.stop();
    let mut codes = Vec::new();
    for kind in [
        RequestKind::Delete,
        RequestKind::OptOut,
        RequestKind::KnowSpecific,
    ] {
        let response = app
            .post_form(&format!("/requests/new/{kind}"), &valid_fields(kind))
            .await;
        assert_eq!(
            response.status(),
            200,
            "requests are accepted while mail is down"
        );
        codes.push(tracking_code_in(&response.text().await.unwrap()));
    }
    // Every message is tried once, fails, and waits for its retry.
    assert_eq!(app.worker.deliver_all().await.unwrap(), 3);
    let pending = sqlx::query("SELECT attempts, last_error, sent_at IS NULL AS unsent, failed_at IS NULL AS alive FROM outbox")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(pending.len(), 3);
    for row in &pending {
        assert_eq!(row.get::<i32, _>("attempts"), 1);
        assert!(row.get::<Option<String>, _>("last_error").is_some());
        assert!(row.get::<bool, _>("unsent") && row.get::<bool, _>("alive"));
    }
    assert_eq!(
        app.worker.deliver_all().await.unwrap(),
        0,
        "not retried before the back-off"
    );
    // A receipt's link is created when the receipt is rendered for sending; the link of
    // an attempt that failed was never delivered and is gone.
    assert_eq!(app.count("verification_tokens").await, 0);

    smtp.restart().await;
    app.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(app.worker.deliver_all().await.unwrap(), 3);
    app.clock.advance(chrono::Duration::hours(7));
    assert_eq!(app.worker.deliver_all().await.unwrap(), 0);
    let mail = smtp.wait_for(3).await;
    assert_eq!(mail.len(), 3);
    for code in &codes {
        let copies = mail
            .iter()
            .filter(|m| header(m, "Subject").unwrap().contains(code.as_str()))
            .count();
        assert_eq!(copies, 1, "{code} arrives exactly once");
    }
    // One link for each request that is verified by e-mail (not the opt-out), and it is
    // the one the delivered receipt carries.
    assert_eq!(app.count("verification_tokens").await, 2);
    let receipt = mail_about(&mail, &codes[0], "").remove(0);
    let page = app.get(&verify_link(receipt)).await;
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn a_connection_the_server_closed_meanwhile_costs_no_retry() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    app.post_form("/requests/new/opt_out", &valid_fields(RequestKind::OptOut))
        .await;
    assert_eq!(app.worker.deliver_all().await.unwrap(), 1);
    smtp.wait_for(1).await;

    // The worker keeps that connection for the next message; the server goes away and
    // comes back before there is one.
    smtp.stop();
    smtp.restart().await;
    app.post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await;
    assert_eq!(app.worker.deliver_all().await.unwrap(), 1);
    let row = sqlx::query(
        "SELECT attempts, last_error, sent_at IS NOT NULL AS sent FROM outbox ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        row.get::<bool, _>("sent"),
        "sent at once over a new connection"
    );
    assert_eq!(row.get::<i32, _>("attempts"), 1);
    assert_eq!(row.get::<Option<String>, _>("last_error"), None);
    assert_eq!(smtp.wait_for(2).await.len(), 2);
}

#[tokio::test]
async fn a_message_that_fails_for_good_is_marked_and_staff_are_alerted() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.mail.max_attempts = 2;
        s.staff_alerts_to = Some("privacy-team@example.com".into());
    })
    .await;
    smtp.stop();
    let code = tracking_code_in(
        &app.post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
            .await
            .text()
            .await
            .unwrap(),
    );
    // A message queued rendered, as staff's and the worker's are, with a link in it.
    sqlx::query(
        "INSERT INTO outbox (template, message_id, to_addr, subject, body_text, body_html,
                             created_at, next_attempt_at)
         VALUES ('rendered', '<rendered@example.com>', 'ana.lopez@example.com', 'A link',
                 'Open http://portal.example/verify/live', '<p>live</p>', $1, $1)",
    )
    .bind(app.clock.now())
    .execute(&app.db)
    .await
    .unwrap();
    app.worker.deliver_all().await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    app.worker.deliver_all().await.unwrap();
    let receipt = sqlx::query("SELECT attempts, failed_at FROM outbox WHERE template = 'receipt'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(receipt.get::<i32, _>("attempts"), 2);
    assert!(
        receipt
            .get::<Option<chrono::DateTime<chrono::Utc>>, _>("failed_at")
            .is_some()
    );
    let kept: (bool, String, String) = sqlx::query_as(
        "SELECT failed_at IS NOT NULL, body_text, body_html FROM outbox WHERE template = 'rendered'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        kept,
        (true, String::new(), String::new()),
        "a message failed for good keeps no body (and so no live link)"
    );

    smtp.restart().await;
    app.clock.advance(chrono::Duration::minutes(5));
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    assert_eq!(
        mail.len(),
        2,
        "only the alerts, one per message; the failed messages are not retried"
    );
    assert!(mail.iter().all(|m| {
        header(m, "To")
            .unwrap()
            .contains("privacy-team@example.com")
    }));
    assert!(mail.iter().any(|m| {
        let text = text_part(m);
        text.contains(&code) && text.contains("could not be delivered")
    }));
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_a_message_twice() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.worker.poll_seconds = 1;
    })
    .await;
    const MESSAGES: i64 = 120;
    rightsdesk::store::seed::messages(
        &mut app.db.acquire().await.unwrap(),
        MESSAGES,
        app.clock.now(),
        "127.0.0.1",
    )
    .await
    .unwrap();

    let (stop, stopped) = watch::channel(false);
    let mut running = Vec::new();
    for _ in 0..2 {
        let worker = Arc::new(
            Worker::new(
                app.db.clone(),
                Arc::new(app.settings.clone()),
                app.clock.clone(),
            )
            .unwrap(),
        );
        running.push(tokio::spawn(worker.run(stopped.clone())));
    }
    let mut unsent = MESSAGES;
    for _ in 0..300 {
        unsent = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(&app.db)
            .await
            .unwrap();
        if unsent == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send_replace(true);
    for task in running {
        task.await.unwrap();
    }
    assert_eq!(unsent, 0);
    let mail = smtp.wait_for(MESSAGES as usize).await;
    assert_eq!(
        mail.len(),
        MESSAGES as usize,
        "each message counted once at the server"
    );
    let mut ids: Vec<String> = mail
        .iter()
        .map(|m| header(m, "Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), MESSAGES as usize, "no Message-ID twice");
}

#[tokio::test]
async fn a_running_worker_sends_a_new_receipt_within_seconds() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.worker.poll_seconds = 60;
    })
    .await;
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(Arc::clone(&app.worker).run(stopped));
    // Once the worker listens, a notification cannot be missed.
    let mut listening = false;
    for _ in 0..200 {
        listening = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                 WHERE datname = current_database() AND state = 'idle' AND query ILIKE 'LISTEN%')",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        if listening {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(listening, "the worker listens for notifications");
    app.post_form("/requests/new/opt_out", &valid_fields(RequestKind::OptOut))
        .await;
    // The poll is a minute away: only the notification can deliver this quickly.
    let mail = smtp.wait_for(1).await;
    stop.send_replace(true);
    running.await.unwrap();
    assert_eq!(mail.len(), 1);
}
