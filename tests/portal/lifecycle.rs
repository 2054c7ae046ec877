//! The lifecycle rules (ccpa-rules §3–§6) driven end to end: the staff console over
//! HTTP, the consumer's pages and links, the worker's sweeps, the database, and the
//! messages as a real SMTP server receives them.

use rightsdesk::domain::kinds::RequestKind;

use crate::intake::valid_fields;
use crate::support::{
    SmtpServer, TestApp, mail_about, spawn_app, spawn_app_with, status_of, text_part,
    tracking_code_in,
};

/// Files a request of `kind` with the standard form, as Ana.
async fn file(app: &TestApp, kind: RequestKind) -> String {
    file_as(app, kind, "ana.lopez@example.com").await
}

/// Files a request of `kind` with the standard form, from another address.
async fn file_as(app: &TestApp, kind: RequestKind, email: &str) -> String {
    let fields: Vec<(&str, &str)> = valid_fields(kind)
        .into_iter()
        .map(|(k, v)| if k == "email" { (k, email) } else { (k, v) })
        .collect();
    let page = app
        .post_form(&format!("/requests/new/{kind}"), &fields)
        .await
        .text()
        .await
        .unwrap();
    tracking_code_in(&page)
}

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

#[tokio::test]
async fn a_denied_deletion_states_its_reason_and_offers_the_opt_out() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let staff = app.admin().await;
    let code = file(&app, RequestKind::Delete).await;
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
    let accurate = file(&app, RequestKind::Correct).await;
    let fraud = file(&app, RequestKind::Correct).await;

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
        let code = file(&app, kind).await;
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
