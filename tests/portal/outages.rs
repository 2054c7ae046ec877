//! When PostgreSQL goes away: every page that needs it answers 503 with `Retry-After`
//! within seconds, never a 500 or a hang, and the portal recovers on its own when the
//! database returns. These tests run on a private cluster of their own, which they stop
//! and start.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rightsdesk::domain::kinds::RequestKind;
use rightsdesk::embedded_pg::{self, Durability, EmbeddedPg};
use rightsdesk::store;

use crate::intake::valid_fields;
use crate::support::{TempDir, TestApp, spawn_app_on};

/// A private cluster a test may stop and start; stopped when the test ends, however it
/// ends.
struct Cluster {
    root: PathBuf,
    _dir: TempDir,
}

impl Cluster {
    async fn start() -> (Self, EmbeddedPg) {
        let dir = TempDir::new("outage");
        let root = dir.0.join("postgres");
        let pg = start_at(&root).await;
        rightsdesk::startup::ensure_database(&pg, embedded_pg::DATABASE)
            .await
            .unwrap();
        let pool = sqlx::PgPool::connect_with(pg.connect_options(embedded_pg::DATABASE))
            .await
            .unwrap();
        store::MIGRATOR.run(&pool).await.unwrap();
        pool.close().await;
        (Self { root, _dir: dir }, pg)
    }

    /// A fast shutdown: what was committed stays (the cluster does not sync to disk).
    async fn stop(&self, pg: EmbeddedPg) {
        tokio::task::spawn_blocking(move || pg.stop())
            .await
            .unwrap();
    }

    async fn restart(&self) -> EmbeddedPg {
        start_at(&self.root).await
    }
}

async fn start_at(root: &Path) -> EmbeddedPg {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || EmbeddedPg::start(&root, Durability::Throwaway))
        .await
        .unwrap()
        .expect("starting a second private cluster")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = EmbeddedPg::stop_abandoned(&self.root);
    }
}

async fn submit(app: &TestApp) -> reqwest::Response {
    app.post_form("/requests/new/delete", &valid_fields(RequestKind::Delete))
        .await
}

/// The answer is a 503 that says when to come back, and it came quickly.
fn assert_retry_later(response: &reqwest::Response, asked: Instant, what: &str) {
    assert_eq!(response.status(), 503, "{what}");
    assert!(
        response.headers().contains_key("retry-after"),
        "{what} says when to retry"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "{what} answered within seconds, not after {:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn a_stopped_database_is_a_503_to_retry_later_and_the_portal_recovers_on_its_own() {
    let (cluster, pg) = Cluster::start().await;
    let app = spawn_app_on(pg.connect_options(embedded_pg::DATABASE), |s| {
        s.database.acquire_timeout_seconds = 2;
    })
    .await;
    assert_eq!(submit(&app).await.status(), 200);

    cluster.stop(pg).await;

    // The consumer's submission: the form again, with what they typed and a word on why.
    let asked = Instant::now();
    let response = submit(&app).await;
    assert_retry_later(&response, asked, "a submission");
    let page = response.text().await.unwrap();
    assert!(page.contains("try again") || page.contains("send this form again"));
    assert!(
        page.contains("value=\"ana.lopez@example.com\""),
        "the typed e-mail is kept"
    );

    let asked = Instant::now();
    let lookup = app
        .post_form(
            "/status",
            &[
                ("tracking_code", "RD-7K3M-Q9PX"),
                ("email", "ana@example.com"),
            ],
        )
        .await;
    assert_retry_later(&lookup, asked, "a status look-up");
    assert!(
        lookup
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/html")),
        "a page gets a page"
    );

    // An agent's app gets the protocol's JSON error object.
    let asked = Instant::now();
    let drp = app
        .client
        .get(app.url(&format!(
            "/drp/v1/data-rights-request/{}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth("some-token")
        .send()
        .await
        .unwrap();
    assert_retry_later(&drp, asked, "a DRP status request");
    let error: serde_json::Value = drp.json().await.unwrap();
    assert_eq!(error["code"], "503");
    assert_eq!(error["fatal"], false);

    assert_eq!(app.get("/healthz").await.status(), 503);
    assert_eq!(
        app.get("/requests/new/delete").await.status(),
        200,
        "a form that needs no database is still served"
    );

    let _pg = cluster.restart().await;
    let back = Instant::now();
    while app.get("/healthz").await.status() != 200 {
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "the portal reconnects by itself"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(submit(&app).await.status(), 200);
    assert_eq!(
        app.count("requests").await,
        2,
        "the refused one was not stored"
    );
}

/// The postmaster and every process it started, as the kernel lists them.
fn cluster_processes(root: &Path) -> Vec<i32> {
    let pid_file = std::fs::read_to_string(root.join("data/postmaster.pid")).unwrap();
    let postmaster: i32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    let mut pids = vec![postmaster];
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid …: the command may hold spaces, so read after the ')'.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<i32>().ok());
        if parent == Some(postmaster) {
            pids.push(pid);
        }
    }
    pids
}

fn signal_all(pids: &[i32], signal: i32) {
    for &pid in pids {
        // SAFETY: kill(2) with the pid of a process of this test's own cluster.
        unsafe { libc::kill(pid, signal) };
    }
}

#[tokio::test]
async fn a_frozen_database_is_a_503_not_a_hang_and_the_portal_recovers() {
    let (cluster, pg) = Cluster::start().await;
    let app = spawn_app_on(pg.connect_options(embedded_pg::DATABASE), |s| {
        s.database.acquire_timeout_seconds = 1;
        s.database.answer_within_seconds = 2;
    })
    .await;
    let lookup = || {
        app.post_form(
            "/status",
            &[
                ("tracking_code", "RD-7K3M-Q9PX"),
                ("email", "ana@example.com"),
            ],
        )
    };
    // Warm connections wait in the pool: a frozen server accepts their queries and never
    // answers, and nothing in PostgreSQL cancels them. (No such request: a 404 page.)
    assert_eq!(lookup().await.status(), 404);

    let pids = cluster_processes(&cluster.root);
    signal_all(&pids, libc::SIGSTOP);
    let asked = Instant::now();
    let frozen = lookup().await;
    let drp = app
        .client
        .get(app.url(&format!(
            "/drp/v1/data-rights-request/{}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth("some-token")
        .send()
        .await
        .unwrap();
    signal_all(&pids, libc::SIGCONT);

    assert_eq!(frozen.status(), 503, "a look-up on a frozen database");
    assert!(frozen.headers().contains_key("retry-after"));
    assert!(
        asked.elapsed() < Duration::from_secs(8),
        "both answered within their limit, not after {:?}",
        asked.elapsed()
    );
    assert_eq!(drp.status(), 503);
    let error: serde_json::Value = drp.json().await.unwrap();
    assert_eq!(
        error["code"], "503",
        "an agent's app gets the protocol's error"
    );

    let back = Instant::now();
    while lookup().await.status() != 404 {
        assert!(
            back.elapsed() < Duration::from_secs(20),
            "the portal recovers once the database answers again"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(submit(&app).await.status(), 200);
    drop(pg);
}
