//! The retention purge (reg. §7101, ccpa-rules §8): verification material and response
//! packages go on their own short clocks after a request closes; past `retention.months`
//! a closed request whose mail and downstream work are finished loses its personal
//! information and keeps an anonymous record, so the yearly metrics never change. The
//! suppression lists (`opt_outs`, `browser_opt_outs`) are never purged: an opt-out stands
//! until the consumer opts in; only their link to the purged request goes. The worker runs this daily; `rightsdesk purge` runs it at once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Error;
use crate::config::Settings;
use crate::domain::retention::Clocks;
use crate::store::purge::{self, PackagesRemoved, Purged, VerificationRemoved};

/// What one purge did (or, dry, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub dry_run: bool,
    pub verification: VerificationRemoved,
    pub packages: PackagesRemoved,
    pub requests: Purged,
    /// `.eml` files of purged requests' messages removed from `<data dir>/outbox`
    /// (none counted on a dry run).
    pub message_files: u64,
    pub unsolicited_counters: i64,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        Report {
            dry_run: self.dry_run,
            ..Report::default()
        } == *self
    }

    /// The counts per item, one line each, as `rightsdesk purge` prints them.
    pub fn lines(&self) -> Vec<String> {
        let verb = if self.dry_run {
            "would purge"
        } else {
            "purged"
        };
        let r = &self.requests;
        let v = &self.verification;
        let p = &self.packages;
        let mut lines = vec![
            format!(
                "requests past retention {verb}: {} (contact details, typed text, agent details)",
                r.requests
            ),
            format!("  files (uploads and packages): {}", r.files),
            format!("  verification links: {}", r.verification_links),
            format!("  download links: {}", r.download_links),
            format!("  messages (addresses, subjects, bodies): {}", r.messages),
        ];
        if !self.dry_run {
            lines.push(format!(
                "  message files in the outbox directory: {}",
                self.message_files
            ));
        }
        lines.extend([
            format!("  audit events with personal data: {}", r.events),
            format!(
                "  downstream tasks (notes, completion links, delivery errors): {}",
                r.tasks
            ),
            format!(
                "verification material {verb}: {} requests (authorizations: {}, declaration names: {}, verification links: {})",
                v.requests, v.authorizations, v.declarations, v.verification_links
            ),
            format!(
                "response packages {verb}: {} (download links closed: {})",
                p.packages, p.links_closed
            ),
            format!("unsolicited-mail counters {verb}: {}", self.unsolicited_counters),
        ]);
        lines
    }
}

/// Runs every retention clock at `now`, in batches of `batch` requests, each in its own
/// transaction; with `dry_run`, counts what it would do and changes nothing.
pub async fn run(
    db: &PgPool,
    settings: &Settings,
    now: DateTime<Utc>,
    batch: i64,
    dry_run: bool,
) -> Result<Report, Error> {
    let r = &settings.retention;
    let clocks = Clocks::at(now, r.months, r.verification_days, r.package_days);
    let batch = batch.max(1);
    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    if dry_run {
        let mut conn = db.acquire().await?;
        report.verification =
            purge::count_verification(&mut conn, clocks.verification_closed_before).await?;
        report.packages =
            purge::count_packages(&mut conn, clocks.packages_closed_before, now).await?;
        report.requests = purge::count_purgeable(&mut conn, clocks.purge_closed_before).await?;
        report.unsolicited_counters =
            purge::count_unsolicited(&mut conn, clocks.unsolicited_before).await?;
        return Ok(report);
    }
    let pace = Pace::new(r.purge_share);
    loop {
        let started = Instant::now();
        let mut tx = batch_transaction(db).await?;
        let done = purge::remove_verification_batch(
            &mut tx,
            clocks.verification_closed_before,
            batch,
            now,
        )
        .await?;
        tx.commit().await?;
        let v = &mut report.verification;
        v.requests += done.requests;
        v.authorizations += done.authorizations;
        v.declarations += done.declarations;
        v.verification_links += done.verification_links;
        if done.requests < batch {
            break;
        }
        pace.rest(started).await;
    }
    loop {
        let started = Instant::now();
        let mut tx = batch_transaction(db).await?;
        let done = purge::remove_packages_batch(&mut tx, clocks.packages_closed_before, batch, now)
            .await?;
        tx.commit().await?;
        report.packages.packages += done.packages;
        report.packages.links_closed += done.links_closed;
        if done.packages < batch {
            break;
        }
        pace.rest(started).await;
    }
    let outbox_dir = settings.data_dir.join("outbox");
    loop {
        let started = Instant::now();
        let mut tx = batch_transaction(db).await?;
        let (done, messages) =
            purge::purge_batch(&mut tx, clocks.purge_closed_before, batch, now).await?;
        tx.commit().await?;
        report.message_files += remove_message_files(&outbox_dir, messages).await;
        let t = &mut report.requests;
        t.requests += done.requests;
        t.files += done.files;
        t.verification_links += done.verification_links;
        t.download_links += done.download_links;
        t.messages += done.messages;
        t.events += done.events;
        t.tasks += done.tasks;
        if done.requests < batch {
            break;
        }
        pace.rest(started).await;
    }
    loop {
        let started = Instant::now();
        let mut tx = batch_transaction(db).await?;
        let n = purge::forget_unsolicited_batch(&mut tx, clocks.unsolicited_before, batch).await?;
        tx.commit().await?;
        report.unsolicited_counters += n;
        if n < batch {
            break;
        }
        pace.rest(started).await;
    }
    Ok(report)
}

/// A batch's transaction, whose commit does not wait for the disk. The purge is
/// idempotent: a batch lost in a crash is done again by the next run, so nothing is
/// risked, and intake's commits, which do wait, do not queue behind the purge's flushes.
async fn batch_transaction(
    db: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Keeps the purge to its share of the time (`[retention] purge_share`): after a batch
/// that took t, it waits t × (100 − share) / share. A purge of a million requests works
/// for minutes; waiting leaves the processor to intake, which shares the machine.
struct Pace {
    share: u32,
}

impl Pace {
    fn new(share: u32) -> Pace {
        Pace {
            share: share.clamp(1, 100),
        }
    }

    fn pause(&self, worked: Duration) -> Duration {
        worked * (100 - self.share) / self.share
    }

    async fn rest(&self, started: Instant) {
        let pause = self.pause(started.elapsed());
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
}

/// Removes the `.eml` files the file transport wrote for these messages (named by the
/// outbox id, or a task delivery's id made negative, see `mail::transport`); none exist
/// when mail goes over SMTP.
async fn remove_message_files(dir: &Path, ids: Vec<i64>) -> u64 {
    if ids.is_empty() {
        return 0;
    }
    let dir: PathBuf = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        if !dir.is_dir() {
            return 0;
        }
        let mut removed = 0;
        for id in ids {
            match std::fs::remove_file(dir.join(format!("{id:010}.eml"))) {
                Ok(()) => removed += 1,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    tracing::warn!(outbox_id = id, error = %err, "a purged message's file could not be removed");
                }
            }
        }
        removed
    })
    .await
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_waits_so_it_works_only_its_share_of_the_time() {
        let batch = Duration::from_millis(40);
        assert_eq!(Pace::new(50).pause(batch), batch);
        assert_eq!(Pace::new(25).pause(batch), Duration::from_millis(120));
        assert_eq!(Pace::new(100).pause(batch), Duration::ZERO);
        assert_eq!(
            Pace::new(0).pause(batch),
            Duration::from_millis(3960),
            "at least 1%"
        );
    }
}
