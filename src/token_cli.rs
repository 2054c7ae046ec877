//! `rightsdesk token add|list|revoke`: API tokens from the command line, for setting up
//! a business system before anyone signs in to the console. `add` prints the token once,
//! on standard output alone, so a script can capture it.

use anyhow::Context;

use crate::config::Settings;
use crate::domain::api::{Scope, TokenName};
use crate::service::api_tokens::{self, IssueError, RecipientNamed};
use crate::startup::open_database;
use crate::store;

/// `token add NAME --scope SCOPE[,SCOPE] [--recipient RECIPIENT_NAME]`.
pub async fn add(
    settings: Settings,
    name: &str,
    scopes: &str,
    recipient: Option<&str>,
) -> anyhow::Result<()> {
    let name = TokenName::parse(name).map_err(|e| anyhow::anyhow!("NAME: {e}"))?;
    let scopes = Scope::parse_list(scopes).map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
    let db = open_database(&settings).await?;
    let recipient = match recipient {
        None => None,
        Some(named) => match api_tokens::recipient_named(&db.pool, named).await {
            Ok(id) => Some(id),
            Err(RecipientNamed::Db(err)) => {
                db.close().await;
                return Err(err).context("looking the recipient up");
            }
            Err(err) => {
                db.close().await;
                anyhow::bail!("--recipient: {err}");
            }
        },
    };
    let issued = api_tokens::issue(
        &db.pool,
        &name,
        &scopes,
        recipient,
        None,
        chrono::Utc::now(),
    )
    .await;
    db.close().await;
    match issued {
        Ok(issued) => {
            let scopes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
            eprintln!(
                "Created API token {:?} ({}). It is printed once, below; only its hash is kept.",
                name.as_str(),
                scopes.join(", ")
            );
            println!("{}", issued.token.expose());
            Ok(())
        }
        Err(err @ IssueError::NameTaken(_)) => Err(anyhow::anyhow!(err)),
        // Deleted between the look-up and the insert.
        Err(IssueError::NoSuchRecipient) => anyhow::bail!("--recipient: it no longer exists"),
        Err(IssueError::Db(err)) => Err(err).context("creating the API token"),
    }
}

/// `token list`: one line a token, tab-separated, never the token itself.
pub async fn list(settings: Settings) -> anyhow::Result<()> {
    let db = open_database(&settings).await?;
    let tokens = store::api_tokens::all(&db.pool).await;
    db.close().await;
    println!("name\tscopes\trecipient\tcreated\tlast used\tstate");
    for t in tokens.context("listing API tokens")? {
        let scopes: Vec<&str> = t.scopes.iter().map(|s| s.code()).collect();
        let when = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%dT%H:%MZ").to_string();
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            t.name,
            scopes.join(","),
            t.recipient.as_deref().unwrap_or("-"),
            when(t.created_at),
            t.last_used_at.map_or_else(|| "never".into(), when),
            t.revoked_at
                .map_or_else(|| "live".into(), |at| format!("revoked {}", when(at))),
        );
    }
    Ok(())
}

/// `token revoke NAME`: the live token of that name stops opening the API at once.
pub async fn revoke(settings: Settings, name: &str) -> anyhow::Result<()> {
    let name = TokenName::parse(name).map_err(|e| anyhow::anyhow!("NAME: {e}"))?;
    let db = open_database(&settings).await?;
    let revoked = store::api_tokens::revoke_named(&db.pool, &name, chrono::Utc::now()).await;
    db.close().await;
    if revoked.context("revoking the API token")? {
        println!("Revoked API token {:?}.", name.as_str());
        Ok(())
    } else {
        anyhow::bail!("no live API token is named {:?}", name.as_str())
    }
}
