//! Opting back in to sale/sharing over DRP (`sale:opt-in`): the agent asks, the consumer
//! confirms or declines from a link e-mailed to them, and nothing else applies it.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use rightsdesk::domain::kinds::RequestKind;
use serde_json::{Value, json};
use sqlx::Row;

use crate::drp::{Agent, post_exercise, strict_timestamp};
use crate::support::{
    SmtpServer, TestApp, event_of, header, mail_about, spawn_app, spawn_app_alerting_staff,
    spawn_app_with, status_of, text_part, verify_link,
};

const ANA: &str = "ana@example.com";

/// Ana opts out on the web form; the worker puts her on the suppression list.
async fn ana_opted_out(app: &TestApp) -> String {
    let page = app
        .post_form("/requests/new/opt_out", &[("email", ANA)])
        .await
        .text()
        .await
        .unwrap();
    let code = crate::support::tracking_code_in(&page);
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    assert_eq!(sale_sharing_opt_outs(app).await, 1);
    code
}

async fn sale_sharing_opt_outs(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM opt_outs WHERE lower(email) = lower($1) AND scope = 'sale_sharing'",
    )
    .bind(ANA)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A paired agent and its bearer token. Trusted, so its vouched claims count as data
/// points: even so they never replace the consumer's own confirmation.
async fn agent(app: &TestApp) -> (Agent, String) {
    let a = Agent::register_trusted(app, "AGENT_A", 1, Some("https://app.agent.example")).await;
    let token = a.pair(app).await;
    (a, token)
}

/// Files `sale:opt-in` (or another spelling) for Ana; returns the status object.
async fn ask_opt_in(app: &TestApp, a: &Agent, token: &str, action: &str, extra: Value) -> Value {
    let response = post_exercise(app, token, a.exercise(app, action, extra)).await;
    assert_eq!(response.status(), 200, "{action}");
    response.json().await.unwrap()
}

async fn drp_status(app: &TestApp, token: &str, request_id: &str) -> Value {
    app.client
        .get(app.url(&format!("/drp/v1/data-rights-request/{request_id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn row(app: &TestApp, request_id: &str) -> sqlx::postgres::PgRow {
    sqlx::query(
        "SELECT id, tracking_code, kind, status, channel, agent_id, confirm_by, respond_by, received_at,
                closed_at, outcome_reason, outcome_code
         FROM requests WHERE drp_request_id = $1::uuid",
    )
    .bind(request_id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The text of the first message with this template to Ana, as it was sent (its link is
/// created when it is sent): the file transport's copy (tests that run no SMTP server).
async fn mail_to_ana(app: &TestApp, template: &str) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM outbox WHERE template = $1 AND to_addr = $2 ORDER BY id LIMIT 1",
    )
    .bind(template)
    .bind(ANA)
    .fetch_one(&app.db)
    .await
    .unwrap();
    crate::support::delivered(app, id).await
}

/// The link in the first message with this template to Ana.
async fn link_in_outbox(app: &TestApp, template: &str) -> String {
    crate::support::verify_link(&mail_to_ana(app, template).await)
}

/// An opt-in an agent filed for Ana, waiting for her answer.
pub(crate) struct Asked {
    agent: Agent,
    token: String,
    request_id: String,
    tracking_code: String,
    /// The link e-mailed to Ana.
    pub(crate) link: String,
}

/// A paired agent asks, with `action`, to opt Ana back in.
pub(crate) async fn agent_asks(app: &TestApp, action: &str) -> Asked {
    let mut asked = agent_files(app, action).await;
    asked.link = link_in_outbox(app, "opt_in_request").await;
    asked
}

/// The same on a portal that mails through a real SMTP server: the link is read from
/// what the server got.
pub(crate) async fn agent_asks_by_smtp(app: &TestApp, smtp: &SmtpServer, action: &str) -> Asked {
    let mut asked = agent_files(app, action).await;
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(1).await;
    let request = mail_about(&mail, &asked.tracking_code, "");
    asked.link = verify_link(request.first().expect("the opt-in request was mailed"));
    asked
}

/// A paired agent files the opt-in; the link is not read yet.
async fn agent_files(app: &TestApp, action: &str) -> Asked {
    let (agent, token) = agent(app).await;
    let filed = ask_opt_in(app, &agent, &token, action, json!({})).await;
    let request_id = filed["request_id"].as_str().unwrap().to_string();
    let tracking_code = row(app, &request_id).await.get("tracking_code");
    Asked {
        agent,
        token,
        request_id,
        tracking_code,
        link: String::new(),
    }
}

async fn page(response: reqwest::Response) -> (u16, String) {
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Sends a request from a browser with an opt-out preference signal (Global Privacy
/// Control).
async fn from_gpc_browser(request: reqwest::RequestBuilder) -> (u16, String) {
    page(request.header("Sec-GPC", "1").send().await.unwrap()).await
}

/// Ana presses a button (`confirm` or `decline`) on the page her link opens.
async fn answer(app: &TestApp, link: &str, decision: &str) -> (u16, String) {
    page(app.post_form(link, &[("decision", decision)]).await).await
}

async fn actions_of(app: &TestApp, tracking_code: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT e.action FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.tracking_code = $1 ORDER BY e.id",
    )
    .bind(tracking_code)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// An agent's callback endpoint that records every status object it receives.
async fn callback_sink() -> (String, Arc<Mutex<Vec<Value>>>) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/drp/callback", listener.local_addr().unwrap());
    let sink = {
        let received = Arc::clone(&received);
        axum::Router::new().route(
            "/drp/callback",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let received = Arc::clone(&received);
                async move {
                    received.lock().unwrap().push(body);
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    tokio::spawn(async move { axum::serve(listener, sink).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn the_consumer_confirms_an_agents_opt_in_from_the_link_and_is_taken_off_the_list() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.smtp_url = Some(smtp.url())).await;
    let opt_out_code = ana_opted_out(&app).await;
    app.worker.deliver_all().await.unwrap();
    let mut seen = smtp.wait_for(2).await.len();
    assert_eq!(seen, 2, "the opt-out's receipt and confirmation");
    let (a, token) = agent(&app).await;
    let (callback, callbacks) = callback_sink().await;

    // The agent vouches for the e-mail address: that does not replace the consumer's own
    // confirmation.
    let filed = ask_opt_in(
        &app,
        &a,
        &token,
        "sale:opt-in",
        json!({ "email_verified": true, "phone_number": "+14155550100", "phone_number_verified": true,
                "status_callback": callback }),
    )
    .await;
    assert_eq!(filed["status"], "in_progress");
    assert!(filed.get("reason").is_none(), "not need_user_verification");
    assert!(filed.get("user_verification_url").is_none());
    assert_eq!(filed["agent_request_id"], "agent-req-1");
    assert!(strict_timestamp(filed["expected_by"].as_str().unwrap()));
    let details = filed["processing_details"].as_str().unwrap();
    assert!(
        details.contains("confirm") && details.contains("e-mail"),
        "{details}"
    );
    let request_id = filed["request_id"].as_str().unwrap();

    let r = row(&app, request_id).await;
    let code: String = r.get("tracking_code");
    assert_eq!(r.get::<String, _>("kind"), "opt_in");
    assert_eq!(r.get::<String, _>("channel"), "drp");
    assert_eq!(r.get::<String, _>("status"), "awaiting_verification");
    assert_eq!(
        r.get::<Option<String>, _>("agent_id").as_deref(),
        Some("AGENT_A")
    );
    let received: chrono::DateTime<chrono::Utc> = r.get("received_at");
    let received_on = received
        .with_timezone(&app.settings.timezone().unwrap())
        .date_naive();
    assert_eq!(
        r.get::<Option<NaiveDate>, _>("confirm_by"),
        Some(received_on)
    );
    assert_eq!(
        r.get::<Option<NaiveDate>, _>("respond_by"),
        Some(received_on + Duration::days(app.settings.worker.verification_link_days))
    );
    // The link is created when the message carrying it is sent: until then neither the
    // queued message nor the tokens hold it.
    let queued: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE template = 'opt_in_request' AND to_addr = $1",
    )
    .bind(ANA)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        queued.contains("/verify/link-created-when-sent"),
        "{queued}"
    );
    assert_eq!(app.count("verification_tokens").await, 0);
    app.worker.deliver_all().await.unwrap();
    let purpose: String = sqlx::query_scalar(
        "SELECT t.purpose FROM verification_tokens t JOIN requests r ON r.id = t.request_id WHERE r.tracking_code = $1",
    )
    .bind(&code)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(purpose, "confirm_opt_in");

    // The consumer is e-mailed the link.
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(seen + 1).await;
    let ask = mail
        .iter()
        .find(|m| header(m, "Subject").unwrap().contains(&code))
        .expect("the opt-in e-mail arrived");
    seen += 1;
    assert!(header(ask, "To").unwrap().contains(ANA));
    let text = text_part(ask);
    assert!(text.contains("AGENT_A Inc"), "names the agent");
    assert!(text.contains("opt you back in to the sale and sharing"));
    assert!(text.contains("Nothing changes unless you confirm"));
    let link = verify_link(ask);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM verification_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_ne!(stored, link.as_bytes(), "only a hash is stored");

    // Opening the link (as a mail scanner would) changes nothing.
    for _ in 0..2 {
        let (status, body) = page(app.get(&link).await).await;
        assert_eq!(status, 200);
        assert!(body.contains("What opting back in means"));
        assert!(body.contains("value=\"confirm\"") && body.contains("value=\"decline\""));
        assert!(body.contains(&code));
    }
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
    assert_eq!(
        row(&app, request_id).await.get::<String, _>("status"),
        "awaiting_verification"
    );
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT used_at FROM verification_tokens")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(used.is_none());
    assert_eq!(app.count("drp_callbacks").await, 0);

    // Confirming applies it, in one go.
    let (status, body) = answer(&app, &link, "confirm").await;
    assert_eq!(status, 200);
    assert!(body.contains("you opted back in"), "{body}");
    assert!(body.contains("href=\"/requests/new/opt_out\""));
    assert_eq!(
        sale_sharing_opt_outs(&app).await,
        0,
        "off the suppression list"
    );
    let r = row(&app, request_id).await;
    assert_eq!(r.get::<String, _>("status"), "fulfilled");
    assert!(
        r.get::<Option<chrono::DateTime<chrono::Utc>>, _>("closed_at")
            .is_some()
    );
    let event = event_of(&app, &code, "opted_in").await;
    assert_eq!(event.actor_type, "consumer");
    assert_eq!(event.to_status.as_deref(), Some("fulfilled"));
    let removed = &event.data["removed_opt_out"];
    assert_eq!(removed["tracking_code"], opt_out_code.as_str(), "{event:?}");
    assert_eq!(removed["channel"], "web");
    assert!(removed["opted_out_since"].is_string());

    // The agent sees it fulfilled, by status and by callback.
    assert_eq!(
        drp_status(&app, &token, request_id).await["status"],
        "fulfilled"
    );
    assert_eq!(app.worker.deliver_all_callbacks().await.unwrap(), 1);
    let bodies = callbacks.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["request_id"], request_id);
    assert_eq!(bodies[0]["status"], "fulfilled");

    // The consumer gets the confirmation, with the way to opt out again.
    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(seen + 1).await;
    let done = mail_about(&mail, &code, "opted back in");
    assert_eq!(done.len(), 1);
    let text = text_part(done[0]);
    assert!(text.contains("opt out again at any time"));
    assert!(text.contains(&app.url("/requests/new/opt_out")));

    // The link works once.
    for (status, body) in [
        answer(&app, &link, "confirm").await,
        answer(&app, &link, "decline").await,
        page(app.get(&link).await).await,
    ] {
        assert_eq!(status, 200);
        assert!(body.contains("This link was already used"), "{body}");
        assert!(!body.contains("value=\"confirm\""));
    }
    assert_eq!(
        actions_of(&app, &code).await,
        [
            "submitted",
            "data_point_recorded",
            "data_point_recorded",
            "opted_in"
        ]
    );
}

#[tokio::test]
async fn declining_the_opt_in_keeps_the_opt_out() {
    let app = spawn_app().await;
    ana_opted_out(&app).await;
    let asked = agent_asks(&app, "sale:opt_in").await;
    assert_eq!(
        row(&app, &asked.request_id).await.get::<String, _>("kind"),
        "opt_in"
    );

    let (status, body) = answer(&app, &asked.link, "decline").await;
    assert_eq!(status, 200);
    assert!(body.contains("nothing changed"), "{body}");
    assert_eq!(sale_sharing_opt_outs(&app).await, 1, "still opted out");
    let r = row(&app, &asked.request_id).await;
    assert_eq!(r.get::<String, _>("status"), "denied");
    assert_eq!(
        r.get::<Option<String>, _>("outcome_code").as_deref(),
        Some("opt_in_declined")
    );
    let event = event_of(&app, &asked.tracking_code, "opt_in_declined").await;
    assert_eq!(event.to_status.as_deref(), Some("denied"));
    assert_eq!(event.data["reason"], "consumer declined");
    let status = drp_status(&app, &asked.token, &asked.request_id).await;
    assert_eq!(status["status"], "denied");
    assert_eq!(status["reason"], "other");
    assert!(
        status["processing_details"]
            .as_str()
            .unwrap()
            .contains("declined")
    );
    let told = mail_to_ana(&app, "opt_in_declined").await;
    assert!(told.contains("your opt-out stays in place"));

    let (_, again) = answer(&app, &asked.link, "confirm").await;
    assert!(again.contains("This link was already used"));
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
}

#[tokio::test]
async fn a_browser_sending_gpc_is_not_opted_in_and_the_consumer_can_confirm_elsewhere() {
    let app = spawn_app().await;
    ana_opted_out(&app).await;
    let asked = agent_asks(&app, "sale:opt-in").await;
    let link = &asked.link;

    // The page tells a GPC browser at once, and offers only to decline.
    let (status, body) = from_gpc_browser(app.client.get(app.url(link))).await;
    assert_eq!(status, 200);
    assert!(body.contains("id=\"gpc-conflict\""), "{body}");
    assert!(!body.contains("value=\"confirm\""));
    assert!(body.contains("value=\"decline\""));

    // A confirmation posted from it anyway is not applied.
    let confirm = app
        .client
        .post(app.url(link))
        .form(&[("decision", "confirm")]);
    let (status, body) = from_gpc_browser(confirm).await;
    assert_eq!(status, 200);
    assert!(body.contains("We did not opt you in"), "{body}");
    assert!(body.contains("Global Privacy Control"));
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
    assert_eq!(
        status_of(&app, &asked.tracking_code).await,
        "awaiting_verification"
    );
    assert!(
        actions_of(&app, &asked.tracking_code)
            .await
            .contains(&"opt_in_not_applied_gpc".to_string())
    );
    let unused: bool = sqlx::query_scalar(
        "SELECT used_at IS NULL FROM verification_tokens WHERE purpose = 'confirm_opt_in'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(unused, "the link still works elsewhere");
    assert_eq!(
        drp_status(&app, &asked.token, &asked.request_id).await["status"],
        "in_progress"
    );

    // From a browser without the signal, the consumer's confirmation applies.
    let (status, _) = answer(&app, link, "confirm").await;
    assert_eq!(status, 200);
    assert_eq!(sale_sharing_opt_outs(&app).await, 0);
    assert_eq!(status_of(&app, &asked.tracking_code).await, "fulfilled");
}

#[tokio::test]
async fn an_opt_in_needs_the_consumers_email_address() {
    let app = spawn_app().await;
    let (a, token) = agent(&app).await;
    for email in [json!(null), json!("not an address")] {
        let response = post_exercise(
            &app,
            &token,
            a.exercise(&app, "sale:opt-in", json!({ "email": email })),
        )
        .await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "400");
        assert_eq!(error["fatal"], true);
        assert!(error["message"].as_str().unwrap().contains("email"));
    }
    assert_eq!(app.count("requests").await, 0);
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn an_unconfirmed_opt_in_lapses_at_its_deadline_and_the_opt_out_stays() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_alerting_staff(&smtp, 0).await;
    ana_opted_out(&app).await;
    let Asked {
        token,
        request_id,
        tracking_code: code,
        link,
        ..
    } = agent_asks_by_smtp(&app, &smtp, "sale:opt-in").await;
    let respond_by: NaiveDate = row(&app, &request_id)
        .await
        .get::<Option<_>, _>("respond_by")
        .unwrap();

    // Never reminded, never in the staff digest, not closed before its day.
    app.advance_to_noon_on(respond_by - Duration::days(1));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!((report.reminders, report.closed_unverified), (0, 0));
    assert_eq!(report.digests, 1);
    assert!(
        app.get(&link)
            .await
            .text()
            .await
            .unwrap()
            .contains("value=\"confirm\"")
    );

    // On its day it is closed, unapplied, and staff are not alerted.
    app.clock.advance(Duration::days(1));
    let report = app.worker.sweep().await.unwrap();
    assert_eq!(report.closed_unverified, 1);
    assert_eq!(report.overdue_alerts, 0);
    app.clock.advance(Duration::days(3));
    assert_eq!(app.worker.sweep().await.unwrap().overdue_alerts, 0);
    let r = row(&app, &request_id).await;
    assert_eq!(r.get::<String, _>("status"), "closed_unverified");
    let outcome: String = r.get::<Option<_>, _>("outcome_code").unwrap();
    assert_eq!(outcome, "opt_in_not_confirmed");
    assert_eq!(sale_sharing_opt_outs(&app).await, 1, "the opt-out stays");
    let status = drp_status(&app, &token, &request_id).await;
    assert_eq!(status["status"], "denied");
    assert_eq!(status["reason"], "insuf_verification");

    app.worker.deliver_all().await.unwrap();
    let mail = smtp.wait_for(6).await;
    let about_it = mail_about(&mail, &code, "");
    assert_eq!(about_it.len(), 2, "the request, then the closure");
    let closed = about_it
        .iter()
        .find(|m| header(m, "Subject").unwrap().contains("not confirmed"))
        .expect("the closure notice");
    let text = text_part(closed);
    assert!(text.contains("opt-in was not confirmed"));
    assert!(text.contains("opt-out stays in place"));
    assert!(!text.contains("identity"));
    for m in &mail {
        let subject = header(m, "Subject").unwrap();
        if subject.contains("digest") || subject.starts_with("Overdue") {
            assert!(
                !text_part(m).contains(&code),
                "staff are not asked to chase it"
            );
        }
    }

    // The link now says the time has passed.
    let (status, body) = answer(&app, &link, "confirm").await;
    assert_eq!(status, 200);
    assert!(body.contains("This link has expired"), "{body}");
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
}

#[tokio::test]
async fn revoked_forged_and_unchosen_links_get_a_clear_page() {
    let app = spawn_app().await;
    ana_opted_out(&app).await;
    let Asked {
        agent: a,
        token,
        request_id,
        link,
        ..
    } = agent_asks(&app, "sale:opt-in").await;

    // No choice made: the page again, nothing changed.
    let (status, body) = page(app.post_form(&link, &[]).await).await;
    assert_eq!(status, 422);
    assert!(body.contains("Choose one of the two buttons"));

    // The DRP verification page cannot be used to confirm an opt-in.
    let sent = app
        .post_form(
            "/drp/verify",
            &[
                ("request_id", &request_id),
                ("redirect_to", "https://app.agent.example/done"),
            ],
        )
        .await;
    assert_eq!(sent.status(), 303);
    assert_eq!(app.count("verification_tokens").await, 1);

    let (status, body) = page(app.get("/verify/not-a-real-token-at-all").await).await;
    assert_eq!(status, 404);
    assert!(body.contains("This link is not valid"));

    let mut body = a.envelope(app.clock.now());
    body["reason"] = "The consumer changed their mind.".into();
    let revoked = app
        .client
        .delete(app.url(&format!("/drp/v1/data-rights-request/{request_id}")))
        .bearer_auth(&token)
        .body(a.sign(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.json::<Value>().await.unwrap()["status"], "revoked");
    let (status, body) = answer(&app, &link, "confirm").await;
    assert_eq!(status, 200);
    assert!(body.contains("no longer waits for your answer"), "{body}");
    assert!(body.contains("Withdrawn"));
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
}

#[tokio::test]
async fn opting_back_in_is_not_offered_as_a_consumer_right() {
    let app = spawn_app().await;
    let home = app.get("/").await.text().await.unwrap();
    assert!(!home.contains("/requests/new/opt_in"));
    assert!(!home.contains("Opt back in"));
    assert_eq!(app.get("/requests/new/opt_in").await.status(), 404);
    let posted = app
        .post_form("/requests/new/opt_in", &[("email", ANA)])
        .await;
    assert_eq!(posted.status(), 404);
    assert_eq!(app.count("requests").await, 0);
}

#[tokio::test]
async fn staff_see_the_opt_in_but_cannot_confirm_it_for_the_consumer() {
    let app = spawn_app().await;
    let code = agent_asks(&app, "sale:opt-in").await.tracking_code;
    let staff = app.admin().await;

    let queue = staff.get("/staff/requests").await.text().await.unwrap();
    assert!(queue.contains(&code) && queue.contains("opt_in"));
    // Days before it lapses it is still not marked as a deadline staff must meet.
    app.clock.advance(chrono::Duration::days(12));
    let later = app
        .sign_in("admin@example.com", "admin password 123")
        .await
        .get("/staff/requests")
        .await
        .text()
        .await
        .unwrap();
    let link = later
        .find(&format!("href=\"/staff/requests/{code}?"))
        .unwrap();
    let tr = later[..link].rfind("<tr").unwrap();
    let row = &later[tr..tr + later[tr..].find("</tr>").unwrap()];
    assert!(row.contains("lapses in 2"), "{row}");
    assert!(!row.contains("urgent"), "{row}");
    app.clock.advance(chrono::Duration::days(-12));
    let filtered = staff
        .get("/staff/requests?kind=opt_in")
        .await
        .text()
        .await
        .unwrap();
    assert!(filtered.contains(&code));

    let detail = staff
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Opt back in to sale/sharing"));
    assert!(detail.contains("id=\"consumer-confirms\""));
    for action in ["data_point", "fulfil", "partial", "extend"] {
        assert!(
            !detail.contains(&format!("/staff/requests/{code}/{action}\"")),
            "no {action} form"
        );
    }
    for action in ["data_point", "fulfil", "start"] {
        let refused = staff
            .post(
                &format!("/staff/requests/{code}/{action}"),
                &[("point", "name")],
            )
            .await;
        let (status, body) = page(refused).await;
        assert_eq!(status, 422, "{action}");
        assert!(body.contains("Only the consumer can confirm an opt-in"));
    }
    assert_eq!(status_of(&app, &code).await, "awaiting_verification");
}

#[tokio::test]
async fn the_status_page_speaks_of_the_opt_in_and_a_new_link_is_an_opt_in_link() {
    let app = spawn_app().await;
    let Asked {
        tracking_code: code,
        link: first,
        ..
    } = agent_asks(&app, "sale:opt-in").await;

    let lookup = app
        .post_form("/status", &[("tracking_code", &code), ("email", ANA)])
        .await
        .text()
        .await
        .unwrap();
    assert!(lookup.contains("Opt back in to sale/sharing"));
    assert!(lookup.contains("confirm the opt-in"));
    assert!(lookup.contains("waiting for you to confirm or decline opting back in"));
    assert!(!lookup.contains("identity"));
    assert!(!lookup.contains("confirm your e-mail address"));

    let resent = app
        .post_form(
            "/status/resend",
            &[("tracking_code", &code), ("email", ANA)],
        )
        .await;
    assert_eq!(resent.status(), 200);
    // The new link comes with what opting in means, not as an address check; it is
    // created when its message is sent.
    let resent_mail =
        crate::support::text_part(&crate::support::sent_mail(&app, "opt_in_link").await);
    assert!(resent_mail.contains("confirm or decline opting back in"));
    assert!(!resent_mail.contains("Confirm my e-mail address"));
    let purposes: Vec<String> =
        sqlx::query_scalar("SELECT purpose FROM verification_tokens ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(purposes, ["confirm_opt_in", "confirm_opt_in"]);
    let fresh = crate::support::verify_link(&crate::support::sent_mail(&app, "opt_in_link").await);
    let (_, old_page) = page(app.get(&first).await).await;
    assert!(
        old_page.contains("This link has expired"),
        "replaced by the new one"
    );
    let (status, new_page) = page(app.get(&fresh).await).await;
    assert_eq!(status, 200);
    assert!(new_page.contains("What opting back in means"));
    answer(&app, &fresh, "confirm").await;
    assert_eq!(status_of(&app, &code).await, "fulfilled");
}

#[tokio::test]
async fn after_opting_back_in_a_gpc_signal_opts_the_consumer_out_again() {
    let app = spawn_app().await;
    ana_opted_out(&app).await;
    let asked = agent_asks(&app, "sale:opt-in").await;
    answer(&app, &asked.link, "confirm").await;
    assert_eq!(sale_sharing_opt_outs(&app).await, 0);

    let fields: Vec<(&str, &str)> = crate::intake::valid_fields(RequestKind::Delete)
        .into_iter()
        .map(|(k, v)| if k == "email" { (k, ANA) } else { (k, v) })
        .collect();
    let response = app
        .client
        .post(app.url("/requests/new/delete"))
        .header("Sec-GPC", "1")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let from_gpc: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE kind = 'opt_out' AND channel = 'gpc' AND email = $1",
    )
    .bind(ANA)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(from_gpc, 1, "the earlier opt-out no longer counts");
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    assert_eq!(sale_sharing_opt_outs(&app).await, 1);
}
