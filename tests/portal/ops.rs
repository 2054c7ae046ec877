//! Running the portal: readiness, logs, configuration, backups, the service unit.

use crate::support::{SmtpServer, TempDir, database_url, fresh_database, rightsdesk, spawn_app};

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

#[tokio::test]
async fn with_json_logs_every_line_the_server_writes_is_a_json_object() {
    use std::io::{BufRead, Read};
    let data_dir = TempDir::new("data");
    let mut server = rightsdesk(&data_dir)
        .arg("serve")
        .arg("--no-worker")
        .env("RIGHTSDESK_BIND", "127.0.0.1:0")
        .env(
            "RIGHTSDESK_DATABASE_URL",
            database_url(&fresh_database().await),
        )
        .env("RIGHTSDESK_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut banner = String::new();
    stdout.read_line(&mut banner).unwrap();
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"));
    // Serving, so listening for the signal too.
    let ready = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    // SAFETY: signals the child this test started.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    assert!(server.wait().unwrap().success());

    let mut logs = String::new();
    server.stderr.unwrap().read_to_string(&mut logs).unwrap();
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect();
    let stopping = lines
        .iter()
        .find(|line| line["message"] == "stopping")
        .unwrap_or_else(|| panic!("no stopping line in {logs}"));
    assert_eq!(stopping["level"], "INFO");
    assert_eq!(stopping["target"], "rightsdesk::startup");
    assert!(stopping["timestamp"].is_string());
}

#[test]
fn an_unknown_log_format_is_refused_before_anything_starts() {
    let data_dir = TempDir::new("data");
    let out = rightsdesk(&data_dir)
        .args(["drp", "directory-entry"])
        .env("RIGHTSDESK_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RIGHTSDESK_LOG_FORMAT"));
}

#[test]
fn check_config_prints_the_settings_with_the_passwords_masked() {
    let data_dir = TempDir::new("data");
    let out = rightsdesk(&data_dir)
        .arg("check-config")
        .env(
            "RIGHTSDESK_DATABASE_URL",
            "postgres://rightsdesk:hunter2@db.internal:5432/rightsdesk",
        )
        .env("RIGHTSDESK_SMTP_URL", "smtps://mailer:s3cret@mail.internal")
        .env("RIGHTSDESK_BUSINESS__NAME", "Acme")
        .output()
        .unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !printed.contains("hunter2") && !printed.contains("s3cret"),
        "{printed}"
    );
    let effective: toml::Table = printed.parse().unwrap();
    assert_eq!(
        effective["database_url"].as_str(),
        Some("postgres://rightsdesk:****@db.internal:5432/rightsdesk")
    );
    assert_eq!(
        effective["smtp_url"].as_str(),
        Some("smtps://mailer:****@mail.internal")
    );
    assert_eq!(effective["business"]["name"].as_str(), Some("Acme"));
}

#[test]
fn check_config_refuses_a_bad_configuration_and_says_what_is_wrong() {
    let data_dir = TempDir::new("data");
    for (var, value, named) in [
        ("RIGHTSDESK_SMTP_URL", "smtp://", "smtp_url"),
        (
            "RIGHTSDESK_BUSINESS__TIMEZONE",
            "Pacific/Atlantis",
            "business.timezone",
        ),
        ("RIGHTSDESK_NO_SUCH_SETTING", "1", "no_such_setting"),
    ] {
        let out = rightsdesk(&data_dir)
            .arg("check-config")
            .env(var, value)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{var}={value} was accepted");
        assert!(out.stdout.is_empty());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains(named), "{var}: {said}");
    }
}

#[tokio::test]
async fn check_config_connect_reaches_the_mail_server_and_the_database() {
    let smtp = SmtpServer::start().await;
    let data_dir = TempDir::new("data");
    let database = database_url(&fresh_database().await);
    let out = rightsdesk(&data_dir)
        .args(["check-config", "--connect"])
        .env("RIGHTSDESK_DATABASE_URL", &database)
        .env("RIGHTSDESK_SMTP_URL", smtp.url())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("smtp: ok"), "{said}");
    assert!(said.contains("database: ok, schema up to date"), "{said}");
    assert!(smtp.messages().is_empty(), "a check sends no mail");

    // Nothing listens on the port once the server has stopped.
    let mut smtp = smtp;
    smtp.stop();
    let out = rightsdesk(&data_dir)
        .args(["check-config", "--connect"])
        .env("RIGHTSDESK_DATABASE_URL", &database)
        .env("RIGHTSDESK_SMTP_URL", smtp.url())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!("smtp: connecting to 127.0.0.1:{}", smtp.port)),
        "{said}"
    );
    assert!(said.contains("database: ok"), "{said}");
}

/// Runs `rightsdesk` with `args` against the database at `url`; its exit status and what
/// it wrote to standard error.
fn run_against(url: &str, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let data_dir = TempDir::new("data");
    let out = rightsdesk(&data_dir)
        .args(args)
        .env("RIGHTSDESK_DATABASE_URL", url)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A request filed through the form, with a file attached and its address on the
/// suppression list: what a backup must keep.
async fn a_request_with_a_file_and_an_opt_out(app: &crate::support::TestApp) -> String {
    use rightsdesk::domain::kinds::RequestKind;
    let page = app
        .post_form(
            "/requests/new/opt_out",
            &crate::intake::valid_fields(RequestKind::OptOut),
        )
        .await
        .text()
        .await
        .unwrap();
    let code = crate::support::tracking_code_in(&page);
    sqlx::query(
        "INSERT INTO attachments (request_id, purpose, filename, content_type, size_bytes, sha256, content)
         SELECT id, 'response_package', 'records.pdf', 'application/pdf', 4, 'abcd', '\\x25504446'::bytea
         FROM requests WHERE tracking_code = $1",
    )
    .bind(&code)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO opt_outs (email, scope, request_id, channel, since)
         SELECT email, 'sale_sharing', id, 'web', now() FROM requests WHERE tracking_code = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(&code)
    .execute(&app.db)
    .await
    .unwrap();
    code
}

/// What a restore must bring back, as one comparable value.
async fn contents(db: &sqlx::PgPool) -> (Vec<String>, i64, Vec<Vec<u8>>, Vec<String>) {
    let codes = sqlx::query_scalar("SELECT tracking_code FROM requests ORDER BY tracking_code")
        .fetch_all(db)
        .await
        .unwrap();
    let events = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(db)
        .await
        .unwrap();
    let files = sqlx::query_scalar("SELECT content FROM attachments ORDER BY id")
        .fetch_all(db)
        .await
        .unwrap();
    let suppressed = sqlx::query_scalar("SELECT email || ' ' || scope FROM opt_outs ORDER BY 1")
        .fetch_all(db)
        .await
        .unwrap();
    (codes, events, files, suppressed)
}

#[tokio::test]
async fn a_backup_restores_requests_events_files_and_the_suppression_list_into_a_new_database() {
    let app = spawn_app().await;
    let code = a_request_with_a_file_and_an_opt_out(&app).await;
    let source = (app.db.connect_options()).as_ref().clone();
    let before = contents(&app.db).await;
    assert_eq!(before.0, vec![code]);
    assert!(
        before.1 >= 1 && before.2.len() == 1 && before.3.len() == 1,
        "{before:?}"
    );

    let dir = TempDir::new("backup");
    let file = dir.0.join("rightsdesk.dump");
    let (ok, said) = run_against(
        &database_url(&source),
        &["backup".as_ref(), file.as_os_str()],
    );
    assert!(ok, "{said}");
    assert!(file.is_file() && !dir.0.join("rightsdesk.dump.partial").exists());

    // A new database on which the portal has already created its schema.
    let target = fresh_database().await;
    let (ok, said) = run_against(
        &database_url(&target),
        &["restore".as_ref(), file.as_os_str()],
    );
    assert!(ok, "{said}");
    let restored = sqlx::PgPool::connect_with(target.clone()).await.unwrap();
    assert_eq!(contents(&restored).await, before);
    assert!(
        rightsdesk::store::pending_migrations(&restored)
            .await
            .unwrap()
            .is_empty()
    );

    // Restoring again would overwrite what is there now: refused, nothing changed.
    let (ok, said) = run_against(
        &database_url(&target),
        &["restore".as_ref(), file.as_os_str()],
    );
    assert!(!ok);
    assert!(said.contains("already holds 1 requests"), "{said}");
    assert_eq!(contents(&restored).await, before);
}

#[tokio::test]
async fn a_backup_from_a_newer_schema_is_not_restored() {
    let app = spawn_app().await;
    a_request_with_a_file_and_an_opt_out(&app).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', true, '\\x00'::bytea, 0)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let source = (app.db.connect_options()).as_ref().clone();
    let dir = TempDir::new("backup");
    let file = dir.0.join("newer.dump");
    let (ok, said) = run_against(
        &database_url(&source),
        &["backup".as_ref(), file.as_os_str()],
    );
    assert!(ok, "{said}");

    let target = fresh_database().await;
    let (ok, said) = run_against(
        &database_url(&target),
        &["restore".as_ref(), file.as_os_str()],
    );
    assert!(!ok);
    assert!(
        said.contains("newer Rightsdesk (schema 99990101000000"),
        "{said}"
    );
    let untouched = sqlx::PgPool::connect_with(target).await.unwrap();
    assert!(contents(&untouched).await.0.is_empty());
}

/// `program` when it is installed; otherwise `None`, with the reason printed, so a
/// machine without it skips the check rather than fails.
fn installed(program: &str, why: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .chain(["/usr/sbin".into(), "/sbin".into()])
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        eprintln!("skipped: {program} is not installed, so {why} is not checked");
    }
    found
}

fn deploy_file(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("deploy")
            .join(name),
    )
    .unwrap()
}

#[test]
fn the_service_unit_runs_hardened_as_its_own_user_and_passes_systemd_analyze_verify() {
    let unit = deploy_file("rightsdesk.service");
    for line in [
        "User=rightsdesk",
        "StateDirectory=rightsdesk",
        "Environment=RIGHTSDESK_DATA_DIR=/var/lib/rightsdesk",
        "Restart=on-failure",
        "ProtectSystem=strict",
        "NoNewPrivileges=true",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} missing");
    }
    let Some(analyze) = installed("systemd-analyze", "deploy/rightsdesk.service") else {
        return;
    };
    // `verify` wants the program to exist: this build's binary stands in for the
    // installed one.
    let dir = TempDir::new("unit");
    let path = dir.0.join("rightsdesk.service");
    std::fs::write(
        &path,
        unit.replace(
            "/usr/local/bin/rightsdesk",
            env!("CARGO_BIN_EXE_rightsdesk"),
        ),
    )
    .unwrap();
    let out = std::process::Command::new(analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        !said.lines().any(|line| line.contains("rightsdesk.service")),
        "{said}"
    );
}

#[test]
fn the_proxy_sample_passes_nginx_t() {
    let conf = deploy_file("nginx.conf");
    assert!(conf.contains("proxy_set_header X-Forwarded-For $remote_addr;"));
    let Some(nginx) = installed("nginx", "deploy/nginx.conf") else {
        return;
    };
    let Some(openssl) = installed("openssl", "deploy/nginx.conf (no certificate to test with)")
    else {
        return;
    };
    // A throwaway certificate, pid file and log in place of the machine's.
    let dir = TempDir::new("nginx");
    let (cert, key) = (dir.0.join("cert.pem"), dir.0.join("key.pem"));
    let made = std::process::Command::new(openssl)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=privacy.example.com", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let conf = conf
        .replace(
            "/etc/letsencrypt/live/privacy.example.com/fullchain.pem",
            cert.to_str().unwrap(),
        )
        .replace(
            "/etc/letsencrypt/live/privacy.example.com/privkey.pem",
            key.to_str().unwrap(),
        )
        .replace("/run/nginx.pid", dir.0.join("nginx.pid").to_str().unwrap())
        .replace(
            "/var/log/nginx/error.log",
            dir.0.join("error.log").to_str().unwrap(),
        );
    let path = dir.0.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let out = std::process::Command::new(nginx)
        .arg("-t")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(&dir.0)
        .arg("-e")
        .arg(dir.0.join("error.log"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("test is successful"), "{said}");
}

/// The value of the sample `name` whose labels include `labels`, if any.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.last().map_or(0.0, |bucket| bucket.count)
            }
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

#[tokio::test]
async fn the_metrics_endpoint_shows_traffic_submissions_the_outbox_and_overdue_requests() {
    use rightsdesk::domain::kinds::RequestKind;
    rightsdesk::telemetry::recorder();
    let app = spawn_app().await;
    let filed = app
        .post_form(
            "/requests/new/delete",
            &crate::intake::valid_fields(RequestKind::Delete),
        )
        .await;
    assert_eq!(filed.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.worker.sweep().await.unwrap();
    // Past the 45 days to respond, with nobody having acted.
    app.clock.advance(chrono::Duration::days(60));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    rightsdesk::telemetry::spawn(
        listener,
        rightsdesk::telemetry::router(
            app.db.clone(),
            app.settings.timezone().unwrap(),
            app.clock.clone(),
        ),
    );
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let scrape =
        prometheus_parse::Scrape::parse(body.lines().map(|line| Ok(line.to_owned()))).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| {
        sample(&scrape, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{body}"))
    };

    assert!(
        value(
            "rightsdesk_http_requests_total",
            &[("route", "/readyz"), ("method", "GET"), ("status", "200")]
        ) >= 1.0
    );
    assert!(
        value(
            "rightsdesk_http_request_duration_seconds",
            &[("route", "/readyz")]
        ) >= 1.0
    );
    // prometheus-parse reads no `}` inside a label value; the route template has one.
    // The recorder is the process's: requests from tests running beside this one are
    // counted too, so the count of filed forms is at least this test's own.
    let filed_count = body
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                "rightsdesk_http_requests_total{method=\"POST\",route=\"/requests/new/{kind}\",status=\"200\"} ",
            )
        })
        .unwrap_or_else(|| panic!("no count of filed forms in\n{body}"));
    assert!(filed_count.parse::<f64>().unwrap() >= 1.0);
    assert_eq!(
        value(
            "rightsdesk_submissions_total",
            &[("kind", "delete"), ("channel", "web")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "rightsdesk_open_requests",
            &[("status", "awaiting_verification")]
        ),
        1.0
    );
    assert_eq!(value("rightsdesk_requests_overdue", &[]), 1.0);
    assert_eq!(value("rightsdesk_requests_due_within_7_days", &[]), 0.0);
    assert_eq!(
        value("rightsdesk_open_requests", &[("status", "in_progress")]),
        0.0
    );
    // The receipt waits in the outbox: no worker delivered it.
    assert!(value("rightsdesk_outbox_pending", &[]) >= 1.0);
    assert!(value("rightsdesk_outbox_oldest_pending_age_seconds", &[]) >= 60.0 * 86400.0);
    assert_eq!(
        value("rightsdesk_messages_total", &[("result", "sent")]),
        0.0
    );
    assert!(value("rightsdesk_sweep_duration_seconds", &[]) >= 1.0);
    assert!(value("rightsdesk_db_pool_connections", &[("state", "open")]) >= 1.0);

    // Never on the public address.
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn the_server_answers_metrics_on_the_metrics_address_it_is_given() {
    use std::io::BufRead;
    let data_dir = TempDir::new("data");
    let mut server = rightsdesk(&data_dir)
        .args(["serve", "--no-worker"])
        .env("RIGHTSDESK_BIND", "127.0.0.1:0")
        .env("RIGHTSDESK_METRICS__BIND", "127.0.0.1:0")
        .env(
            "RIGHTSDESK_DATABASE_URL",
            database_url(&fresh_database().await),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut address_in_next_line = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        line.split("http://")
            .nth(1)
            .and_then(|rest| rest.split(['/', ' ']).next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned()
    };
    let metrics = address_in_next_line();
    let portal = address_in_next_line();

    let scraped = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("rightsdesk_outbox_pending 0")
    );
    let public = reqwest::get(format!("http://{portal}/metrics"))
        .await
        .unwrap();
    assert_eq!(public.status(), 404);

    // SAFETY: signals the child this test started.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    assert!(server.wait().unwrap().success());
}
