//! Waking workers when there is mail to send, without slowing the writes that queue it.
//!
//! A `NOTIFY` inside the transaction that queues a message would serialize every commit
//! behind one cluster-wide lock held until the commit is on disk. Instead, a request
//! that wrote something pokes the `Waker`; one background task coalesces the pokes and
//! sends at most one `NOTIFY` per interval, in a transaction of its own that does not
//! wait for the disk. Workers in this process are woken directly.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;

pub const CHANNEL: &str = "rightsdesk_outbox";
/// Pokes within this window become one notification.
const COALESCE: Duration = Duration::from_millis(20);

#[derive(Clone, Default)]
pub struct Waker {
    poked: Arc<Notify>,
    /// The worker of this process, if it runs one.
    local: Arc<Notify>,
}

impl Waker {
    /// Something was queued: wake the workers soon.
    pub fn wake(&self) {
        self.local.notify_waiters();
        self.poked.notify_one();
    }

    /// What this process's worker waits on.
    pub fn local(&self) -> Arc<Notify> {
        Arc::clone(&self.local)
    }

    /// Sends the coalesced notifications to workers in other processes, forever.
    pub fn spawn_notifier(&self, db: PgPool) -> tokio::task::JoinHandle<()> {
        let poked = Arc::clone(&self.poked);
        tokio::spawn(async move {
            loop {
                poked.notified().await;
                tokio::time::sleep(COALESCE).await;
                if let Err(err) = notify(&db).await {
                    tracing::debug!(error = %err, "could not notify workers; they will poll");
                }
            }
        })
    }
}

async fn notify(db: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(CHANNEL)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
