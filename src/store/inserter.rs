//! Writes new requests in groups: under load, the requests that arrive while one group
//! is being committed go together in the next statement and the next commit.
//!
//! A handler hands its [`Insert`] over and waits for the answer; it tells the consumer
//! the request is received only once its group is committed. Nothing waits for a group
//! to fill: a writer that is free takes whatever is queued, one request or many, so a
//! lone request is written at once. If a group fails (a tracking code already taken, a
//! broken connection), each of its requests is written again on its own, so every
//! request gets its own answer and one bad row cannot fail the others. A group the
//! database does not answer in time (a frozen server) fails as a whole, at once: the
//! consumers are told to try again rather than kept waiting.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{Mutex, mpsc, oneshot};

use super::requests::{self, Insert};

/// Groups written at the same time, each on its own connection. One: the requests that
/// arrive while a group is being committed make the next group, so under load the groups
/// grow instead of the statements multiplying. Each statement and commit has a fixed cost
/// in PostgreSQL (planning, opening a dozen indexes, checking constraints, flushing the
/// WAL) that its group shares: with four writers at concurrency 32 the groups averaged
/// five requests and PostgreSQL spent about 260 µs per request, with one about fifteen
/// and 145 µs, at the same throughput (`bench/intake.sh`). A second writer that waited
/// for a group of sixteen while the first one's commit was under way did no better.
const WRITERS: usize = 1;
/// The most requests in one statement.
const MAX_GROUP: usize = 64;
/// Requests waiting for a writer before handlers wait to hand theirs over.
const QUEUE: usize = 1024;

type Reply = oneshot::Sender<Result<(), sqlx::Error>>;

#[derive(Clone)]
pub struct Inserter {
    queue: mpsc::Sender<(Insert, Reply)>,
}

/// Why a request was not written.
#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the request writer stopped")]
    Stopped,
}

impl Inserter {
    /// Starts the writers. They stop when the last `Inserter` is dropped, after writing
    /// what was handed to them.
    /// A group not committed within `timeout` is answered with an error. Receipts
    /// past `unsolicited_per_day` to one address are not queued (see
    /// `requests::insert_many`).
    pub fn spawn(db: PgPool, unsolicited_per_day: i32, timeout: Duration) -> Self {
        let (queue, received) = mpsc::channel(QUEUE);
        let received = Arc::new(Mutex::new(received));
        let limits = Limits {
            unsolicited_per_day,
            timeout,
        };
        for _ in 0..WRITERS {
            tokio::spawn(write_groups(db.clone(), Arc::clone(&received), limits));
        }
        Self { queue }
    }

    /// Writes one request, with whatever else is waiting, and answers once it is
    /// committed.
    pub async fn insert(&self, row: Insert) -> Result<(), InsertError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((row, reply))
            .await
            .map_err(|_| InsertError::Stopped)?;
        answer
            .await
            .map_err(|_| InsertError::Stopped)?
            .map_err(Into::into)
    }
}

/// What every group is written under.
#[derive(Clone, Copy)]
struct Limits {
    unsolicited_per_day: i32,
    timeout: Duration,
}

async fn write_groups(
    db: PgPool,
    queue: Arc<Mutex<mpsc::Receiver<(Insert, Reply)>>>,
    limits: Limits,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    loop {
        {
            let mut queue = queue.lock().await;
            if queue.recv_many(&mut group, MAX_GROUP).await == 0 {
                return;
            }
        }
        write(&db, &mut group, limits).await;
    }
}

/// Writes a group and answers each of its handlers; empties `group`.
async fn write(db: &PgPool, group: &mut Vec<(Insert, Reply)>, limits: Limits) {
    let (rows, replies): (Vec<Insert>, Vec<Reply>) = group.drain(..).unzip();
    let together = tokio::time::timeout(limits.timeout, async {
        let mut conn = db.acquire().await.map_err(Unwritten::NoConnection)?;
        requests::insert_many(&mut conn, &rows, limits.unsolicited_per_day)
            .await
            .map_err(Unwritten::Failed)
    })
    .await
    .unwrap_or(Err(Unwritten::NotAnswered));
    let together = match together {
        Ok(()) => Ok(()),
        Err(Unwritten::Failed(err)) => Err(err),
        // Nothing reached the database, or it does not answer: written one by one, each
        // would wait as long again.
        Err(unwritten) => {
            for reply in replies {
                let _ = reply.send(Err(unwritten.to_error()));
            }
            return;
        }
    };
    match together {
        Ok(()) => {
            for reply in replies {
                // A handler that gave up waiting no longer needs the answer.
                let _ = reply.send(Ok(()));
            }
        }
        Err(err) if rows.len() == 1 => {
            let _ = replies.into_iter().next().map(|reply| reply.send(Err(err)));
        }
        Err(_) => {
            for (row, reply) in rows.iter().zip(replies) {
                let _ = reply.send(write_alone(db, row, limits.unsolicited_per_day).await);
            }
        }
    }
}

/// Why a group was not written.
enum Unwritten {
    /// No connection within the pool's acquire timeout, or the server refused one.
    NoConnection(sqlx::Error),
    /// The statement failed; the group may be stored after all if the connection broke.
    Failed(sqlx::Error),
    /// No answer within the write timeout (a frozen server).
    NotAnswered,
}

impl Unwritten {
    /// The error each handler of a group that never reached the database gets.
    fn to_error(&self) -> sqlx::Error {
        match self {
            Unwritten::NoConnection(sqlx::Error::PoolTimedOut) => sqlx::Error::PoolTimedOut,
            Unwritten::NoConnection(sqlx::Error::PoolClosed) => sqlx::Error::PoolClosed,
            Unwritten::NoConnection(err) | Unwritten::Failed(err) => sqlx::Error::Io(
                std::io::Error::new(std::io::ErrorKind::NotConnected, err.to_string()),
            ),
            Unwritten::NotAnswered => sqlx::Error::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the database did not answer in time",
            )),
        }
    }
}

/// Writes one request of a group that failed.
async fn write_alone(
    db: &PgPool,
    row: &Insert,
    unsolicited_per_day: i32,
) -> Result<(), sqlx::Error> {
    let mut conn = db.acquire().await?;
    match requests::insert(&mut conn, row, unsolicited_per_day).await {
        // The id is this request's alone: if it is taken, the group was committed after
        // all (the connection broke before the answer came), so the request is stored
        // and must not be filed again. The same goes for the signed body that filed it,
        // when it was spent for this very request.
        Err(err) if super::violates(&err, requests::ID_KEY) => Ok(()),
        Err(err) if super::violates(&err, super::drp::USED_SIGNATURE_KEY) => {
            let hash = row.drp.as_ref().and_then(|d| d.signature.as_ref());
            match hash {
                Some((hash, _))
                    if super::drp::filed_by_signature(&mut conn, hash, row.id).await? =>
                {
                    Ok(())
                }
                _ => Err(err),
            }
        }
        other => other,
    }
}
