//! Issuing and revoking API tokens, for the console and the command line alike: the
//! token is generated here, stored as its hash, and handed back once.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::api::{NewApiToken, Scope, TokenName};
use crate::store::{self, api_tokens::NewToken};

/// A token just made: the only time its raw form exists outside the client.
pub struct Issued {
    pub id: i64,
    pub token: NewApiToken,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("a live token is already named {0:?}; revoke it or choose another name")]
    NameTaken(String),
    #[error("there is no such recipient")]
    NoSuchRecipient,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Makes a token. `created_by` is the staff member, none for the command line.
pub async fn issue(
    pool: &PgPool,
    name: &TokenName,
    scopes: &[Scope],
    recipient_id: Option<i64>,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Issued, IssueError> {
    let token = NewApiToken::generate();
    let new = NewToken {
        name,
        scopes,
        recipient_id,
        created_by,
    };
    match store::api_tokens::add(pool, &new, token.hash(), now).await {
        Ok(id) => Ok(Issued { id, token }),
        Err(err) if store::violates(&err, store::api_tokens::LIVE_NAME_KEY) => {
            Err(IssueError::NameTaken(name.as_str().to_string()))
        }
        Err(err) if store::violates(&err, store::api_tokens::RECIPIENT_KEY) => {
            Err(IssueError::NoSuchRecipient)
        }
        Err(err) => Err(err.into()),
    }
}

/// Why a recipient's name given for a token names no one recipient.
#[derive(Debug, thiserror::Error)]
pub enum RecipientNamed {
    #[error("no recipient is named {0:?} (`rightsdesk recipient list` shows them)")]
    None(String),
    #[error("no recipient is named {name:?}; give one of these names in full: {}", .candidates.join(", "))]
    Partial {
        name: String,
        candidates: Vec<String>,
    },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The id of the recipient named `name` (without case). A name that is only part of
/// some recipients' names binds none of them, and says which they are.
pub async fn recipient_named(pool: &PgPool, name: &str) -> Result<i64, RecipientNamed> {
    let name = name.trim();
    if name.is_empty() {
        return Err(RecipientNamed::None(String::new()));
    }
    let found = store::recipients::matching(pool, name, 6).await?;
    match found.first() {
        Some(r) if r.name.to_lowercase() == name.to_lowercase() => Ok(r.id),
        None => Err(RecipientNamed::None(name.to_string())),
        Some(_) => Err(RecipientNamed::Partial {
            name: name.to_string(),
            candidates: found.into_iter().map(|r| r.name).collect(),
        }),
    }
}
