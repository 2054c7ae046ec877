//! PostgreSQL access, one module per aggregate. Only parameterised SQL.

pub mod agents;
pub mod detail;
pub mod downloads;
pub mod drp;
pub mod events;
pub mod gpc;
pub mod inserter;
pub mod lifecycle;
pub mod login_throttle;
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

pub async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options)
        .await
}

/// True when `err` is the violation of the named unique or check constraint.
pub fn violates(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.constraint() == Some(constraint))
}
