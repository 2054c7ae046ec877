//! Test harness: one private PostgreSQL cluster per test process (or the server named by
//! `RIGHTSDESK_TEST_DATABASE_URL`), a database of its own for every test, and the portal
//! served on a loopback port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use chrono::{NaiveDate, TimeZone};
use rightsdesk::clock::Clock;
use rightsdesk::config::Settings;
use rightsdesk::embedded_pg::{Durability, EmbeddedPg};
use rightsdesk::store;
use rightsdesk::web::{self, AppState};
use rightsdesk::worker::Worker;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

/// Where test databases are created.
enum Server {
    Private(EmbeddedPg),
    External(Box<PgConnectOptions>),
}

impl Server {
    fn options(&self, database: &str) -> PgConnectOptions {
        match self {
            Server::Private(pg) => pg.connect_options(database),
            Server::External(admin) => (**admin).clone().database(database),
        }
    }
}

static SERVER: OnceLock<Server> = OnceLock::new();
static TEMPLATE: OnceLock<String> = OnceLock::new();

fn cluster_root(pid: u32) -> PathBuf {
    std::env::temp_dir().join(format!("rightsdesk-test-{pid}"))
}

extern "C" fn stop_private_cluster() {
    if let Some(Server::Private(pg)) = SERVER.get() {
        pg.stop_immediately();
        let _ = std::fs::remove_dir_all(pg.root());
    }
}

/// Clusters of test processes that were killed before they could clean up.
fn sweep_abandoned_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("rightsdesk-test-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if PathBuf::from(format!("/proc/{pid}")).exists() {
            continue;
        }
        let _ = EmbeddedPg::stop_abandoned(&entry.path());
        let _ = std::fs::remove_dir_all(entry.path());
    }
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("RIGHTSDESK_TEST_DATABASE_URL") {
            return Server::External(Box::new(
                PgConnectOptions::from_str(&url).expect("RIGHTSDESK_TEST_DATABASE_URL is a PostgreSQL URL"),
            ));
        }
        sweep_abandoned_clusters();
        let root = cluster_root(std::process::id());
        let pg = EmbeddedPg::start(&root, Durability::Throwaway)
            .expect("starting a private PostgreSQL cluster for the tests (are PostgreSQL's server binaries installed?)");
        unsafe { libc::atexit(stop_private_cluster) };
        Server::Private(pg)
    })
}

fn admin_database() -> &'static str {
    match server() {
        Server::Private(_) => "postgres",
        Server::External(admin) => admin.get_database().unwrap_or("postgres"),
    }
}

/// A migrated database that every test database is copied from: migrating once per run
/// keeps each test's setup to one `CREATE DATABASE`.
fn template() -> &'static str {
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let checksums: Vec<u8> = store::MIGRATOR
                    .iter()
                    .flat_map(|m| m.checksum.iter().copied())
                    .collect();
                let name = format!("rd_template_{:016x}", fnv(&checksums));
                let mut admin = PgConnection::connect_with(&server().options(admin_database()))
                    .await
                    .expect("connecting to the test server");
                sqlx::query("SELECT pg_advisory_lock(727274)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let exists: bool = sqlx::query_scalar(
                    "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
                )
                .bind(&name)
                .fetch_one(&mut admin)
                .await
                .unwrap();
                if !exists {
                    let building = format!("{name}_building");
                    execute(&mut admin, &format!("DROP DATABASE IF EXISTS {building}")).await;
                    execute(&mut admin, &format!("CREATE DATABASE {building}")).await;
                    let pool = PgPool::connect_with(server().options(&building))
                        .await
                        .unwrap();
                    store::MIGRATOR.run(&pool).await.expect("migrations apply");
                    pool.close().await;
                    execute(
                        &mut admin,
                        &format!("ALTER DATABASE {building} RENAME TO {name}"),
                    )
                    .await;
                }
                sqlx::query("SELECT pg_advisory_unlock(727274)")
                    .execute(&mut admin)
                    .await
                    .unwrap();
                name
            })
        })
        .join()
        .unwrap()
    })
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> PgConnectOptions {
    let template = template();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect_with(&server().options(admin_database()))
        .await
        .unwrap();
    execute(
        &mut admin,
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    )
    .await;
    admin.close().await.ok();
    server().options(&name)
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: PgPool,
    pub clock: Clock,
    pub client: reqwest::Client,
    pub settings: Settings,
    /// A worker on the same database, clock and settings; tests drive it by hand.
    pub worker: Arc<Worker>,
    _data_dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Files a request of `kind` through the public form with valid fields, those named
    /// in `changes` given other values (a change to a field the form lacks is ignored);
    /// returns its tracking code.
    pub async fn file(
        &self,
        kind: rightsdesk::domain::kinds::RequestKind,
        changes: &[(&str, &str)],
    ) -> String {
        let fields: Vec<(&str, &str)> = crate::intake::valid_fields(kind)
            .into_iter()
            .map(|(k, v)| {
                changes
                    .iter()
                    .find(|(changed, _)| *changed == k)
                    .map_or((k, v), |&(_, value)| (k, value))
            })
            .collect();
        let response = self
            .post_form(&format!("/requests/new/{kind}"), &fields)
            .await;
        tracking_code_in(&response.text().await.unwrap())
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Moves the clock forward to noon, in the business's time zone, on `day`.
    pub fn advance_to_noon_on(&self, day: NaiveDate) {
        let noon = self
            .settings
            .timezone()
            .unwrap()
            .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);
        self.clock.advance(noon - self.clock.now());
    }
}

/// The status of the request with this tracking code.
pub async fn status_of(app: &TestApp, tracking_code: &str) -> String {
    sqlx::query_scalar("SELECT status FROM requests WHERE tracking_code = $1")
        .bind(tracking_code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The first event with this action in the audit trail of the request with this
/// tracking code.
pub async fn event_of(app: &TestApp, tracking_code: &str, action: &str) -> StoredEvent {
    sqlx::query_as(
        "SELECT e.actor_type, e.to_status, e.data FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.tracking_code = $1 AND e.action = $2 ORDER BY e.id LIMIT 1",
    )
    .bind(tracking_code)
    .bind(action)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// An event of a request's audit trail, as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredEvent {
    pub actor_type: String,
    pub to_status: Option<String>,
    pub data: serde_json::Value,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The portal with its mail going to `smtp` and its staff alerts to the privacy team,
/// the daily digest sent from `digest_hour` on (24: never).
pub async fn spawn_app_alerting_staff(smtp: &SmtpServer, digest_hour: u32) -> TestApp {
    spawn_app_with(|s| {
        s.smtp_url = Some(smtp.url());
        s.staff_alerts_to = Some("privacy-team@example.com".into());
        s.worker.digest_hour = digest_hour;
    })
    .await
}

/// The portal on a loopback port, on a database of its own, with `adjust` applied to
/// the default settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(fresh_database().await, adjust).await
}

/// The portal on a loopback port, on the database `options` name.
pub async fn spawn_app_on(
    options: PgConnectOptions,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let data_dir = TempDir::new("data");
    let mut settings = Settings::defaults();
    settings.base_url = format!("http://{addr}");
    settings.data_dir = data_dir.0.clone();
    // Test callbacks go to listeners on loopback.
    settings.outbound.allow_private_addresses = true;
    // Tests file many requests for one address; the daily cap is tested on its own.
    settings.mail.unsolicited_per_day = 0;
    settings.database.max_connections = 5;
    // Test processes share the machine's cores: a connection may take a while.
    settings.database.acquire_timeout_seconds = 10;
    adjust(&mut settings);
    let db = store::connect(options, &settings.database)
        .await
        .expect("connecting to the test database");
    // What `serve` does at start-up: configured deletion recipients become recipients.
    rightsdesk::service::recipients::adopt_configured(
        &db,
        &settings.staff.deletion_recipients,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let clock = Clock::default();
    let state = AppState::new(db.clone(), settings.clone(), clock.clone()).unwrap();
    state.waker.spawn_notifier(db.clone());
    let worker = Arc::new(
        Worker::new(db.clone(), Arc::new(settings.clone()), clock.clone())
            .unwrap()
            .woken_by(&state.waker),
    );
    let app = web::router(state);
    let http = settings.http.clone();
    tokio::spawn(async move {
        web::serve::serve(listener, app, &http, std::future::pending()).await;
    });
    TestApp {
        addr,
        db,
        clock,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(CLIENT_IDLE)
            .build()
            .unwrap(),
        settings,
        worker,
        _data_dir: data_dir,
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "rightsdesk-{what}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where each running test SMTP server stores what it receives, by port (`delivered`
/// finds a message there from the app's `smtp_url`).
static SMTP_MAILDIRS: std::sync::Mutex<std::collections::BTreeMap<u16, PathBuf>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// A real SMTP server on a loopback port (Python's aiosmtpd), storing what it receives
/// in a maildir the test reads.
pub struct SmtpServer {
    child: Option<std::process::Child>,
    pub port: u16,
    maildir: TempDir,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            child: None,
            port,
            maildir: TempDir::new("maildir"),
        };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) on the same port and maildir.
    pub async fn restart(&mut self) {
        let python = std::env::var("RIGHTSDESK_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = std::process::Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{}", self.port),
            ])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir.0.join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting the test SMTP server (python3 -m aiosmtpd; pip install aiosmtpd)");
        self.child = Some(child);
        SMTP_MAILDIRS
            .lock()
            .unwrap()
            .insert(self.port, self.maildir.0.join("mail"));
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the test SMTP server did not start (is aiosmtpd installed?)");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, as raw RFC 5322 text.
    pub fn messages(&self) -> Vec<String> {
        Self::messages_in(&self.maildir.0.join("mail"))
    }

    fn messages_in(maildir: &std::path::Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect()
    }

    /// Waits (bounded) until `n` messages have arrived, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        // Another test's server may have taken the port since this one stopped.
        let mine = self.maildir.0.join("mail");
        if let Ok(mut maildirs) = SMTP_MAILDIRS.lock()
            && maildirs.get(&self.port) == Some(&mine)
        {
            maildirs.remove(&self.port);
        }
    }
}

/// A message's decoded text part (quoted-printable undone, soft line breaks joined).
pub fn text_part(raw: &str) -> String {
    let unfolded = raw.replace("=\r\n", "").replace("=\n", "");
    let mut out = String::new();
    let bytes = unfolded.as_bytes();
    let mut i = 0;
    let mut decoded = Vec::new();
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        if let Some(b) = escaped {
            decoded.push(b);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    out.push_str(&String::from_utf8_lossy(&decoded));
    out
}

/// The first `/verify/…` link in a message.
pub fn verify_link(raw: &str) -> String {
    let text = text_part(raw);
    let start = text
        .find("/verify/")
        .expect("the message carries a verification link");
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
        .collect()
}

/// The messages about the request with this tracking code whose subject says
/// `subject_part`.
pub fn mail_about<'a>(mail: &'a [String], code: &str, subject_part: &str) -> Vec<&'a String> {
    mail.iter()
        .filter(|m| {
            let subject = header(m, "Subject").unwrap_or_default();
            subject.contains(code) && subject.contains(subject_part)
        })
        .collect()
}

/// A header's value.
pub fn header(raw: &str, name: &str) -> Option<String> {
    raw.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The tracking code shown on a confirmation page.
pub fn tracking_code_in(page: &str) -> String {
    let start = page
        .find("id=\"tracking-code\">")
        .expect("the page shows a tracking code")
        + "id=\"tracking-code\">".len();
    page[start..start + 12].to_string()
}

/// A staff member's browser: a cookie jar and the session's CSRF token.
pub struct StaffClient {
    pub client: reqwest::Client,
    pub csrf: String,
    base: String,
}

impl StaffClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Records data points matched against the business's records, one action each;
    /// every one must be accepted.
    pub async fn match_points(&self, code: &str, points: &[&str]) {
        for point in points {
            let r = self
                .post(
                    &format!("/staff/requests/{code}/data_point"),
                    &[("point", point)],
                )
                .await;
            assert_eq!(r.status(), 303, "data point {point} recorded");
        }
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &self.csrf));
        self.client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}

/// How long the tests' clients keep an idle connection: well under the portal's idle
/// timeout (`http.idle_timeout_seconds`, 5 s), so a client never sends on a connection
/// the portal is closing at that moment (a reset, on a loaded machine).
pub const CLIENT_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(CLIENT_IDLE)
        .build()
        .unwrap()
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_in(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .expect("the page has a CSRF field")
        + 19;
    page[start..].split('"').next().unwrap().to_string()
}

impl TestApp {
    pub async fn add_staff(&self, email: &str, role: &str, password: &str) {
        let hash = rightsdesk::auth::hash_password(password.into())
            .await
            .unwrap();
        let mut conn = self.db.acquire().await.unwrap();
        rightsdesk::store::staff::create(&mut conn, email, role, Some(&hash), self.clock.now())
            .await
            .unwrap();
    }

    /// Posts the sign-in form from a fresh browser; returns the response and the browser.
    pub async fn try_sign_in(
        &self,
        email: &str,
        password: &str,
    ) -> (reqwest::Response, reqwest::Client) {
        let client = cookie_client();
        let form = client
            .get(self.url("/staff/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_in(&form);
        let response = client
            .post(self.url("/staff/login"))
            .form(&[("email", email), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        (response, client)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> StaffClient {
        let (response, client) = self.try_sign_in(email, password).await;
        assert_eq!(response.status(), 303, "signed in");
        let queue = client
            .get(self.url("/staff/requests"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        StaffClient {
            csrf: csrf_in(&queue),
            client,
            base: self.url(""),
        }
    }

    /// An admin, signed in.
    pub async fn admin(&self) -> StaffClient {
        self.add_staff("admin@example.com", "admin", "admin password 123")
            .await;
        self.sign_in("admin@example.com", "admin password 123")
            .await
    }
}

/// A URL for the database `options` name, as an operator would set
/// `RIGHTSDESK_DATABASE_URL` to reach it.
pub fn database_url(options: &PgConnectOptions) -> String {
    let database = options.get_database().expect("a database name");
    match server() {
        Server::Private(pg) => format!(
            "postgres://{}@localhost/{database}?host={}",
            rightsdesk::embedded_pg::SUPERUSER,
            pg.root().display()
        ),
        Server::External(_) => {
            let mut url = url::Url::parse(&std::env::var("RIGHTSDESK_TEST_DATABASE_URL").unwrap())
                .expect("RIGHTSDESK_TEST_DATABASE_URL is a URL");
            url.set_path(database);
            url.to_string()
        }
    }
}

/// The `rightsdesk` binary, with a data directory of its own and nothing from the
/// environment that would change its settings.
pub fn rightsdesk(data_dir: &TempDir) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rightsdesk"));
    for (name, _) in std::env::vars() {
        if name.starts_with("RIGHTSDESK_") {
            command.env_remove(name);
        }
    }
    command.env("RIGHTSDESK_DATA_DIR", &data_dir.0);
    command
}

/// Delivers what is due and returns outbox message `id` as it was sent, decoded
/// (`text_part`): from its `.eml` file (the tests' default transport), or from the test
/// SMTP server the app sends to. Intake's receipts are rendered, and the links and
/// codes of every message created, only when they are sent.
pub async fn delivered(app: &TestApp, id: i64) -> String {
    app.worker.deliver_all().await.unwrap();
    if let Some(url) = &app.settings.smtp_url {
        let message_id: String = sqlx::query_scalar("SELECT message_id FROM outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
        let maildir = SMTP_MAILDIRS.lock().unwrap().get(&port).cloned();
        let maildir = maildir.unwrap_or_else(|| panic!("no test SMTP server on {url}"));
        let header = format!("Message-ID: {message_id}");
        for _ in 0..200 {
            let found = SmtpServer::messages_in(&maildir)
                .into_iter()
                .find(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&header)));
            if let Some(raw) = found {
                return text_part(&raw);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("message {id} did not reach the test SMTP server on {url}");
    }
    let path = app
        .settings
        .data_dir
        .join("outbox")
        .join(format!("{id:010}.eml"));
    let raw = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("message {id} was not delivered to {}: {e}", path.display()));
    text_part(&raw)
}

/// The newest message with this template, as it was sent (see `delivered`).
pub async fn sent_mail(app: &TestApp, template: &str) -> String {
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM outbox WHERE template = $1 ORDER BY id DESC LIMIT 1")
            .bind(template)
            .fetch_one(&app.db)
            .await
            .unwrap();
    delivered(app, id).await
}
