//! The Data Rights Protocol API, with requests signed by real Ed25519 keys.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use ed25519_dalek::{Signer, SigningKey};
use rightsdesk::domain::drp::timestamp;
use serde_json::{Value, json};
use sqlx::Row;

use crate::support::{TestApp, spawn_app};

const BUSINESS: &str = "EXAMPLE_BUSINESS";

/// An agent app with its own signing key.
pub struct Agent {
    id: &'static str,
    key: SigningKey,
}

impl Agent {
    pub async fn register(
        app: &TestApp,
        id: &'static str,
        seed: u8,
        web_url: Option<&str>,
    ) -> Self {
        let key = SigningKey::from_bytes(&[seed; 32]);
        rightsdesk::store::agents::add(
            &app.db,
            &rightsdesk::store::agents::Agent {
                id: id.into(),
                name: format!("{id} Inc"),
                verify_key: STANDARD.encode(key.verifying_key().to_bytes()),
                contact: Some("ops@agent.example".into()),
                web_url: web_url.map(Into::into),
            },
        )
        .await
        .unwrap();
        Agent { id, key }
    }

    /// libsodium combined mode: signature, then the JSON, base64.
    pub fn sign(&self, json: &Value) -> String {
        let message = serde_json::to_vec(json).unwrap();
        let mut combined = self.key.sign(&message).to_bytes().to_vec();
        combined.extend_from_slice(&message);
        STANDARD.encode(combined)
    }

    pub fn envelope(&self, now: chrono::DateTime<Utc>) -> Value {
        json!({
            "agent-id": self.id,
            "business-id": BUSINESS,
            "issued-at": timestamp(now - Duration::seconds(5)),
            "expires-at": timestamp(now + Duration::minutes(15)),
            "drp.version": "1.0",
        })
    }

    pub async fn pair(&self, app: &TestApp) -> String {
        let response = app
            .client
            .post(app.url(&format!("/drp/v1/agent/{}", self.id)))
            .header("content-type", "text/plain")
            .body(self.sign(&self.envelope(app.clock.now())))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["agent-id"], self.id);
        body["token"].as_str().unwrap().to_string()
    }

    /// A signed exercise request for Ana, with `extra` claims set (or removed with null).
    pub fn exercise(&self, app: &TestApp, action: &str, extra: Value) -> String {
        let mut body = self.envelope(app.clock.now());
        body["exercise"] = action.into();
        body["regime"] = "ccpa".into();
        body["agent-request-id"] = "agent-req-1".into();
        body["name"] = "Ana López".into();
        body["email"] = "ana@example.com".into();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.sign(&body)
    }
}

pub async fn post_exercise(app: &TestApp, token: &str, signed: String) -> reqwest::Response {
    app.client
        .post(app.url("/drp/v1/data-rights-request"))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(signed)
        .send()
        .await
        .unwrap()
}

/// RFC 3339 with an explicit +00:00 and 0, 3 or 6 fractional digits.
pub fn strict_timestamp(s: &str) -> bool {
    let (main, offset) = s.split_at(s.len().saturating_sub(6));
    let frac_ok = match main.split_once('.') {
        None => main.len() == 19,
        Some((head, frac)) => {
            head.len() == 19
                && (frac.len() == 3 || frac.len() == 6)
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
    };
    offset == "+00:00" && frac_ok && chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[tokio::test]
async fn key_setup_gives_a_hashed_token_tied_to_the_agent() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let b = Agent::register(&app, "AGENT_B", 2, None).await;
    let token = a.pair(&app).await;
    assert!(STANDARD.decode(&token).unwrap().len() >= 32);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM agent_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_ne!(stored, token.as_bytes(), "only a hash is stored");

    let info = |agent: &str, token: Option<&str>| {
        let mut r = app.client.get(app.url(&format!("/drp/v1/agent/{agent}")));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let own = info("AGENT_A", Some(&token)).await.unwrap();
    assert_eq!(own.status(), 200);
    assert_eq!(own.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(info("AGENT_B", Some(&token)).await.unwrap().status(), 403);
    assert_eq!(info("AGENT_A", None).await.unwrap().status(), 403);

    // Key setup signed by another agent's key fails.
    let forged = app
        .client
        .post(app.url("/drp/v1/agent/AGENT_A"))
        .body(b.sign(&a.envelope(app.clock.now())))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn every_refusal_is_a_403_with_an_empty_body_and_stores_nothing() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let b = Agent::register(&app, "AGENT_B", 2, None).await;
    let token_a = a.pair(&app).await;
    let token_b = b.pair(&app).await;
    let now = app.clock.now();
    let with = |mutate: &dyn Fn(&mut Value)| {
        let mut body = a.envelope(now);
        body["exercise"] = "deletion".into();
        body["email"] = "ana@example.com".into();
        mutate(&mut body);
        a.sign(&body)
    };
    let mut tampered = STANDARD.decode(with(&|_| {})).unwrap();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    let cases: Vec<(&str, &str, String)> = vec![
        ("bad base64", &token_a, "not base64 at all!".into()),
        ("bad signature", &token_a, STANDARD.encode(tampered)),
        ("other agent's token", &token_b, with(&|_| {})),
        (
            "wrong business",
            &token_a,
            with(&|b| b["business-id"] = "SOMEONE_ELSE".into()),
        ),
        (
            "not yet valid",
            &token_a,
            with(&|b| b["issued-at"] = timestamp(now + Duration::minutes(5)).into()),
        ),
        (
            "expired",
            &token_a,
            with(&|b| b["expires-at"] = timestamp(now - Duration::seconds(1)).into()),
        ),
        ("unknown token", "made-up", with(&|_| {})),
    ];
    for (what, token, body) in cases {
        let response = post_exercise(&app, token, body).await;
        assert_eq!(response.status(), 403, "{what}");
        assert!(
            response.bytes().await.unwrap().is_empty(),
            "{what}: empty body"
        );
    }
    assert_eq!(app.count("requests").await, 0);
}

#[tokio::test]
async fn every_action_maps_to_its_kind_on_the_legal_clock() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let cases = [
        ("sale:opt-out", "opt_out"),
        ("sale:opt_out", "opt_out"),
        ("deletion", "delete"),
        ("access", "know_specific"),
        ("access:specific", "know_specific"),
        ("access:categories", "know_categories"),
        ("sale:opt-in", "opt_in"),
        ("sale:opt_in", "opt_in"),
    ];
    for (action, kind) in cases {
        let response = post_exercise(&app, &token, a.exercise(&app, action, json!({}))).await;
        assert_eq!(response.status(), 201, "{action}");
        let status: Value = response.json().await.unwrap();
        assert_eq!(status["status"], "in_progress", "{action}");
        assert_eq!(status["agent_request_id"], "agent-req-1");
        for field in ["received_at", "expected_by"] {
            let t = status[field].as_str().unwrap();
            assert!(strict_timestamp(t), "{action}: {field} {t}");
        }
        let row = sqlx::query("SELECT kind, channel, agent_id, regime, due_on FROM requests WHERE drp_request_id = $1::uuid")
            .bind(status["request_id"].as_str().unwrap())
            .fetch_one(&app.db)
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("kind"), kind, "{action}");
        assert_eq!(row.get::<String, _>("channel"), "drp");
        assert_eq!(
            row.get::<Option<String>, _>("agent_id").as_deref(),
            Some("AGENT_A")
        );
        assert_eq!(
            row.get::<Option<String>, _>("regime").as_deref(),
            Some("ccpa")
        );
        let due: chrono::NaiveDate = row.get::<Option<_>, _>("due_on").unwrap();
        assert!(
            status["expected_by"]
                .as_str()
                .unwrap()
                .starts_with(&(due + Duration::days(1)).to_string())
                || status["expected_by"]
                    .as_str()
                    .unwrap()
                    .starts_with(&due.to_string()),
            "expected_by is the legal deadline"
        );
    }
    let unsupported =
        post_exercise(&app, &token, a.exercise(&app, "sale:opt-maybe", json!({}))).await;
    assert_eq!(unsupported.status(), 400);
    let error: Value = unsupported.json().await.unwrap();
    assert_eq!(error["code"], "400");
    assert_eq!(error["fatal"], true);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("sale:opt-maybe")
    );
    let no_email = post_exercise(
        &app,
        &token,
        a.exercise(&app, "deletion", json!({ "email": null })),
    )
    .await;
    assert_eq!(no_email.status(), 400);
    assert!(
        no_email.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("email")
    );
}

#[tokio::test]
async fn vouched_claims_count_as_data_points_and_otherwise_the_consumer_verifies() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, Some("https://app.agent.example")).await;
    let token = a.pair(&app).await;
    let vouched = post_exercise(
        &app,
        &token,
        a.exercise(&app, "deletion", json!({ "email_verified": true, "phone_number": "+14155550100", "phone_number_verified": true })),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(vouched["status"], "in_progress");
    assert!(vouched.get("reason").is_none());
    // The trail reads in order: the agent filed it, then vouched for two data points.
    let trail: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT action, actor_type, actor_id FROM request_events ORDER BY id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let agent = |action: &str| {
        (
            action.to_owned(),
            "agent".to_owned(),
            Some("AGENT_A".to_owned()),
        )
    };
    assert_eq!(
        trail,
        [
            agent("submitted"),
            agent("data_point_recorded"),
            agent("data_point_recorded")
        ]
    );

    let unverified: Value = post_exercise(&app, &token, a.exercise(&app, "deletion", json!({})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unverified["reason"], "need_user_verification");
    let url = unverified["user_verification_url"].as_str().unwrap();
    let request_id = unverified["request_id"].as_str().unwrap();
    let path = url.strip_prefix(&app.url("")).unwrap();
    let page = app
        .get(&format!(
            "{path}?request_id={request_id}&redirect_to=https://app.agent.example/done"
        ))
        .await;
    assert_eq!(page.status(), 200);
    let sent = app
        .post_form(
            path,
            &[
                ("request_id", request_id),
                ("redirect_to", "https://app.agent.example/done"),
            ],
        )
        .await;
    assert_eq!(sent.status(), 200);
    let body: String =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE template = 'verification_link'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let start = body.find("/verify/").unwrap();
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let verified = app.post_form(&link, &[]).await;
    assert_eq!(verified.status(), 303, "sent back to the agent");
    assert_eq!(
        verified.headers()["location"],
        "https://app.agent.example/done"
    );
    let status = app
        .client
        .get(app.url(&format!("/drp/v1/data-rights-request/{request_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(status["status"], "in_progress");
    assert!(status.get("reason").is_none(), "verified now");

    // A redirect to another site is not followed.
    let other: Value = post_exercise(&app, &token, a.exercise(&app, "deletion", json!({})))
        .await
        .json()
        .await
        .unwrap();
    app.post_form(
        path,
        &[
            ("request_id", other["request_id"].as_str().unwrap()),
            ("redirect_to", "https://evil.example/"),
        ],
    )
    .await;
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE template = 'verification_link' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let start = body.find("/verify/").unwrap();
    let link: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(
        app.post_form(&link, &[]).await.status(),
        200,
        "verified, but not redirected"
    );
}

#[tokio::test]
async fn status_and_revoke_are_for_the_filing_agent_only() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let b = Agent::register(&app, "AGENT_B", 2, None).await;
    let token_a = a.pair(&app).await;
    let token_b = b.pair(&app).await;
    let filed: Value = post_exercise(
        &app,
        &token_a,
        a.exercise(&app, "access:categories", json!({})),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = filed["request_id"].as_str().unwrap();
    let path = format!("/drp/v1/data-rights-request/{id}");
    let get = |token: &str| app.client.get(app.url(&path)).bearer_auth(token).send();
    assert_eq!(get(&token_a).await.unwrap().status(), 200);
    assert_eq!(
        get(&token_b).await.unwrap().status(),
        404,
        "never anyone else's"
    );

    let revoke = |agent: &Agent, token: &str| {
        let mut body = agent.envelope(app.clock.now());
        body["reason"] = "The consumer changed their mind.".into();
        app.client
            .delete(app.url(&path))
            .bearer_auth(token.to_string())
            .body(agent.sign(&body))
            .send()
    };
    assert_eq!(revoke(&b, &token_b).await.unwrap().status(), 404);
    let revoked = revoke(&a, &token_a).await.unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.json::<Value>().await.unwrap()["status"], "revoked");
    let again = revoke(&a, &token_a).await.unwrap();
    assert_eq!(again.status(), 400);
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "400");
    assert_eq!(
        get(&token_a).await.unwrap().json::<Value>().await.unwrap()["status"],
        "revoked"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "withdrawn");
}

#[tokio::test]
async fn status_changes_are_posted_to_the_callback_with_retries() {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!("http://{}/drp/callback", listener.local_addr().unwrap());
    let sink = {
        let received = Arc::clone(&received);
        let calls = Arc::clone(&calls);
        axum::Router::new().route(
            "/drp/callback",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let received = Arc::clone(&received);
                let calls = Arc::clone(&calls);
                async move {
                    // The first call fails: the portal must retry.
                    if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    received.lock().unwrap().push(body);
                    axum::http::StatusCode::OK
                }
            }),
        )
    };
    tokio::spawn(async move { axum::serve(listener, sink).await.unwrap() });

    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let filed: Value = post_exercise(
        &app,
        &token,
        a.exercise(&app, "sale:opt-out", json!({ "status_callback": callback })),
    )
    .await
    .json()
    .await
    .unwrap();

    // The worker applies the opt-out: the status change queues a callback.
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);
    assert_eq!(app.worker.deliver_all_callbacks().await.unwrap(), 1);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(
        received.lock().unwrap().is_empty(),
        "the first attempt got a 500"
    );
    assert_eq!(
        app.worker.deliver_all_callbacks().await.unwrap(),
        0,
        "not before the back-off"
    );
    app.clock.advance(Duration::seconds(31));
    assert_eq!(app.worker.deliver_all_callbacks().await.unwrap(), 1);
    let bodies = received.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["request_id"], filed["request_id"]);
    assert_eq!(bodies[0]["status"], "fulfilled");
    assert!(strict_timestamp(bodies[0]["received_at"].as_str().unwrap()));
}

#[tokio::test]
async fn the_directory_entry_names_this_business() {
    let app = spawn_app().await;
    let entry: Value = app
        .get("/drp/directory-entry.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["id"], BUSINESS);
    assert_eq!(entry["api_base"], app.url("/drp"));
    let actions = entry["supported_actions"].as_array().unwrap();
    assert!(actions.contains(&json!("deletion")));
    assert!(actions.contains(&json!("sale:opt-in")));
    assert_eq!(entry["supported_verifications"], json!(["email"]));
}

#[tokio::test]
async fn admins_register_agents_from_the_console() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let key = STANDARD.encode(SigningKey::from_bytes(&[5; 32]).verifying_key().to_bytes());
    let bad = admin
        .post(
            "/staff/agents",
            &[("id", "BAD ID!"), ("name", "X"), ("verify_key", &key)],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let bad_key = admin
        .post(
            "/staff/agents",
            &[("id", "AGENT_C"), ("name", "C"), ("verify_key", "short")],
        )
        .await;
    assert_eq!(bad_key.status(), 422);
    let ok = admin
        .post(
            "/staff/agents",
            &[
                ("id", "AGENT_C"),
                ("name", "Consumer Reports"),
                ("verify_key", &key),
                ("web_url", "https://app.example"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200);
    let page = ok.text().await.unwrap();
    assert!(page.contains("AGENT_C") && page.contains("api_base"));
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    assert_eq!(reviewer.get("/staff/agents").await.status(), 403);
}

/// Asks for a verification link for a DRP request from the agent's page, with
/// `redirect_to`, and returns the link's path from the e-mail.
async fn verification_link_for(app: &TestApp, request_id: &str, redirect_to: &str) -> String {
    let sent = app
        .post_form(
            "/drp/verify",
            &[("request_id", request_id), ("redirect_to", redirect_to)],
        )
        .await;
    assert_eq!(sent.status(), 200);
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE template = 'verification_link' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let start = body.find("/verify/").unwrap();
    body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// A deletion filed by `agent` with no vouched claims; its DRP request id.
async fn file_unverified(app: &TestApp, agent: &Agent, token: &str) -> String {
    let status: Value = post_exercise(app, token, agent.exercise(app, "deletion", json!({})))
        .await
        .json()
        .await
        .unwrap();
    status["request_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn after_verifying_the_consumer_is_sent_back_only_to_the_agents_registered_site() {
    let app = spawn_app().await;
    let unlisted = Agent::register(&app, "AGENT_A", 1, None).await;
    let listed = Agent::register(&app, "AGENT_B", 2, Some("https://app.agent.example")).await;
    let token_a = unlisted.pair(&app).await;
    let token_b = listed.pair(&app).await;

    // An agent with no site registered: the consumer is told it is done, not redirected.
    let id = file_unverified(&app, &unlisted, &token_a).await;
    let link = verification_link_for(&app, &id, "https://app.agent.example/done").await;
    let done = app.post_form(&link, &[]).await;
    assert_eq!(done.status(), 200, "no redirect");
    assert!(done.headers().get("location").is_none());
    assert!(done.text().await.unwrap().contains("confirmed"));

    // The agent's site changes after the link was sent: the old site is not followed.
    let id = file_unverified(&app, &listed, &token_b).await;
    let link = verification_link_for(&app, &id, "https://app.agent.example/done").await;
    sqlx::query("UPDATE agents SET web_url = 'https://new.agent.example' WHERE id = 'AGENT_B'")
        .execute(&app.db)
        .await
        .unwrap();
    let done = app.post_form(&link, &[]).await;
    assert_eq!(done.status(), 200, "no redirect");
    assert!(done.headers().get("location").is_none());
}
