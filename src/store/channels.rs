//! What staff intake and the other channels add to a request: how it came, who
//! entered it, the format the consumer asked for, a guardian's declaration.

use crate::domain::lang::Lang;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::kinds::{Channel, RequestKind, ResponseFormat};

/// The channel facts of one request, as its staff page shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facts {
    pub has_email: bool,
    pub browser_only: bool,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    pub response_format: Option<String>,
    pub response_format_note: Option<String>,
    pub entered_by: Option<String>,
    pub received_note: Option<String>,
    pub guardian_declared_at: Option<DateTime<Utc>>,
}

impl Facts {
    pub fn format(&self) -> Option<ResponseFormat> {
        self.response_format
            .as_deref()
            .and_then(|f| ResponseFormat::parse(f).ok())
    }

    pub fn staff_entered(&self) -> bool {
        self.channel.is_staff_entered()
    }
}

pub async fn facts(pool: &PgPool, request_id: Uuid) -> Result<Option<Facts>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.email IS NOT NULL AS has_email,
                (r.email IS NULL AND r.browser_id IS NOT NULL) AS browser_only,
                r.channel, r.response_format, r.response_format_note, s.email AS entered_by,
                r.received_note, r.guardian_declared_at
         FROM requests r LEFT JOIN staff_users s ON s.id = r.entered_by
         WHERE r.id = $1",
    )
    .bind(request_id)
    .fetch_optional(pool)
    .await
}

/// What a receipt letter prints.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Letter {
    pub id: uuid::Uuid,
    pub tracking_code: String,
    #[sqlx(try_from = "String")]
    pub kind: RequestKind,
    pub full_name: Option<String>,
    pub address: Option<String>,
    pub received_at: DateTime<Utc>,
    pub confirm_by: Option<NaiveDate>,
    pub respond_by: Option<NaiveDate>,
    pub extended_respond_by: Option<NaiveDate>,
    pub comply_by: Option<NaiveDate>,
    pub response_format: Option<String>,
    /// The consumer's language, which the letter is written in.
    #[sqlx(try_from = "String")]
    pub language: Lang,
}

pub async fn letter(pool: &PgPool, code: &str) -> Result<Option<Letter>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, tracking_code, kind, full_name, address, received_at, confirm_by, respond_by,
                extended_respond_by, comply_by, response_format, language
         FROM requests WHERE tracking_code = $1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await
}
