//! `rightsdesk backup FILE` and `rightsdesk restore FILE`: the whole database (requests,
//! their audit trail, files, the suppression list, staff accounts) in PostgreSQL's own
//! custom dump format, from the private cluster or the configured server. `pg_dump`
//! reads one snapshot, so the portal may keep running while it does. A restore goes
//! only into a database that holds no requests, and only from a schema this binary
//! knows: nothing is overwritten, and no newer binary's tables are read by an older one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::config::Settings;
use crate::embedded_pg;
use crate::startup::{self, Database};
use crate::store;

/// How `pg_dump` and `pg_restore` reach the database: a libpq URL without the password
/// (command lines are visible to every user of the machine) and the password apart.
struct Target {
    url: String,
    password: Option<String>,
}

impl Target {
    fn of(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.database_url {
            Some(raw) => {
                let mut url = url::Url::parse(raw).context("database_url is not a URL")?;
                let password = url.password().map(|p| {
                    percent_encoding::percent_decode_str(p)
                        .decode_utf8_lossy()
                        .into_owned()
                });
                url.set_password(None).ok();
                Ok(Self {
                    url: url.to_string(),
                    password,
                })
            }
            None => {
                let root = std::path::absolute(settings.data_dir.join("postgres"))?;
                let mut url = url::Url::parse(&format!(
                    "postgres://{}@localhost/{}",
                    embedded_pg::SUPERUSER,
                    embedded_pg::DATABASE
                ))?;
                url.query_pairs_mut()
                    .append_pair("host", root.to_str().context("non-UTF-8 data directory")?);
                Ok(Self {
                    url: url.to_string(),
                    password: None,
                })
            }
        }
    }

    fn command(&self, program: &str) -> anyhow::Result<Command> {
        let mut command = Command::new(embedded_pg::program(program)?);
        command
            .arg(format!("--dbname={}", self.url))
            .env_remove("PGPASSWORD")
            .stdin(std::process::Stdio::null());
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        Ok(command)
    }
}

/// Runs `command`, turning a failure into an error carrying its standard error.
async fn run(mut command: Command, what: &str) -> anyhow::Result<Vec<u8>> {
    let out = tokio::task::spawn_blocking(move || command.output())
        .await?
        .with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// `rightsdesk backup FILE`: written beside `file` first and renamed when complete, so
/// a failed dump never leaves a file that looks like a backup.
pub async fn backup(settings: Settings, file: &Path) -> anyhow::Result<()> {
    let db = startup::connect_database(&settings).await?;
    let result = dump(&settings, file).await;
    db.close().await;
    result?;
    println!("Backed up the database to {}.", file.display());
    Ok(())
}

async fn dump(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let partial = partial_path(file);
    let mut command = Target::of(settings)?.command("pg_dump")?;
    command.args(["--format=custom", "--no-owner", "--no-acl", "--file"]);
    command.arg(&partial);
    if let Err(err) = run(command, "pg_dump").await {
        std::fs::remove_file(&partial).ok();
        return Err(err);
    }
    std::fs::rename(&partial, file).with_context(|| format!("writing {}", file.display()))
}

fn partial_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

/// `rightsdesk restore FILE`: into a database with no requests (a new one, or one the
/// portal only created its schema in), then brought up to this binary's schema.
pub async fn restore(settings: Settings, file: &Path) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let dumped = dumped_migrations(file).await?;
    let known = store::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    match dumped.iter().max() {
        None => bail!(
            "{} holds no Rightsdesk schema (no _sqlx_migrations data)",
            file.display()
        ),
        Some(&latest) if latest > known => bail!(
            "{} comes from a newer Rightsdesk (schema {latest}; this binary knows up to {known}): \
             restore it with that version or a later one",
            file.display()
        ),
        Some(_) => {}
    }
    let db = startup::connect_database(&settings).await?;
    let result = restore_into(&settings, &db, file).await;
    db.close().await;
    result?;
    println!(
        "Restored {} ({} requests).",
        file.display(),
        result_count(&settings).await?
    );
    Ok(())
}

async fn restore_into(settings: &Settings, db: &Database, file: &Path) -> anyhow::Result<()> {
    let has_schema: bool = sqlx::query_scalar("SELECT to_regclass('public.requests') IS NOT NULL")
        .fetch_one(&db.pool)
        .await?;
    if has_schema {
        let requests: i64 = sqlx::query_scalar("SELECT count(*) FROM requests")
            .fetch_one(&db.pool)
            .await?;
        if requests > 0 {
            bail!(
                "the database already holds {requests} requests: restore into a new, empty \
                 database (nothing is overwritten)"
            );
        }
    }
    let mut command = Target::of(settings)?.command("pg_restore")?;
    command.args([
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
    ]);
    if has_schema {
        // The schema a first start created, with no requests in it: replaced by the dump's.
        command.args(["--clean", "--if-exists"]);
    }
    command.arg(file);
    run(command, "pg_restore").await?;
    startup::migrate_schema(&db.pool).await
}

async fn result_count(settings: &Settings) -> anyhow::Result<i64> {
    let db = startup::connect_database(settings).await?;
    let n = sqlx::query_scalar("SELECT count(*) FROM requests")
        .fetch_one(&db.pool)
        .await;
    db.close().await;
    Ok(n?)
}

/// The migration versions recorded in the dump, read from the dump itself (`pg_restore`
/// prints its `_sqlx_migrations` data as a `COPY` block) before anything is touched.
async fn dumped_migrations(file: &Path) -> anyhow::Result<Vec<i64>> {
    let mut command = Command::new(embedded_pg::program("pg_restore")?);
    command
        .args(["--data-only", "--table=_sqlx_migrations", "--file=-"])
        .arg(file);
    let script = run(command, "pg_restore (reading the dump)").await?;
    let script = String::from_utf8_lossy(&script);
    Ok(script
        .lines()
        .skip_while(|line| !line.starts_with("COPY ") || !line.contains("_sqlx_migrations"))
        .skip(1)
        .take_while(|line| *line != "\\.")
        .filter_map(|line| line.split('\t').next()?.parse().ok())
        .collect())
}
