//! A response package from staff upload to consumer download: e-mail confirmed again,
//! a one-time code per download, expiry, and the record of each download.

use chrono::Duration;
use rightsdesk::domain::kinds::RequestKind;

use crate::intake::valid_fields;
use crate::support::{
    SmtpServer, StaffClient, TestApp, cookie_client, spawn_app, spawn_app_with, tracking_code_in,
};

const PACKAGE: &[u8] = r#"{"name": "Ana López", "orders": [{"id": 1}]}"#.as_bytes();

/// Files a request for a copy, verifies it and fulfils it with a package; returns the
/// download link from the consumer's e-mail.
pub(crate) async fn fulfilled_copy(app: &TestApp, staff: &StaffClient) -> (String, String) {
    let code = fulfil_copy(app, staff).await;
    let body = crate::support::sent_mail(app, "package_ready").await;
    (code, crate::agents::link_in(&body, "/download/"))
}

/// Files a request for a copy, verifies it and fulfils it with a package; returns its
/// tracking code. The answer is queued, not yet sent.
async fn fulfil_copy(app: &TestApp, staff: &StaffClient) -> String {
    let code = tracking_code_in(
        &app.post_form(
            "/requests/new/know_specific",
            &valid_fields(RequestKind::KnowSpecific),
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    // Three matched points and the declaration signed on the form: verified.
    staff
        .match_points(&code, &["name", "phone_number", "postal_address"])
        .await;
    assert_eq!(crate::support::status_of(app, &code).await, "verified");

    let upload = |bytes: &[u8]| {
        reqwest::multipart::Form::new()
            .text("csrf", staff.csrf.clone())
            .text("explanation", "Here is everything we hold.")
            .part(
                "package",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("export.json"),
            )
    };
    let path = staff.url(&format!("/staff/requests/{code}/fulfil"));
    let missing = staff
        .client
        .post(&path)
        .multipart(reqwest::multipart::Form::new().text("csrf", staff.csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 422, "a copy needs its package");
    let html = staff
        .client
        .post(&path)
        .multipart(upload(b"<html><script>x</script>"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 422, "only JSON, CSV or ZIP");
    let done = staff
        .client
        .post(&path)
        .multipart(upload(PACKAGE))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);

    // Queued, the message holds no link: the worker makes it when it sends it.
    let queued: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'package_ready'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        queued.contains("/download/link-created-when-sent"),
        "{queued}"
    );
    code
}

/// The one-time code of the latest download-code message, as it was sent (the worker
/// makes the code then; its subject names the request, not the code).
pub(crate) async fn latest_code(app: &TestApp) -> String {
    let body = crate::support::sent_mail(app, "download_code").await;
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM outbox WHERE template = 'download_code' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let line = body
        .lines()
        .find(|l| l.contains("download page:"))
        .expect("the message gives the code");
    let code = line.rsplit(' ').next().unwrap().to_string();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{line}"
    );
    assert!(
        !subject.contains(&code),
        "the subject keeps no code: {subject}"
    );
    code
}

async fn downloads(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM downloads")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_package_downloads_after_the_email_is_confirmed_again_once_per_code() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (_, link) = fulfilled_copy(&app, &staff).await;

    let phone = cookie_client();
    let opened = phone.get(app.url(&link)).send().await.unwrap();
    assert_eq!(opened.status(), 200);
    assert!(opened.text().await.unwrap().contains("Send me a code"));

    // The wrong address: no code is sent.
    let wrong = phone
        .post(app.url(&link))
        .form(&[("email", "someone@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("not the e-mail address")
    );
    let codes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE template = 'download_code'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(codes, 0);

    let asked = phone
        .post(app.url(&link))
        .form(&[("email", "ANA.LOPEZ@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.unwrap().contains("One-time code"));
    let code = latest_code(&app).await;
    let file = format!("{link}/file");
    let bad = phone
        .post(app.url(&file))
        .form(&[("code", "000000x")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let got = phone
        .post(app.url(&file))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".json")
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), PACKAGE);
    assert_eq!(downloads(&app).await, 1);

    // The same code does not work twice, on this device or another.
    let again = cookie_client()
        .post(app.url(&file))
        .form(&[("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 422);

    // A second device confirms the address again and gets its own code.
    let laptop = cookie_client();
    laptop
        .post(app.url(&link))
        .form(&[("email", "ana.lopez@example.com")])
        .send()
        .await
        .unwrap();
    let second = latest_code(&app).await;
    let got = laptop
        .post(app.url(&file))
        .form(&[("code", second.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(downloads(&app).await, 2, "every download is recorded");
}

#[tokio::test]
async fn the_download_link_expires_after_seven_days() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (_, link) = fulfilled_copy(&app, &staff).await;
    app.clock.advance(Duration::days(7) + Duration::minutes(1));
    let late = app.get(&link).await;
    assert_eq!(late.status(), 404);
    assert!(late.text().await.unwrap().contains("expired"));
    let asked = app
        .post_form(&link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(asked.status(), 404);
    assert_eq!(downloads(&app).await, 0);
}

#[tokio::test]
async fn a_forged_link_and_repeated_wrong_tries_get_a_clear_page() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (_, link) = fulfilled_copy(&app, &staff).await;
    assert_eq!(app.get("/download/forged").await.status(), 404);
    for _ in 0..5 {
        app.post_form(&link, &[("email", "guess@example.com")])
            .await;
    }
    let locked = app
        .post_form(&link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(locked.status(), 423);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Too many wrong tries")
    );
}

#[tokio::test]
async fn wrong_codes_count_across_new_codes_until_the_link_locks() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (_, link) = fulfilled_copy(&app, &staff).await;
    let file = format!("{link}/file");
    let new_code = || app.post_form(&link, &[("email", "ana.lopez@example.com")]);
    let guess = || app.post_form(&file, &[("code", "000000")]);

    // Four wrong guesses per code stay under the per-code limit, but a new code does
    // not start the count of the link again.
    for _ in 0..2 {
        assert_eq!(new_code().await.status(), 200);
        latest_code(&app).await;
        for _ in 0..4 {
            assert_eq!(guess().await.status(), 422);
        }
    }
    assert_eq!(new_code().await.status(), 200);
    latest_code(&app).await;
    assert_eq!(guess().await.status(), 422);
    assert_eq!(guess().await.status(), 422, "the tenth wrong try");

    let right = latest_code(&app).await;
    let locked = app.post_form(&file, &[("code", right.as_str())]).await;
    assert_eq!(locked.status(), 423, "locked even for the right code");
    let page = locked.text().await.unwrap();
    assert!(page.contains("locked") && page.contains("Contact Example Company"));
    assert_eq!(downloads(&app).await, 0);
    assert_eq!(new_code().await.status(), 423, "no new code either");
    assert_eq!(app.get(&link).await.status(), 423);
}

#[tokio::test]
async fn download_pages_are_rate_limited_per_client() {
    let app = spawn_app_with(|s| s.limits.downloads_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(app.get("/download/guessed-token").await.status(), 404);
    }
    assert_eq!(app.get("/download/another-guess").await.status(), 429);
    assert_eq!(
        app.post_form("/download/another-guess/file", &[("code", "123456")])
            .await
            .status(),
        429
    );
}

/// The live download link's code, if it has one.
async fn code_is_set(app: &TestApp) -> bool {
    sqlx::query_scalar("SELECT bool_or(code_hash IS NOT NULL) FROM download_links")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn links_and_codes_are_made_when_their_message_is_sent_and_a_failed_send_leaves_none() {
    let mut smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let staff = app.admin().await;
    fulfil_copy(&app, &staff).await;

    // Mail is down: the answer waits, with its link's place held and no link made.
    smtp.stop();
    app.worker.deliver_all().await.unwrap();
    let (attempts, queued): (i32, String) =
        sqlx::query_as("SELECT attempts, body_text FROM outbox WHERE template = 'package_ready'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(
        queued.contains("/download/link-created-when-sent"),
        "{queued}"
    );
    assert_eq!(
        app.count("download_links").await,
        0,
        "a failed send leaves no link"
    );

    // Back up: the answer arrives with the one link there is, and it works.
    smtp.restart().await;
    app.clock.advance(Duration::minutes(2));
    let body = crate::support::sent_mail(&app, "package_ready").await;
    let link = crate::agents::link_in(&body, "/download/");
    assert_eq!(app.count("download_links").await, 1);
    assert_eq!(app.get(&link).await.status(), 200);
    let kept: Option<String> =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'package_ready'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        kept.as_deref().unwrap_or_default(),
        "",
        "a delivered message keeps no body, and so no link"
    );

    // The code too: asked for while mail is down, none exists until it is sent.
    smtp.stop();
    let asked = app
        .post_form(&link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(asked.status(), 200);
    app.worker.deliver_all().await.unwrap();
    assert!(!code_is_set(&app).await, "a failed send leaves no code");
    smtp.restart().await;
    app.clock.advance(Duration::minutes(2));
    let code = latest_code(&app).await;
    assert!(code_is_set(&app).await);
    let got = app
        .post_form(&format!("{link}/file"), &[("code", code.as_str())])
        .await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PACKAGE);
}

#[tokio::test]
async fn a_link_whose_package_is_gone_before_it_is_sent_is_never_made() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = fulfil_copy(&app, &staff).await;
    // The package is removed (as retention does) while its answer is still queued.
    sqlx::query("UPDATE attachments SET removed_at = now(), content = ''::bytea WHERE purpose = 'response_package'")
        .execute(&app.db)
        .await
        .unwrap();
    app.worker.deliver_all().await.unwrap();
    let (failed, error): (bool, Option<String>) = sqlx::query_as(
        "SELECT failed_at IS NOT NULL, last_error FROM outbox WHERE template = 'package_ready'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        failed,
        "it fails for good: retrying cannot bring the package back"
    );
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("no longer kept")),
        "{error:?}"
    );
    assert_eq!(app.count("download_links").await, 0);
    assert!(
        crate::support::status_of(&app, &code)
            .await
            .starts_with("fulfilled")
    );
}

#[tokio::test]
async fn sending_a_code_does_not_undo_wrong_tries_made_while_it_was_queued() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let (_, link) = fulfilled_copy(&app, &staff).await;
    let file = format!("{link}/file");
    let asked = app
        .post_form(&link, &[("email", "ana.lopez@example.com")])
        .await;
    assert_eq!(asked.status(), 200);
    // Guesses before the code is even sent count against it.
    for _ in 0..5 {
        let guessed = app.post_form(&file, &[("code", "000000")]).await;
        assert_ne!(guessed.status(), 200);
    }
    let right = latest_code(&app).await;
    let locked = app.post_form(&file, &[("code", right.as_str())]).await;
    assert_eq!(locked.status(), 423, "the code's tries were used up");
    assert_eq!(downloads(&app).await, 0);
}

#[tokio::test]
async fn of_two_download_links_queued_together_only_the_one_sent_last_works() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = fulfil_copy(&app, &staff).await;
    // Staff send a fresh link a minute later, before the answer has gone out.
    app.clock.advance(Duration::minutes(1));
    let sent = staff
        .post(&format!("/staff/requests/{code}/download_link"), &[])
        .await;
    assert_eq!(sent.status(), 303);
    let answer = crate::agents::link_in(
        &crate::support::sent_mail(&app, "package_ready").await,
        "/download/",
    );
    let fresh = crate::agents::link_in(
        &crate::support::sent_mail(&app, "download_link_reissued").await,
        "/download/",
    );
    assert_ne!(answer, fresh);
    assert_eq!(
        app.get(&answer).await.status(),
        404,
        "the earlier link ended"
    );
    assert_eq!(app.get(&fresh).await.status(), 200);
}
