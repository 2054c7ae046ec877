//! A private PostgreSQL cluster for when no database URL is configured: initialised on
//! first use from the machine's PostgreSQL binaries, reachable only through a Unix socket
//! in its own directory, run as an unprivileged user when the portal runs as root.

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};
use sqlx::postgres::PgConnectOptions;

pub const SUPERUSER: &str = "postgres";
pub const DATABASE: &str = "rightsdesk";

/// How the cluster is tuned. Tests trade durability for speed; the portal never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Throwaway,
}

#[derive(Debug)]
pub struct EmbeddedPg {
    root: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    started_here: bool,
}

impl EmbeddedPg {
    /// Starts (initialising first if needed) the cluster under `root`: data in
    /// `root/data`, socket in `root`. A cluster already running there is reused.
    pub fn start(root: &Path, durability: Durability) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(unprivileged_user()?)
        } else {
            None
        };
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let root = root
            .canonicalize()
            .with_context(|| format!("resolving {}", root.display()))?;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))?;
        if let Some((uid, gid)) = run_as {
            chown(&root, Some(uid), Some(gid))
                .context("handing the cluster directory to postgres")?;
        }
        let mut pg = Self {
            root,
            bin_dir,
            run_as,
            started_here: false,
        };
        if !pg.data_dir().join("PG_VERSION").exists() {
            pg.init(durability)?;
        }
        if pg.pg_ctl(&["status"])?.status.success() {
            tracing::info!("reusing the running private PostgreSQL cluster");
        } else {
            let log = pg.root.join("postgres.log");
            let out = pg.pg_ctl(&[
                "start",
                "-w",
                "-t",
                "60",
                "-l",
                log.to_str().context("non-UTF-8 path")?,
            ])?;
            if !out.status.success() {
                bail!(
                    "could not start the private PostgreSQL cluster in {}: {}\n(see {}){}",
                    pg.data_dir().display(),
                    String::from_utf8_lossy(&out.stderr).trim(),
                    log.display(),
                    pg.reachability_hint()
                );
            }
            pg.started_here = true;
        }
        Ok(pg)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Connection options for `database` over the cluster's socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.root)
            .username(SUPERUSER)
            .database(database)
    }

    /// Stops the cluster if this process started it; one found running is left alone.
    pub fn stop(&self) {
        if !self.started_here {
            return;
        }
        match self.pg_ctl(&["stop", "-m", "fast", "-w"]) {
            Ok(out) if out.status.success() => tracing::info!("private PostgreSQL cluster stopped"),
            Ok(out) => tracing::warn!(
                stderr = %String::from_utf8_lossy(&out.stderr).trim(),
                "stopping the private PostgreSQL cluster failed"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "stopping the private PostgreSQL cluster failed")
            }
        }
    }

    /// Stops the cluster at once, whoever started it (tests clean up after themselves).
    pub fn stop_immediately(&self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }

    /// Stops whatever cluster is left running under `root` (by a process that died)
    /// without starting anything.
    pub fn stop_abandoned(root: &Path) -> anyhow::Result<()> {
        let run_as = if unsafe { libc::geteuid() } == 0 {
            Some(unprivileged_user()?)
        } else {
            None
        };
        let pg = Self {
            root: root.to_path_buf(),
            bin_dir: find_bin_dir()?,
            run_as,
            started_here: false,
        };
        if pg.data_dir().join("postmaster.pid").exists() {
            pg.stop_immediately();
        }
        Ok(())
    }

    fn init(&self, durability: Durability) -> anyhow::Result<()> {
        tracing::info!(dir = %self.data_dir().display(), "initialising a private PostgreSQL cluster");
        let data = self.data_dir();
        let mut args = vec![
            "-D",
            data.to_str().context("non-UTF-8 path")?,
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ];
        if durability == Durability::Throwaway {
            args.push("--no-sync");
        }
        let out = self.run(&self.bin_dir.join("initdb"), &args)?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                self.reachability_hint()
            );
        }
        let mut conf = format!(
            "\n# Rightsdesk private cluster: Unix socket only, private to its owner.\n\
             listen_addresses = ''\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n\
             max_connections = 200\n",
            self.root.display()
        );
        if durability == Durability::Throwaway {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).context("reading postgresql.conf")?;
        text.push_str(&conf);
        std::fs::write(&conf_path, text).context("writing postgresql.conf")?;
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<Output> {
        let data = self.data_dir();
        let mut all = vec!["-D", data.to_str().context("non-UTF-8 path")?];
        all.extend_from_slice(args);
        self.run(&self.bin_dir.join("pg_ctl"), &all)
    }

    fn run(&self, program: &Path, args: &[&str]) -> anyhow::Result<Output> {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.root)
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null());
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid).env("HOME", &self.root);
        }
        cmd.output()
            .with_context(|| format!("running {}", program.display()))
    }

    fn reachability_hint(&self) -> String {
        if self.run_as.is_some() {
            format!(
                "\nThe cluster runs as the unprivileged user `postgres`, which must be able to reach {}: \
                 set RIGHTSDESK_DATA_DIR to a directory outside private home directories.",
                self.root.display()
            )
        } else {
            String::new()
        }
    }
}

/// PostgreSQL's own program `name` (`pg_dump`, `pg_restore`), from the directory that
/// holds `initdb` and `pg_ctl` (or, when `initdb` is a link, the directory it points
/// into): the newest installed, so that it can read older servers too.
pub fn program(name: &str) -> anyhow::Result<PathBuf> {
    let dir = find_bin_dir()?;
    let linked = std::fs::canonicalize(dir.join("initdb"))
        .ok()
        .and_then(|initdb| initdb.parent().map(|d| d.join(name)));
    std::iter::once(dir.join(name))
        .chain(linked)
        .find(|path| path.is_file())
        .with_context(|| format!("{name} not found beside initdb in {}", dir.display()))
}

/// Where `initdb` and `pg_ctl` live: `RIGHTSDESK_PG_BIN`, the `PATH`, or the usual
/// distribution directories (newest version first).
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("RIGHTSDESK_PG_BIN") {
        let dir = PathBuf::from(dir);
        if has_tools(&dir) {
            return Ok(dir);
        }
        bail!(
            "RIGHTSDESK_PG_BIN={} holds no initdb and pg_ctl",
            dir.display()
        );
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for parent in ["/usr/lib/postgresql", "/usr/local/lib/postgresql"] {
        if let Ok(entries) = std::fs::read_dir(parent) {
            let mut versions: Vec<(u32, PathBuf)> = entries
                .flatten()
                .filter_map(|e| {
                    let v = e.file_name().to_str()?.parse().ok()?;
                    Some((v, e.path().join("bin")))
                })
                .collect();
            versions.sort_by_key(|v| std::cmp::Reverse(v.0));
            candidates.extend(versions.into_iter().map(|(_, p)| p));
        }
    }
    candidates.extend(
        (12..=20)
            .rev()
            .map(|v| PathBuf::from(format!("/usr/pgsql-{v}/bin"))),
    );
    candidates.into_iter().find(|d| has_tools(d)).context(
        "no PostgreSQL server binaries found (initdb, pg_ctl). Install PostgreSQL \
             (Debian/Ubuntu: apt-get install postgresql), set RIGHTSDESK_PG_BIN to their \
             directory, or set RIGHTSDESK_DATABASE_URL to use an existing database.",
    )
}

/// The account a root-run portal hands the cluster to: `postgres`, else `nobody`.
fn unprivileged_user() -> anyhow::Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
    for wanted in ["postgres", "nobody"] {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() > 3 && fields[0] == wanted {
                let uid = fields[2].parse().context("uid in /etc/passwd")?;
                let gid = fields[3].parse().context("gid in /etc/passwd")?;
                return Ok((uid, gid));
            }
        }
    }
    bail!("running as root, but there is no `postgres` user to run the private cluster as")
}
