//! Every kind of request through its form: what is stored, what is shown, what is
//! refused.

use chrono::NaiveDate;
use rightsdesk::domain::calendar::BusinessCalendar;
use rightsdesk::domain::deadlines::Deadlines;
use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::locale::Tr;
use rightsdesk::mail::long_date;
use sqlx::Row;

use crate::support::{
    TestApp, delivered, header, spawn_app, spawn_app_with, tracking_code_in, verify_link,
};

/// A complete, valid form for each kind.
pub fn valid_fields(kind: RequestKind) -> Vec<(&'static str, &'static str)> {
    let identity = vec![
        ("full_name", "Ana López"),
        ("email", "ana.lopez@example.com"),
        ("phone", "+1 415 555 0100"),
        ("address", "1 Main St, Oakland, CA 94607"),
        ("california_resident", "yes"),
        ("details", "I had a loyalty card."),
    ];
    match kind {
        RequestKind::KnowCategories => [identity, vec![("lookback", "12_months")]].concat(),
        RequestKind::KnowSpecific => [
            identity,
            vec![
                ("lookback", "since_2022"),
                ("declaration_name", "Ana López"),
                ("declaration_agree", "yes"),
            ],
        ]
        .concat(),
        RequestKind::Delete => identity,
        RequestKind::Correct => [
            identity,
            vec![
                ("correction_field", "Postal address"),
                ("current_value", "1 Main St"),
                ("corrected_value", "2 Oak Ave, Oakland, CA 94607"),
            ],
        ]
        .concat(),
        RequestKind::OptOut | RequestKind::LimitSensitive => {
            vec![("email", "ana.lopez@example.com")]
        }
        RequestKind::OptIn => panic!("opting back in has no consumer form"),
        RequestKind::ShineTheLight => vec![
            ("full_name", "Ana López"),
            ("email", "ana.lopez@example.com"),
        ],
    }
}

fn expected_deadlines(app: &TestApp, kind: RequestKind) -> Deadlines {
    let calendar = BusinessCalendar::new(app.settings.deadlines.holidays.iter().map(|h| h.date));
    let today = app.clock.today(app.settings.timezone().unwrap());
    Deadlines::for_kind(kind, today, &calendar)
}

#[tokio::test]
async fn every_kind_is_stored_with_its_event_receipt_and_legal_dates() {
    let app = spawn_app().await;
    for kind in RequestKind::RIGHTS.iter().copied() {
        let response = app
            .post_form(&format!("/requests/new/{kind}"), &valid_fields(kind))
            .await;
        assert_eq!(response.status(), 200, "{kind}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let page = response.text().await.unwrap();
        let code = tracking_code_in(&page);

        let row = sqlx::query(
            "SELECT id, kind, status, channel, email, confirm_by, respond_by, comply_by, lookback,
                    declaration_name, declaration_signed_at, corrected_value, address
             FROM requests WHERE tracking_code = $1",
        )
        .bind(&code)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(row.get::<String, _>("kind"), kind.code());
        assert_eq!(row.get::<String, _>("channel"), "web");
        assert_eq!(row.get::<String, _>("email"), "ana.lopez@example.com");
        assert_eq!(row.get::<String, _>("status"), kind.initial_status().code());

        let want = expected_deadlines(&app, kind);
        let confirm_by: Option<NaiveDate> = row.get("confirm_by");
        let respond_by: Option<NaiveDate> = row.get("respond_by");
        let comply_by: Option<NaiveDate> = row.get("comply_by");
        assert_eq!(
            (confirm_by, respond_by, comply_by),
            (want.confirm_by, want.respond_by, want.comply_by)
        );
        for date in [confirm_by, respond_by, comply_by].into_iter().flatten() {
            assert!(
                page.contains(&long_date(&Tr::default(), date)),
                "{kind}: the page shows {date}"
            );
        }

        match kind {
            RequestKind::KnowSpecific => {
                assert_eq!(
                    row.get::<Option<String>, _>("lookback").as_deref(),
                    Some("since_2022")
                );
                assert_eq!(
                    row.get::<Option<String>, _>("declaration_name").as_deref(),
                    Some("Ana López")
                );
                assert!(
                    row.get::<Option<chrono::DateTime<chrono::Utc>>, _>("declaration_signed_at")
                        .is_some()
                );
            }
            RequestKind::Correct => assert_eq!(
                row.get::<Option<String>, _>("corrected_value").as_deref(),
                Some("2 Oak Ave, Oakland, CA 94607")
            ),
            RequestKind::OptOut | RequestKind::LimitSensitive => {
                assert!(
                    row.get::<Option<String>, _>("address").is_none(),
                    "only the e-mail is kept"
                );
            }
            _ => {}
        }

        let id: uuid::Uuid = row.get("id");
        let event = sqlx::query(
            "SELECT actor_type, action, to_status FROM request_events WHERE request_id = $1",
        )
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(event.get::<String, _>("actor_type"), "consumer");
        assert_eq!(event.get::<String, _>("action"), "submitted");
        assert_eq!(
            event.get::<Option<String>, _>("to_status").as_deref(),
            Some(kind.initial_status().code())
        );

        let mail = sqlx::query(
            "SELECT id, template, to_addr, message_id FROM outbox WHERE request_id = $1",
        )
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(mail.get::<String, _>("template"), "receipt");
        assert_eq!(mail.get::<String, _>("to_addr"), "ana.lopez@example.com");
        let message_id: String = mail.get("message_id");
        assert!(message_id.ends_with("@127.0.0.1>"));
        // The receipt is rendered when it is sent.
        let sent = delivered(&app, mail.get("id")).await;
        assert!(header(&sent, "Subject").unwrap().contains(&code));
        assert_eq!(
            header(&sent, "Message-ID").as_deref(),
            Some(message_id.as_str())
        );
        assert!(sent.contains(&code) && sent.contains(kind.title()));
        for date in [confirm_by, respond_by, comply_by].into_iter().flatten() {
            assert!(
                sent.contains(&long_date(&Tr::default(), date)),
                "{kind}: the receipt gives {date}"
            );
        }
        assert!(sent.contains("text/html"));
    }
    assert_eq!(app.count("requests").await, 6);
    assert_eq!(app.count("request_events").await, 6);
    assert_eq!(app.count("outbox").await, 6);
}

#[tokio::test]
async fn every_form_asks_only_what_its_kind_needs() {
    let app = spawn_app().await;
    for kind in RequestKind::RIGHTS.iter().copied() {
        let page = app
            .get(&format!("/requests/new/{kind}"))
            .await
            .text()
            .await
            .unwrap();
        let has = |name: &str| page.contains(&format!("name=\"{name}\""));
        assert!(has("email"), "{kind}");
        assert_eq!(has("lookback"), kind.is_know(), "{kind} lookback");
        assert_eq!(
            has("declaration_agree"),
            kind == RequestKind::KnowSpecific,
            "{kind} declaration"
        );
        assert_eq!(
            has("corrected_value"),
            kind == RequestKind::Correct,
            "{kind} correction"
        );
        assert_eq!(
            has("document"),
            kind == RequestKind::Correct,
            "{kind} upload"
        );
        assert_eq!(has("address"), kind.needs_verification(), "{kind} address");
        assert_eq!(
            has("california_resident"),
            kind.needs_verification(),
            "{kind} residency"
        );
        // Nothing is ticked or chosen in advance.
        assert!(!page.contains("checked"), "{kind}: nothing pre-ticked");
        // Every input has a label.
        for name in ["email", "full_name"] {
            assert!(
                page.contains(&format!("<label for=\"f-{name}\"")),
                "{kind}: {name} is labelled"
            );
        }
    }
}

#[tokio::test]
async fn missing_fields_are_named_next_to_their_field_and_typed_values_are_kept() {
    let app = spawn_app().await;
    /// A kind, what is sent, and which fields must be marked wrong.
    type Case<'a> = (RequestKind, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            RequestKind::Delete,
            &[("full_name", "Ana <b>López</b>")],
            &["email", "california_resident"],
        ),
        (
            RequestKind::KnowCategories,
            &[("full_name", "Ana"), ("email", "ana@example.com")],
            &["california_resident", "lookback"],
        ),
        (
            RequestKind::KnowSpecific,
            &[
                ("full_name", "Ana"),
                ("email", "ana@example.com"),
                ("california_resident", "yes"),
                ("lookback", "12_months"),
            ],
            &["phone", "declaration_name", "declaration_agree"],
        ),
        (
            RequestKind::Correct,
            &[
                ("full_name", "Ana"),
                ("email", "ana@example.com"),
                ("california_resident", "yes"),
            ],
            &["correction_field", "corrected_value"],
        ),
        (RequestKind::OptOut, &[("full_name", "Ana")], &["email"]),
        (
            RequestKind::LimitSensitive,
            &[("email", "ana@")],
            &["email"],
        ),
        (
            RequestKind::Delete,
            &[
                ("full_name", "Ana"),
                ("email", "ana@example.com"),
                ("california_resident", "yes"),
                ("phone", "12"),
            ],
            &["phone"],
        ),
    ];
    for (kind, fields, wrong) in cases {
        let response = app
            .post_form(&format!("/requests/new/{kind}"), fields)
            .await;
        assert_eq!(response.status(), 422, "{kind}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains("<title>Error: "),
            "{kind}: the title announces the error"
        );
        assert!(page.contains("error-summary"), "{kind}");
        for field in *wrong {
            assert!(
                page.contains(&format!("id=\"f-{field}-error\"")),
                "{kind}: error next to {field}"
            );
            assert!(
                page.contains(&format!("href=\"#f-{field}\"")),
                "{kind}: summary links to {field}"
            );
        }
        // Fields that are right carry no error.
        let error_count = page.matches("class=\"error\" id=").count();
        assert_eq!(
            error_count,
            wrong.len(),
            "{kind}: only the wrong fields are marked"
        );
        for (name, value) in *fields {
            if *name != "california_resident" && *name != "lookback" {
                let kept = page.contains(value)
                    || page.contains(&value.replace('<', "&#60;").replace('>', "&#62;"))
                    || page.contains(&value.replace('<', "&lt;").replace('>', "&gt;"));
                assert!(kept, "{kind}: typed {name} is kept");
                assert!(
                    !value.contains('<') || !page.contains(value),
                    "{kind}: {name} is escaped"
                );
            }
        }
    }
    assert_eq!(app.count("requests").await, 0);
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn a_correction_keeps_its_document_checked_by_content() {
    let app = spawn_app().await;
    let form = |bytes: Vec<u8>, name: &str| {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in valid_fields(RequestKind::Correct) {
            form = form.text(k, v);
        }
        form.part(
            "document",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        )
    };
    let post = |form| {
        app.client
            .post(app.url("/requests/new/correct"))
            .multipart(form)
            .send()
    };

    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let response = post(form(pdf.clone(), "../../proof.pdf")).await.unwrap();
    assert_eq!(response.status(), 200);
    let row =
        sqlx::query("SELECT filename, content_type, size_bytes, sha256, purpose FROM attachments")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(row.get::<String, _>("filename"), "proof.pdf");
    assert_eq!(row.get::<String, _>("content_type"), "application/pdf");
    assert_eq!(row.get::<i32, _>("size_bytes") as usize, pdf.len());
    assert_eq!(row.get::<String, _>("purpose"), "correction_evidence");
    use sha2::Digest;
    assert_eq!(
        row.get::<String, _>("sha256"),
        hex::encode(sha2::Sha256::digest(&pdf))
    );

    // A program renamed to .pdf is refused on the form, with the values kept.
    let response = post(form(b"MZ\x90\x00\x03".to_vec(), "invoice.pdf"))
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("id=\"f-document-error\""));
    assert!(page.contains("2 Oak Ave, Oakland, CA 94607"));

    // A file over 10 MB is refused with a page a person can read.
    let big = [b"%PDF-1.4\n".to_vec(), vec![b'x'; 10 * 1024 * 1024 + 1]].concat();
    let response = post(form(big, "big.pdf")).await.unwrap();
    assert_eq!(response.status(), 413);
    assert!(response.text().await.unwrap().contains("larger than 10 MB"));

    assert_eq!(app.count("requests").await, 1);
    assert_eq!(app.count("attachments").await, 1);
}

#[tokio::test]
async fn the_home_page_lists_the_six_rights_and_the_two_required_links() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let page = response.text().await.unwrap();
    for kind in RequestKind::RIGHTS {
        assert!(
            page.contains(&format!("href=\"/requests/new/{kind}\"")),
            "{kind}"
        );
    }
    assert!(page.contains(">Do Not Sell or Share My Personal Information</a>"));
    assert!(page.contains(">Limit the Use of My Sensitive Personal Information</a>"));
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("name=\"viewport\""));
    assert!(!page.contains("<script"), "no script needed");

    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["x-frame-options"], "DENY");

    let css = app.get("/static/style.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    app.db.close().await;
    assert_eq!(app.get("/healthz").await.status(), 503);
}

#[tokio::test]
async fn submissions_are_rate_limited_per_address_without_losing_the_form() {
    let app = crate::support::spawn_app_with(|s| s.limits.submissions_per_minute = 2).await;
    let fields = valid_fields(RequestKind::OptOut);
    for _ in 0..2 {
        assert_eq!(
            app.post_form("/requests/new/opt_out", &fields)
                .await
                .status(),
            200
        );
    }
    let response = app.post_form("/requests/new/opt_out", &fields).await;
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["retry-after"],
        "60",
        "the limit counts per minute, and says so"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("Wait a minute"));
    assert!(
        page.contains("value=\"ana.lopez@example.com\""),
        "the typed e-mail is kept"
    );
    assert_eq!(app.count("requests").await, 2);
}

#[tokio::test]
async fn many_submissions_at_once_are_each_stored_with_their_own_answer() {
    let app = crate::support::spawn_app_with(|s| s.limits.submissions_per_minute = 0).await;
    let emails: Vec<String> = (0..48).map(|i| format!("crowd.{i}@example.com")).collect();
    let answers = futures_util::future::join_all(emails.iter().map(|email| async {
        let fields = [
            ("full_name", "Crowd Member"),
            ("email", email.as_str()),
            ("california_resident", "yes"),
        ];
        let page = app.post_form("/requests/new/delete", &fields).await;
        assert_eq!(page.status(), 200);
        tracking_code_in(&page.text().await.unwrap())
    }))
    .await;

    // Every answer names the request of the address it was sent for, and every request is
    // whole: its event, its receipt and, once the receipt is sent, its verification link.
    app.worker.deliver_all().await.unwrap();
    for (email, code) in emails.iter().zip(&answers) {
        let row = sqlx::query(
            "SELECT r.email,
                (SELECT count(*) FROM request_events e WHERE e.request_id = r.id) AS events,
                (SELECT count(*) FROM outbox o WHERE o.request_id = r.id AND o.to_addr = r.email
                    AND o.sent_at IS NOT NULL
                    AND o.subject LIKE '%' || r.tracking_code || '%') AS receipts,
                (SELECT count(*) FROM verification_tokens t WHERE t.request_id = r.id) AS links
             FROM requests r WHERE r.tracking_code = $1",
        )
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(&row.get::<String, _>("email"), email);
        assert_eq!(row.get::<i64, _>("events"), 1);
        assert_eq!(row.get::<i64, _>("receipts"), 1);
        assert_eq!(row.get::<i64, _>("links"), 1);
    }
    assert_eq!(app.count("requests").await, 48);
}

#[tokio::test]
async fn a_request_that_cannot_be_written_fails_alone() {
    use std::sync::Arc;

    use rightsdesk::domain::email::EmailAddress;
    use rightsdesk::domain::intake::NewRequest;
    use rightsdesk::domain::kinds::{Channel, RequestStatus};
    use rightsdesk::domain::tracking::TrackingCode;
    use rightsdesk::store::inserter::{InsertError, Inserter};
    use rightsdesk::store::requests::{self, Insert, TRACKING_CODE_KEY};

    let app = spawn_app().await;
    let taken = TrackingCode::generate();
    let request_with_id = |id, i: usize, code: &TrackingCode| Insert {
        id,
        request: Arc::new(NewRequest::opt_out(
            EmailAddress::parse(&format!("group.{i}@example.com")).unwrap(),
            None,
        )),
        tracking_code: code.clone(),
        kind: RequestKind::OptOut,
        status: RequestStatus::Received,
        channel: Channel::Web,
        received_at: app.clock.now(),
        deadlines: Deadlines::for_kind(
            RequestKind::OptOut,
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            &BusinessCalendar::new([]),
        ),
        receipt: None,
        verification: None,
        drp: None,
    };
    let request = |i: usize, code: &TrackingCode| request_with_id(requests::new_id(), i, code);
    let inserter = Inserter::spawn(app.db.clone(), 0, app.settings.database.write_timeout());
    let stored_id = requests::new_id();
    inserter
        .insert(request_with_id(stored_id, 0, &taken))
        .await
        .unwrap();

    // Enough at once that the one with a taken tracking code shares a statement with
    // others: they are written all the same, and it alone is refused.
    let answers = futures_util::future::join_all((1..=40).map(|i| {
        let code = if i == 20 {
            taken.clone()
        } else {
            TrackingCode::generate()
        };
        inserter.insert(request(i, &code))
    }))
    .await;
    for (i, answer) in (1..=40).zip(&answers) {
        match answer {
            Err(InsertError::Database(err)) if i == 20 => {
                assert!(rightsdesk::store::violates(err, TRACKING_CODE_KEY), "{err}");
            }
            Ok(()) if i != 20 => {}
            other => panic!("request {i}: {other:?}"),
        }
    }
    assert_eq!(app.count("requests").await, 40);
    assert_eq!(app.count("request_events").await, 40);

    // A group whose commit was not confirmed is written again row by row; a request
    // found already stored then is answered as stored, not refused or filed twice.
    let answers = futures_util::future::join_all((41..=80).map(|i| {
        if i == 60 {
            inserter.insert(request_with_id(stored_id, 0, &taken))
        } else {
            inserter.insert(request(i, &TrackingCode::generate()))
        }
    }))
    .await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(
        app.count("requests").await,
        79,
        "39 new, the stored one once"
    );
}

/// The receipts queued for `address`, and the suppressed ones in audit trails.
async fn receipts_to(app: &TestApp, address: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM outbox WHERE template = 'receipt' AND lower(to_addr) = lower($1)),
                (SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id
                 WHERE e.action = 'mail_suppressed' AND lower(r.email) = lower($1))",
    )
    .bind(address)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn one_address_gets_at_most_three_unsolicited_receipts_a_day() {
    let app = spawn_app_with(|s| s.mail.unsolicited_per_day = 3).await;
    let file = |email: &'static str| {
        let fields: Vec<(&str, &str)> = valid_fields(RequestKind::Delete)
            .into_iter()
            .map(|(k, v)| if k == "email" { (k, email) } else { (k, v) })
            .collect();
        let app = &app;
        async move {
            let page = app
                .post_form("/requests/new/delete", &fields)
                .await
                .text()
                .await
                .unwrap();
            tracking_code_in(&page)
        }
    };
    let mut codes = Vec::new();
    for email in [
        "victim@example.com",
        "VICTIM@example.com",
        "victim@example.com",
        "victim@example.com",
        "Victim@Example.com",
    ] {
        codes.push(file(email).await);
    }
    assert_eq!(app.count("requests").await, 5, "every request stands");
    assert_eq!(receipts_to(&app, "victim@example.com").await, (3, 2));

    // The fifth request's status page works without its receipt.
    let status = app
        .post_form(
            "/status",
            &[
                ("tracking_code", &codes[4]),
                ("email", "victim@example.com"),
            ],
        )
        .await;
    assert_eq!(status.status(), 200);
    assert!(status.text().await.unwrap().contains(&codes[4]));

    // Another address is not affected; the next day the count starts again.
    file("someone.else@example.com").await;
    assert_eq!(receipts_to(&app, "someone.else@example.com").await, (1, 0));
    app.clock.advance(chrono::Duration::days(1));
    file("victim@example.com").await;
    assert_eq!(receipts_to(&app, "victim@example.com").await, (4, 2));
}

#[tokio::test]
async fn new_links_asked_for_a_stranger_count_against_the_same_daily_cap() {
    let app = spawn_app_with(|s| s.mail.unsolicited_per_day = 3).await;
    let page = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
        .text()
        .await
        .unwrap();
    let code = tracking_code_in(&page);
    let fields = [
        ("tracking_code", code.as_str()),
        ("email", "ana.lopez@example.com"),
    ];
    let resend = || app.post_form("/status/resend", &fields);
    for _ in 0..2 {
        let sent = resend().await.text().await.unwrap();
        assert!(sent.contains("We sent a new confirmation link"));
    }
    // Each link is created when its message is sent: until then the queued message holds
    // a slot where the link goes, and no token is stored for it.
    let (body, params): (String, serde_json::Value) = sqlx::query_as(
        "SELECT body_text, params FROM outbox WHERE template = 'verification_link' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(body.contains("/verify/link-created-when-sent"), "{body}");
    assert_eq!(params["link_slot"]["purpose"], "verify_email");
    assert_eq!(app.count("verification_tokens").await, 0);
    let last_link =
        crate::support::verify_link(&crate::support::sent_mail(&app, "verification_link").await);

    let held = resend().await;
    assert_eq!(held.status(), 200, "the status page still works");
    assert!(
        held.text()
            .await
            .unwrap()
            .contains("will not send another before tomorrow")
    );
    assert_eq!(app.count("outbox").await, 3, "the receipt and two links");
    assert!(
        app.post_form(&last_link, &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("confirmed"),
        "the last link sent still works"
    );
}

#[tokio::test]
async fn a_receipt_waits_as_its_parameters_and_gets_its_link_only_when_it_is_sent() {
    let app = spawn_app().await;
    let page = app
        .post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await;
    let code = tracking_code_in(&page.text().await.unwrap());

    // At rest: the template and a few hundred bytes of parameters, no rendered text, no
    // link and no token.
    let queued = sqlx::query(
        "SELECT id, subject, body_text, body_html, params->>'tracking_code' AS code,
                octet_length(params::text) AS size
         FROM outbox WHERE template = 'receipt'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(queued.get::<Option<String>, _>("subject"), None);
    assert_eq!(queued.get::<Option<String>, _>("body_text"), None);
    assert_eq!(queued.get::<Option<String>, _>("body_html"), None);
    assert_eq!(
        queued.get::<Option<String>, _>("code").as_deref(),
        Some(code.as_str())
    );
    assert!(queued.get::<i32, _>("size") < 400);
    assert_eq!(app.count("verification_tokens").await, 0);

    // Sent: rendered with a working link whose hash alone is stored, expiring as the
    // receipt's link always has (counted from the submission); nothing kept but the
    // subject.
    let sent = delivered(&app, queued.get("id")).await;
    let link = verify_link(&sent);
    let expires: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT expires_at FROM verification_tokens")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let received: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT received_at FROM requests")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        expires - received,
        chrono::Duration::days(app.settings.worker.verification_link_days)
    );
    let stored = sqlx::query(
        "SELECT subject, body_text, body_html, params IS NULL AS no_params FROM outbox",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(stored.get::<String, _>("subject").contains(&code));
    assert_eq!(
        stored.get::<Option<String>, _>("body_text").as_deref(),
        Some("")
    );
    assert_eq!(
        stored.get::<Option<String>, _>("body_html").as_deref(),
        Some("")
    );
    assert!(stored.get::<bool, _>("no_params"));
    assert_eq!(app.get(&link).await.status(), 200);
    let used = app.post_form(&link, &[]).await;
    assert_eq!(used.status(), 200);
    let event = crate::support::event_of(&app, &code, "email_verified").await;
    assert_eq!(event.actor_type, "consumer");
}

#[tokio::test]
async fn a_submission_pays_for_no_index_that_nothing_reads() {
    let app = spawn_app().await;
    let dropped: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes
         WHERE indexname IN ('requests_overdue_unalerted_idx', 'outbox_message_id_key')",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(dropped.is_empty(), "{dropped:?}");
}
