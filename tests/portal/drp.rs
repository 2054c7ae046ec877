//! The Data Rights Protocol API, with requests signed by real Ed25519 keys.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use ed25519_dalek::{Signer, SigningKey};
use rightsdesk::domain::drp::timestamp;
use serde_json::{Value, json};
use sqlx::Row;

use crate::support::{TempDir, TestApp, rightsdesk, spawn_app, spawn_app_with};

const BUSINESS: &str = "EXAMPLE_BUSINESS";

/// An agent app with its own signing key.
pub struct Agent {
    id: &'static str,
    key: SigningKey,
}

impl Agent {
    /// An agent the business has not marked trusted: its `*_verified` claims are claims.
    pub async fn register(
        app: &TestApp,
        id: &'static str,
        seed: u8,
        web_url: Option<&str>,
    ) -> Self {
        Self::register_with(app, id, seed, web_url, false).await
    }

    /// An agent whose `*_verified` claims count as matched data points.
    pub async fn register_trusted(
        app: &TestApp,
        id: &'static str,
        seed: u8,
        web_url: Option<&str>,
    ) -> Self {
        Self::register_with(app, id, seed, web_url, true).await
    }

    async fn register_with(
        app: &TestApp,
        id: &'static str,
        seed: u8,
        web_url: Option<&str>,
        trusted: bool,
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
                trusted,
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
        assert_eq!(response.status(), 200, "{action}: spec §3.06");
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
async fn a_trusted_agents_vouched_claims_count_as_data_points_and_otherwise_the_consumer_verifies()
{
    let app = spawn_app().await;
    let a = Agent::register_trusted(&app, "AGENT_A", 1, Some("https://app.agent.example")).await;
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
    // The link is created when its message is sent.
    let link =
        crate::support::verify_link(&crate::support::sent_mail(&app, "verification_link").await);
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
    assert!(
        status.get("reason").is_none(),
        "the consumer did their part; staff match the second point"
    );
    let stored: String =
        sqlx::query_scalar("SELECT status FROM requests WHERE drp_request_id = $1::uuid")
            .bind(request_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, "awaiting_verification", "one point of two");

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
    let link =
        crate::support::verify_link(&crate::support::sent_mail(&app, "verification_link").await);
    assert_eq!(
        app.post_form(&link, &[]).await.status(),
        200,
        "verified, but not redirected"
    );
}

/// A DELETE of a DRP request, with `body` signed by `agent`.
pub async fn post_revoke(
    app: &TestApp,
    token: &str,
    id: &str,
    agent: &Agent,
    body: &Value,
) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/drp/v1/data-rights-request/{id}")))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(agent.sign(body))
        .send()
        .await
        .unwrap()
}

/// Files a request to know categories for Ana; its DRP request id.
async fn file_request(app: &TestApp, agent: &Agent, token: &str) -> String {
    let filed: Value = post_exercise(
        app,
        token,
        agent.exercise(app, "access:categories", json!({})),
    )
    .await
    .json()
    .await
    .unwrap();
    filed["request_id"].as_str().unwrap().to_string()
}

async fn status_of_request(app: &TestApp, id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM requests WHERE drp_request_id = $1::uuid")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn status_and_revoke_are_for_the_filing_agent_only() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let b = Agent::register(&app, "AGENT_B", 2, None).await;
    let token_a = a.pair(&app).await;
    let token_b = b.pair(&app).await;
    let id = file_request(&app, &a, &token_a).await;
    let path = format!("/drp/v1/data-rights-request/{id}");
    let get = |token: &str| app.client.get(app.url(&path)).bearer_auth(token).send();
    assert_eq!(get(&token_a).await.unwrap().status(), 200);
    let others = get(&token_b).await.unwrap();
    assert_eq!(others.status(), 403, "spec §2.02.1: never anyone else's");
    assert!(others.bytes().await.unwrap().is_empty(), "and nothing said");
    let unknown = app
        .client
        .get(app.url(&format!(
            "/drp/v1/data-rights-request/{}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(&token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);

    let reason = json!({ "reason": "The consumer changed their mind." });
    let by_b = post_revoke(&app, &token_b, &id, &b, &reason).await;
    assert_eq!(by_b.status(), 403);
    assert!(by_b.bytes().await.unwrap().is_empty());
    assert_eq!(status_of_request(&app, &id).await, "awaiting_verification");

    // Spec §2.04: the signed body is the reason alone.
    let revoked = post_revoke(&app, &token_a, &id, &a, &reason).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.json::<Value>().await.unwrap()["status"], "revoked");
    let again = post_revoke(&app, &token_a, &id, &a, &reason).await;
    assert_eq!(again.status(), 400);
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "400");
    assert_eq!(
        get(&token_a).await.unwrap().json::<Value>().await.unwrap()["status"],
        "revoked"
    );
    assert_eq!(status_of_request(&app, &id).await, "withdrawn");
    let event =
        sqlx::query_scalar::<_, Value>("SELECT data FROM request_events WHERE action = 'revoked'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(event["reason"], "The consumer changed their mind.");
}

#[tokio::test]
async fn a_revoke_checks_the_envelope_it_carries_and_takes_no_other_body() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let b = Agent::register(&app, "AGENT_B", 2, None).await;
    let token_a = a.pair(&app).await;
    let id = file_request(&app, &a, &token_a).await;
    let now = app.clock.now();

    let mut key_setup = a.envelope(now);
    let mut exercise = a.envelope(now);
    exercise["exercise"] = "deletion".into();
    exercise["email"] = "ana@example.com".into();
    let mut for_b = a.envelope(now);
    for_b["agent-id"] = "AGENT_B".into();
    for_b["reason"] = "".into();
    let mut expired = json!({ "reason": "late" });
    expired["expires-at"] = timestamp(now - Duration::seconds(1)).into();
    let mut elsewhere = json!({ "reason": "x", "business-id": "SOMEONE_ELSE" });
    let cases: [(&str, &mut Value); 5] = [
        ("a signed key-setup body", &mut key_setup),
        ("a signed exercise body", &mut exercise),
        ("agent-id of another agent", &mut for_b),
        ("expired", &mut expired),
        ("another business", &mut elsewhere),
    ];
    for (what, body) in cases {
        let response = post_revoke(&app, &token_a, &id, &a, body).await;
        assert_eq!(response.status(), 403, "{what}");
        assert!(response.bytes().await.unwrap().is_empty(), "{what}");
        assert_eq!(
            status_of_request(&app, &id).await,
            "awaiting_verification",
            "{what}"
        );
    }
    let signed_by_b = post_revoke(&app, &token_a, &id, &b, &json!({ "reason": "x" })).await;
    assert_eq!(signed_by_b.status(), 403, "signed with another agent's key");

    let mut enveloped = a.envelope(now);
    enveloped["reason"] = "Duplicate.".into();
    let revoked = post_revoke(&app, &token_a, &id, &a, &enveloped).await;
    assert_eq!(revoked.status(), 200, "the envelope, when sent, holds");
    assert_eq!(status_of_request(&app, &id).await, "withdrawn");
}

#[tokio::test]
async fn a_revoke_never_overwrites_a_fulfilment_committed_at_the_same_moment() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let id = file_request(&app, &a, &token).await;

    // Staff fulfil the request in a transaction that holds the row while the revoke
    // arrives.
    let mut staff = app.db.begin().await.unwrap();
    sqlx::query("SELECT id FROM requests WHERE drp_request_id = $1::uuid FOR UPDATE")
        .bind(&id)
        .execute(&mut *staff)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE requests SET status = 'fulfilled', closed_at = now() WHERE drp_request_id = $1::uuid",
    )
    .bind(&id)
    .execute(&mut *staff)
    .await
    .unwrap();
    let revoke = {
        let (client, url, body) = (
            app.client.clone(),
            app.url(&format!("/drp/v1/data-rights-request/{id}")),
            a.sign(&json!({ "reason": "changed their mind" })),
        );
        let token = token.clone();
        tokio::spawn(async move {
            client
                .delete(url)
                .bearer_auth(token)
                .body(body)
                .send()
                .await
                .unwrap()
        })
    };
    // Wait until the revoke waits for the row.
    let mut waiting = false;
    for _ in 0..200 {
        let blocked: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        if blocked > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(waiting, "the revoke waits for the staff transaction");
    staff.commit().await.unwrap();

    let answer = revoke.await.unwrap();
    assert_eq!(answer.status(), 400, "fulfilled is final");
    assert_eq!(status_of_request(&app, &id).await, "fulfilled");
    let revoked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events WHERE action = 'revoked'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(revoked, 0);
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
async fn the_directory_entry_names_this_business_in_every_field() {
    let app = spawn_app().await;
    let entry: Value = app
        .get("/drp/directory-entry.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["id"], BUSINESS);
    assert_eq!(entry["api_base"], app.url("/drp"));
    assert_eq!(entry["web_url"], app.url(""));
    let actions = entry["supported_actions"].as_array().unwrap();
    assert!(actions.contains(&json!("deletion")));
    assert!(actions.contains(&json!("sale:opt-in")));
    assert_eq!(
        entry["supported_verifications"],
        json!(["email", "phone_number", "address"])
    );
    for field in [
        "id",
        "name",
        "api_base",
        "privacy_policy_url",
        "web_url",
        "logo",
        "technical_contact",
        "business_contact",
    ] {
        assert!(entry[field].is_string(), "{field} is a string, never null");
    }
}

#[tokio::test]
async fn a_directory_entry_on_a_public_http_address_is_refused_in_words() {
    // Configuration only: nothing is sent to this address.
    let app = spawn_app_with(|s| s.base_url = "http://privacy.example.com".into()).await;
    let refused = app.get("/drp/directory-entry.json").await;
    assert_eq!(refused.status(), 503);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["code"], "503");
    assert!(
        error["message"].as_str().unwrap().contains("https://"),
        "says what to fix: {error}"
    );
    let admin = app.admin().await;
    let page = admin.get("/staff/agents").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("No directory entry"));
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
    // The directory lists keys as 64 hex digits: taken as they are, stored as base64.
    let other = SigningKey::from_bytes(&[6; 32]).verifying_key().to_bytes();
    let hex_listed = admin
        .post(
            "/staff/agents",
            &[
                ("id", "AGENT_D"),
                ("name", "Hex Listed"),
                ("verify_key", &hex::encode(other)),
                ("trusted", "yes"),
            ],
        )
        .await;
    assert_eq!(hex_listed.status(), 200);
    let (stored, trusted): (String, bool) =
        sqlx::query_as("SELECT verify_key, trusted FROM agents WHERE id = 'AGENT_D'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, STANDARD.encode(other));
    assert!(trusted, "registered as trusted");
    let untrusted: bool = sqlx::query_scalar("SELECT trusted FROM agents WHERE id = 'AGENT_C'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!untrusted, "not trusted unless ticked");
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    assert_eq!(reviewer.get("/staff/agents").await.status(), 403);
}

#[tokio::test]
async fn an_open_request_says_when_it_expires_at_the_end_of_its_governing_deadline() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let tz = app.settings.timezone().unwrap();
    let deadline = |id: &str, column: &'static str| {
        let sql = format!("SELECT {column} FROM requests WHERE drp_request_id = $1::uuid");
        let db = app.db.clone();
        let id = id.to_string();
        async move {
            let day: chrono::NaiveDate = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap();
            timestamp(rightsdesk::clock::end_of_day(tz, day))
        }
    };
    let get = |id: &str| {
        let request = app
            .client
            .get(app.url(&format!("/drp/v1/data-rights-request/{id}")))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };

    let waiting: Value = post_exercise(&app, &token, a.exercise(&app, "deletion", json!({})))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["reason"], "need_user_verification");
    let id = waiting["request_id"].as_str().unwrap();
    let expires = waiting["expires_at"].as_str().expect("expires_at is given");
    assert!(strict_timestamp(expires), "{expires}");
    assert_eq!(expires, deadline(id, "respond_by").await);

    // Extended: the extended deadline governs.
    sqlx::query(
        "UPDATE requests SET extended_respond_by = respond_by + 30, extension_reason = 'Complex.'
         WHERE drp_request_id = $1::uuid",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(
        get(id).await["expires_at"],
        deadline(id, "extended_respond_by").await
    );

    let opt_out: Value = post_exercise(&app, &token, a.exercise(&app, "sale:opt-out", json!({})))
        .await
        .json()
        .await
        .unwrap();
    let opt_out_id = opt_out["request_id"].as_str().unwrap();
    assert_eq!(opt_out["status"], "in_progress");
    assert_eq!(
        opt_out["expires_at"],
        deadline(opt_out_id, "comply_by").await
    );

    // An opt-in lapses when the sweep closes it, at the start of its last day.
    let opt_in: Value = post_exercise(&app, &token, a.exercise(&app, "sale:opt-in", json!({})))
        .await
        .json()
        .await
        .unwrap();
    let respond_by: chrono::NaiveDate =
        sqlx::query_scalar("SELECT respond_by FROM requests WHERE drp_request_id = $1::uuid")
            .bind(opt_in["request_id"].as_str().unwrap())
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        opt_in["expires_at"],
        timestamp(rightsdesk::clock::start_of_day(tz, respond_by))
    );

    // A final status has no expiry.
    app.worker.sweep().await.unwrap();
    let applied = get(opt_out_id).await;
    assert_eq!(applied["status"], "fulfilled");
    assert!(applied.get("expires_at").is_none());
}

#[tokio::test]
async fn the_verification_url_is_the_page_of_that_request_and_shows_no_personal_data() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, Some("https://app.agent.example")).await;
    let token = a.pair(&app).await;
    let filed: Value = post_exercise(
        &app,
        &token,
        a.exercise(&app, "deletion", json!({ "phone_number": "+14155550100" })),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = filed["request_id"].as_str().unwrap();
    let url = filed["user_verification_url"].as_str().unwrap();
    assert_eq!(
        url,
        app.url(&format!("/drp/verify/{id}")),
        "names the request"
    );

    // The consumer opens it as it is, with no query.
    let page = app.client.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("e-mailed a link"), "{page}");
    assert!(page.contains("Send me a new link"));
    let code: String = sqlx::query_scalar("SELECT tracking_code FROM requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for personal in [
        "ana@example.com",
        "Ana",
        "López",
        "4155550100",
        code.as_str(),
    ] {
        assert!(!page.contains(personal), "the page shows {personal}");
    }

    // A new link goes to the address the agent gave, never to one typed in.
    let resent = app
        .post_form(
            &format!("/drp/verify/{id}"),
            &[
                ("redirect_to", "https://app.agent.example/done"),
                ("email", "eve@example.com"),
            ],
        )
        .await;
    assert_eq!(resent.status(), 200);
    assert!(resent.text().await.unwrap().contains("Check your e-mail"));
    let to: Vec<String> =
        sqlx::query_scalar("SELECT to_addr FROM outbox WHERE template = 'verification_link'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(to, ["ana@example.com"]);

    // The agent's `?request_id=` must name the same request; unknown ids are not found.
    let other = uuid::Uuid::new_v4();
    let mismatch = app
        .get(&format!("/drp/verify/{id}?request_id={other}"))
        .await;
    assert_eq!(mismatch.status(), 404);
    assert_eq!(app.get(&format!("/drp/verify/{other}")).await.status(), 404);
    assert_eq!(app.get("/drp/verify/not-a-uuid").await.status(), 404);

    // Once verified, there is nothing left to do there.
    sqlx::query("UPDATE requests SET status = 'verified'")
        .execute(&app.db)
        .await
        .unwrap();
    let done = app
        .get(&format!("/drp/verify/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(done.contains("Nothing to do"));
    assert!(!done.contains("Send me a new link"));
}

#[tokio::test]
async fn a_signed_body_is_used_once_and_lives_an_hour_at_most() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;

    // Key setup: the same body again gives no second token.
    let setup = a.sign(&a.envelope(app.clock.now()));
    let pair = || {
        app.client
            .post(app.url("/drp/v1/agent/AGENT_A"))
            .body(setup.clone())
            .send()
    };
    assert_eq!(pair().await.unwrap().status(), 200);
    let replayed = pair().await.unwrap();
    assert_eq!(replayed.status(), 403);
    assert!(replayed.bytes().await.unwrap().is_empty());
    assert_eq!(app.count("agent_tokens").await, 1);

    let token = a.pair(&app).await;
    let body = a.exercise(&app, "deletion", json!({}));
    assert_eq!(
        post_exercise(&app, &token, body.clone()).await.status(),
        200
    );
    let again = post_exercise(&app, &token, body.clone()).await;
    assert_eq!(again.status(), 403, "never a second request");
    assert!(again.bytes().await.unwrap().is_empty());
    assert_eq!(app.count("requests").await, 1);

    // Sent many times at once, it still files one request.
    let body = a.exercise(&app, "access:categories", json!({}));
    let answers =
        futures_util::future::join_all((0..8).map(|_| post_exercise(&app, &token, body.clone())))
            .await;
    let filed = answers.iter().filter(|r| r.status() == 200).count();
    assert_eq!(filed, 1);
    assert!(
        answers
            .iter()
            .all(|r| [200, 403].contains(&r.status().as_u16()))
    );
    assert_eq!(app.count("requests").await, 2);

    // A body claiming more than an hour's life, or issued more than an hour ago.
    let now = app.clock.now();
    let mut long = a.envelope(now);
    long["expires-at"] = timestamp(now + Duration::minutes(70)).into();
    long["exercise"] = "deletion".into();
    long["email"] = "ana@example.com".into();
    assert_eq!(
        post_exercise(&app, &token, a.sign(&long)).await.status(),
        403
    );
    let mut ahead = long.clone();
    ahead["issued-at"] = timestamp(now + Duration::minutes(1)).into();
    ahead["expires-at"] = timestamp(now + Duration::minutes(15)).into();
    assert_eq!(
        post_exercise(&app, &token, a.sign(&ahead)).await.status(),
        200,
        "a minute of clock skew is fine"
    );
    assert_eq!(app.count("requests").await, 3);

    // Spent bodies are forgotten once expired, by the worker's sweep.
    let spent = app.count("drp_used_signatures").await;
    assert!(spent >= 5, "{spent}");
    app.clock.advance(Duration::hours(2));
    app.worker.sweep().await.unwrap();
    assert_eq!(app.count("drp_used_signatures").await, 0);
    let stale = post_exercise(&app, &token, body).await;
    assert_eq!(stale.status(), 403, "and a replay is refused as expired");
}

#[tokio::test]
async fn an_untrusted_agents_verified_claims_are_recorded_as_claims_that_do_not_verify() {
    let app = spawn_app().await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let vouching = json!({
        "email_verified": true,
        "phone_number": "+14155550100",
        "phone_number_verified": true,
    });
    let filed: Value = post_exercise(&app, &token, a.exercise(&app, "deletion", vouching.clone()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        filed["reason"], "need_user_verification",
        "the consumer verifies"
    );
    let (code, status, level): (String, String, String) =
        sqlx::query_as("SELECT tracking_code, status, verification_level FROM requests")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "awaiting_verification");
    assert_eq!(level, "none");
    let events: Vec<(String, Value)> = sqlx::query_as(
        "SELECT action, data FROM request_events WHERE action LIKE 'data_point%' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        events,
        [
            (
                "data_point_claimed".to_string(),
                json!({ "data_point": "email", "claimed_by_agent": true })
            ),
            (
                "data_point_claimed".to_string(),
                json!({ "data_point": "phone_number", "claimed_by_agent": true })
            ),
        ]
    );

    // Staff see the claims as claims, and no matched data point.
    let admin = app.admin().await;
    let page = admin
        .get(&format!("/staff/requests/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Data point claimed by an untrusted agent (not counted)"),
        "{page}"
    );

    // An admin marks the agent trusted: from then on its word counts.
    let agents_page = admin.get("/staff/agents").await.text().await.unwrap();
    assert!(agents_page.contains("Not trusted"));
    let forged = admin
        .client
        .post(admin.url("/staff/agents/AGENT_A/trusted"))
        .form(&[("trusted", "yes"), ("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_ne!(forged.status(), 200, "the form needs its CSRF token");
    app.add_staff("rev@example.com", "reviewer", "reviewer password")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password").await;
    let by_reviewer = reviewer
        .post("/staff/agents/AGENT_A/trusted", &[("trusted", "yes")])
        .await;
    assert_eq!(by_reviewer.status(), 403, "admins only");
    let trusted = |db: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, bool>("SELECT trusted FROM agents WHERE id = 'AGENT_A'")
            .fetch_one(&db)
            .await
            .unwrap()
    };
    assert!(!trusted(app.db.clone()).await);
    let marked = admin
        .post("/staff/agents/AGENT_A/trusted", &[("trusted", "yes")])
        .await;
    assert_eq!(marked.status(), 200);
    assert!(trusted(app.db.clone()).await);
    let vouched: Value = post_exercise(&app, &token, a.exercise(&app, "deletion", vouching))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        vouched.get("reason").is_none(),
        "verified by the trusted agent's word"
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_events WHERE action = 'data_point_recorded'
             AND data = '{\"data_point\": \"email\", \"vouched_by_agent\": true}'::jsonb",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(recorded, 1);
    admin
        .post("/staff/agents/AGENT_A/trusted", &[("trusted", "no")])
        .await;
    assert!(!trusted(app.db.clone()).await);
}

#[tokio::test]
async fn the_agent_command_takes_a_hex_key_and_marks_the_agent_trusted() {
    let app = spawn_app().await;
    // The command's own connection to this test's database (no password: the private
    // cluster trusts its socket, as the README's external server URL does).
    let options = app.db.connect_options();
    let host = options.get_socket().map_or_else(
        || options.get_host().to_string(),
        |socket| socket.display().to_string(),
    );
    let url = format!(
        "postgres://{}@localhost:{}/{}?host={host}",
        options.get_username(),
        options.get_port(),
        options.get_database().unwrap(),
    );
    let mut settings = app.settings.clone();
    settings.database_url = Some(url);
    let key = SigningKey::from_bytes(&[8; 32]).verifying_key().to_bytes();
    let agent = |id: &str, verify_key: String| rightsdesk::store::agents::Agent {
        id: id.into(),
        name: "Command Line".into(),
        verify_key,
        contact: None,
        web_url: None,
        trusted: true,
    };
    rightsdesk::startup::add_agent(settings.clone(), agent("AGENT_CLI", hex::encode(key)))
        .await
        .unwrap();
    let (stored, trusted): (String, bool) =
        sqlx::query_as("SELECT verify_key, trusted FROM agents WHERE id = 'AGENT_CLI'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, STANDARD.encode(key));
    assert!(trusted);
    let refused =
        rightsdesk::startup::add_agent(settings, agent("AGENT_BAD", "abc123".into())).await;
    assert!(
        refused.unwrap_err().to_string().contains("64 hex digits"),
        "says which forms a key may take"
    );
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
    // The link is created when its message is sent.
    crate::support::verify_link(&crate::support::sent_mail(app, "verification_link").await)
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

#[test]
fn check_signatures_counts_the_bodies_an_agents_key_verifies() {
    let data_dir = TempDir::new("check-signatures");
    let signer = SigningKey::from_bytes(&[5; 32]);
    let stranger = SigningKey::from_bytes(&[6; 32]);
    let sign = |key: &SigningKey, message: &[u8]| {
        let mut combined = key.sign(message).to_bytes().to_vec();
        combined.extend_from_slice(message);
        STANDARD.encode(combined)
    };
    let bodies = [
        sign(&signer, br#"{"exercise": "deletion"}"#),
        sign(&stranger, br#"{"exercise": "deletion"}"#),
        sign(&signer, br#"{"exercise": "access"}"#),
        "not base64 at all".to_string(),
    ];
    let file = data_dir.0.join("bodies.txt");
    std::fs::create_dir_all(&data_dir.0).unwrap();
    std::fs::write(&file, bodies.join("\n")).unwrap();

    // The directory's hex form of the key works as well as base64.
    let key = hex::encode(signer.verifying_key().to_bytes());
    let out = rightsdesk(&data_dir)
        .args(["agent", "check-signatures"])
        .arg(&file)
        .args(["--verify-key", &key])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.starts_with("2 of 4 signed bodies verified; ") && stdout.contains(" µs per body"),
        "{stdout}"
    );

    let refused = rightsdesk(&data_dir)
        .args(["agent", "check-signatures"])
        .arg(&file)
        .args(["--verify-key", "short"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--verify-key"));
}
