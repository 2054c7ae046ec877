//! Callbacks to agents never reach the portal's own network: refused when filed, and at
//! connect time whatever a name resolves to. No test sends anything off loopback: the
//! names are made up and answered by a resolver of the test's own.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rightsdesk::outbound;
use rightsdesk::worker::Worker;
use serde_json::{Value, json};

use crate::drp::{Agent, post_exercise};
use crate::support::{TestApp, spawn_app_with};

/// Answers every name with one address, as a rebinding attacker's DNS would.
struct Rebinding(IpAddr);

impl Resolve for Rebinding {
    fn resolve(&self, _: Name) -> Resolving {
        let addr = SocketAddr::new(self.0, 0);
        Box::pin(async move { Ok(Box::new(std::iter::once(addr)) as Addrs) })
    }
}

/// A loopback listener that counts the connections made to it and drops them.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, connections)
}

/// A worker on the app's database whose callbacks resolve every name to `ip`.
fn worker_resolving_to(app: &TestApp, ip: &str, allow_private: bool) -> Worker {
    let client = outbound::Client::new(
        Duration::from_secs(2),
        allow_private,
        Arc::new(Rebinding(ip.parse().unwrap())),
    )
    .unwrap();
    Worker::new(
        app.db.clone(),
        Arc::new(app.settings.clone()),
        app.clock.clone(),
    )
    .unwrap()
    .with_outbound(client)
}

async fn last_callback(app: &TestApp) -> (Option<String>, bool, bool) {
    sqlx::query_as(
        "SELECT last_error, sent_at IS NOT NULL, failed_at IS NOT NULL FROM drp_callbacks ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_callback_to_a_local_address_is_refused_when_filed() {
    let app = spawn_app_with(|s| s.outbound.allow_private_addresses = false).await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    for callback in [
        "http://127.0.0.1:9/drp/callback",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/cb",
        "http://100.64.0.1/cb",
        "http://[::1]/cb",
        "http://[::ffff:192.168.0.1]/cb",
        "http://[fd00::1]/cb",
        "http://localhost:8080/cb",
        "http://2130706433/cb",
        "ftp://agent.example/cb",
    ] {
        let response = post_exercise(
            &app,
            &token,
            a.exercise(&app, "deletion", json!({ "status_callback": callback })),
        )
        .await;
        assert_eq!(response.status(), 400, "{callback}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "400");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("status_callback"),
            "{callback}: {body}"
        );
    }
    assert_eq!(app.count("requests").await, 0, "nothing is stored");

    let public = post_exercise(
        &app,
        &token,
        a.exercise(
            &app,
            "deletion",
            json!({ "status_callback": "https://callback.agent.test/drp" }),
        ),
    )
    .await;
    assert_eq!(public.status(), 200, "a name is judged when it is called");
}

#[tokio::test]
async fn a_name_that_resolves_to_a_local_address_is_refused_before_connecting() {
    let (port, connections) = counting_listener().await;
    let app = spawn_app_with(|s| s.outbound.allow_private_addresses = false).await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let callback = format!("http://callback.agent.test:{port}/drp/callback");
    let filed = post_exercise(
        &app,
        &token,
        a.exercise(&app, "sale:opt-out", json!({ "status_callback": callback })),
    )
    .await;
    assert_eq!(filed.status(), 200);
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);

    // The name now resolves to loopback: the worker refuses without connecting.
    let guarded = worker_resolving_to(&app, "127.0.0.1", false);
    assert_eq!(guarded.deliver_all_callbacks().await.unwrap(), 1);
    assert_eq!(connections.load(Ordering::SeqCst), 0, "never connected");
    let (error, sent, failed) = last_callback(&app).await;
    assert!(error.unwrap().contains("non-public"));
    assert!(
        !sent && !failed,
        "tried again later, when the name may resolve elsewhere"
    );

    // The same worker with private addresses allowed does connect: the count above
    // would have seen it.
    app.clock.advance(chrono::Duration::seconds(31));
    let open = worker_resolving_to(&app, "127.0.0.1", true);
    assert_eq!(open.deliver_all_callbacks().await.unwrap(), 1);
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_literal_local_address_stored_earlier_is_refused_for_good_at_send_time() {
    let (port, connections) = counting_listener().await;
    // Filed while private addresses were allowed…
    let app = spawn_app_with(|_| {}).await;
    let a = Agent::register(&app, "AGENT_A", 1, None).await;
    let token = a.pair(&app).await;
    let callback = format!("http://127.0.0.1:{port}/drp/callback");
    let filed = post_exercise(
        &app,
        &token,
        a.exercise(&app, "sale:opt-out", json!({ "status_callback": callback })),
    )
    .await;
    assert_eq!(filed.status(), 200);
    assert_eq!(app.worker.sweep().await.unwrap().opt_outs_applied, 1);

    // …and sent after they no longer are.
    let guarded = worker_resolving_to(&app, "192.0.2.1", false);
    assert_eq!(guarded.deliver_all_callbacks().await.unwrap(), 1);
    assert_eq!(connections.load(Ordering::SeqCst), 0, "never connected");
    let (error, sent, failed) = last_callback(&app).await;
    assert!(error.unwrap().contains("refused"));
    assert!(!sent && failed, "a refused URL is not retried");
}
