//! Typed settings, loaded once: `config/default.toml` (built in), then the file named by
//! `RIGHTSDESK_CONFIG`, then `RIGHTSDESK_*` environment variables.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Deserialize;
use toml::{Table, Value};

const DEFAULTS: &str = include_str!("../config/default.toml");
const ENV_PREFIX: &str = "RIGHTSDESK_";
/// Variables with the prefix that are not settings.
const NOT_SETTINGS: &[&str] = &[
    "CONFIG",
    "LOG",
    "LOG_FORMAT",
    "PG_BIN",
    "TEST_DATABASE_URL",
    "CHROMEDRIVER",
    "CHROMIUM",
    "PYTHON",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub bind: String,
    pub base_url: String,
    pub data_dir: PathBuf,
    #[serde(default)]
    pub database_url: Option<String>,
    #[serde(default)]
    pub smtp_url: Option<String>,
    pub mail_from: String,
    #[serde(default)]
    pub staff_alerts_to: Option<String>,
    pub business: Business,
    pub database: Database,
    pub http: Http,
    pub limits: Limits,
    pub mail: Mail,
    pub worker: Worker,
    pub staff: Staff,
    pub responses: Responses,
    pub drp: Drp,
    pub outbound: Outbound,
    pub deadlines: DeadlineSettings,
    pub verification: crate::domain::lifecycle::Policy,
    #[serde(default)]
    pub metrics: Metrics,
    pub retention: Retention,
    pub tasks: Tasks,
    #[serde(default)]
    pub shine_the_light: ShineTheLight,
}

/// `[shine_the_light]`: how "Shine the Light" requests (Civ. §1798.83) are answered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShineTheLight {
    /// The business lets customers opt out of disclosure to third parties for their
    /// direct marketing (§1798.83(c)(2)): answers explain that choice and link
    /// `opt_out_url` instead of listing the year's disclosures.
    #[serde(default)]
    pub opt_out_instead: bool,
    #[serde(default)]
    pub opt_out_url: String,
}

impl ShineTheLight {
    /// How requests are answered.
    pub fn mode(&self) -> crate::domain::shine_the_light::Mode<'_> {
        if self.opt_out_instead {
            crate::domain::shine_the_light::Mode::OptOutInstead {
                url: &self.opt_out_url,
            }
        } else {
            crate::domain::shine_the_light::Mode::Disclose
        }
    }
}

/// `[tasks]`: passing decisions on to recipients (webhooks, e-mail, by hand).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tasks {
    /// A webhook receiver that has not answered by then is cut off (and retried).
    pub timeout_seconds: u64,
    /// Attempts before a delivery is marked failed and staff are alerted.
    pub max_attempts: i32,
    /// The first retry waits this long, each next one twice as long, up to the cap.
    pub retry_base_seconds: i64,
    pub retry_max_seconds: i64,
    /// Deliveries one sender claims and sends at once.
    pub batch_size: i64,
    /// Tasks still open this many days after they were created alert staff once.
    pub overdue_days: i64,
    /// An e-mail recipient's completion link works this many days.
    pub link_days: i64,
}

/// `[retention]`: how long a closed request keeps its personal information (reg.
/// §7101 asks for the record to be kept at least 24 months), and the shorter clocks of
/// verification material and response packages. See `domain::retention`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Months a closed request is kept whole; then its personal information is purged.
    pub months: u32,
    /// Days uploaded authorizations and the declaration's name are kept after closing.
    pub verification_days: u32,
    /// Days a response package is kept after closing (staff may send a fresh link).
    pub package_days: u32,
    /// Percent of the time the purge works; it waits between batches for the rest.
    pub purge_share: u32,
}

/// `[metrics]`: the yearly report (reg. §7102) beyond the staff console, and the
/// Prometheus endpoint on its own address (off unless one is set).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Serve `/metrics/YYYY` to anyone, for a privacy policy to link to. Off until an
    /// admin turns it on: only a business that must publish (above 10 million consumers)
    /// or chooses to should.
    #[serde(default)]
    pub publish_yearly: bool,
    #[serde(default)]
    pub bind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drp {
    pub business_id: String,
    /// The logo's URL for the DRP directory entry; empty for none.
    #[serde(default)]
    pub logo_url: String,
    pub callback_attempts: i32,
    pub callback_timeout_seconds: u64,
}

/// Requests to URLs others chose (see `outbound`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbound {
    /// Lets callbacks reach loopback, private and link-local addresses: for tests and
    /// closed networks only.
    pub allow_private_addresses: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Responses {
    pub package_bytes: usize,
    pub download_link_days: i64,
    pub code_minutes: i64,
    pub code_attempts: i32,
    pub link_attempts: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub idle_minutes: i64,
    pub absolute_hours: i64,
    pub throttle_after: i32,
    pub throttle_max_seconds: i64,
    pub invite_days: i64,
    pub logins_per_minute: u32,
    pub deletion_recipients: Vec<String>,
    /// Reviewers' queue exports carry consumers' names and e-mail addresses (admins'
    /// always do); an admin may turn it off.
    #[serde(default = "yes")]
    pub reviewers_export_personal_data: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    pub concurrency: usize,
    pub max_attempts: i32,
    pub retry_base_seconds: i64,
    pub unsolicited_per_day: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Worker {
    pub poll_seconds: u64,
    pub sweep_seconds: u64,
    pub batch_size: i64,
    pub reminder_after_days: i64,
    pub verification_link_days: i64,
    pub digest_hour: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Business {
    pub name: String,
    pub timezone: String,
    pub privacy_policy_url: String,
    /// How consumers reach the business (reg. §7012(e), §7022(f), §7024(d)): shown in
    /// the footer of every consumer page and e-mail, those that are set.
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub postal_address: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub max_connections: u32,
    pub acquire_timeout_seconds: u64,
    pub statement_timeout_ms: u64,
    pub answer_within_seconds: u64,
}

impl Database {
    pub fn acquire_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.acquire_timeout_seconds)
    }

    /// How long a write may take before its caller stops waiting: a connection, then
    /// the statement. A frozen server never cancels a statement itself.
    pub fn write_timeout(&self) -> std::time::Duration {
        self.acquire_timeout()
            + std::time::Duration::from_millis(self.statement_timeout_ms.max(1000))
    }

    /// The longest any request but an upload may take to be answered.
    pub fn answer_within(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.answer_within_seconds.max(1))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    pub trust_forwarded_for: bool,
    pub form_body_bytes: usize,
    pub upload_bytes: usize,
    pub uploads_at_once: usize,
    pub header_read_timeout_seconds: u64,
    pub idle_timeout_seconds: u64,
    pub max_connections: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub submissions_per_minute: u32,
    pub status_lookups_per_minute: u32,
    pub downloads_per_minute: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineSettings {
    pub internal_target_days: u32,
    pub holidays: Vec<Holiday>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

impl Settings {
    /// Settings from the defaults, the `RIGHTSDESK_CONFIG` file and the environment.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_effective().map(|(settings, _)| settings)
    }

    /// The settings, and the merged TOML they were read from (`check-config` prints it).
    pub fn load_effective() -> anyhow::Result<(Self, Table)> {
        let overlay = match std::env::var_os("RIGHTSDESK_CONFIG") {
            Some(path) => Some(std::fs::read_to_string(&path).with_context(|| {
                format!("reading config file {}", PathBuf::from(&path).display())
            })?),
            None => None,
        };
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        Self::effective(overlay.as_deref(), &env)
    }

    /// The built-in defaults alone.
    pub fn defaults() -> Self {
        Self::from_sources(None, &[]).expect("the built-in defaults are valid")
    }

    pub fn from_sources(overlay: Option<&str>, env: &[(String, String)]) -> anyhow::Result<Self> {
        Self::effective(overlay, env).map(|(settings, _)| settings)
    }

    fn effective(overlay: Option<&str>, env: &[(String, String)]) -> anyhow::Result<(Self, Table)> {
        let mut tree: Table = DEFAULTS.parse().context("parsing built-in defaults")?;
        if let Some(text) = overlay {
            let extra: Table = text.parse().context("parsing config file")?;
            merge(&mut tree, extra);
        }
        for (name, raw) in env {
            let Some(key) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if NOT_SETTINGS.contains(&key) || key.starts_with("TEST_") {
                continue;
            }
            let path: Vec<String> = key.split("__").map(str::to_ascii_lowercase).collect();
            set_path(&mut tree, &path, raw).with_context(|| format!("in {name}"))?;
        }
        let settings: Settings = Value::Table(tree.clone())
            .try_into()
            .context("invalid configuration")?;
        settings.check()?;
        Ok((settings, tree))
    }

    fn check(&self) -> anyhow::Result<()> {
        if self.timezone().is_err() {
            bail!(
                "business.timezone: unknown time zone {:?}",
                self.business.timezone
            );
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!("mail_from is not a valid address: {:?}", self.mail_from);
        }
        if self.http.uploads_at_once == 0 || self.http.max_connections == 0 {
            bail!("http.uploads_at_once and http.max_connections must be at least 1");
        }
        if self.http.header_read_timeout_seconds == 0 || self.http.idle_timeout_seconds == 0 {
            bail!(
                "http.header_read_timeout_seconds and http.idle_timeout_seconds must be at least 1"
            );
        }
        if self.tasks.max_attempts < 1
            || self.tasks.timeout_seconds == 0
            || self.tasks.batch_size < 1
            || self.tasks.overdue_days < 1
            || self.tasks.link_days < 1
        {
            bail!(
                "tasks.max_attempts, timeout_seconds, batch_size, overdue_days and link_days must be at least 1"
            );
        }
        if self.mail.concurrency == 0 || self.mail.max_attempts < 1 {
            bail!("mail.concurrency and mail.max_attempts must be at least 1");
        }
        let v = &self.verification;
        if v.know_categories < 1 || v.delete < 1 || v.correct < 1 || v.know_specific < 2 {
            bail!(
                "verification: know_categories, delete and correct need at least 1 matched data point, know_specific at least 2 (reg. §§7061–7062)"
            );
        }
        if v.shine_the_light < 1 {
            bail!(
                "verification.shine_the_light needs at least 1 matched data point: the e-mail link"
            );
        }
        let stl = &self.shine_the_light;
        if stl.opt_out_instead && !web_url(&stl.opt_out_url) {
            bail!(
                "shine_the_light.opt_out_url must be an http:// or https:// URL when opt_out_instead is true"
            );
        }
        if !stl.opt_out_url.is_empty() && !web_url(&stl.opt_out_url) {
            bail!(
                "shine_the_light.opt_out_url must be empty or an http:// or https:// URL: {:?}",
                stl.opt_out_url
            );
        }
        if self.staff.throttle_after < 1 || self.staff.throttle_max_seconds < 1 {
            bail!("staff.throttle_after and staff.throttle_max_seconds must be at least 1");
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://"))
            || url::Url::parse(&self.base_url).is_err()
        {
            bail!("base_url must be an http:// or https:// URL");
        }
        for (key, value) in [
            (
                "business.privacy_policy_url",
                &self.business.privacy_policy_url,
            ),
            ("drp.logo_url", &self.drp.logo_url),
        ] {
            if !value.is_empty() && !web_url(value) {
                bail!("{key} must be empty or an http:// or https:// URL: {value:?}");
            }
        }
        if self.retention.months < crate::domain::retention::MIN_MONTHS {
            bail!(
                "retention.months is {}: requests must be kept at least {} months (reg. §7101); set RIGHTSDESK_RETENTION__MONTHS to {} or more",
                self.retention.months,
                crate::domain::retention::MIN_MONTHS,
                crate::domain::retention::MIN_MONTHS
            );
        }
        if !(1..=100).contains(&self.retention.purge_share) {
            bail!(
                "retention.purge_share is {}: a percent from 1 to 100; set RIGHTSDESK_RETENTION__PURGE_SHARE",
                self.retention.purge_share
            );
        }
        if let Some(url) = &self.database_url {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                bail!("database_url must start with postgres:// or postgresql://");
            }
            // The error may quote the URL, password and all: say only what is wrong.
            if let Err(err) = url.parse::<sqlx::postgres::PgConnectOptions>() {
                bail!(
                    "database_url is not a valid PostgreSQL URL ({})",
                    redact_error(&err.to_string(), url)
                );
            }
        }
        if let Some(url) = &self.smtp_url
            && let Err(err) = crate::mail::smtp::Smtp::from_url(url)
        {
            bail!("smtp_url is not a valid SMTP URL ({err:#})");
        }
        Ok(())
    }

    pub fn timezone(&self) -> Result<chrono_tz::Tz, chrono_tz::ParseError> {
        self.business.timezone.parse()
    }

    /// Cookies get `Secure` when the portal is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    pub fn base_url(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

fn web_url(raw: &str) -> bool {
    url::Url::parse(raw).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

fn redact_error(message: &str, url: &str) -> String {
    if url.is_empty() {
        message.to_string()
    } else {
        message.replace(url, &mask_url(url))
    }
}

/// The merged settings with secrets replaced by `****`: the passwords in the database
/// and SMTP URLs, and any key named like a secret. Safe to print or paste in a ticket.
pub fn masked(tree: &Table) -> Table {
    tree.iter()
        .map(|(key, value)| {
            let value = match value {
                Value::Table(table) => Value::Table(masked(table)),
                Value::String(url) if key.ends_with("_url") => Value::String(mask_url(url)),
                Value::String(_)
                    if ["password", "secret", "token"]
                        .iter()
                        .any(|word| key.contains(word)) =>
                {
                    Value::String(MASK.into())
                }
                other => other.clone(),
            };
            (key.clone(), value)
        })
        .collect()
}

const MASK: &str = "****";

/// `scheme://user:secret@host/…?password=secret` → `scheme://user:****@host/…?password=****`;
/// a value that is not a URL at all is masked whole, since it may be anything.
fn mask_url(raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let Ok(mut url) = url::Url::parse(raw) else {
        return MASK.into();
    };
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    if url.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    MASK.into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

fn merge(into: &mut Table, from: Table) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(more)) => merge(existing, more),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// Sets `path` to `raw`, typed like the value it replaces: numbers stay numbers, booleans
/// booleans, lists are read as TOML; anything new is a string.
fn set_path(tree: &mut Table, path: &[String], raw: &str) -> anyhow::Result<()> {
    let (last, parents) = path.split_last().context("empty key")?;
    let mut table = tree;
    for part in parents {
        let entry = table
            .entry(part.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        table = entry
            .as_table_mut()
            .with_context(|| format!("{part} is not a section"))?;
    }
    let value = match table.get(last) {
        Some(Value::Integer(_)) => {
            Value::Integer(raw.trim().parse().context("expected a whole number")?)
        }
        Some(Value::Boolean(_)) => Value::Boolean(match raw.trim() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => bail!("expected true or false"),
        }),
        Some(Value::Array(_)) => {
            let doc: Table = format!("v = {raw}")
                .parse()
                .context("expected a TOML list")?;
            doc.get("v").cloned().context("expected a TOML list")?
        }
        _ => Value::String(raw.to_string()),
    };
    table.insert(last.clone(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_load() {
        let s = Settings::defaults();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert!(s.database_url.is_none());
        assert_eq!(s.timezone().unwrap(), chrono_tz::America::Los_Angeles);
    }

    #[test]
    fn environment_overrides_with_types_kept() {
        let s = Settings::from_sources(
            Some("[business]\nname = \"Acme\"\n"),
            &env(&[
                ("RIGHTSDESK_BIND", "0.0.0.0:9000"),
                ("RIGHTSDESK_DATABASE_URL", "postgres://x/y"),
                ("RIGHTSDESK_LIMITS__SUBMISSIONS_PER_MINUTE", "0"),
                ("RIGHTSDESK_HTTP__TRUST_FORWARDED_FOR", "true"),
                ("RIGHTSDESK_CONFIG", "ignored"),
                ("RIGHTSDESK_LOG_FORMAT", "json"),
                ("RIGHTSDESK_TEST_DATABASE_URL", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.database_url.as_deref(), Some("postgres://x/y"));
        assert_eq!(s.limits.submissions_per_minute, 0);
        assert!(s.http.trust_forwarded_for);
        assert_eq!(s.business.name, "Acme");
    }

    #[test]
    fn the_verification_policy_follows_the_regulations_and_can_be_raised() {
        let s = Settings::defaults();
        assert_eq!(s.verification.know_specific, 3);
        assert_eq!(s.verification.delete, 2);
        let s = Settings::from_sources(None, &env(&[("RIGHTSDESK_VERIFICATION__DELETE", "3")]))
            .unwrap();
        assert_eq!(s.verification.delete, 3);
        assert!(
            Settings::from_sources(None, &env(&[("RIGHTSDESK_VERIFICATION__CORRECT", "0")]))
                .is_err()
        );
    }

    #[test]
    fn printed_settings_hide_the_passwords_of_the_database_and_smtp_urls() {
        let (settings, tree) = Settings::effective(
            None,
            &env(&[
                (
                    "RIGHTSDESK_DATABASE_URL",
                    "postgres://rd:hunter2@db.internal/rightsdesk?sslmode=require",
                ),
                (
                    "RIGHTSDESK_SMTP_URL",
                    "smtps://mailer:s3cret@mail.example.com",
                ),
                ("RIGHTSDESK_BUSINESS__NAME", "Acme"),
            ]),
        )
        .unwrap();
        assert_eq!(settings.business.name, "Acme");
        let printed = toml::to_string(&masked(&tree)).unwrap();
        assert!(
            !printed.contains("hunter2") && !printed.contains("s3cret"),
            "{printed}"
        );
        assert!(printed.contains("postgres://rd:****@db.internal/rightsdesk?sslmode=require"));
        assert!(printed.contains("smtps://mailer:****@mail.example.com"));
        assert!(printed.contains("name = \"Acme\""));
        assert_eq!(
            mask_url("postgres:///rightsdesk?host=/run/pg&password=hunter2"),
            "postgres:///rightsdesk?host=%2Frun%2Fpg&password=****"
        );
        assert_eq!(mask_url("not a url with hunter2"), "****");
        // An unset URL stays visibly unset.
        assert!(printed.contains("privacy_policy_url = \"\""), "{printed}");
    }

    #[test]
    fn urls_that_cannot_work_are_refused_at_load() {
        for (var, value, named) in [
            ("RIGHTSDESK_SMTP_URL", "ftp://mail.example.com", "smtp_url"),
            (
                "RIGHTSDESK_DATABASE_URL",
                "mysql://rd:hunter2@db/rd",
                "database_url",
            ),
            ("RIGHTSDESK_BASE_URL", "https://", "base_url"),
            (
                "RIGHTSDESK_BUSINESS__PRIVACY_POLICY_URL",
                "privacy.html",
                "privacy_policy_url",
            ),
        ] {
            let err = Settings::from_sources(None, &env(&[(var, value)])).unwrap_err();
            let message = format!("{err:#}");
            assert!(message.contains(named), "{var}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }

    #[test]
    fn retention_keeps_requests_two_years_and_refuses_less() {
        let s = Settings::defaults();
        assert_eq!(s.retention.months, 24);
        assert_eq!(s.retention.verification_days, 30);
        assert_eq!(s.retention.package_days, 45);
        assert_eq!(s.retention.purge_share, 50);
        for share in ["0", "101"] {
            let err =
                Settings::from_sources(None, &env(&[("RIGHTSDESK_RETENTION__PURGE_SHARE", share)]))
                    .unwrap_err();
            assert!(
                format!("{err:#}").contains("retention.purge_share"),
                "{err:#}"
            );
        }
        let err = Settings::from_sources(None, &env(&[("RIGHTSDESK_RETENTION__MONTHS", "23")]))
            .unwrap_err();
        let message = format!("{err:#}");
        assert!(
            message.contains("retention.months") && message.contains("24 months"),
            "{message}"
        );
        let s =
            Settings::from_sources(None, &env(&[("RIGHTSDESK_RETENTION__MONTHS", "36")])).unwrap();
        assert_eq!(s.retention.months, 36);
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let err = Settings::from_sources(
            None,
            &env(&[("RIGHTSDESK_DATABASE__MAX_CONNECTIONS", "many")]),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("RIGHTSDESK_DATABASE__MAX_CONNECTIONS"));
        let err =
            Settings::from_sources(None, &env(&[("RIGHTSDESK_NO_SUCH_KEY", "1")])).unwrap_err();
        assert!(format!("{err:#}").contains("no_such_key"));
        assert!(
            Settings::from_sources(
                None,
                &env(&[("RIGHTSDESK_BUSINESS__TIMEZONE", "Mars/Base")])
            )
            .is_err()
        );
    }
}
