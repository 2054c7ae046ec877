//! The business API: tokens made in the console and on the command line, the checks
//! every `/api/v1` call passes (401, 403, errors in JSON naming the field), and the two
//! feeds a downstream system polls — the suppression list (with opt-ins as tombstones)
//! and the lifecycle events — which never skip a change that commits late.

use std::time::{Duration, Instant};

use rightsdesk::domain::kinds::RequestKind;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::drp::{Agent, post_exercise};
use crate::support::{
    TempDir, TestApp, database_url, fresh_database, rightsdesk, spawn_app, spawn_app_on,
};
use crate::tasks::add_recipient;

const ANA: &str = "ana@example.com";

/// Makes a token in the console as an admin; returns it as shown once.
async fn console_token(app: &TestApp, name: &str, scopes: &[&str]) -> String {
    let admin = app.admin().await;
    let mut fields = vec![("name", name)];
    let boxes: Vec<String> = scopes
        .iter()
        .map(|s| format!("scope_{}", s.replace(':', "_")))
        .collect();
    for b in &boxes {
        fields.push((b.as_str(), "yes"));
    }
    let r = admin.post("/staff/tokens", &fields).await;
    assert_eq!(r.status(), 200);
    token_in(&r.text().await.unwrap())
}

/// The `rdk_` token on the page that made it.
fn token_in(page: &str) -> String {
    let start = page.find("value=\"rdk_").expect("the new token is shown") + 7;
    page[start..].split('"').next().unwrap().to_string()
}

async fn api(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "{path} answers JSON"
    );
    (status, response.json().await.unwrap())
}

/// A feed page, asked for again until `settled` holds: a page leaves out changes made
/// after the oldest transaction still running anywhere on the server (other tests write
/// to the same cluster), so what this test committed may take a moment to appear.
async fn feed_until(
    app: &TestApp,
    token: &str,
    path: &str,
    settled: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, page) = api(app, Some(token), path).await;
        assert_eq!(status, 200, "{path}: {page}");
        if settled(&page) {
            return page;
        }
        assert!(Instant::now() < deadline, "{path} never showed it: {page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn entries(page: &Value) -> &Vec<Value> {
    page["entries"].as_array().unwrap()
}

fn error_of(body: &Value) -> (&str, Option<&str>) {
    let error = &body["error"];
    assert!(
        !error["message"].as_str().unwrap().is_empty(),
        "a message for people: {body}"
    );
    (error["code"].as_str().unwrap(), error["field"].as_str())
}

/// Ana opts out on the web form; the worker applies it.
async fn ana_opts_out(app: &TestApp, kind: &str) -> String {
    let page = app
        .post_form(&format!("/requests/new/{kind}"), &[("email", ANA)])
        .await
        .text()
        .await
        .unwrap();
    assert!(app.worker.sweep().await.unwrap().opt_outs_applied >= 1);
    crate::support::tracking_code_in(&page)
}

/// An agent asks to opt Ana back in to sale/sharing and she confirms from her link.
async fn ana_opts_back_in(app: &TestApp) {
    let agent = Agent::register_trusted(app, "AGENT_A", 1, None).await;
    let token = agent.pair(app).await;
    let r = post_exercise(app, &token, agent.exercise(app, "sale:opt-in", json!({}))).await;
    assert_eq!(r.status(), 200);
    // The link is created when the message carrying it is sent.
    let link = crate::support::verify_link(&crate::support::sent_mail(app, "opt_in_request").await);
    let r = app.post_form(&link, &[("decision", "confirm")]).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM opt_outs WHERE scope = 'sale_sharing'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(left, 0, "the opt-in took Ana off the sale/sharing list");
}

#[tokio::test]
async fn an_admin_creates_a_token_in_the_console_sees_it_once_and_revokes_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let broker = add_recipient(&app, "Data broker", "opt_out", "manual", "", false)
        .await
        .unwrap()
        .id;
    let r = admin.get("/staff/tokens").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    assert!(page.contains("No API token yet"));
    // The recipient is chosen by name from those that exist, never typed as an id.
    assert!(page.contains("<select id=\"t-recipient\" name=\"recipient_id\""));
    assert!(page.contains(&format!("<option value=\"{broker}\">Data broker</option>")));

    // Without a scope, or without a name, nothing is made and the typed name is kept.
    let r = admin
        .post("/staff/tokens", &[("name", "Marketing CRM")])
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("at least one scope") && page.contains("value=\"Marketing CRM\""));
    let r = admin
        .post(
            "/staff/tokens",
            &[("name", " "), ("scope_events_read", "yes")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.count("api_tokens").await, 0);

    // A form without the session's CSRF token is refused.
    let r = admin
        .client
        .post(admin.url("/staff/tokens"))
        .form(&[("name", "Forged"), ("scope_events_read", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // A recipient that does not exist is refused, naming the field; the choices stay.
    for bogus in ["7777", "seven"] {
        let r = admin
            .post(
                "/staff/tokens",
                &[
                    ("name", "Marketing CRM"),
                    ("scope_suppressions_read", "yes"),
                    ("recipient_id", bogus),
                ],
            )
            .await;
        assert_eq!(r.status(), 422, "never a 500 from the foreign key");
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Recipient: choose one from the list"),
            "{page}"
        );
        assert!(page.contains("value=\"Marketing CRM\""));
    }
    assert_eq!(app.count("api_tokens").await, 0);

    let broker_id = broker.to_string();
    let r = admin
        .post(
            "/staff/tokens",
            &[
                ("name", "Marketing CRM"),
                ("scope_suppressions_read", "yes"),
                ("recipient_id", &broker_id),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    let token = token_in(&page);
    assert!(token.starts_with("rdk_") && token.len() > 40);
    assert!(page.contains("shown only this once"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32, "a SHA-256, not the token");
    let (scopes, recipient): (Vec<String>, Option<i64>) =
        sqlx::query_as("SELECT scopes, recipient_id FROM api_tokens")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(scopes, ["suppressions:read"]);
    assert_eq!(recipient, Some(broker));

    // The list shows the token's name and use, never the token again.
    let (status, _) = api(&app, Some(&token), "/api/v1/suppressions").await;
    assert_eq!(status, 200);
    let list = admin.get("/staff/tokens").await.text().await.unwrap();
    assert!(list.contains("Marketing CRM") && list.contains("suppressions:read"));
    assert!(
        list.contains("<td>Data broker</td>"),
        "bound to the recipient by name: {list}"
    );
    assert!(!list.contains(&token));
    assert!(!list.contains("never"), "last used is recorded: {list}");

    // A second live token cannot take the same name.
    let r = admin
        .post(
            "/staff/tokens",
            &[("name", "marketing crm"), ("scope_events_read", "yes")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already named"));

    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = admin.post(&format!("/staff/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Revoked"));
    let (status, body) = api(&app, Some(&token), "/api/v1/suppressions").await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, "unauthorized");
    let r = admin.post(&format!("/staff/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 404, "already revoked");
}

#[tokio::test]
async fn only_admins_reach_the_token_page() {
    let app = spawn_app().await;
    app.add_staff("rev@example.com", "reviewer", "reviewer password 1")
        .await;
    let reviewer = app.sign_in("rev@example.com", "reviewer password 1").await;
    assert_eq!(reviewer.get("/staff/tokens").await.status(), 403);
    let r = reviewer
        .post(
            "/staff/tokens",
            &[("name", "Mine"), ("scope_events_read", "yes")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("api_tokens").await, 0);
    let anonymous = app.get("/staff/tokens").await;
    assert_eq!(anonymous.status(), 303, "off to sign in");
}

#[tokio::test]
async fn the_command_line_adds_lists_and_revokes_tokens() {
    let options = fresh_database().await;
    let app = spawn_app_on(options.clone(), |_| {}).await;
    let url = database_url(&options);
    let data_dir = TempDir::new("data");
    // Run without blocking the runtime that serves the portal.
    let run = |args: &[&str]| {
        let mut command = rightsdesk(&data_dir);
        command.args(args).env("RIGHTSDESK_DATABASE_URL", &url);
        let mut command = tokio::process::Command::from(command);
        async move { command.output().await }
    };

    let out = run(&[
        "token",
        "add",
        "Ad platform",
        "--scope",
        "suppressions:read,events:read",
    ])
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        token.starts_with("rdk_"),
        "only the token on standard output: {token}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("printed once"));
    let (status, _) = api(&app, Some(&token), "/api/v1/events").await;
    assert_eq!(status, 200);

    let out = run(&["token", "add", "Ad platform", "--scope", "events:read"])
        .await
        .unwrap();
    assert!(!out.status.success(), "a live token has that name");
    let out = run(&["token", "add", "Other", "--scope", "suppressions:write"])
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope"));
    for name in ["Data broker", "Data vault"] {
        add_recipient(&app, name, "opt_out", "manual", "", false)
            .await
            .unwrap();
    }
    let bind = |recipient: &'static str| {
        run(&[
            "token",
            "add",
            "Bound",
            "--scope",
            "tasks:write",
            "--recipient",
            recipient,
        ])
    };
    let out = bind("Nobody Inc").await.unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("--recipient: no recipient is named \"Nobody Inc\""),
        "{said}"
    );
    let out = bind("data").await.unwrap();
    assert!(!out.status.success(), "part of two names binds neither");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("Data broker, Data vault"),
        "the candidates are named: {said}"
    );
    assert_eq!(app.count("api_tokens").await, 1, "nothing made");
    let out = bind("data BROKER").await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&["token", "list"]).await.unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(
        list.contains("Ad platform\tsuppressions:read,events:read\t-\t"),
        "{list}"
    );
    assert!(list.contains("Bound\ttasks:write\tData broker\t"), "{list}");
    assert!(!list.contains("rdk_"), "never the tokens");

    let out = run(&["token", "revoke", "Ad platform"]).await.unwrap();
    assert!(out.status.success());
    let (status, body) = api(&app, Some(&token), "/api/v1/events").await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, "unauthorized");
    let out = run(&["token", "revoke", "Ad platform"]).await.unwrap();
    assert!(!out.status.success(), "no live token of that name any more");
    let list = String::from_utf8(run(&["token", "list"]).await.unwrap().stdout).unwrap();
    assert!(list.contains("revoked"));
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_get_401_and_the_wrong_scope_403_in_json() {
    let app = spawn_app().await;
    let events_only = console_token(&app, "Tickets", &["events:read"]).await;

    let (status, body) = api(&app, None, "/api/v1/suppressions").await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body), ("unauthorized", None));
    let r = app
        .client
        .get(app.url("/api/v1/suppressions"))
        .header("authorization", "Basic YTpi")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    let (status, _) = api(&app, Some("rdk_not-a-real-token"), "/api/v1/suppressions").await;
    assert_eq!(status, 401);

    let (status, body) = api(&app, Some(&events_only), "/api/v1/suppressions").await;
    assert_eq!(status, 403);
    let (code, _) = error_of(&body);
    assert_eq!(code, "forbidden");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("suppressions:read")
    );
    let (status, _) = api(&app, Some(&events_only), "/api/v1/events").await;
    assert_eq!(status, 200);

    let (status, body) = api(&app, Some(&events_only), "/api/v1/nothing/here").await;
    assert_eq!(status, 404);
    assert_eq!(error_of(&body).0, "not_found");
}

#[tokio::test]
async fn bad_query_parameters_are_named_in_a_json_400_never_a_500() {
    let app = spawn_app().await;
    let token = console_token(&app, "Both", &["suppressions:read", "events:read"]).await;
    for (query, field) in [
        ("after=yesterday", "after"),
        ("after=1-2-3", "after"),
        ("after=99999999999999999999-1", "after"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("format=xml", "format"),
        ("identifier=md5", "identifier"),
    ] {
        let (status, body) =
            api(&app, Some(&token), &format!("/api/v1/suppressions?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(
            error_of(&body),
            ("invalid_parameter", Some(field)),
            "{query}"
        );
    }
    let (status, body) = api(&app, Some(&token), "/api/v1/events?limit=-1").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).1, Some("limit"));
    let (status, body) = api(&app, Some(&token), "/api/v1/events?limit=5&limit=6").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, "invalid_query");
    // A cursor past the end is an empty page, not an error.
    let (status, body) = api(
        &app,
        Some(&token),
        "/api/v1/events?after=9223372036854775807-1",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(entries(&body).len(), 0);
    assert_eq!(body["next"], "9223372036854775807-1");
}

#[tokio::test]
async fn the_suppression_feed_follows_an_opt_out_and_a_later_opt_in_as_a_tombstone() {
    let app = spawn_app().await;
    let token = console_token(&app, "Marketing", &["suppressions:read"]).await;
    let empty = feed_until(&app, &token, "/api/v1/suppressions", |_| true).await;
    assert_eq!(entries(&empty).len(), 0);
    assert_eq!(empty["has_more"], false);
    let start = empty["next"].as_str().unwrap().to_string();

    ana_opts_out(&app, "opt_out").await;
    ana_opts_out(&app, "limit_sensitive").await;
    ana_opts_back_in(&app).await;

    let page = feed_until(&app, &token, "/api/v1/suppressions", |p| {
        entries(p).len() == 3
    })
    .await;
    let changes: Vec<(&str, &str)> = entries(&page)
        .iter()
        .map(|e| (e["change"].as_str().unwrap(), e["scope"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("added", "sale_sharing"),
            ("added", "sensitive_use"),
            ("removed", "sale_sharing"),
        ]
    );
    for e in entries(&page) {
        assert_eq!(e["email"], ANA);
        assert!(e.get("sha256").is_none());
        assert_eq!(e["channel"], "web");
        assert!(chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).is_ok());
    }
    assert_eq!(page["has_more"], false);
    assert_eq!(page["next"], entries(&page)[2]["cursor"]);

    // Paged one at a time from the start, the same three, then nothing new.
    let mut cursor = start;
    let mut paged = Vec::new();
    loop {
        let (_, page) = api(
            &app,
            Some(&token),
            &format!("/api/v1/suppressions?after={cursor}&limit=1"),
        )
        .await;
        paged.extend(entries(&page).iter().map(|e| e["cursor"].clone()));
        cursor = page["next"].as_str().unwrap().to_string();
        if page["has_more"] == false {
            break;
        }
        assert_eq!(entries(&page).len(), 1);
    }
    let all: Vec<Value> = entries(&page).iter().map(|e| e["cursor"].clone()).collect();
    assert_eq!(paged, all);
    let (_, after_all) = api(
        &app,
        Some(&token),
        &format!("/api/v1/suppressions?after={cursor}"),
    )
    .await;
    assert_eq!(entries(&after_all).len(), 0);
    assert_eq!(
        after_all["next"],
        cursor.as_str(),
        "nothing new: poll again from here"
    );

    // Hashed for ad platforms: the trimmed, lower-cased address.
    let (_, hashed) = api(&app, Some(&token), "/api/v1/suppressions?identifier=sha256").await;
    let expected = rightsdesk::domain::api::email_sha256(" ANA@Example.com ");
    for e in entries(&hashed) {
        assert_eq!(e["sha256"], expected.as_str());
        assert!(e.get("email").is_none());
    }
    assert_eq!(
        expected,
        "8e43ca37701228e74983efdbd0cff5c16b3b1e5d4e29a7c05626d4d25a018e11"
    );

    // The same as CSV, with the paging in headers.
    let r = app
        .client
        .get(app.url("/api/v1/suppressions?format=csv&identifier=sha256&limit=2"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.headers()["feed-has-more"], "true");
    let next = r.headers()["feed-next"].to_str().unwrap().to_string();
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "cursor,change,sha256,scope,channel,at");
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with(&format!(
        "{},added,{expected},sale_sharing,web,",
        all[0].as_str().unwrap()
    )));
    assert!(lines[2].starts_with(&format!("{next},added,{expected},sensitive_use,web,")));
    let (_, plain) = api(&app, Some(&token), "/api/v1/suppressions?format=json").await;
    assert_eq!(entries(&plain).len(), 3);
}

#[tokio::test]
async fn the_events_feed_lists_each_requests_lifecycle_with_codes_and_no_personal_data() {
    let app = spawn_app().await;
    let token = console_token(&app, "Ticketing", &["events:read"]).await;
    let page = app
        .post_form(
            "/requests/new/delete",
            &crate::intake::valid_fields(RequestKind::Delete),
        )
        .await
        .text()
        .await
        .unwrap();
    let deletion = crate::support::tracking_code_in(&page);
    let opt_out = ana_opts_out(&app, "opt_out").await;

    let feed = feed_until(&app, &token, "/api/v1/events", |p| {
        entries(p).iter().any(|e| e["event"] == "opt_out_applied")
    })
    .await;
    let text = feed.to_string();
    for personal in [
        ANA,
        "ana.lopez",
        "Ana",
        "López",
        "Main St",
        "loyalty",
        "415",
    ] {
        assert!(!text.contains(personal), "{personal} is not in the feed");
    }
    let of = |code: &str| -> Vec<(String, Value, Value)> {
        entries(&feed)
            .iter()
            .filter(|e| e["tracking_code"] == code)
            .map(|e| {
                (
                    e["event"].as_str().unwrap().to_string(),
                    e["to_status"].clone(),
                    e["outcome"].clone(),
                )
            })
            .collect()
    };
    let deletion_events = of(&deletion);
    assert_eq!(deletion_events[0].0, "submitted");
    assert!(
        entries(&feed)
            .iter()
            .filter(|e| e["tracking_code"] == deletion.as_str())
            .all(|e| e["request_kind"] == "delete")
    );
    let opt_out_events = of(&opt_out);
    let last = opt_out_events.last().unwrap();
    assert_eq!(last.0, "opt_out_applied");
    assert_eq!(last.1, "fulfilled");
    assert_eq!(last.2, "applied");
    let first = &entries(&feed)[0];
    for field in [
        "cursor",
        "tracking_code",
        "request_kind",
        "event",
        "at",
        "actor",
    ] {
        assert!(first[field].is_string(), "{field}: {first}");
    }

    // Cursors are strictly increasing, and paging resumes exactly after the last one.
    let cursors: Vec<&str> = entries(&feed)
        .iter()
        .map(|e| e["cursor"].as_str().unwrap())
        .collect();
    let (_, rest) = api(
        &app,
        Some(&token),
        &format!("/api/v1/events?after={}", cursors[0]),
    )
    .await;
    let rest_cursors: Vec<&str> = entries(&rest)
        .iter()
        .map(|e| e["cursor"].as_str().unwrap())
        .collect();
    assert_eq!(rest_cursors, cursors[1..]);

    let r = app
        .client
        .get(app.url("/api/v1/events?format=csv&limit=1"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["feed-has-more"], "true");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("cursor,tracking_code,request_kind,event,at,actor,from_status,to_status,outcome,data_point\n"));
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains(&format!(",{deletion},delete,submitted,"))
    );
}

/// The case a plain sequence gets wrong: transaction A writes first (and takes the lower
/// sequence number) but commits after B. A poller reading between the two commits must
/// not move past A's change, or it would never see it.
#[tokio::test]
async fn a_change_that_commits_late_is_not_skipped_by_a_poller() {
    let options = fresh_database().await;
    let app = spawn_app_on(options.clone(), |_| {}).await;
    let token = console_token(&app, "Poller", &["suppressions:read", "events:read"]).await;
    let code = ana_opts_out(&app, "opt_out").await;
    let request_id: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM requests WHERE tracking_code = $1")
            .bind(&code)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let seen = feed_until(&app, &token, "/api/v1/suppressions", |p| {
        entries(p).len() == 1
    })
    .await;
    let mut suppressions_cursor = seen["next"].as_str().unwrap().to_string();
    let seen = feed_until(&app, &token, "/api/v1/events", |p| {
        entries(p).iter().any(|e| e["event"] == "opt_out_applied")
    })
    .await;
    let mut events_cursor = seen["next"].as_str().unwrap().to_string();

    let mut a = PgConnection::connect_with(&options).await.unwrap();
    let mut b = PgConnection::connect_with(&options).await.unwrap();
    let write = |who: &'static str| {
        format!(
            "WITH o AS (INSERT INTO opt_outs (email, scope, channel, since)
                        VALUES ('{who}@example.com', 'sale_sharing', 'web', now()))
             INSERT INTO request_events (request_id, at, actor_type, action, data)
             VALUES ($1, now(), 'staff', 'note_added', '{{\"note\": \"{who}\"}}')"
        )
    };
    sqlx::query("BEGIN").execute(&mut a).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(write("first")))
        .bind(request_id)
        .execute(&mut a)
        .await
        .unwrap();
    sqlx::query("BEGIN").execute(&mut b).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(write("second")))
        .bind(request_id)
        .execute(&mut b)
        .await
        .unwrap();
    sqlx::query("COMMIT").execute(&mut b).await.unwrap();

    // B has committed, A has not: B's change is held back, so the cursor stays put.
    for _ in 0..3 {
        let (_, page) = api(
            &app,
            Some(&token),
            &format!("/api/v1/suppressions?after={suppressions_cursor}"),
        )
        .await;
        assert_eq!(
            entries(&page).len(),
            0,
            "nothing is served past A's open write: {page}"
        );
        assert_eq!(page["next"], suppressions_cursor.as_str());
        let (_, page) = api(
            &app,
            Some(&token),
            &format!("/api/v1/events?after={events_cursor}"),
        )
        .await;
        assert_eq!(entries(&page).len(), 0, "{page}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    sqlx::query("COMMIT").execute(&mut a).await.unwrap();
    let page = feed_until(
        &app,
        &token,
        &format!("/api/v1/suppressions?after={suppressions_cursor}"),
        |p| entries(p).len() == 2,
    )
    .await;
    let emails: Vec<&str> = entries(&page)
        .iter()
        .map(|e| e["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, ["first@example.com", "second@example.com"]);
    suppressions_cursor = page["next"].as_str().unwrap().to_string();
    let page = feed_until(
        &app,
        &token,
        &format!("/api/v1/events?after={events_cursor}"),
        |p| entries(p).len() == 2,
    )
    .await;
    assert!(entries(&page).iter().all(|e| e["event"] == "note_added"));
    assert!(
        !page.to_string().contains("first"),
        "a note's text is not in the feed"
    );
    events_cursor = page["next"].as_str().unwrap().to_string();
    let (_, page) = api(
        &app,
        Some(&token),
        &format!("/api/v1/suppressions?after={suppressions_cursor}"),
    )
    .await;
    assert_eq!(entries(&page).len(), 0);
    let (_, page) = api(
        &app,
        Some(&token),
        &format!("/api/v1/events?after={events_cursor}"),
    )
    .await;
    assert_eq!(entries(&page).len(), 0);
    a.close().await.ok();
    b.close().await.ok();
}

/// The log is kept by the database, whatever code writes the list: an entry added by
/// hand shows, and one rewritten in place leaves as it was and joins as it is.
#[tokio::test]
async fn every_write_to_the_list_is_in_the_feed_whoever_makes_it() {
    let app = spawn_app().await;
    let token = console_token(&app, "Backfill", &["suppressions:read"]).await;
    sqlx::query(
        "INSERT INTO opt_outs (email, scope, channel, since) VALUES ('gpc@example.com', 'sale_sharing', 'gpc', now())",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("UPDATE opt_outs SET email = 'GPC2@example.com'")
        .execute(&app.db)
        .await
        .unwrap();
    let page = feed_until(&app, &token, "/api/v1/suppressions", |p| {
        entries(p).len() == 3
    })
    .await;
    let changes: Vec<(&str, &str)> = entries(&page)
        .iter()
        .map(|e| (e["change"].as_str().unwrap(), e["email"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("added", "gpc@example.com"),
            ("removed", "gpc@example.com"),
            ("added", "GPC2@example.com"),
        ]
    );
}

/// The token page, with a token just made and one revoked, passes axe at a phone's and
/// a desktop's width.
#[tokio::test]
async fn the_token_page_is_accessible_in_a_browser() {
    use fantoccini::Locator;

    let app = spawn_app().await;
    app.add_staff("admin@example.com", "admin", "admin password 123")
        .await;
    let (_driver, browser) = crate::browser::start_browser().await;
    crate::browser::sign_in(&browser, &app, "admin@example.com", "admin password 123").await;
    browser.goto(&app.url("/staff/tokens")).await.unwrap();
    crate::axe::assert_accessible(&browser, "the empty token page").await;

    for (id, text) in [("t-name", "Old CRM")] {
        browser
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Id("t-scope_events_read"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Css(
            "form[action='/staff/tokens'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for(&browser, Locator::Id("new-token")).await;
    browser
        .find(Locator::Css("form[action$='/revoke'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for(&browser, Locator::Css("p.notice")).await;
    browser
        .find(Locator::Id("t-name"))
        .await
        .unwrap()
        .send_keys("Marketing CRM")
        .await
        .unwrap();
    browser
        .find(Locator::Id("t-scope_suppressions_read"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find(Locator::Css(
            "form[action='/staff/tokens'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let shown = crate::browser::wait_for(&browser, Locator::Id("new-token")).await;
    assert!(
        shown
            .prop("value")
            .await
            .unwrap()
            .unwrap()
            .starts_with("rdk_")
    );
    crate::axe::assert_accessible(&browser, "the token page with a new and a revoked token").await;
    browser.close().await.ok();
}

#[tokio::test]
async fn a_deleted_recipients_tokens_go_with_it_and_complete_no_one_elses_tasks() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let gone = add_recipient(&app, "Data broker", "opt_out", "manual", "", false)
        .await
        .unwrap()
        .id;
    let bound = admin
        .post(
            "/staff/tokens",
            &[
                ("name", "Broker system"),
                ("scope_tasks_write", "yes"),
                ("recipient_id", &gone.to_string()),
            ],
        )
        .await;
    assert_eq!(bound.status(), 200);
    let token = token_in(&bound.text().await.unwrap());
    // The portal deactivates recipients; deleted by hand, its tokens are not left
    // unbound (which would let them complete every recipient's tasks).
    sqlx::query("DELETE FROM recipients WHERE id = $1")
        .bind(gone)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.count("api_tokens").await, 0);
    let (status, _) = api(&app, Some(&token), "/api/v1/events").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_token_page_with_its_recipient_select_passes_axe_at_phone_and_desktop_widths() {
    let app = spawn_app().await;
    add_recipient(
        &app,
        "Data broker with a rather long name",
        "opt_out",
        "manual",
        "",
        false,
    )
    .await
    .unwrap();
    console_token(&app, "Marketing CRM", &["suppressions:read"]).await;
    let (_driver, browser) = crate::browser::start_browser().await;
    crate::browser::sign_in(&browser, &app, "admin@example.com", "admin password 123").await;
    browser.goto(&app.url("/staff/tokens")).await.unwrap();
    crate::browser::wait_text(&browser, fantoccini::Locator::Css("h1"), "API tokens").await;
    crate::console::check_page(&browser, "the token page").await;
}
