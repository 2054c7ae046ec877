//! "Shine the Light" requests (Civ. §1798.83) end to end: the customer's form, the
//! 30-day clock (150 at an undesignated address, never extended), the year's record
//! admins keep, the answer built from it, the once-a-year rule, the printed letter and
//! the staff alert when the record is missing near the due date.

use chrono::{Datelike, Duration, NaiveDate};

use crate::support::{
    SmtpServer, StaffClient, TestApp, event_of, header, spawn_app, spawn_app_alerting_staff,
    spawn_app_with, status_of, text_part, tracking_code_in, verify_link,
};

const ANA: &str = "ana.lopez@example.com";

/// Files a request from the form; returns the confirmation page.
async fn file_as(app: &TestApp, email: &str) -> String {
    let response = app
        .post_form(
            "/requests/new/shine_the_light",
            &[
                ("full_name", "Ana López"),
                ("email", email),
                ("address", "1 Main St\nOakland CA 94607"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The last message of `template` queued for the request, as text, as it was sent (a
/// receipt's link is created when it is sent): the tests' file transport's copy.
async fn queued(app: &TestApp, code: &str, template: &str) -> Option<String> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT o.id FROM outbox o JOIN requests r ON r.id = o.request_id
         WHERE r.tracking_code = $1 AND o.template = $2 ORDER BY o.id DESC LIMIT 1",
    )
    .bind(code)
    .bind(template)
    .fetch_optional(&app.db)
    .await
    .unwrap();
    match id {
        Some(id) => Some(crate::support::delivered(app, id).await),
        None => None,
    }
}

/// Files and confirms the e-mail address from the receipt's link: all it needs.
async fn file_and_confirm(app: &TestApp, email: &str) -> String {
    let code = tracking_code_in(&file_as(app, email).await);
    let receipt = queued(app, &code, "stl_receipt").await.expect("a receipt");
    confirm(app, &receipt).await;
    code
}

/// The same through a real SMTP server: the receipt's link is read from what it got.
async fn file_and_confirm_by_smtp(app: &TestApp, smtp: &SmtpServer, email: &str) -> String {
    let code = tracking_code_in(&file_as(app, email).await);
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(1).await;
    let receipt = mail
        .iter()
        .find(|m| text_part(m).contains(&code))
        .expect("a receipt");
    confirm(app, receipt).await;
    code
}

async fn confirm(app: &TestApp, receipt: &str) {
    let used = app.post_form(&verify_link(receipt), &[]).await;
    assert!(used.status().is_success(), "the link is used");
}

async fn dates(app: &TestApp, code: &str) -> (NaiveDate, Option<NaiveDate>, Option<NaiveDate>) {
    let (received_at, confirm_by, respond_by): (
        chrono::DateTime<chrono::Utc>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    ) = sqlx::query_as(
        "SELECT received_at, confirm_by, respond_by FROM requests WHERE tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let tz = app.settings.timezone().unwrap();
    (
        received_at.with_timezone(&tz).date_naive(),
        confirm_by,
        respond_by,
    )
}

/// The year this year's requests are answered with.
pub(crate) fn last_year(app: &TestApp) -> i32 {
    app.clock.today(app.settings.timezone().unwrap()).year() - 1
}

/// An admin records last year's disclosures: two categories and one third party.
pub(crate) async fn record_disclosures(admin: &StaffClient, year: i32) {
    let r = admin
        .post(
            &format!("/staff/shine-the-light/{year}/categories"),
            &[("categories", "Name\nPostal address\n")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post(
            &format!("/staff/shine-the-light/{year}/add_third_party"),
            &[
                ("name", "Acme Catalogs"),
                ("address", "500 Market St, San Francisco CA 94105"),
                ("examples", "home goods and garden tools"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

async fn fulfil(admin: &StaffClient, code: &str) -> reqwest::Response {
    admin
        .post(&format!("/staff/requests/{code}/fulfil"), &[])
        .await
}

#[tokio::test]
async fn a_customer_files_from_its_own_page_and_confirming_the_email_is_enough() {
    let app = spawn_app().await;
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("href=\"/requests/new/shine_the_light\""));
    assert!(home.contains("Shine the Light"));
    let form = app.get("/requests/new/shine_the_light").await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.unwrap();
    assert!(form.contains("name=\"full_name\"") && form.contains("name=\"address\""));
    assert!(
        !form.contains("california_resident") && !form.contains("name=\"phone\""),
        "it asks only name, e-mail and a postal address"
    );

    let missing = app
        .post_form(
            "/requests/new/shine_the_light",
            &[("email", "not-an-email")],
        )
        .await;
    assert_eq!(missing.status(), 422);
    let missing = missing.text().await.unwrap();
    assert!(
        missing.contains("Enter your full name.") && missing.contains("value=\"not-an-email\"")
    );

    let page = file_as(&app, ANA).await;
    let code = tracking_code_in(&page);
    assert!(page.contains("confirm that address"));
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
    let kind: String = sqlx::query_scalar("SELECT kind FROM requests WHERE tracking_code = $1")
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kind, "shine_the_light");

    let receipt = queued(&app, &code, "stl_receipt").await.unwrap();
    assert!(receipt.contains("That is all we need"));
    let used = app.post_form(&verify_link(&receipt), &[]).await;
    assert!(used.status().is_success());
    assert_eq!(
        status_of(&app, &code).await,
        "verified",
        "the e-mail link alone verifies it"
    );
}

#[tokio::test]
async fn the_answer_is_due_in_30_days_or_150_at_an_undesignated_address_and_never_extended() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = tracking_code_in(&file_as(&app, ANA).await);
    let (received_on, confirm_by, respond_by) = dates(&app, &code).await;
    assert_eq!(respond_by, Some(received_on + Duration::days(30)));
    assert_eq!(confirm_by, None, "no CCPA confirmation clock");

    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("30 days after receipt; no extension"));

    let extended = staff
        .post(
            &format!("/staff/requests/{code}/extend"),
            &[("reason", "volume")],
        )
        .await;
    assert_eq!(extended.status(), 422);
    let extended = extended.text().await.unwrap();
    assert!(extended.contains("cannot be extended"), "{extended}");
    assert_eq!(dates(&app, &code).await.2, respond_by, "nothing moved");

    let marked = staff
        .post(&format!("/staff/requests/{code}/stl-undesignated"), &[])
        .await;
    assert_eq!(marked.status(), 303);
    assert_eq!(
        dates(&app, &code).await.2,
        Some(received_on + Duration::days(150))
    );
    let event = event_of(&app, &code, "stl_undesignated_address").await;
    assert_eq!(event.actor_type, "staff");
    let again = staff
        .post(&format!("/staff/requests/{code}/stl-undesignated"), &[])
        .await;
    assert_eq!(again.status(), 400, "marked once");
    let forged = staff
        .client
        .post(staff.url(&format!("/staff/requests/{code}/stl-undesignated")))
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        403,
        "the flag needs the session's CSRF token"
    );
}

#[tokio::test]
async fn fulfilling_waits_for_the_years_record_and_answers_with_its_disclosures() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let code = file_and_confirm(&app, ANA).await;
    let year = last_year(&app);

    let refused = fulfil(&admin, &code).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap();
    assert!(
        refused.contains(&format!("disclosures of {year} are not recorded")),
        "the refusal names the missing year"
    );
    assert_eq!(status_of(&app, &code).await, "verified");

    record_disclosures(&admin, year).await;
    let record = admin
        .get(&format!("/staff/shine-the-light?year={year}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(record.contains("Acme Catalogs") && record.contains("Recorded:"));

    assert_eq!(fulfil(&admin, &code).await.status(), 303);
    assert_eq!(status_of(&app, &code).await, "fulfilled");
    let answer = queued(&app, &code, "stl_answer").await.expect("the answer");
    assert!(answer.contains(&format!("In {year}, Example Company disclosed")));
    assert!(answer.contains("Name; Postal address"));
    assert!(answer.contains(
        "Acme Catalogs, 500 Market St, San Francisco CA 94105. What it markets: home goods and garden tools."
    ));

    // The copy stays with the request, whatever the record becomes later.
    let kept: String = sqlx::query_scalar(
        "SELECT a.body_text FROM stl_answers a JOIN requests r ON r.id = a.request_id
         WHERE r.tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        answer.contains(&kept) || answer.contains(&kept.replace('\n', "\r\n")),
        "the answer kept is the one sent"
    );
    let record: serde_json::Value = admin
        .get(&format!("/staff/requests/{code}/record.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        record["shine_the_light_answer"]["body_text"], kept,
        "the full record carries the answer as sent"
    );
    let printable = admin
        .get(&format!("/staff/requests/{code}/record"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        printable.contains("Shine the Light answer, as sent")
            && printable.contains("Acme Catalogs")
    );
    let page = admin
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("The answer, as sent") && page.contains("Acme Catalogs"));

    // Mailed: the letter to print, with the customer's postal address.
    let letter = admin
        .get(&format!("/staff/requests/{code}/stl-letter"))
        .await;
    assert_eq!(letter.status(), 200);
    let letter = letter.text().await.unwrap();
    assert!(
        letter.contains("class=\"letter\"") && letter.contains("1 Main St<br>Oakland CA 94607")
    );
    assert!(letter.contains("Acme Catalogs, 500 Market St") && !letter.contains("Draft"));
    assert_eq!(
        app.get(&format!("/staff/requests/{code}/stl-letter"))
            .await
            .status(),
        303,
        "staff only"
    );
}

#[tokio::test]
async fn a_year_without_disclosures_is_answered_with_that() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let code = file_and_confirm(&app, ANA).await;
    let year = last_year(&app);
    let r = admin
        .post(
            &format!("/staff/shine-the-light/{year}/nothing_disclosed"),
            &[("nothing_disclosed", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let refused = admin
        .post(
            &format!("/staff/shine-the-light/{year}/add_third_party"),
            &[("name", "Acme"), ("address", "1 Main St")],
        )
        .await;
    assert_eq!(
        refused.status(),
        422,
        "a year with no disclosure lists none"
    );

    assert_eq!(fulfil(&admin, &code).await.status(), 303);
    let answer = queued(&app, &code, "stl_answer").await.unwrap();
    assert!(answer.contains(&format!(
        "In {year}, Example Company did not disclose any personal information"
    )));
}

#[tokio::test]
async fn a_business_offering_the_opt_out_answers_with_that_choice() {
    let app = spawn_app_with(|s| {
        s.shine_the_light.opt_out_instead = true;
        s.shine_the_light.opt_out_url = "https://example.com/marketing-opt-out".into();
    })
    .await;
    let admin = app.admin().await;
    let code = file_and_confirm(&app, ANA).await;
    assert_eq!(
        fulfil(&admin, &code).await.status(),
        303,
        "no record needed"
    );
    let answer = queued(&app, &code, "stl_answer").await.unwrap();
    assert!(answer.contains("§1798.83(c)(2)"));
    assert!(answer.contains("https://example.com/marketing-opt-out"));
}

#[tokio::test]
async fn once_a_year_a_repeat_gets_a_copy_and_a_request_while_one_is_open_is_answered_with_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let year = last_year(&app);
    record_disclosures(&admin, year).await;

    // While the first is open, a second is linked to it.
    let first = file_and_confirm(&app, ANA).await;
    let page = file_as(&app, " Ana.Lopez@Example.com ").await;
    let second = tracking_code_in(&page);
    assert!(page.contains(&format!(
        "You already made this request this year ({first})"
    )));
    assert_eq!(
        event_of(&app, &second, "stl_linked").await.data["first"],
        first.as_str()
    );

    assert_eq!(fulfil(&admin, &first).await.status(), 303);
    assert_eq!(
        status_of(&app, &second).await,
        "fulfilled",
        "answered with it"
    );
    let copy = queued(&app, &second, "stl_already_answered").await.unwrap();
    assert!(copy.contains(&format!("with your request {first}")));
    assert!(copy.contains("Acme Catalogs"));

    // After the year's answer, a third gets a note and a copy at once.
    let page = file_as(&app, "ANA.LOPEZ@example.com").await;
    let third = tracking_code_in(&page);
    assert!(page.contains("We already sent you this year&#39;s answer"));
    assert_eq!(status_of(&app, &third).await, "fulfilled");
    let outcome: String =
        sqlx::query_scalar("SELECT outcome_code FROM requests WHERE tracking_code = $1")
            .bind(&third)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(outcome, "answered_with_earlier");
    let note = queued(&app, &third, "stl_already_answered").await.unwrap();
    assert!(note.contains("once a calendar year") && note.contains("Acme Catalogs"));
    assert!(
        queued(&app, &third, "stl_receipt").await.is_none(),
        "the note is the receipt"
    );

    // Someone else is answered on their own.
    let other = tracking_code_in(&file_as(&app, "sam@example.com").await);
    assert_eq!(status_of(&app, &other).await, "awaiting_verification");
}

#[tokio::test]
async fn the_answer_reaches_the_customer_through_the_real_smtp_server() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let admin = app.admin().await;
    let year = last_year(&app);
    record_disclosures(&admin, year).await;
    let code = file_and_confirm_by_smtp(&app, &smtp, ANA).await;
    assert_eq!(fulfil(&admin, &code).await.status(), 303);
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    let answer = mail
        .iter()
        .find(|m| {
            header(m, "Subject")
                .is_some_and(|s| s.contains("Our answer to your Shine the Light request"))
        })
        .expect("the answer was delivered");
    assert!(header(answer, "To").unwrap().contains(ANA));
    let text = text_part(answer);
    assert!(text.contains("Acme Catalogs") && text.contains(&code));
}

#[tokio::test]
async fn staff_are_alerted_once_when_the_record_is_missing_five_days_before_due() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_alerting_staff(&smtp, 24).await;
    app.add_staff("admin@example.com", "admin", "admin password 123")
        .await;
    let code = file_and_confirm_by_smtp(&app, &smtp, ANA).await;
    let (_, _, respond_by) = dates(&app, &code).await;
    let respond_by = respond_by.unwrap();
    // Sessions end after an hour unused: staff sign in again on the later day.
    let queue = || async {
        let admin = app.sign_in("admin@example.com", "admin password 123").await;
        let page = admin.get("/staff/requests").await.text().await.unwrap();
        (admin, page)
    };

    app.advance_to_noon_on(respond_by - Duration::days(6));
    app.worker.sweep().await.unwrap();
    let (_, page) = queue().await;
    assert!(
        page.contains(&code) && !page.contains("record missing"),
        "not yet"
    );

    app.advance_to_noon_on(respond_by - Duration::days(5));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.stl_records_checked, 1);
    assert_eq!(
        event_of(&app, &code, "stl_record_missing").await.data["year"],
        last_year(&app)
    );
    assert_eq!(
        app.worker.sweep().await.unwrap().stl_records_checked,
        0,
        "once"
    );
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(3).await;
    let alerts: Vec<_> = mail
        .iter()
        .filter(|m| header(m, "Subject").is_some_and(|s| s.contains("cannot be answered yet")))
        .collect();
    assert_eq!(alerts.len(), 1);
    assert!(text_part(alerts[0]).contains(&code));
    let (admin, page) = queue().await;
    assert!(page.contains("record missing"), "the queue marks it");

    record_disclosures(&admin, last_year(&app)).await;
    let (_, page) = queue().await;
    assert!(!page.contains("record missing"), "until it is recorded");
}

#[tokio::test]
async fn only_admins_keep_the_record_and_bad_input_is_named() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password 123")
        .await;
    let reviewer = app
        .sign_in("rev@example.com", "reviewer password 123")
        .await;
    assert_eq!(reviewer.get("/staff/shine-the-light").await.status(), 403);
    let page = admin.get("/staff/shine-the-light").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"csrf\""));
    let year = last_year(&app);
    let bad = admin
        .post(
            &format!("/staff/shine-the-light/{year}/add_third_party"),
            &[("name", "Acme"), ("address", "")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("Enter its address."));
    assert_eq!(
        admin.get("/staff/shine-the-light?year=abc").await.status(),
        400
    );
    let forged = admin
        .client
        .post(admin.url(&format!("/staff/shine-the-light/{year}/categories")))
        .form(&[("categories", "Name"), ("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn staff_enter_a_mailed_request_at_an_undesignated_address_and_answer_it_by_letter() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = app.clock.today(app.settings.timezone().unwrap());

    // The intake form offers it, with the flag that moves the clock.
    let form = admin.get("/staff/requests/new").await.text().await.unwrap();
    assert!(form.contains("value=\"shine_the_light\""));
    assert!(form.contains("name=\"stl_undesignated\""));

    // A letter sent to a store's address, not the one the business designated; no
    // e-mail address, in Spanish.
    let page = admin
        .post(
            "/staff/requests/new",
            &[
                ("kind", "shine_the_light"),
                ("channel", "mail"),
                ("received_on", &today.to_string()),
                ("language", "es"),
                ("full_name", "Ana López"),
                ("address", "1 Main St\nOakland CA 94607"),
                ("stl_undesignated", "yes"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);
    let (received, _, respond_by) = dates(&app, &code).await;
    assert_eq!(respond_by, Some(received + Duration::days(150)));
    let marked = event_of(&app, &code, "stl_undesignated_address").await;
    assert_eq!(marked.actor_type, "staff", "who entered it marked it");
    assert_eq!(app.count("outbox").await, 0, "no address to e-mail");
    let channel: String =
        sqlx::query_scalar("SELECT channel FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(channel, "mail");

    // Without an e-mail link, staff verify it by the details they matched, then answer
    // it from the year's record by letter, in the customer's language.
    admin.match_points(&code, &["name"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");
    record_disclosures(&admin, last_year(&app)).await;
    assert_eq!(fulfil(&admin, &code).await.status(), 303);
    assert_eq!(status_of(&app, &code).await, "fulfilled");
    assert_eq!(app.count("outbox").await, 0, "still nothing e-mailed");
    let kept: String = sqlx::query_scalar(
        "SELECT a.body_text FROM stl_answers a JOIN requests r ON r.id = a.request_id
         WHERE r.tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(kept.contains("Acme Catalogs"), "{kept}");
    let letter = admin
        .get(&format!("/staff/requests/{code}/stl-letter"))
        .await
        .text()
        .await
        .unwrap();
    assert!(letter.contains("<html lang=\"es\">"));
    assert!(letter.contains("Estimado/a Ana López:"), "{letter}");
    assert!(letter.contains("Acme Catalogs"));

    // A web request still needs its e-mail address.
    let refused = app
        .post_form(
            "/requests/new/shine_the_light",
            &[("full_name", "Ana López"), ("email", "")],
        )
        .await;
    assert_eq!(refused.status(), 422);
}
