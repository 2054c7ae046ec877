//! Global Privacy Control: the signal is honoured, shown and recorded.

use rightsdesk::domain::kinds::RequestKind;
use sqlx::Row;

use crate::intake::valid_fields;
use crate::support::{TestApp, spawn_app, spawn_app_with, tracking_code_in};

/// A page view with `Sec-GPC: 1` and `cookie`, if any.
async fn view_with_signal(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path)).header("Sec-GPC", "1");
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.unwrap()
}

fn set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn pages_say_the_signal_was_honored_and_record_the_browser_once() {
    let app = spawn_app().await;
    let plain = app.get("/").await.text().await.unwrap();
    assert!(!plain.contains("Opt-out preference signal honored"));
    assert_eq!(app.count("gpc_signals").await, 0);

    // The first view is honored and gets the cookie, but writes nothing yet.
    let first = view_with_signal(&app, "/", None).await;
    let cookie = set_cookie(&first).expect("the browser gets its id");
    assert!(
        cookie.starts_with("rd_gpc=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    assert!(
        first
            .text()
            .await
            .unwrap()
            .contains("Opt-out preference signal honored")
    );
    assert_eq!(app.count("gpc_signals").await, 0);

    // The browser comes back with its cookie: it is recorded, once.
    let id = cookie.split(';').next().unwrap();
    let second = view_with_signal(&app, "/requests/new/delete", Some(id)).await;
    let recorded = set_cookie(&second).expect("the cookie is marked recorded");
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains("Opt-out preference signal honored")
    );
    assert_eq!(app.count("gpc_signals").await, 1);
    let recorded = recorded.split(';').next().unwrap();
    for _ in 0..3 {
        let again = view_with_signal(&app, "/", Some(recorded)).await;
        assert!(set_cookie(&again).is_none());
        assert!(
            again
                .text()
                .await
                .unwrap()
                .contains("Opt-out preference signal honored")
        );
    }
    assert_eq!(app.count("gpc_signals").await, 1);
}

#[tokio::test]
async fn views_without_the_cookie_are_honored_without_writing_a_row() {
    let app = spawn_app().await;
    for _ in 0..10 {
        let view = view_with_signal(&app, "/", None).await;
        assert!(
            view.text()
                .await
                .unwrap()
                .contains("Opt-out preference signal honored")
        );
    }
    assert_eq!(app.count("gpc_signals").await, 0);
}

#[tokio::test]
async fn made_up_cookies_are_recorded_only_up_to_the_clients_limit() {
    let app = spawn_app_with(|s| s.limits.submissions_per_minute = 3).await;
    for _ in 0..10 {
        let forged = format!("rd_gpc={}", uuid::Uuid::new_v4());
        view_with_signal(&app, "/", Some(&forged)).await;
    }
    assert_eq!(app.count("gpc_signals").await, 3);
}

#[tokio::test]
async fn a_form_sent_with_the_signal_also_records_an_opt_out_for_that_address() {
    let app = spawn_app().await;
    let send = || {
        app.client
            .post(app.url("/requests/new/delete"))
            .header("Sec-GPC", "1")
            .form(&valid_fields(RequestKind::Delete))
            .send()
    };
    let page = send().await.unwrap().text().await.unwrap();
    let code = tracking_code_in(&page);
    let rows = sqlx::query(
        "SELECT tracking_code, kind, channel, status, comply_by FROM requests ORDER BY kind",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<String, _>("kind"), "delete");
    assert_eq!(rows[0].get::<String, _>("tracking_code"), code);
    let opt_out = &rows[1];
    assert_eq!(opt_out.get::<String, _>("kind"), "opt_out");
    assert_eq!(opt_out.get::<String, _>("channel"), "gpc");
    assert_eq!(opt_out.get::<String, _>("status"), "received");
    assert!(
        opt_out
            .get::<Option<chrono::NaiveDate>, _>("comply_by")
            .is_some()
    );
    assert!(
        page.contains(&opt_out.get::<String, _>("tracking_code")),
        "the page names the opt-out"
    );

    // A second form from the same address does not file a second opt-out.
    send().await.unwrap();
    let opt_outs: i64 = sqlx::query_scalar("SELECT count(*) FROM requests WHERE kind = 'opt_out'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(opt_outs, 1);
    let event_actor: String = sqlx::query_scalar(
        "SELECT e.actor_type FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.channel = 'gpc'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(event_actor, "system");
}

#[tokio::test]
async fn gpc_json_is_served() {
    let app = spawn_app().await;
    let response = app.get("/.well-known/gpc.json").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["gpc"], true);
    let date = body["lastUpdate"].as_str().unwrap();
    assert!(
        date.parse::<chrono::NaiveDate>().is_ok(),
        "{date} is YYYY-MM-DD"
    );
}
