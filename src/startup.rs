//! Putting the parts together: the database (configured or private), migrations, the
//! router, the listener, and a clean stop on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::str::FromStr;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::clock::Clock;
use crate::config::Settings;
use crate::embedded_pg::{self, Durability, EmbeddedPg};
use crate::store;
use crate::web::{self, AppState};

/// The pool, and the private cluster behind it when no URL was configured.
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<EmbeddedPg>,
}

impl Database {
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(pg) = self.embedded {
            tokio::task::spawn_blocking(move || pg.stop()).await.ok();
        }
    }
}

/// Connects to `database_url`, or starts the private cluster under `<data dir>/postgres`,
/// then brings the schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let max = settings.database.max_connections;
    let (options, embedded) = match &settings.database_url {
        Some(url) => (
            PgConnectOptions::from_str(url)
                .context("RIGHTSDESK_DATABASE_URL is not a valid PostgreSQL URL")?,
            None,
        ),
        None => {
            let root = settings.data_dir.join("postgres");
            let pg =
                tokio::task::spawn_blocking(move || EmbeddedPg::start(&root, Durability::Durable))
                    .await??;
            ensure_database(&pg, embedded_pg::DATABASE).await?;
            (pg.connect_options(embedded_pg::DATABASE), Some(pg))
        }
    };
    let pool = match store::connect(options, max).await {
        Ok(pool) => pool,
        Err(err) => {
            if let Some(pg) = embedded {
                tokio::task::spawn_blocking(move || pg.stop()).await.ok();
            }
            return Err(err).context("connecting to PostgreSQL");
        }
    };
    store::MIGRATOR
        .run(&pool)
        .await
        .context("running database migrations")?;
    Ok(Database { pool, embedded })
}

/// Creates `name` in the private cluster if it is not there yet.
pub async fn ensure_database(pg: &EmbeddedPg, name: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect_with(&pg.connect_options("postgres"))
        .await
        .context("connecting to the private cluster")?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        // Identifiers cannot be bound; `name` is one of ours, quoted all the same.
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        if let Err(err) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
        {
            // Another instance may have created it meanwhile.
            if !store::violates(&err, "pg_database_datname_index") {
                return Err(err).context("creating the database");
            }
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// `rightsdesk serve`: the web tier (the worker joins it in a later step).
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let bind = settings.bind.clone();
    let state = AppState::new(db.pool.clone(), settings, Clock::default())?;
    let app = web::router(state);
    let listener = match tokio::net::TcpListener::bind(&bind).await {
        Ok(listener) => listener,
        Err(err) => {
            db.close().await;
            return Err(err).with_context(|| format!("listening on {bind}"));
        }
    };
    let addr = listener.local_addr()?;
    println!("Rightsdesk is serving on http://{addr}  (Ctrl-C to stop)");
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    db.close().await;
    served.context("serving HTTP")
}

/// `rightsdesk migrate`: bring the schema up to date and stop.
pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    println!("The database schema is up to date.");
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("stopping");
}
