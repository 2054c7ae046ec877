//! Putting the parts together: the database (configured or private), migrations, the
//! router, the listener, and a clean stop on Ctrl-C or SIGTERM.

use std::str::FromStr;
use std::sync::Arc;

use anyhow::Context;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::Settings;
use crate::embedded_pg::{self, Durability, EmbeddedPg};
use crate::store;
use crate::web::{self, AppState};
use crate::worker::Worker;

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
    let db = connect_database(settings).await?;
    if let Err(err) = migrate_schema(&db.pool).await {
        db.close().await;
        return Err(err);
    }
    Ok(db)
}

/// Connects to `database_url`, or starts the private cluster, leaving the schema as it is.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Database> {
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
    let pool = match store::connect(options, &settings.database).await {
        Ok(pool) => pool,
        Err(err) => {
            if let Some(pg) = embedded {
                tokio::task::spawn_blocking(move || pg.stop()).await.ok();
            }
            return Err(err).context("connecting to PostgreSQL");
        }
    };
    Ok(Database { pool, embedded })
}

/// Applies the migrations on one connection without the statement timeout: building an
/// index on a large table may take longer than any request should.
pub async fn migrate_schema(pool: &PgPool) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await.context("connecting to PostgreSQL")?;
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut *conn)
        .await?;
    store::MIGRATOR
        .run(&mut *conn)
        .await
        .context("running database migrations")?;
    sqlx::query("RESET statement_timeout")
        .execute(&mut *conn)
        .await?;
    Ok(())
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

/// `rightsdesk serve`: the web tier, and the worker unless `with_worker` is false.
pub async fn serve(settings: Settings, with_worker: bool) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    adopt_deletion_recipients(&db, &settings).await?;
    let bind = settings.bind.clone();
    let clock = Clock::default();
    let state = AppState::new(db.pool.clone(), settings, clock.clone())?;
    let (stop, stopped) = watch::channel(false);
    let notifier = state.waker.spawn_notifier(db.pool.clone());
    let worker = if with_worker {
        let worker = Worker::new(db.pool.clone(), Arc::clone(&state.settings), clock)?
            .woken_by(&state.waker);
        Some(tokio::spawn(Arc::new(worker).run(stopped)))
    } else {
        None
    };
    let metrics = match start_metrics(&state.settings, &db.pool, &state.clock).await {
        Ok(metrics) => metrics,
        Err(err) => {
            stop.send_replace(true);
            db.close().await;
            return Err(err);
        }
    };
    let http = connection_limits(&state.settings.http);
    let app = web::router(state);
    let listener = match tokio::net::TcpListener::bind(&bind).await {
        Ok(listener) => listener,
        Err(err) => {
            stop.send_replace(true);
            db.close().await;
            return Err(err).with_context(|| format!("listening on {bind}"));
        }
    };
    let addr = listener.local_addr()?;
    let shutdown = shutdown_signal();
    println!("Rightsdesk is serving on http://{addr}  (Ctrl-C to stop)");
    if store::staff::count(&db.pool).await.unwrap_or(1) == 0 {
        println!(
            "No staff account yet. Create the first one with:\n  \
             cargo run --release -- staff add you@example.com --role admin\n\
             then sign in at http://{addr}/staff/login"
        );
    }
    web::serve::serve(listener, app, &http, shutdown).await;
    stop.send_replace(true);
    notifier.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    if let Some(worker) = worker {
        worker.await.ok();
    }
    db.close().await;
    Ok(())
}

/// Serves `/metrics` on `metrics.bind` when one is set (a private address: the
/// endpoint has no authentication).
async fn start_metrics(
    settings: &Settings,
    pool: &PgPool,
    clock: &Clock,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(bind) = &settings.metrics.bind else {
        return Ok(None);
    };
    let tz = settings
        .timezone()
        .map_err(|e| anyhow::anyhow!("business.timezone: {e}"))?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening for metrics on {bind}"))?;
    println!("Metrics on http://{}/metrics", listener.local_addr()?);
    let router = crate::telemetry::router(pool.clone(), tz, clock.clone());
    Ok(Some(crate::telemetry::spawn(listener, router)))
}

/// Raises the open-file soft limit to the hard limit (each connection is a file), and
/// keeps `max_connections` within it, leaving room for the database pool, the SMTP
/// connections and the files the portal opens.
fn connection_limits(http: &crate::config::Http) -> crate::config::Http {
    const RESERVED_FILES: u64 = 256;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    let files = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            None
        } else {
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = limit.rlim_max;
                }
            }
            Some(limit.rlim_cur)
        }
    };
    let mut http = http.clone();
    if let Some(files) = files {
        let room = files.saturating_sub(RESERVED_FILES).max(1) as usize;
        if http.max_connections > room {
            tracing::warn!(
                configured = http.max_connections,
                open_file_limit = files,
                "http.max_connections lowered to what the open-file limit allows"
            );
            http.max_connections = room;
        }
    }
    http
}

/// `rightsdesk worker`: delivery and deadline sweeps only.
pub async fn work(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    adopt_deletion_recipients(&db, &settings).await?;
    let worker_settings = settings.clone();
    let worker = Arc::new(Worker::new(
        db.pool.clone(),
        Arc::new(settings),
        Clock::default(),
    )?);
    let metrics = match start_metrics(&worker_settings, &db.pool, &Clock::default()).await {
        Ok(metrics) => metrics,
        Err(err) => {
            db.close().await;
            return Err(err);
        }
    };
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(worker.run(stopped));
    let shutdown = shutdown_signal();
    println!("Rightsdesk worker running  (Ctrl-C to stop)");
    shutdown.await;
    stop.send_replace(true);
    running.await.ok();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    db.close().await;
    Ok(())
}

/// `[staff] deletion_recipients` from older configurations become manual recipients
/// for deletions, unless a recipient of that name exists.
async fn adopt_deletion_recipients(db: &Database, settings: &Settings) -> anyhow::Result<()> {
    let names = &settings.staff.deletion_recipients;
    if names.is_empty() {
        return Ok(());
    }
    let added = crate::service::recipients::adopt_configured(&db.pool, names, chrono::Utc::now())
        .await
        .context("adding staff.deletion_recipients as recipients")?;
    if added > 0 {
        tracing::info!(
            added,
            "staff.deletion_recipients added as manual recipients"
        );
    }
    Ok(())
}

/// `rightsdesk worker --sweep-once`: one timed sweep.
pub async fn sweep_once(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let worker = Worker::new(db.pool.clone(), Arc::new(settings), Clock::default())?;
    let started = std::time::Instant::now();
    let report = worker.sweep().await;
    let took = started.elapsed();
    db.close().await;
    let report = report?;
    println!("sweep: {:.1} ms  {report:?}", took.as_secs_f64() * 1000.0);
    Ok(())
}

/// `rightsdesk worker --drain`: deliver what is queued with `mail.concurrency` senders,
/// then report the rate.
pub async fn drain(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let senders = settings.mail.concurrency;
    let worker = Arc::new(Worker::new(
        db.pool.clone(),
        Arc::new(settings),
        Clock::default(),
    )?);
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..senders {
        let worker = Arc::clone(&worker);
        tasks.spawn(async move { worker.deliver_all().await });
    }
    let mut delivered = 0;
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            Ok(n) => delivered += n,
            Err(err) => failure = Some(err),
        }
    }
    let took = started.elapsed().as_secs_f64();
    db.close().await;
    if let Some(err) = failure {
        return Err(err);
    }
    println!(
        "delivered: {delivered} messages in {took:.2} s ({:.0} messages/s, {senders} senders)",
        delivered as f64 / took.max(1e-9)
    );
    Ok(())
}

/// `rightsdesk purge [--dry-run]`: the retention purge at once, with its counts.
pub async fn purge(settings: Settings, dry_run: bool) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let started = std::time::Instant::now();
    let report = crate::service::purge::run(
        &db.pool,
        &settings,
        Clock::default().now(),
        settings.worker.batch_size,
        dry_run,
    )
    .await;
    let took = started.elapsed().as_secs_f64();
    db.close().await;
    let report = report.context("purging")?;
    for line in report.lines() {
        println!("{line}");
    }
    tracing::info!(elapsed_s = took, dry_run, "retention purge");
    Ok(())
}

/// `rightsdesk seed`: synthetic requests and messages for benchmarks.
pub async fn seed(
    settings: Settings,
    requests: i64,
    due: i64,
    messages: i64,
) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let clock = Clock::default();
    let tz = settings
        .timezone()
        .map_err(|e| anyhow::anyhow!("business.timezone: {e}"))?;
    let result = async {
        // One bulk statement per table: no request's time limit applies, and none is
        // logged as slow (the log line would carry the whole seeding statement).
        use sqlx::ConnectOptions;
        let mut conn = (*db.pool.connect_options())
            .clone()
            .log_slow_statements(log::LevelFilter::Off, std::time::Duration::ZERO)
            .connect()
            .await?;
        sqlx::query("SET statement_timeout = 0")
            .execute(&mut conn)
            .await?;
        if requests > 0 {
            let n = store::seed::requests(&mut conn, requests, due, clock.now(), clock.today(tz))
                .await?;
            println!(
                "seeded {n} requests ({} due for the worker)",
                due.min(requests)
            );
        }
        if messages > 0 {
            let host = crate::mail::MailContext::new(&settings).host;
            let n = store::seed::messages(&mut conn, messages, clock.now(), &host).await?;
            println!("queued {n} messages");
        }
        // Vacuumed as well as analyzed: a table autovacuum has visited, as it would be in
        // service, so benchmarks read it as production would.
        sqlx::query("VACUUM (ANALYZE) requests")
            .execute(&mut conn)
            .await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    db.close().await;
    result
}

/// `rightsdesk staff add EMAIL --role admin|reviewer`.
pub async fn add_staff(settings: Settings, email: &str, role: &str) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Read};
    let email = crate::domain::email::EmailAddress::parse(email)
        .map_err(|msg| anyhow::anyhow!("{email:?}: {}", crate::locale::Tr::default().get(msg)))?;
    let (password, generated) = if std::io::stdin().is_terminal() {
        (crate::auth::generate_password(), true)
    } else {
        let mut input = String::new();
        std::io::stdin()
            .read_to_string(&mut input)
            .context("reading the password")?;
        (input.trim_end_matches(['\r', '\n']).to_string(), false)
    };
    crate::auth::check_new_password(&password).map_err(|msg| anyhow::anyhow!("password: {msg}"))?;
    let hash = crate::auth::hash_password(password.clone()).await?;
    let db = open_database(&settings).await?;
    let created = async {
        let mut conn = db.pool.acquire().await?;
        store::staff::create(
            &mut conn,
            email.as_str(),
            role,
            Some(&hash),
            Clock::default().now(),
        )
        .await
    }
    .await;
    db.close().await;
    match created {
        Ok(_) => {
            println!("Created {role} {email}.");
            if generated {
                println!("Password (shown once): {password}");
            }
            Ok(())
        }
        Err(err) if store::violates(&err, store::staff::EMAIL_KEY) => {
            anyhow::bail!("there is already a staff account for {email}")
        }
        Err(err) => Err(err).context("creating the account"),
    }
}

/// `rightsdesk agent add ID --name … --verify-key KEY [--trusted]`: the key as base64
/// or 64 hex digits, stored as base64.
pub async fn add_agent(settings: Settings, agent: store::agents::Agent) -> anyhow::Result<()> {
    let agent = crate::service::drp::check_agent(agent).map_err(|msg| anyhow::anyhow!(msg))?;
    let db = open_database(&settings).await?;
    let added = store::agents::add(&db.pool, &agent).await;
    db.close().await;
    match added {
        Ok(()) => {
            let trust = if agent.trusted { ", trusted" } else { "" };
            println!("Registered agent {} ({}{trust}).", agent.id, agent.name);
            Ok(())
        }
        Err(err) if store::violates(&err, store::agents::AGENT_KEY) => {
            anyhow::bail!("an agent with id {} is already registered", agent.id)
        }
        Err(err) => Err(err).context("registering the agent"),
    }
}

/// `rightsdesk check-config [--connect]`: the settings were loaded and checked before
/// this runs (a bad one has already stopped the binary); print them with secrets masked,
/// then, with `connect`, reach the SMTP server and the database as the portal would.
pub async fn check_config(
    settings: Settings,
    effective: &toml::Table,
    connect: bool,
) -> anyhow::Result<()> {
    print!("{}", toml::to_string(&crate::config::masked(effective))?);
    if !connect {
        eprintln!("configuration: ok");
        return Ok(());
    }
    let mut problems = 0;
    match &settings.smtp_url {
        Some(url) => match crate::mail::smtp::Smtp::from_url(url)?.check().await {
            Ok(()) => eprintln!("smtp: ok"),
            Err(err) => {
                problems += 1;
                eprintln!("smtp: {err:#}");
            }
        },
        None => {
            let outbox = settings.data_dir.join("outbox");
            match crate::mail::transport::Transport::from_settings(None, &settings.data_dir) {
                Ok(_) => eprintln!(
                    "smtp: none configured; mail is written to {}",
                    outbox.display()
                ),
                Err(err) => {
                    problems += 1;
                    eprintln!("smtp: {err:#}");
                }
            }
        }
    }
    match connect_database(&settings).await {
        Ok(db) => {
            match store::pending_migrations(&db.pool).await {
                Ok(pending) if pending.is_empty() => eprintln!("database: ok, schema up to date"),
                Ok(pending) => eprintln!(
                    "database: ok; migrations {pending:?} will be applied at the next start"
                ),
                // A database the portal never started on has no migrations table yet.
                Err(sqlx::Error::Database(err)) if err.code().as_deref() == Some("42P01") => {
                    eprintln!("database: ok, empty; the schema is created at the first start")
                }
                Err(err) => {
                    problems += 1;
                    eprintln!("database: {err}");
                }
            }
            db.close().await;
        }
        Err(err) => {
            problems += 1;
            eprintln!("database: {err:#}");
        }
    }
    if problems > 0 {
        anyhow::bail!("{problems} check(s) failed");
    }
    Ok(())
}

/// `rightsdesk migrate`: bring the schema up to date and stop.
pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    println!("The database schema is up to date.");
    db.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not
/// when it is first awaited: call it before announcing the address, so a signal sent as
/// soon as the portal answers stops it cleanly instead of killing it.
fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async fn received(signal: Option<Signal>) {
        match signal {
            Some(mut signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    async move {
        tokio::select! {
            () = received(interrupt) => {},
            () = received(terminate) => {},
        }
        tracing::info!("stopping");
    }
}

/// `rightsdesk report metrics --year YYYY --format …`: the yearly §7102 report on
/// standard output; how long the database took goes to the log.
pub async fn report_metrics(settings: Settings, year: i32, format: &str) -> anyhow::Result<()> {
    use crate::service::metrics;
    let format = metrics::Format::parse(format)
        .ok_or_else(|| anyhow::anyhow!("--format: one of text, csv, json, html"))?;
    if !metrics::YEARS.contains(&year) {
        anyhow::bail!(
            "--year: a year from {} to {}",
            metrics::YEARS.start(),
            metrics::YEARS.end()
        );
    }
    let tz = settings
        .timezone()
        .map_err(|e| anyhow::anyhow!("business.timezone: {e}"))?;
    let db = open_database(&settings).await?;
    let started = std::time::Instant::now();
    let report = metrics::yearly(&db.pool, tz, year, chrono::Utc::now()).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    db.close().await;
    let report = report.context("computing the metrics")?;
    tracing::info!(year, elapsed_ms, "metrics report");
    let out = metrics::render(&report, &settings.business.name, format)?;
    print!("{out}");
    if !out.ends_with('\n') {
        println!();
    }
    Ok(())
}
