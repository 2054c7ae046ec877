//! PostgreSQL access, one module per aggregate. Only parameterised SQL.

pub mod agents;
pub mod channels;
pub mod detail;
pub mod downloads;
pub mod drp;
pub mod events;
pub mod gpc;
pub mod inserter;
pub mod lifecycle;
pub mod login_throttle;
pub mod metrics;
pub mod operations;
pub mod opt_in;
pub mod outbox;
pub mod queue;
pub mod requests;
pub mod seed;
pub mod staff;
pub mod sweeps;
pub mod verification;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool that gives up on a connection after `acquire_timeout_seconds` (a stopped or
/// frozen server becomes an error the web tier turns into a 503, not a hang) and whose
/// statements PostgreSQL cancels after `statement_timeout_ms`.
pub async fn connect(
    options: PgConnectOptions,
    settings: &crate::config::Database,
) -> Result<PgPool, sqlx::Error> {
    let options = options.options([(
        "statement_timeout",
        settings.statement_timeout_ms.to_string(),
    )]);
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(1)
        .acquire_timeout(settings.acquire_timeout())
        .connect_with(options)
        .await
}

/// The versions of this binary's migrations that the database has not applied (or whose
/// run failed halfway): empty when the schema is the one this binary was built for. A
/// load balancer should not send traffic to an instance whose schema is behind.
pub async fn pending_migrations(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .filter(|version| applied.binary_search(version).is_err())
        .collect())
}

/// True when `err` says the database cannot be reached or is not answering in time
/// (stopped, restarting, frozen, out of connections), rather than that the statement
/// or the data is wrong: worth retrying later.
pub fn unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-03: shutting down or starting up;
            // 57014: cancelled (the statement timeout); 53300: too many connections.
            code.starts_with("08") || code.starts_with("57P") || code == "57014" || code == "53300"
        }),
        _ => false,
    }
}

/// True when `err` is the violation of the named unique or check constraint.
pub fn violates(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}
