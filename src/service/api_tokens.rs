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
        Err(err) => Err(err.into()),
    }
}
