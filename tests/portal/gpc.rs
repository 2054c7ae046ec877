//! Global Privacy Control: the signal is honoured, shown and recorded.

use rightsdesk::domain::kinds::RequestKind;
use sqlx::Row;

use crate::intake::valid_fields;
use crate::support::{spawn_app, tracking_code_in};

#[tokio::test]
async fn pages_say_the_signal_was_honored_and_record_the_browser_once() {
    let app = spawn_app().await;
    let plain = app.get("/").await.text().await.unwrap();
    assert!(!plain.contains("Opt-out preference signal honored"));
    assert_eq!(app.count("gpc_signals").await, 0);

    let response = app
        .client
        .get(app.url("/"))
        .header("Sec-GPC", "1")
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("rd_gpc=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Opt-out preference signal honored")
    );
    assert_eq!(app.count("gpc_signals").await, 1);

    // The same browser comes back with its cookie: no second record.
    let id = cookie.split(';').next().unwrap();
    let again = app
        .client
        .get(app.url("/requests/new/delete"))
        .header("Sec-GPC", "1")
        .header("Cookie", id)
        .send()
        .await
        .unwrap();
    assert!(again.headers().get("set-cookie").is_none());
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Opt-out preference signal honored")
    );
    assert_eq!(app.count("gpc_signals").await, 1);
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
