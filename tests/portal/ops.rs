//! Running the portal: readiness, logs, configuration, backups, the service unit.

use crate::support::spawn_app;

#[tokio::test]
async fn a_fresh_portal_is_ready() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn a_portal_whose_latest_migration_is_not_applied_is_alive_but_not_ready() {
    let app = spawn_app().await;
    let latest: i64 = sqlx::query_scalar(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)
         RETURNING version",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();

    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert!(response.text().await.unwrap().contains(&latest.to_string()));
    // Liveness is another question: the process and its database are fine.
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_portal_without_its_database_is_not_ready() {
    let app = spawn_app().await;
    app.db.close().await;
    assert_eq!(app.get("/readyz").await.status(), 503);
}
