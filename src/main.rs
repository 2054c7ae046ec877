use clap::{Parser, Subcommand};
use rightsdesk::config::Settings;
use rightsdesk::startup;

/// Receive, track and answer California consumer-rights requests.
#[derive(Parser)]
#[command(name = "rightsdesk", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (the default).
    Serve {
        /// Serve the web tier only, with no background worker in this process.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run the background worker only: e-mail delivery and deadline sweeps.
    Worker {
        /// Run one deadline sweep, print what it did and how long it took, and stop.
        #[arg(long, conflicts_with = "drain")]
        sweep_once: bool,
        /// Deliver everything queued now, print the rate, and stop.
        #[arg(long)]
        drain: bool,
    },
    /// Bring the database schema up to date, then stop.
    Migrate,
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Register authorized agents (Data Rights Protocol).
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// API tokens for business systems (the API under /api/v1).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Recipients decisions are passed on to (service providers, contractors, third
    /// parties, internal systems).
    Recipient {
        #[command(subcommand)]
        command: RecipientCommand,
    },
    /// Data Rights Protocol helpers.
    Drp {
        #[command(subcommand)]
        command: DrpCommand,
    },
    /// Reports for the regulator and the privacy policy.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Check the configuration and print it with secrets masked; non-zero exit on a
    /// problem.
    CheckConfig {
        /// Also reach the SMTP server (EHLO, NOOP) and the database.
        #[arg(long)]
        connect: bool,
    },
    /// Write the whole database to FILE (PostgreSQL's custom dump format).
    Backup { file: std::path::PathBuf },
    /// Restore a backup into a database that holds no requests yet.
    Restore { file: std::path::PathBuf },
    /// Remove personal information past its retention now, as the worker does daily,
    /// and print what went, item by item.
    Purge {
        /// Count what would go, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Insert synthetic data for benchmarks.
    Seed {
        /// How many requests to insert.
        #[arg(long, default_value_t = 0)]
        requests: i64,
        /// How many of them need the worker's attention.
        #[arg(long, default_value_t = 1000)]
        due: i64,
        /// How many e-mails to queue in the outbox.
        #[arg(long, default_value_t = 0)]
        messages: i64,
    },
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The yearly request metrics (reg. §7102) for requests received in YEAR.
    Metrics {
        #[arg(long)]
        year: i32,
        #[arg(long, default_value = "text", value_parser = ["text", "csv", "json", "html"])]
        format: String,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Create a staff account. The password is read from standard input when it is not a
    /// terminal; otherwise one is generated and printed once.
    Add {
        email: String,
        #[arg(long, value_parser = ["admin", "reviewer"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Register an agent organisation by its DRP id.
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// The agent's Ed25519 public key: base64 of 32 bytes, or the 64 hex digits of
        /// the DRP directory.
        #[arg(long)]
        verify_key: String,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        web_url: Option<String>,
        /// Take the agent's `*_verified` claims as matched data points.
        #[arg(long)]
        trusted: bool,
    },
    /// Check signed bodies, one per line of FILE, against an agent's public key: how
    /// many verify, and what verifying one costs.
    CheckSignatures {
        file: std::path::PathBuf,
        /// The agent's Ed25519 public key, in either form `agent add` takes.
        #[arg(long)]
        verify_key: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (only its hash is kept).
    Add {
        name: String,
        /// One or more of suppressions:read, tasks:write, events:read, comma-separated.
        #[arg(long, required = true)]
        scope: String,
        /// Bind the token to one downstream recipient, by its name: it then completes
        /// only that recipient's tasks.
        #[arg(long, value_name = "RECIPIENT_NAME")]
        recipient: Option<String>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke the live token with this name.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum RecipientCommand {
    /// Add a recipient. A webhook's signing secret is printed once.
    Add {
        name: String,
        #[arg(long, value_parser = ["internal", "service_provider", "contractor", "third_party"])]
        role: String,
        /// The request kinds it acts on: delete, correct, opt_out, limit_sensitive.
        #[arg(long, value_delimiter = ',', required = true)]
        kinds: Vec<String>,
        /// Told by e-mail, with a link to confirm each task.
        #[arg(long, group = "told")]
        email: Option<String>,
        /// Told by a signed webhook (Standard Webhooks).
        #[arg(long, group = "told")]
        webhook: Option<String>,
        /// Staff pass its tasks on by hand.
        #[arg(long, group = "told")]
        manual: bool,
        /// Also send it every lifecycle event (webhook recipients).
        #[arg(long)]
        events: bool,
    },
    /// List recipients.
    List,
    /// Stop passing new tasks to a recipient; its open tasks stay.
    Deactivate { name: String },
    /// Give a webhook recipient a new signing secret, printed once.
    RotateSecret { name: String },
    /// Deliver every task due now, print the rate, and stop.
    Drain,
}

#[derive(Subcommand)]
enum DrpCommand {
    /// Print this business's entry for the DRP directory (JSON).
    DirectoryEntry,
}

fn main() -> anyhow::Result<()> {
    rightsdesk::logging::init()?;
    let cli = Cli::parse();
    let (settings, effective) = Settings::load_effective()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
            Command::Serve { no_worker } => startup::serve(settings, !no_worker).await,
            Command::Worker { sweep_once, drain } => match (sweep_once, drain) {
                (true, _) => startup::sweep_once(settings).await,
                (_, true) => startup::drain(settings).await,
                _ => startup::work(settings).await,
            },
            Command::Migrate => startup::migrate(settings).await,
            Command::Backup { file } => rightsdesk::backup::backup(settings, &file).await,
            Command::Restore { file } => rightsdesk::backup::restore(settings, &file).await,
            Command::CheckConfig { connect } => {
                startup::check_config(settings, &effective, connect).await
            }
            Command::Agent {
                command:
                    AgentCommand::Add {
                        id,
                        name,
                        verify_key,
                        contact,
                        web_url,
                        trusted,
                    },
            } => {
                let agent = rightsdesk::store::agents::Agent {
                    id,
                    name,
                    verify_key,
                    contact,
                    web_url,
                    trusted,
                };
                startup::add_agent(settings, agent).await
            }
            Command::Agent {
                command: AgentCommand::CheckSignatures { file, verify_key },
            } => check_signatures(&file, &verify_key),
            Command::Recipient { command } => recipient(settings, command).await,
            Command::Drp {
                command: DrpCommand::DirectoryEntry,
            } => {
                let entry = rightsdesk::service::drp::directory_entry_json(&settings)
                    .map_err(|problem| anyhow::anyhow!(problem))?;
                println!("{}", serde_json::to_string_pretty(&entry)?);
                Ok(())
            }
            Command::Token { command } => match command {
                TokenCommand::Add {
                    name,
                    scope,
                    recipient,
                } => {
                    rightsdesk::token_cli::add(settings, &name, &scope, recipient.as_deref()).await
                }
                TokenCommand::List => rightsdesk::token_cli::list(settings).await,
                TokenCommand::Revoke { name } => {
                    rightsdesk::token_cli::revoke(settings, &name).await
                }
            },
            Command::Staff {
                command: StaffCommand::Add { email, role },
            } => startup::add_staff(settings, &email, &role).await,
            Command::Report {
                command: ReportCommand::Metrics { year, format },
            } => startup::report_metrics(settings, year, &format).await,
            Command::Purge { dry_run } => startup::purge(settings, dry_run).await,
            Command::Seed {
                requests,
                due,
                messages,
            } => startup::seed(settings, requests, due, messages).await,
        }
    })
}

async fn recipient(settings: Settings, command: RecipientCommand) -> anyhow::Result<()> {
    use rightsdesk::recipient_commands::{self as commands, Add, Told};
    match command {
        RecipientCommand::Add {
            name,
            role,
            kinds,
            email,
            webhook,
            manual,
            events,
        } => {
            let told = match (email, webhook, manual) {
                (Some(address), None, false) => Told::Email(address),
                (None, Some(url), false) => Told::Webhook(url),
                (None, None, true) => Told::Manual,
                _ => anyhow::bail!("say how it is told: --email ADDR, --webhook URL or --manual"),
            };
            let add = Add {
                name,
                role,
                kinds,
                told,
                events,
            };
            commands::add(settings, add).await
        }
        RecipientCommand::List => commands::list(settings).await,
        RecipientCommand::Deactivate { name } => commands::deactivate(settings, &name).await,
        RecipientCommand::RotateSecret { name } => commands::rotate_secret(settings, &name).await,
        RecipientCommand::Drain => commands::drain(settings).await,
    }
}

/// Verifies every signed body in `file` and prints how many verified and the time each
/// verification took on average.
fn check_signatures(file: &std::path::Path, verify_key: &str) -> anyhow::Result<()> {
    let key = rightsdesk::domain::drp::parse_verify_key(verify_key).ok_or_else(|| {
        anyhow::anyhow!(
            "--verify-key: not an Ed25519 public key (base64 of 32 bytes or 64 hex digits)"
        )
    })?;
    let text =
        std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let bodies: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let started = std::time::Instant::now();
    let verified = bodies
        .iter()
        .filter(|body| rightsdesk::domain::drp::verified_message(body.as_bytes(), &key).is_ok())
        .count();
    let each_us = started.elapsed().as_secs_f64() * 1e6 / bodies.len().max(1) as f64;
    println!(
        "{verified} of {} signed bodies verified; {each_us:.1} µs per body (decoding and verifying)",
        bodies.len()
    );
    Ok(())
}
