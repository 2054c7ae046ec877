//! Authorized agents filing in the browser: proof of authority, the consumer's
//! confirmation, the agent's own receipt, copies and status page, staff review.

use rightsdesk::domain::kinds::RequestKind;
use sqlx::Row;

use crate::intake::valid_fields;
use crate::support::{TestApp, header, sent_mail, spawn_app, spawn_app_with, tracking_code_in};

pub(crate) const PDF: &[u8] = b"%PDF-1.4\nsigned permission\n%%EOF\n";

pub(crate) fn agent_form(
    kind: RequestKind,
    authority: &str,
    permission: Option<&[u8]>,
) -> reqwest::multipart::Form {
    agent_form_from(kind, authority, permission, "Sam Rivera", "Privacy Helpers")
}

/// An agent's filing with the agent's name and organisation as typed.
fn agent_form_from(
    kind: RequestKind,
    authority: &str,
    permission: Option<&[u8]>,
    name: &str,
    organisation: &str,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in valid_fields(kind) {
        form = form.text(k, v);
    }
    form = form
        .text("for_someone_else", "yes")
        .text("agent_name", name.to_string())
        .text("agent_organisation", organisation.to_string())
        .text("agent_email", "sam@helpers.example")
        .text("authority", authority.to_string())
        .text("agent_declaration", "yes");
    if let Some(bytes) = permission {
        form = form.part(
            "permission",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("permission.pdf"),
        );
    }
    form
}

pub(crate) async fn file(
    app: &TestApp,
    kind: RequestKind,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/requests/new/{kind}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The newest message with this template: its recipient, and what was sent (the
/// consumer's confirm-the-agent message is rendered only when it is sent).
async fn mail(app: &TestApp, template: &str) -> (String, String) {
    let to = sqlx::query_scalar(
        "SELECT to_addr FROM outbox WHERE template = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(template)
    .fetch_one(&app.db)
    .await
    .unwrap();
    (to, sent_mail(app, template).await)
}

pub(crate) fn link_in(body: &str, prefix: &str) -> String {
    let start = body.find(prefix).unwrap();
    body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

#[tokio::test]
async fn an_agent_files_with_signed_permission_and_the_consumer_confirms() {
    let app = spawn_app().await;
    let response = file(
        &app,
        RequestKind::Delete,
        agent_form(RequestKind::Delete, "signed_permission", Some(PDF)),
    )
    .await;
    assert_eq!(response.status(), 200);
    let code = tracking_code_in(&response.text().await.unwrap());
    let row = sqlx::query("SELECT channel, status, agent_name, agent_email, agent_authority, agent_authority_state FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("channel"), "agent_web");
    assert_eq!(row.get::<String, _>("status"), "awaiting_verification");
    assert_eq!(
        row.get::<Option<String>, _>("agent_email").as_deref(),
        Some("sam@helpers.example")
    );
    assert_eq!(
        row.get::<Option<String>, _>("agent_authority_state")
            .as_deref(),
        Some("pending")
    );
    let purpose: String = sqlx::query_scalar("SELECT purpose FROM attachments")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(purpose, "agent_authorization");

    // The consumer is asked directly; the agent gets a receipt with a status link.
    let (to, body) = mail(&app, "agent_confirmation").await;
    assert_eq!(to, "ana.lopez@example.com");
    assert!(body.contains("Name the agent gave: “Sam Rivera”"));
    assert!(body.contains("Organisation the agent gave: “Privacy Helpers”"));
    let confirm = link_in(&body, "/verify/");
    let (to, body) = mail(&app, "agent_receipt").await;
    assert_eq!(to, "sam@helpers.example");
    assert!(body.contains(&code));
    let status_link = link_in(&body, "/agent/status/");
    let page = app.get(&status_link).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&code));
    assert_eq!(
        app.get("/agent/status/not-a-token").await.status(),
        404,
        "never anyone else's"
    );
    let receipts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE template = 'receipt'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        receipts, 0,
        "the consumer confirms the agent instead of verifying separately"
    );

    let opened = app.get(&confirm).await.text().await.unwrap();
    assert!(opened.contains("Did you authorize this agent?"));
    let confirmed = app.post_form(&confirm, &[("decision", "confirm")]).await;
    assert_eq!(confirmed.status(), 200);
    let row = sqlx::query("SELECT status, agent_authority_state FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        row.get::<String, _>("status"),
        "awaiting_verification",
        "the confirmation is one matched point (the e-mail); a deletion needs two"
    );
    assert_eq!(
        row.get::<Option<String>, _>("agent_authority_state")
            .as_deref(),
        Some("confirmed")
    );
    let staff = app.admin().await;
    staff.match_points(&code, &["postal_address"]).await;
    assert_eq!(crate::support::status_of(&app, &code).await, "verified");
}

#[tokio::test]
async fn the_consumer_not_the_agent_signs_the_declaration_for_specific_pieces() {
    let app = spawn_app().await;
    // The agent's form carries no consumer signature: none is asked of the agent.
    let mut form = agent_form(RequestKind::KnowSpecific, "signed_permission", Some(PDF));
    form = form.text("declaration_name", "Sam Rivera");
    let response = file(&app, RequestKind::KnowSpecific, form).await;
    assert_eq!(response.status(), 200);
    let code = tracking_code_in(&response.text().await.unwrap());
    let signed: Option<String> = sqlx::query_scalar("SELECT declaration_name FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(signed, None, "the agent never signs for the consumer");

    let (_, body) = mail(&app, "agent_confirmation").await;
    let link = link_in(&body, "/verify/");
    let opened = app.get(&link).await.text().await.unwrap();
    assert!(opened.contains("under penalty of perjury") && opened.contains("d-name"));
    let unsigned = app.post_form(&link, &[("decision", "confirm")]).await;
    assert_eq!(unsigned.status(), 422);
    assert!(
        unsigned
            .text()
            .await
            .unwrap()
            .contains("sign the declaration")
    );
    let state: Option<String> = sqlx::query_scalar("SELECT agent_authority_state FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("pending"), "nothing changed");

    let signed = app
        .post_form(
            &link,
            &[
                ("decision", "confirm"),
                ("declaration_name", "Ana López"),
                ("declaration_agree", "yes"),
            ],
        )
        .await;
    assert_eq!(signed.status(), 200);
    let row = sqlx::query(
        "SELECT declaration_name, declaration_signed_at IS NOT NULL AS signed, agent_authority_state FROM requests",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        row.get::<Option<String>, _>("declaration_name").as_deref(),
        Some("Ana López")
    );
    assert!(row.get::<bool, _>("signed"));
    let staff = app.admin().await;
    staff.match_points(&code, &["name", "phone_number"]).await;
    assert_eq!(crate::support::status_of(&app, &code).await, "verified");
}

#[tokio::test]
async fn a_new_link_for_an_agents_filing_still_asks_about_the_agent() {
    let app = spawn_app().await;
    let response = file(
        &app,
        RequestKind::Delete,
        agent_form(RequestKind::Delete, "signed_permission", Some(PDF)),
    )
    .await;
    let code = tracking_code_in(&response.text().await.unwrap());
    // The first link is created when the message carrying it is sent.
    app.worker.deliver_all().await.unwrap();
    let resent = app
        .post_form(
            "/status/resend",
            &[
                ("tracking_code", code.as_str()),
                ("email", "ana.lopez@example.com"),
            ],
        )
        .await;
    assert_eq!(resent.status(), 200);
    // The new link is created when its message is sent.
    let (_, body) = mail(&app, "agent_confirmation_link").await;
    let purposes: Vec<String> =
        sqlx::query_scalar("SELECT purpose FROM verification_tokens ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(purposes, ["confirm_agent", "confirm_agent"]);
    let link = link_in(&body, "/verify/");
    let page = app.get(&link).await.text().await.unwrap();
    assert!(page.contains("Did you authorize this agent?"));
    // Three days on, the reminder keeps the purpose too.
    app.clock.advance(chrono::Duration::days(4));
    assert_eq!(app.worker.sweep().await.unwrap().reminders, 1);
    app.worker.deliver_all().await.unwrap();
    let last: String =
        sqlx::query_scalar("SELECT purpose FROM verification_tokens ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(last, "confirm_agent");
    assert_eq!(
        app.count("outbox").await,
        4,
        "receipt pair, new link, reminder"
    );
}

#[tokio::test]
async fn a_power_of_attorney_gets_no_consumer_link_and_waits_for_staff() {
    let app = spawn_app().await;
    let response = file(
        &app,
        RequestKind::Delete,
        agent_form(RequestKind::Delete, "power_of_attorney", None),
    )
    .await;
    let code = tracking_code_in(&response.text().await.unwrap());
    let other = file(
        &app,
        RequestKind::Correct,
        agent_form(RequestKind::Correct, "power_of_attorney", None),
    )
    .await;
    let other = tracking_code_in(&other.text().await.unwrap());
    let staff = app.admin().await;
    staff.match_points(&code, &["name", "postal_address"]).await;
    assert_eq!(
        crate::support::status_of(&app, &code).await,
        "awaiting_verification",
        "points met, authority not yet accepted"
    );
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("or staff acceptance"));
    let refused = staff
        .post(&format!("/staff/requests/{code}/start"), &[])
        .await;
    assert_eq!(refused.status(), 422);
    staff
        .post(&format!("/staff/requests/{code}/accept_authority"), &[])
        .await;
    assert_eq!(crate::support::status_of(&app, &code).await, "verified");

    app.clock.advance(chrono::Duration::days(4));
    assert_eq!(
        app.worker.sweep().await.unwrap().reminders,
        0,
        "no link to remind of"
    );
    // Unaccepted at the deadline, the other one closes speaking of the agent's authority.
    app.clock.advance(chrono::Duration::days(43));
    app.worker.sweep().await.unwrap();
    assert_eq!(
        crate::support::status_of(&app, &other).await,
        "closed_unverified"
    );
    let (to, body) = mail(&app, "closed_unverified").await;
    assert_eq!(to, "ana.lopez@example.com");
    assert!(body.contains("authority of the agent"));
    let (to, _) = mail(&app, "closed_unverified_agent_copy").await;
    assert_eq!(to, "sam@helpers.example");
}

#[tokio::test]
async fn a_consumer_who_rejects_the_agent_closes_the_request_and_the_agent_is_told() {
    let app = spawn_app().await;
    file(
        &app,
        RequestKind::KnowCategories,
        agent_form(RequestKind::KnowCategories, "signed_permission", Some(PDF)),
    )
    .await;
    let (_, body) = mail(&app, "agent_confirmation").await;
    let link = link_in(&body, "/verify/");
    let rejected = app.post_form(&link, &[("decision", "reject")]).await;
    assert_eq!(rejected.status(), 200);
    assert!(
        rejected
            .text()
            .await
            .unwrap()
            .contains("we will not act on this request")
    );
    let row = sqlx::query("SELECT status, agent_authority_state, outcome_reason FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("status"), "denied");
    assert_eq!(
        row.get::<Option<String>, _>("agent_authority_state")
            .as_deref(),
        Some("rejected")
    );
    let (to, _) = mail(&app, "outcome").await;
    assert_eq!(to, "ana.lopez@example.com");
    let (to, body) = mail(&app, "outcome_agent_copy").await;
    assert_eq!(to, "sam@helpers.example", "the agent is told");
    assert!(body.contains("did not authorize"));
    assert!(body.contains("authority to act for you was not confirmed"));
    let code: Option<String> = sqlx::query_scalar("SELECT outcome_code FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(code.as_deref(), Some("agent_not_authorized"));
}

#[tokio::test]
async fn proof_of_authority_is_required_and_checked() {
    let app = spawn_app().await;
    let missing = file(
        &app,
        RequestKind::Delete,
        agent_form(RequestKind::Delete, "signed_permission", None),
    )
    .await;
    assert_eq!(missing.status(), 422);
    let page = missing.text().await.unwrap();
    assert!(page.contains("id=\"f-permission-error\""));
    assert!(page.contains("value=\"Sam Rivera\""), "typed values kept");
    let exe = file(
        &app,
        RequestKind::Delete,
        agent_form(RequestKind::Delete, "signed_permission", Some(b"MZ\x90")),
    )
    .await;
    assert_eq!(exe.status(), 422);
    let mut same_email = agent_form(RequestKind::Delete, "nonsense", Some(PDF));
    same_email = same_email.text("agent_email", "ana.lopez@example.com");
    let bad = file(&app, RequestKind::Delete, same_email).await;
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("id=\"f-authority-error\"")
    );
    assert_eq!(app.count("requests").await, 0);

    // A power of attorney: no upload needed, no consumer confirmation asked; staff accept.
    let poa = file(
        &app,
        RequestKind::Correct,
        agent_form(RequestKind::Correct, "power_of_attorney", None),
    )
    .await;
    assert_eq!(poa.status(), 200);
    let code = tracking_code_in(&poa.text().await.unwrap());
    let confirmations: i64 = sqlx::query_scalar("SELECT count(*) FROM verification_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(confirmations, 0);
    let staff = app.admin().await;
    let page = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Filed by an authorized agent") && page.contains("power_of_attorney"));
    assert_eq!(
        staff
            .post(&format!("/staff/requests/{code}/accept_authority"), &[])
            .await
            .status(),
        303
    );
    let state: Option<String> = sqlx::query_scalar("SELECT agent_authority_state FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(state.as_deref(), Some("accepted"));
}

#[tokio::test]
async fn an_opt_out_through_an_agent_needs_only_the_signed_permission() {
    let app = spawn_app().await;
    let response = file(
        &app,
        RequestKind::OptOut,
        agent_form(RequestKind::OptOut, "signed_permission", Some(PDF)),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    let (to, _) = mail(&app, "opt_out_applied_agent_copy").await;
    assert_eq!(to, "sam@helpers.example");
    let status: String = sqlx::query_scalar("SELECT status FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "fulfilled");
}

#[tokio::test]
async fn what_an_agent_types_is_quoted_never_linked_and_kept_out_of_the_subject() {
    let app = spawn_app().await;
    let name = "Your bank: verify at https://evil.example/login";
    let organisation = format!("www.evil.example {}", "x".repeat(150));
    let response = file(
        &app,
        RequestKind::Delete,
        agent_form_from(
            RequestKind::Delete,
            "signed_permission",
            Some(PDF),
            name,
            &organisation,
        ),
    )
    .await;
    assert_eq!(response.status(), 200);
    let sent = sent_mail(&app, "agent_confirmation").await;
    let subject = header(&sent, "Subject").unwrap();
    let (text, html) = sent.split_once("Content-Type: text/html").unwrap();
    let (text, html) = (text.to_string(), html.to_string());
    assert!(
        !subject.contains("bank") && !subject.contains("evil"),
        "{subject}"
    );
    for body in [&text, &html] {
        assert!(!body.contains("https://evil"), "no link: {body}");
        assert!(!body.contains("evil.example"), "no domain: {body}");
        assert!(!body.contains("www.evil"), "no www: {body}");
        assert!(body.contains("https[:]//evil[.]example/login"));
        assert!(body.contains("Name the agent gave"));
    }
    assert!(!html.contains("href=\"https[:]"), "nothing linked in HTML");
    assert!(
        text.contains("Organisation the agent gave: “www[.]evil[.]example xxx"),
        "{text}"
    );
}

#[tokio::test]
async fn repeated_agent_filings_mail_the_consumer_and_the_agent_at_most_three_times_a_day() {
    let app = spawn_app_with(|s| s.mail.unsolicited_per_day = 3).await;
    for _ in 0..4 {
        let response = file(
            &app,
            RequestKind::Delete,
            agent_form(RequestKind::Delete, "signed_permission", Some(PDF)),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    let queued = |template: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox WHERE template = $1")
            .bind(template)
            .fetch_one(&app.db)
    };
    assert_eq!(app.count("requests").await, 4);
    assert_eq!(
        queued("agent_confirmation").await.unwrap(),
        3,
        "to the consumer"
    );
    assert_eq!(queued("agent_receipt").await.unwrap(), 3, "to the agent");
    let suppressed: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT data FROM request_events WHERE action = 'mail_suppressed' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let templates: Vec<&str> = suppressed
        .iter()
        .map(|d| d["template"].as_str().unwrap())
        .collect();
    assert_eq!(templates, ["agent_confirmation", "agent_receipt"]);
}
