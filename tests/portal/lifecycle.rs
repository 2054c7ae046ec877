//! The lifecycle rules (ccpa-rules §3–§6) driven end to end: the staff console over
//! HTTP, the consumer's pages and links, the worker's sweeps, the database, and the
//! messages as a real SMTP server receives them.

use chrono::{Duration, NaiveDate};
use rightsdesk::domain::kinds::RequestKind;

use crate::agents::{PDF, agent_form};
use crate::support::{
    SmtpServer, TestApp, event_of, header, mail_about, spawn_app, spawn_app_with, status_of,
    text_part, tracking_code_in, verify_link,
};

/// The portal with its mail going to `smtp`.
async fn spawn_app_mailing(smtp: &SmtpServer) -> TestApp {
    spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await
}

/// The consumer's status page for Ana's request.
async fn status_page(app: &TestApp, code: &str) -> String {
    app.post_form(
        "/status",
        &[("tracking_code", code), ("email", "ana.lopez@example.com")],
    )
    .await
    .text()
    .await
    .unwrap()
}

async fn outcome_code(app: &TestApp, code: &str) -> Option<String> {
    sqlx::query_scalar("SELECT outcome_code FROM requests WHERE tracking_code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The statuses the audit trail moved the request through, in order.
async fn trail(app: &TestApp, code: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT e.to_status FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.tracking_code = $1 AND e.to_status IS NOT NULL ORDER BY e.id",
    )
    .bind(code)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn events_of(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The text of the one message about this request whose subject says `subject_part`.
fn only_message(mail: &[String], code: &str, subject_part: &str) -> String {
    let found = mail_about(mail, code, subject_part);
    assert_eq!(
        found.len(),
        1,
        "one message \"{subject_part}\" about {code}"
    );
    text_part(found[0])
}

async fn respond_by(app: &TestApp, code: &str) -> NaiveDate {
    sqlx::query_scalar::<_, Option<NaiveDate>>(
        "SELECT respond_by FROM requests WHERE tracking_code = $1",
    )
    .bind(code)
    .fetch_one(&app.db)
    .await
    .unwrap()
    .expect("a request with a legal deadline")
}

#[tokio::test]
async fn a_denied_deletion_states_its_reason_and_offers_the_opt_out() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "postal_address"]).await;

    let denied = staff
        .post(
            &format!("/staff/requests/{code}/deny"),
            &[
                ("reason", "legal_obligation"),
                (
                    "explanation",
                    "Tax law requires us to keep your invoices for seven years.",
                ),
            ],
        )
        .await;
    assert_eq!(denied.status(), 303);
    assert_eq!(status_of(&app, &code).await, "denied");
    assert_eq!(
        outcome_code(&app, &code).await.as_deref(),
        Some("legal_obligation"),
        "the request keeps the reason's code"
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(2).await;
    let text = only_message(&mail, &code, "could not complete");
    assert!(text.contains("The reason: Needed to comply with a legal obligation"));
    assert!(text.contains("Tax law requires us to keep your invoices"));
    assert!(
        text.contains("stop selling or sharing")
            && text.contains(&app.url("/requests/new/opt_out")),
        "a denied deletion offers the opt-out (reg. §7022(f)(4)): {text}"
    );

    let page = status_page(&app, &code).await;
    assert!(page.contains("Needed to comply with a legal obligation"));
}

#[tokio::test]
async fn a_denied_correction_offers_deletion_unless_denied_as_fraud() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let staff = app.admin().await;
    let accurate = app.file(RequestKind::Correct, &[]).await;
    let fraud = app.file(RequestKind::Correct, &[]).await;

    for (code, reason, explanation) in [
        (
            &accurate,
            "more_likely_accurate",
            "Our records match the address on your ID document.",
        ),
        (
            &fraud,
            "suspected_fraud",
            "The request came from an address that is not yours.",
        ),
    ] {
        let denied = staff
            .post(
                &format!("/staff/requests/{code}/deny"),
                &[("reason", reason), ("explanation", explanation)],
            )
            .await;
        assert_eq!(denied.status(), 303);
        assert_eq!(outcome_code(&app, code).await.as_deref(), Some(reason));
    }

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(4).await;
    let delete_link = app.url("/requests/new/delete");
    let text = only_message(&mail, &accurate, "could not complete");
    assert!(text.contains("The reason: The information is more likely than not accurate"));
    assert!(text.contains("Our records match the address"));
    assert!(
        text.contains("delete the information instead") && text.contains(&delete_link),
        "deletion is offered instead (reg. §7023(f)): {text}"
    );
    let text = only_message(&mail, &fraud, "could not complete");
    assert!(text.contains("The reason: We have a good-faith, reasonable and documented belief"));
    assert!(
        !text.contains("delete the information instead") && !text.contains(&delete_link),
        "a suspected fraud is offered nothing: {text}"
    );
}

#[tokio::test]
async fn an_opt_out_or_limit_is_denied_only_as_suspected_fraud_with_an_explanation() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    for kind in [RequestKind::OptOut, RequestKind::LimitSensitive] {
        let code = app.file(kind, &[]).await;
        let deny = |fields: &'static [(&'static str, &'static str)]| {
            let path = format!("/staff/requests/{code}/deny");
            let staff = &staff;
            async move { staff.post(&path, fields).await }
        };
        let events_before = events_of(&app, &code).await;
        for refused in [
            &[("reason", "other"), ("explanation", "We would rather not.")][..],
            &[
                ("reason", "exception"),
                ("explanation", "An exception applies."),
            ],
            &[("reason", "suspected_fraud"), ("explanation", "")],
        ] {
            assert_eq!(deny(refused).await.status(), 422, "{kind}: {refused:?}");
            assert_eq!(status_of(&app, &code).await, "received", "nothing changed");
            assert_eq!(outcome_code(&app, &code).await, None);
            assert_eq!(events_of(&app, &code).await, events_before);
        }

        let fraud = deny(&[
            ("reason", "suspected_fraud"),
            (
                "explanation",
                "The same request came from 400 addresses in a minute.",
            ),
        ])
        .await;
        assert_eq!(fraud.status(), 303);
        assert_eq!(status_of(&app, &code).await, "denied");
        assert_eq!(
            outcome_code(&app, &code).await.as_deref(),
            Some("suspected_fraud")
        );
    }
    let told: Vec<String> =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'outcome'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(told.len(), 2, "only the fraud denials reached the consumer");
    assert!(told.iter().all(|t| t.contains("400 addresses in a minute")));
    let listed: i64 = app.count("opt_outs").await;
    assert_eq!(listed, 0, "a denied opt-out is not applied");
}

#[tokio::test]
async fn staff_apply_an_opt_out_and_a_limit_exactly_as_the_worker_would() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let staff = app.admin().await;
    let opt_out = app.file(RequestKind::OptOut, &[]).await;
    let limit = app.file(RequestKind::LimitSensitive, &[]).await;

    // Staff get there before the worker's sweep.
    for code in [&opt_out, &limit] {
        let done = staff
            .post(&format!("/staff/requests/{code}/fulfil"), &[])
            .await;
        assert_eq!(done.status(), 303);
        assert_eq!(status_of(&app, code).await, "fulfilled");
        assert_eq!(
            trail(&app, code).await,
            ["received", "in_progress", "fulfilled"]
        );
        assert_eq!(outcome_code(&app, code).await.as_deref(), Some("applied"));
    }
    // Another consumer's opt-out, left to the worker, for comparison.
    let by_worker = app
        .file(RequestKind::OptOut, &[("email", "ben.ortiz@example.com")])
        .await;
    let events_before = (
        events_of(&app, &opt_out).await,
        events_of(&app, &limit).await,
    );
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(
        report.opt_outs_applied, 1,
        "the sweep applies only the one staff left"
    );
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 0);
    assert_eq!(
        (
            events_of(&app, &opt_out).await,
            events_of(&app, &limit).await
        ),
        events_before,
        "nothing applied twice"
    );
    assert_eq!(trail(&app, &by_worker).await, trail(&app, &opt_out).await);

    let listed: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT r.tracking_code, o.email, o.scope, o.channel FROM opt_outs o
         JOIN requests r ON r.id = o.request_id ORDER BY o.id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let row = |code: &str, email: &str, scope: &str| {
        (
            code.to_string(),
            email.to_string(),
            scope.to_string(),
            "web".to_string(),
        )
    };
    assert_eq!(
        listed,
        [
            row(&opt_out, "ana.lopez@example.com", "sale_sharing"),
            row(&limit, "ana.lopez@example.com", "sensitive_use"),
            row(&by_worker, "ben.ortiz@example.com", "sale_sharing"),
        ]
    );

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(3).await;
    for code in [&opt_out, &limit, &by_worker] {
        let text = only_message(&mail, code, "applied");
        assert!(text.contains("We processed your request"));
        assert!(
            !text.to_lowercase().contains("told the third parties"),
            "no claim that third parties were told: {text}"
        );
    }
}

#[tokio::test]
async fn an_unverified_request_to_know_points_to_the_privacy_policy() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.business.privacy_policy_url = "https://shop.example/privacy".into();
    })
    .await;
    let specific = app.file(RequestKind::KnowSpecific, &[]).await;
    let deadline = respond_by(&app, &specific).await;

    app.advance_to_noon_on(deadline + Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 1);
    assert_eq!(status_of(&app, &specific).await, "closed_unverified");
    assert_eq!(
        outcome_code(&app, &specific).await.as_deref(),
        Some("identity_not_verified")
    );

    // Sessions end after an hour idle: sign in on the day.
    let staff = app.admin().await;
    let categories = app.file(RequestKind::KnowCategories, &[]).await;
    let denied = staff
        .post(
            &format!("/staff/requests/{categories}/deny"),
            &[
                ("reason", "identity_not_verified"),
                ("explanation", "The details did not match our records."),
            ],
        )
        .await;
    assert_eq!(denied.status(), 303);

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(4).await;
    let closed = only_message(&mail, &specific, "identity not verified");
    assert!(closed.contains("could not verify your identity"));
    assert!(
        closed.contains("handled your request as a request to know the categories"),
        "specific pieces are handled as categories (reg. §7024(a)): {closed}"
    );
    assert!(closed.contains("privacy policy") && closed.contains("https://shop.example/privacy"));
    let denial = only_message(&mail, &categories, "could not complete");
    assert!(denial.contains("The reason: We could not verify your identity"));
    assert!(
        denial.contains("https://shop.example/privacy"),
        "every unverified request to know points to the privacy policy (reg. §7024(b)): {denial}"
    );
}

#[tokio::test]
async fn an_extended_request_stays_open_until_its_extended_deadline_has_passed() {
    let app = spawn_app().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    let deadline = respond_by(&app, &code).await;

    app.clock.advance(Duration::days(10));
    let staff = app.admin().await;
    let extended = staff
        .post(
            &format!("/staff/requests/{code}/extend"),
            &[("reason", "Your records are spread over three systems.")],
        )
        .await;
    assert_eq!(extended.status(), 303);
    let until: NaiveDate = sqlx::query_scalar::<_, Option<NaiveDate>>(
        "SELECT extended_respond_by FROM requests WHERE tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .unwrap()
    .expect("extended");
    assert!(until > deadline + Duration::days(1));

    app.advance_to_noon_on(deadline + Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 0);
    assert_eq!(
        status_of(&app, &code).await,
        "awaiting_verification",
        "the original deadline no longer governs"
    );
    app.advance_to_noon_on(until);
    assert_eq!(
        app.worker.sweep().await.unwrap().closed_unverified,
        0,
        "the extended deadline's last day is the consumer's"
    );
    app.advance_to_noon_on(until + Duration::days(1));
    assert_eq!(app.worker.sweep().await.unwrap().closed_unverified, 1);
    assert_eq!(status_of(&app, &code).await, "closed_unverified");
    assert_eq!(
        event_of(&app, &code, "closed_unverified")
            .await
            .to_status
            .as_deref(),
        Some("closed_unverified")
    );
}

#[tokio::test]
async fn a_withdrawn_request_tells_the_consumer_and_copies_the_agent_who_filed_it() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let staff = app.admin().await;
    let own = app.file(RequestKind::Delete, &[]).await;
    let response = app
        .client
        .post(app.url("/requests/new/delete"))
        .multipart(agent_form(
            RequestKind::Delete,
            "signed_permission",
            Some(PDF),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let by_agent = tracking_code_in(&response.text().await.unwrap());

    for code in [&own, &by_agent] {
        let withdrawn = staff
            .post(
                &format!("/staff/requests/{code}/withdraw"),
                &[(
                    "explanation",
                    "Withdrawn at the consumer's request by phone.",
                )],
            )
            .await;
        assert_eq!(withdrawn.status(), 303);
        assert_eq!(status_of(&app, code).await, "withdrawn");
        assert_eq!(outcome_code(&app, code).await.as_deref(), Some("withdrawn"));
    }

    app.worker.deliver_all().await.unwrap();
    // A receipt; the consumer's confirmation of the agent and the agent's receipt; and
    // three messages of withdrawal.
    let mail = smtp.wait_for(6).await;
    let to = |m: &String| header(m, "To").unwrap_or_default();
    let own_notice = mail_about(&mail, &own, "withdrawn");
    assert_eq!(own_notice.len(), 1);
    assert!(to(own_notice[0]).contains("ana.lopez@example.com"));
    assert!(text_part(own_notice[0]).contains("Your request was withdrawn"));

    let notices = mail_about(&mail, &by_agent, "withdrawn");
    let mut recipients: Vec<String> = notices.iter().map(|m| to(m)).collect();
    recipients.sort();
    assert_eq!(recipients.len(), 2, "{recipients:?}");
    assert!(recipients[0].contains("ana.lopez@example.com"));
    assert!(recipients[1].contains("sam@helpers.example"));
    let copies: Vec<String> =
        sqlx::query_scalar("SELECT to_addr FROM outbox WHERE template = 'withdrawn_agent_copy'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        copies,
        ["sam@helpers.example"],
        "the agent's copy, only theirs"
    );
}

#[tokio::test]
async fn a_deletion_is_fulfilled_only_once_verified_and_the_email_link_alone_is_not_enough() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    let receipt = crate::support::sent_mail(&app, "receipt").await;
    let used = app.post_form(&verify_link(&receipt), &[]).await;
    assert_eq!(used.status(), 200);
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");

    let fulfil = format!("/staff/requests/{code}/fulfil");
    for action in ["start", "fulfil", "partial"] {
        let refused = staff
            .post(
                &format!("/staff/requests/{code}/{action}"),
                &[("explanation", "Deleted from the loyalty system only.")],
            )
            .await;
        assert_eq!(refused.status(), 422, "{action} before verification");
    }
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
    assert_eq!(outcome_code(&app, &code).await, None);

    staff.match_points(&code, &["name"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");
    assert_eq!(staff.post(&fulfil, &[]).await.status(), 303);
    assert_eq!(status_of(&app, &code).await, "fulfilled");
    assert_eq!(
        trail(&app, &code).await,
        ["awaiting_verification", "verified", "fulfilled"]
    );
}

#[tokio::test]
async fn two_denied_requests_to_know_do_not_make_the_third_one_flagged() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let page_of = |code: String| {
        let staff = &staff;
        async move {
            let page = staff.get(&format!("/staff/requests/{code}")).await;
            assert_eq!(page.status(), 200);
            page.text().await.unwrap()
        }
    };
    for _ in 0..2 {
        let code = app.file(RequestKind::KnowCategories, &[]).await;
        let denied = staff
            .post(
                &format!("/staff/requests/{code}/deny"),
                &[
                    ("reason", "identity_not_verified"),
                    ("explanation", "The details did not match our records."),
                ],
            )
            .await;
        assert_eq!(denied.status(), 303);
    }
    let third = app.file(RequestKind::KnowCategories, &[]).await;
    assert!(
        !page_of(third).await.contains("Third request to know"),
        "denied requests were not answered (Civ. §1798.130(b))"
    );

    // Two answered ones do flag the next.
    for _ in 0..2 {
        let code = app.file(RequestKind::KnowCategories, &[]).await;
        staff.match_points(&code, &["name", "postal_address"]).await;
        let done = staff
            .post(&format!("/staff/requests/{code}/fulfil"), &[])
            .await;
        assert_eq!(done.status(), 303);
    }
    let after_two_answers = app.file(RequestKind::KnowCategories, &[]).await;
    assert!(
        page_of(after_two_answers)
            .await
            .contains("Third request to know")
    );
}

#[tokio::test]
async fn an_unknown_data_point_in_the_trail_stops_staff_actions_instead_of_being_ignored() {
    let app = spawn_app().await;
    let staff = app.admin().await;
    let code = app.file(RequestKind::Delete, &[]).await;
    staff.match_points(&code, &["name", "postal_address"]).await;
    assert_eq!(status_of(&app, &code).await, "verified");

    sqlx::query(
        "INSERT INTO request_events (request_id, at, actor_type, action, data)
         SELECT id, now(), 'staff', 'data_point_recorded', '{\"data_point\": \"shoe_size\"}'
         FROM requests WHERE tracking_code = $1",
    )
    .bind(&code)
    .execute(&app.db)
    .await
    .unwrap();
    let events_before = events_of(&app, &code).await;

    let started = staff
        .post(&format!("/staff/requests/{code}/start"), &[])
        .await;
    assert!(
        started.status().is_server_error(),
        "an unknown code is an error, never a default: {}",
        started.status()
    );
    assert_eq!(status_of(&app, &code).await, "verified", "nothing changed");
    assert_eq!(events_of(&app, &code).await, events_before);
}
