//! `rightsdesk recipient add | list | deactivate | rotate-secret`: managing recipients
//! from the command line, through the same checks as the console page. A webhook's
//! signing secret is printed once, when it is made.

use anyhow::Context;

use crate::config::Settings;
use crate::service::recipients::{self, Entered};
use crate::startup::open_database;
use crate::store;

/// How a new recipient is told, as given on the command line.
pub enum Told {
    Email(String),
    Webhook(String),
    Manual,
}

pub struct Add {
    pub name: String,
    pub role: String,
    pub kinds: Vec<String>,
    pub told: Told,
    pub events: bool,
}

pub async fn add(settings: Settings, add: Add) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let (channel, address) = match &add.told {
        Told::Email(a) => ("email", a.as_str()),
        Told::Webhook(u) => ("webhook", u.as_str()),
        Told::Manual => ("manual", ""),
    };
    let entered = Entered {
        name: &add.name,
        role: &add.role,
        kinds: add.kinds.iter().map(String::as_str).collect(),
        channel,
        address,
        events: add.events,
    };
    let added = recipients::add(
        &db.pool,
        entered,
        settings.outbound.allow_private_addresses,
        &crate::outbound::SystemResolver,
        chrono::Utc::now(),
    )
    .await;
    db.close().await;
    match added.context("adding the recipient")? {
        Ok(added) => {
            println!("Added recipient {} (id {}).", add.name.trim(), added.id);
            if let Some(secret) = added.secret {
                println!("Webhook signing secret (shown once; give it to the receiver):\n{secret}");
            }
            Ok(())
        }
        Err(refused) => anyhow::bail!("{refused}"),
    }
}

pub async fn list(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let all = store::recipients::all(&db.pool).await;
    db.close().await;
    for r in all? {
        println!(
            "{}\t{}\t{}\t{}\t{}{}{}",
            r.name,
            r.role,
            r.kind_codes().replace(' ', ""),
            r.channel,
            r.address.as_deref().unwrap_or("-"),
            if r.events { "\tevents" } else { "" },
            if r.active { "" } else { "\tdeactivated" },
        );
    }
    Ok(())
}

pub async fn deactivate(settings: Settings, name: &str) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let done = async {
        let Some(r) = store::recipients::by_name(&db.pool, name).await? else {
            anyhow::bail!("no recipient named {name}");
        };
        if !store::recipients::deactivate(&db.pool, r.id, chrono::Utc::now()).await? {
            anyhow::bail!("{} is already deactivated", r.name);
        }
        println!("Deactivated {}: no new tasks; its open tasks stay.", r.name);
        Ok(())
    }
    .await;
    db.close().await;
    done
}

pub async fn rotate_secret(settings: Settings, name: &str) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let done = async {
        let Some(r) = store::recipients::by_name(&db.pool, name).await? else {
            anyhow::bail!("no recipient named {name}");
        };
        let Some(secret) = recipients::rotate_secret(&db.pool, r.id).await? else {
            anyhow::bail!("{} has no webhook", r.name);
        };
        println!(
            "New signing secret for {} (shown once; the old one no longer signs):\n{secret}",
            r.name
        );
        Ok(())
    }
    .await;
    db.close().await;
    done
}

/// `rightsdesk recipient drain`: delivers every task due now with `mail.concurrency`
/// senders, then prints the rate and the failed attempts (benchmarks, one-off runs).
pub async fn drain(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let senders = settings.mail.concurrency;
    let worker = std::sync::Arc::new(crate::worker::Worker::new(
        db.pool.clone(),
        std::sync::Arc::new(settings),
        crate::clock::Clock::default(),
    )?);
    let started = std::time::Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for _ in 0..senders {
        let worker = std::sync::Arc::clone(&worker);
        running.spawn(async move { worker.deliver_all_tasks().await });
    }
    let mut claimed = 0;
    let mut failure = None;
    while let Some(joined) = running.join_next().await {
        match joined? {
            Ok(n) => claimed += n,
            Err(err) => failure = Some(err),
        }
    }
    let took = started.elapsed().as_secs_f64();
    let (delivered, failed, pending): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL),
                count(*) FILTER (WHERE last_error IS NOT NULL),
                count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL)
         FROM task_deliveries",
    )
    .fetch_one(&db.pool)
    .await?;
    db.close().await;
    if let Some(err) = failure {
        return Err(err);
    }
    println!(
        "attempts: {claimed} in {took:.2} s ({:.0}/s); delivered: {delivered}; with errors: {failed}; still pending: {pending}",
        claimed as f64 / took.max(1e-9)
    );
    Ok(())
}
