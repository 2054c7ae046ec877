//! Every channel: requests staff enter after receiving them by phone, mail, e-mail or
//! in person; the opt-out that needs no personal information; the response format a
//! consumer asks for; a parent filing for a child under 13.

use chrono::{Duration, NaiveDate};
use rightsdesk::domain::calendar::{BusinessCalendar, add_calendar_days};
use rightsdesk::domain::kinds::RequestKind;
use sqlx::Row;

use crate::support::{TestApp, spawn_app, tracking_code_in};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// What staff type for a deletion a consumer asked for by phone, without an e-mail.
fn phoned_deletion<'a>(received_on: &'a str, note: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("kind", "delete"),
        ("channel", "phone"),
        ("received_on", received_on),
        ("received_note", note),
        ("full_name", "Rosa Díaz"),
        ("phone", "+1 415 555 0199"),
        ("address", "9 Elm St\nFresno, CA 93650"),
    ]
}

async fn row(app: &TestApp, code: &str) -> sqlx::postgres::PgRow {
    sqlx::query(
        "SELECT channel, email, status, received_at, confirm_by, respond_by, comply_by,
                received_note, entered_by, response_format, response_format_note
         FROM requests WHERE tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn staff_enter_a_mailed_request_whose_clocks_run_from_the_day_it_was_received() {
    let app = spawn_app().await;
    app.advance_to_noon_on(day("2026-11-30"));
    let staff = app.admin().await;

    // The form offers every right a consumer can file, and the four channels.
    let page = staff.get("/staff/requests/new").await.text().await.unwrap();
    for kind in RequestKind::RIGHTS {
        assert!(
            page.contains(&format!("value=\"{kind}\"")),
            "{kind} offered"
        );
    }
    assert!(!page.contains("value=\"opt_in\""));
    for channel in ["phone", "mail", "email", "in_person"] {
        assert!(page.contains(&format!("name=\"channel\" value=\"{channel}\"")));
    }

    // A letter postmarked ten days ago, with the consumer's e-mail address.
    let response = staff
        .post(
            "/staff/requests/new",
            &[
                ("kind", "know_categories"),
                ("channel", "mail"),
                ("received_on", "2026-11-20"),
                ("received_note", "Letter postmarked Nov 20, opened today"),
                ("full_name", "Ana López"),
                ("email", "ana.mail@example.com"),
                ("address", "1 Main St, Oakland, CA 94607"),
                ("lookback", "12_months"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(!page.contains("id=\"overdue-warning\""));
    let code = tracking_code_in(&page);

    let r = row(&app, &code).await;
    assert_eq!(r.get::<String, _>("channel"), "mail");
    assert_eq!(
        r.get::<Option<String>, _>("received_note").as_deref(),
        Some("Letter postmarked Nov 20, opened today")
    );
    assert!(r.get::<Option<uuid::Uuid>, _>("entered_by").is_some());
    // The clocks count from November 20, not from the day it was entered.
    let received = day("2026-11-20");
    let calendar = BusinessCalendar::new(app.settings.deadlines.holidays.iter().map(|h| h.date));
    assert_eq!(
        r.get::<Option<NaiveDate>, _>("respond_by"),
        Some(add_calendar_days(received, 45))
    );
    assert_eq!(
        r.get::<Option<NaiveDate>, _>("confirm_by"),
        Some(calendar.add_business_days(received, 10))
    );
    let tz = app.settings.timezone().unwrap();
    assert_eq!(
        r.get::<chrono::DateTime<chrono::Utc>, _>("received_at")
            .with_timezone(&tz)
            .date_naive(),
        received
    );
    // Same lifecycle and verification as the web: the consumer gets the usual receipt
    // with a link to confirm the address.
    assert_eq!(r.get::<String, _>("status"), "awaiting_verification");
    let receipts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE to_addr = 'ana.mail@example.com' AND template = 'receipt'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(receipts, 1);
    let event = crate::support::event_of(&app, &code, "submitted").await;
    assert_eq!(event.actor_type, "staff");
    assert_eq!(event.data["channel"], "mail");
    // Staff see the channel and who entered it; the consumer can look it up as usual.
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"channel\">By mail<"));
    assert!(page.contains("Letter postmarked Nov 20, opened today"));
    let found = app
        .post_form(
            "/status",
            &[("tracking_code", &code), ("email", "ana.mail@example.com")],
        )
        .await;
    assert_eq!(found.status(), 200);
}

#[tokio::test]
async fn a_day_in_the_future_or_more_than_90_days_back_is_refused_and_an_earlier_day_needs_a_note()
{
    let app = spawn_app().await;
    app.advance_to_noon_on(day("2026-11-30"));
    let staff = app.admin().await;
    for (received_on, note, problem) in [
        ("2026-12-01", "x", "cannot be in the future"),
        ("2026-08-31", "x", "at most 90 days ago"),
        ("2026-11-29", "", "Say why the request is entered after"),
        ("yesterday", "", "Enter the day the request was received"),
    ] {
        let response = staff
            .post("/staff/requests/new", &phoned_deletion(received_on, note))
            .await;
        assert_eq!(response.status(), 422, "{received_on}");
        let page = response.text().await.unwrap();
        assert!(page.contains(problem), "{received_on}: {problem}");
        assert!(page.contains("Rosa Díaz"), "what was typed is kept");
        assert!(page.contains("autofocus"), "focus goes to the summary");
    }
    // Without the session's CSRF token nothing is filed.
    let forged = staff
        .client
        .post(staff.url("/staff/requests/new"))
        .form(&phoned_deletion("2026-11-30", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Nor without a session.
    let anonymous = app
        .post_form("/staff/requests/new", &phoned_deletion("2026-11-30", ""))
        .await;
    assert_ne!(anonymous.status(), 200);
    assert_eq!(app.count("requests").await, 0);

    // 90 days back is the limit, and allowed.
    let response = staff
        .post(
            "/staff/requests/new",
            &phoned_deletion("2026-09-01", "Voicemail found in an old mailbox"),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_request_received_long_ago_is_overdue_at_once_with_a_warning_and_in_the_queue() {
    let app = spawn_app().await;
    app.advance_to_noon_on(day("2026-11-30"));
    let staff = app.admin().await;
    let response = staff
        .post(
            "/staff/requests/new",
            &phoned_deletion("2026-10-01", "Message taken by reception, passed on late"),
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"overdue-warning\""), "staff are warned");
    let code = tracking_code_in(&page);
    let r = row(&app, &code).await;
    assert_eq!(
        r.get::<Option<NaiveDate>, _>("respond_by"),
        Some(day("2026-11-15"))
    );
    let queue = staff.get("/staff/requests").await.text().await.unwrap();
    let at = queue.find(&code).expect("in the queue");
    let row_start = queue[..at].rfind("<tr").unwrap();
    assert!(
        queue[row_start..at].contains("urgent"),
        "shown overdue: {}",
        &queue[row_start..at + 20]
    );
}

#[tokio::test]
async fn a_request_without_email_gets_a_printed_letter_and_is_not_on_the_status_page() {
    let app = spawn_app().await;
    app.advance_to_noon_on(day("2026-11-30"));
    let staff = app.admin().await;
    let response = staff
        .post("/staff/requests/new", &phoned_deletion("2026-11-30", ""))
        .await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    let code = tracking_code_in(&page);
    assert!(page.contains(&format!("/staff/requests/{code}/letter")));
    let r = row(&app, &code).await;
    assert!(r.get::<Option<String>, _>("email").is_none());
    assert_eq!(r.get::<String, _>("status"), "awaiting_verification");
    assert_eq!(app.count("outbox").await, 0, "nothing to e-mail");
    assert_eq!(app.count("verification_tokens").await, 0, "no link");

    // The letter: tracking code, dates, how to reach the business, for print.
    let letter = staff.get(&format!("/staff/requests/{code}/letter")).await;
    assert_eq!(letter.status(), 200);
    let letter = letter.text().await.unwrap();
    assert!(letter.contains(&code));
    assert!(letter.contains("Rosa Díaz"));
    assert!(letter.contains("9 Elm St<br>Fresno, CA 93650"));
    assert!(letter.contains("Monday, November 30, 2026"), "received");
    assert!(letter.contains("Thursday, January 14, 2027"), "answer by");
    assert!(letter.contains(&app.settings.business.name));
    assert!(letter.contains("How to reach us"));
    let css = app.get("/static/style.css").await.text().await.unwrap();
    assert!(css.contains("@media print"));
    // Only staff print letters.
    assert_ne!(
        app.get(&format!("/staff/requests/{code}/letter"))
            .await
            .status(),
        200
    );

    // The request page says there is no address and links the letter.
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"no-email\""));

    // Nobody finds it on the status page, whatever address they try.
    for email in ["", "rosa@example.com"] {
        let response = app
            .post_form("/status", &[("tracking_code", &code), ("email", email)])
            .await;
        assert_ne!(response.status(), 200, "{email:?}");
    }

    // Staff verify it by matching points, and the lifecycle runs without e-mail.
    staff.match_points(&code, &["name", "phone_number"]).await;
    assert_eq!(crate::support::status_of(&app, &code).await, "verified");
    for action in ["start", "fulfil"] {
        let done = staff
            .post(
                &format!("/staff/requests/{code}/{action}"),
                &[("explanation", "Deleted from the loyalty system.")],
            )
            .await;
        assert!(
            done.status().is_redirection(),
            "{action}: {}",
            done.status()
        );
    }
    assert_eq!(crate::support::status_of(&app, &code).await, "fulfilled");
    app.clock.advance(Duration::days(4));
    app.worker.sweep().await.unwrap();
    assert_eq!(app.count("outbox").await, 0, "still nothing e-mailed");
}

#[tokio::test]
async fn an_opt_out_entered_without_email_never_reaches_the_email_list() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let today = app
        .clock
        .today(app.settings.timezone().unwrap())
        .to_string();
    let response = staff
        .post(
            "/staff/requests/new",
            &[
                ("kind", "opt_out"),
                ("channel", "in_person"),
                ("received_on", &today),
                ("phone", "+1 415 555 0142"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let code = tracking_code_in(&response.text().await.unwrap());
    app.worker.sweep().await.unwrap();
    assert_eq!(crate::support::status_of(&app, &code).await, "fulfilled");
    assert_eq!(app.count("opt_outs").await, 0);
    assert_eq!(app.count("browser_opt_outs").await, 0);
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn an_opt_out_without_personal_information_covers_this_browser_only() {
    let app = spawn_app().await;
    let client = crate::support::cookie_client();
    let form = client
        .get(app.url("/requests/new/opt_out"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(form.contains("name=\"record\" value=\"browser\""));
    let response = client
        .post(app.url("/requests/new/opt_out"))
        .form(&[("record", "browser")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rd_browser="))
        .expect("the browser gets its id")
        .to_string();
    assert!(cookie.contains("HttpOnly"));
    let page = response.text().await.unwrap();
    let code = tracking_code_in(&page);
    assert!(page.contains("This browser, on this site."));
    assert!(page.contains("Not other browsers or devices"));

    let stored =
        sqlx::query("SELECT email, browser_id, channel FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(stored.get::<Option<String>, _>("email").is_none());
    let browser: uuid::Uuid = stored.get("browser_id");
    assert!(cookie.contains(&browser.to_string()));
    assert_eq!(app.count("outbox").await, 0);

    // Applied, it goes to the browsers' list, never the e-mail-keyed one.
    app.worker.sweep().await.unwrap();
    assert_eq!(crate::support::status_of(&app, &code).await, "fulfilled");
    assert_eq!(app.count("opt_outs").await, 0);
    let (kept, scope): (uuid::Uuid, String) =
        sqlx::query_as("SELECT browser_id, scope FROM browser_opt_outs")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!((kept, scope.as_str()), (browser, "sale_sharing"));

    // The same browser limiting sensitive use is recorded under the same id.
    client
        .post(app.url("/requests/new/limit_sensitive"))
        .form(&[("record", "browser")])
        .send()
        .await
        .unwrap();
    app.worker.sweep().await.unwrap();
    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT DISTINCT browser_id FROM browser_opt_outs")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(ids, [browser]);
    // Staff see what it covers.
    let staff = app.admin().await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"browser-only\""));
    // A request that needs verification cannot be filed this way.
    let refused = app
        .post_form("/requests/new/delete", &[("record", "browser")])
        .await;
    assert_eq!(refused.status(), 422);
}

#[tokio::test]
async fn a_consumer_asks_for_the_answer_in_braille_and_staff_see_it() {
    let app = spawn_app().await;
    let mut fields = crate::intake::valid_fields(RequestKind::Delete);
    fields.push(("response_format", "braille"));
    fields.push(("response_format_note", "Grade 2, please"));
    let page = app
        .post_form("/requests/new/delete", &fields)
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);
    let r = row(&app, &code).await;
    assert_eq!(
        r.get::<Option<String>, _>("response_format").as_deref(),
        Some("braille")
    );
    let staff = app.admin().await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<strong>Braille</strong> — Grade 2, please"));

    // An unknown format is named as the problem.
    let mut bad = crate::intake::valid_fields(RequestKind::Delete);
    bad.push(("response_format", "smoke_signals"));
    let response = app.post_form("/requests/new/delete", &bad).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("id=\"f-response_format-error\"")
    );
}

#[tokio::test]
async fn a_parent_files_for_a_child_under_13_with_the_guardians_declaration() {
    let app = spawn_app().await;
    let proof = b"%PDF-1.4\nbirth certificate\n%%EOF\n".to_vec();
    let form = |declared: bool| {
        let mut form = reqwest::multipart::Form::new();
        let mut fields = vec![
            ("full_name", "Leo Park"),
            ("email", "park.family@example.com"),
            ("california_resident", "yes"),
            ("for_someone_else", "yes"),
            ("agent_name", "Mina Park"),
            // A parent may give the family's address for the child and for themselves.
            ("agent_email", "park.family@example.com"),
            ("authority", "parent_guardian"),
            ("agent_declaration", "yes"),
        ];
        if declared {
            fields.push(("guardian_declaration", "yes"));
        }
        for (k, v) in fields {
            form = form.text(k, v);
        }
        form.part(
            "permission",
            reqwest::multipart::Part::bytes(proof.clone()).file_name("birth.pdf"),
        )
    };
    let post = |form| {
        app.client
            .post(app.url("/requests/new/delete"))
            .multipart(form)
            .send()
    };

    // Without the guardian's declaration the form comes back, saying the file must be
    // attached again.
    let response = post(form(false)).await.unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"f-guardian_declaration-error\""));
    assert!(page.contains("Attach your file again"));
    assert!(page.contains("<details class=\"agent\" open>"));

    let response = post(form(true)).await.unwrap();
    assert_eq!(response.status(), 200);
    let code = tracking_code_in(&response.text().await.unwrap());
    let stored = sqlx::query(
        "SELECT agent_authority, agent_authority_state, guardian_declared_at FROM requests WHERE tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        stored.get::<String, _>("agent_authority"),
        "parent_guardian"
    );
    assert_eq!(stored.get::<String, _>("agent_authority_state"), "pending");
    assert!(
        stored
            .get::<Option<chrono::DateTime<chrono::Utc>>, _>("guardian_declared_at")
            .is_some()
    );
    // Like a power of attorney: no link for the child to confirm; staff check the proof.
    assert_eq!(app.count("verification_tokens").await, 0);
    let staff = app.admin().await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"guardian-declaration\""));
    assert!(page.contains("parent_guardian"));
    let accepted = staff
        .post(&format!("/staff/requests/{code}/accept_authority"), &[])
        .await;
    assert!(accepted.status().is_redirection());
    staff.match_points(&code, &["name", "postal_address"]).await;
    assert_eq!(crate::support::status_of(&app, &code).await, "verified");
}

#[tokio::test]
async fn the_privacy_choices_icon_and_snippet_and_the_favicon_are_served() {
    let app = spawn_app().await;
    for path in [
        "/static/privacy-choices.svg",
        "/static/favicon.svg",
        "/favicon.ico",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        assert!(response.text().await.unwrap().starts_with("<svg"));
    }
    let page = app.get("/privacy-choices").await.text().await.unwrap();
    let base = app.settings.base_url();
    assert!(page.contains(&format!(
        "&lt;a href=&#34;{base}/&#34;&gt;&lt;img src=&#34;{base}/static/privacy-choices.svg&#34;"
    )) || page.contains(&format!("&lt;a href=\"{base}/\"&gt;")), "{page}");
    assert!(page.contains("Your Privacy Choices"));
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("rel=\"icon\""));
    // Each right once on the home page.
    for kind in RequestKind::RIGHTS {
        assert_eq!(
            home.matches(&format!("href=\"/requests/new/{kind}\""))
                .count(),
            1,
            "{kind}"
        );
    }
}

#[tokio::test]
async fn a_request_phoned_in_spanish_gets_its_letter_and_its_mail_in_spanish() {
    let smtp = crate::support::SmtpServer::start().await;
    let app = crate::support::spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.business.phone = "+1 (800) 555-0199".into();
        s.business.postal_address = "Acme Privacy\n1 Market St\nSan Francisco, CA 94105".into();
    })
    .await;
    app.advance_to_noon_on(day("2026-11-30"));
    let staff = app.admin().await;

    // English is chosen unless staff pick another language.
    let form = staff.get("/staff/requests/new").await.text().await.unwrap();
    assert!(form.contains("id=\"f-language-en\" name=\"language\" value=\"en\" checked"));
    assert!(form.contains("lang=\"es\">Español</label>"));

    let mut fields = phoned_deletion("2026-11-30", "");
    fields.push(("language", "es"));
    let page = staff
        .post("/staff/requests/new", &fields)
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);
    let language: String =
        sqlx::query_scalar("SELECT language FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(language, "es");

    // The letter is the consumer's: Spanish, with the business's ways to be reached.
    let letter = staff
        .get(&format!("/staff/requests/{code}/letter"))
        .await
        .text()
        .await
        .unwrap();
    assert!(letter.contains("<html lang=\"es\">"));
    assert!(
        letter.contains("Recibimos su solicitud de privacidad"),
        "{letter}"
    );
    assert!(
        letter.contains("lunes, 30 de noviembre de 2026"),
        "{letter}"
    );
    assert!(
        letter.contains("Eliminar su información personal"),
        "{letter}"
    );
    assert!(letter.contains("1 Market St"), "the sender's address");
    assert!(
        letter.contains("por teléfono al +1 (800) 555-0199"),
        "{letter}"
    );
    assert!(
        !letter.contains("We received"),
        "no English for the consumer"
    );
    let request_page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(request_page.contains("<dd id=\"language\">Spanish</dd>"));

    // A language staff cannot serve is refused by name, not stored.
    let mut fields = phoned_deletion("2026-11-30", "");
    fields.push(("language", "fr"));
    let refused = staff.post("/staff/requests/new", &fields).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Choose English or Spanish.")
    );

    // With an e-mail address, the receipt goes out in Spanish.
    let mut fields = phoned_deletion("2026-11-30", "");
    fields.push(("language", "es"));
    fields.push(("email", "rosa@example.com"));
    staff.post("/staff/requests/new", &fields).await;
    app.worker.deliver_all().await.unwrap();
    let receipt = crate::support::text_part(&smtp.wait_for(1).await[0]);
    assert!(receipt.contains("Recibimos su solicitud"), "{receipt}");
}
