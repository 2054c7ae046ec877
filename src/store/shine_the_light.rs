//! "Shine the Light" rows: the business's yearly record of direct-marketing
//! disclosures, the answer each request was sent (kept as sent), the link between a
//! customer's requests of one year, and the clock's flag.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::shine_the_light::{Answer, Earlier, ThirdParty, YearRecord};
use crate::domain::tracking::TrackingCode;

/// A third party as kept, with the id its remove button names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub examples: Option<String>,
}

/// One year's record as admins see and edit it, complete or not.
#[derive(Debug, Clone, Default)]
pub struct YearView {
    pub year: i32,
    pub exists: bool,
    pub nothing_disclosed: bool,
    pub categories: Vec<String>,
    pub third_parties: Vec<PartyRow>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl YearView {
    /// The record, when it is complete enough to answer with.
    pub fn record(&self) -> Option<YearRecord> {
        YearRecord::from_parts(
            self.nothing_disclosed,
            self.categories.clone(),
            self.third_parties
                .iter()
                .map(|p| ThirdParty {
                    name: p.name.clone(),
                    address: p.address.clone(),
                    examples: p.examples.clone(),
                })
                .collect(),
        )
    }
}

/// The year's record as it stands.
pub async fn year(conn: &mut PgConnection, year: i32) -> Result<YearView, sqlx::Error> {
    let head: Option<(bool, Vec<String>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT nothing_disclosed, categories, updated_at FROM stl_years WHERE year = $1",
    )
    .bind(year)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((nothing_disclosed, categories, updated_at)) = head else {
        return Ok(YearView {
            year,
            ..YearView::default()
        });
    };
    let third_parties = sqlx::query_as(
        "SELECT id, name, address, examples FROM stl_third_parties WHERE year = $1 ORDER BY id",
    )
    .bind(year)
    .fetch_all(&mut *conn)
    .await?;
    Ok(YearView {
        year,
        exists: true,
        nothing_disclosed,
        categories,
        third_parties,
        updated_at: Some(updated_at),
    })
}

/// Every year with a record, newest first, and whether it is complete.
pub async fn years(pool: &PgPool) -> Result<Vec<(i32, bool)>, sqlx::Error> {
    sqlx::query_as("SELECT year, complete FROM stl_years ORDER BY year DESC")
        .fetch_all(pool)
        .await
}

/// The years whose record is complete.
pub async fn complete_years(conn: &mut PgConnection) -> Result<Vec<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT year FROM stl_years WHERE complete")
        .fetch_all(conn)
        .await
}

/// Takes the year's row under lock, creating it if needed, for one change.
pub async fn lock_year(
    conn: &mut PgConnection,
    year: i32,
    staff: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stl_years (year, updated_at, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (year) DO UPDATE SET updated_at = $2, updated_by = $3",
    )
    .bind(year)
    .bind(now)
    .bind(staff)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_categories(
    conn: &mut PgConnection,
    year: i32,
    categories: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stl_years SET categories = $2 WHERE year = $1")
        .bind(year)
        .bind(categories)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_nothing_disclosed(
    conn: &mut PgConnection,
    year: i32,
    nothing: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stl_years SET nothing_disclosed = $2 WHERE year = $1")
        .bind(year)
        .bind(nothing)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_third_party(
    conn: &mut PgConnection,
    year: i32,
    party: &ThirdParty,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stl_third_parties (year, name, address, examples, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(year)
    .bind(&party.name)
    .bind(&party.address)
    .bind(&party.examples)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes one third party of `year`; false when there is no such one.
pub async fn remove_third_party(
    conn: &mut PgConnection,
    year: i32,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM stl_third_parties WHERE year = $1 AND id = $2")
        .bind(year)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores whether the year's record is complete, as the domain judged it.
pub async fn set_complete(
    conn: &mut PgConnection,
    year: i32,
    complete: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE stl_years SET complete = $2 WHERE year = $1")
        .bind(year)
        .bind(complete)
        .execute(conn)
        .await?;
    Ok(())
}

/// The customer's other "Shine the Light" requests (one customer: one address,
/// case-insensitively), with the day each was received in the business's time zone,
/// whether it is open and whether it was sent the year's answer.
pub async fn earlier(
    conn: &mut PgConnection,
    email: &str,
    tz: chrono_tz::Tz,
) -> Result<Vec<Earlier<(Uuid, TrackingCode)>>, sqlx::Error> {
    let rows: Vec<(Uuid, String, DateTime<Utc>, bool, bool)> = sqlx::query_as(
        "SELECT r.id, r.tracking_code, r.received_at, r.closed_at IS NULL,
                EXISTS (SELECT 1 FROM stl_answers a WHERE a.request_id = r.id)
         FROM requests r
         WHERE lower(r.email) = lower($1) AND r.kind = 'shine_the_light'
         ORDER BY r.received_at",
    )
    .bind(email.trim())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, code, received_at, open, answered)| {
            let code = TrackingCode::parse(&code).ok_or_else(|| {
                sqlx::Error::Decode("a stored tracking code does not parse".into())
            })?;
            Ok(Earlier {
                id: (id, code),
                received_on: received_at.with_timezone(&tz).date_naive(),
                open,
                answered,
            })
        })
        .collect()
}

/// Serialises one customer's filings, so two sent at once cannot both be the first of
/// the year. Held until the transaction ends.
pub async fn lock_customer(conn: &mut PgConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('stl:' || lower($1), 17))")
        .bind(email.trim())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn link(conn: &mut PgConnection, request: Uuid, first: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO stl_links (request_id, first_id) VALUES ($1, $2)")
        .bind(request)
        .bind(first)
        .execute(conn)
        .await?;
    Ok(())
}

/// The open requests linked to `first`, to be answered with it.
pub async fn linked_open(conn: &mut PgConnection, first: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.request_id FROM stl_links l JOIN requests r ON r.id = l.request_id
         WHERE l.first_id = $1 AND r.closed_at IS NULL ORDER BY r.received_at",
    )
    .bind(first)
    .fetch_all(conn)
    .await
}

/// The request an open one was linked to, with its tracking code.
pub async fn linked_to(
    conn: &mut PgConnection,
    request: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.tracking_code FROM stl_links l JOIN requests r ON r.id = l.first_id
         WHERE l.request_id = $1",
    )
    .bind(request)
    .fetch_optional(conn)
    .await
}

/// Keeps the answer a request was sent, as sent.
pub async fn save_answer(
    conn: &mut PgConnection,
    request: Uuid,
    answer: &Answer,
    body_text: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stl_answers (request_id, year, answer, body_text, sent_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request)
    .bind(answer.year())
    .bind(encode(answer))
    .bind(body_text)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The answer kept with a request: what it said, the text sent, and when.
pub struct StoredAnswer {
    pub answer: Answer,
    pub body_text: String,
    pub sent_at: DateTime<Utc>,
}

pub async fn answer_of(
    conn: &mut PgConnection,
    request: Uuid,
) -> Result<Option<StoredAnswer>, sqlx::Error> {
    let row: Option<(Value, String, DateTime<Utc>)> =
        sqlx::query_as("SELECT answer, body_text, sent_at FROM stl_answers WHERE request_id = $1")
            .bind(request)
            .fetch_optional(conn)
            .await?;
    row.map(|(answer, body_text, sent_at)| {
        Ok(StoredAnswer {
            answer: decode(&answer).ok_or_else(|| {
                sqlx::Error::Decode("a stored Shine the Light answer does not decode".into())
            })?,
            body_text,
            sent_at,
        })
    })
    .transpose()
}

fn encode(answer: &Answer) -> Value {
    match answer {
        Answer::Record {
            year,
            record: YearRecord::NothingDisclosed,
        } => json!({ "year": year, "mode": "nothing_disclosed" }),
        Answer::Record {
            year,
            record:
                YearRecord::Disclosed {
                    categories,
                    third_parties,
                },
        } => json!({
            "year": year,
            "mode": "disclosed",
            "categories": categories,
            "third_parties": third_parties.iter().map(|p| json!({
                "name": p.name, "address": p.address, "examples": p.examples,
            })).collect::<Vec<_>>(),
        }),
        Answer::OptOutChoice { year, opt_out_url } => {
            json!({ "year": year, "mode": "opt_out_choice", "opt_out_url": opt_out_url })
        }
    }
}

fn decode(v: &Value) -> Option<Answer> {
    let year = i32::try_from(v.get("year")?.as_i64()?).ok()?;
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    match v.get("mode")?.as_str()? {
        "nothing_disclosed" => Some(Answer::Record {
            year,
            record: YearRecord::NothingDisclosed,
        }),
        "disclosed" => {
            let categories = v
                .get("categories")?
                .as_array()?
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()?;
            let third_parties = v
                .get("third_parties")?
                .as_array()?
                .iter()
                .map(|p| {
                    Some(ThirdParty {
                        name: text(p, "name")?,
                        address: text(p, "address")?,
                        examples: text(p, "examples"),
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Answer::Record {
                year,
                record: YearRecord::Disclosed {
                    categories,
                    third_parties,
                },
            })
        }
        "opt_out_choice" => Some(Answer::OptOutChoice {
            year,
            opt_out_url: text(v, "opt_out_url")?,
        }),
        _ => None,
    }
}

/// Marks the request as received at an address the business did not designate and
/// moves its answer's due date.
pub async fn mark_undesignated(
    conn: &mut PgConnection,
    request: Uuid,
    respond_by: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE requests SET stl_undesignated_address = true, respond_by = $2, updated_at = $3,
             stl_record_alerted_at = NULL
         WHERE id = $1",
    )
    .bind(request)
    .bind(respond_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the request was marked as received at an undesignated address.
pub async fn undesignated(conn: &mut PgConnection, request: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT stl_undesignated_address FROM requests WHERE id = $1")
        .bind(request)
        .fetch_one(conn)
        .await
}

/// A request the record sweep looks at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: Uuid,
    pub tracking_code: String,
    pub received_at: DateTime<Utc>,
    pub due_on: Option<NaiveDate>,
}

/// Open requests due by `by` whose year's record was not checked yet, locked so a second
/// worker skips them.
pub async fn due_for_record_check(
    conn: &mut PgConnection,
    by: NaiveDate,
    limit: i64,
) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, tracking_code, received_at, due_on FROM requests
         WHERE kind = 'shine_the_light' AND closed_at IS NULL AND stl_record_alerted_at IS NULL
           AND due_on <= $1
         ORDER BY due_on LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .bind(by)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn stamp_record_checked(
    conn: &mut PgConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE requests SET stl_record_alerted_at = $2 WHERE id = ANY($1)")
        .bind(ids)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Among `ids`, the requests staff were alerted about whose year's record is still
/// missing: the queue marks them.
pub async fn still_missing(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.id FROM requests r
         WHERE r.id = ANY($1) AND r.kind = 'shine_the_light' AND r.closed_at IS NULL
           AND EXISTS (SELECT 1 FROM request_events e
                       WHERE e.request_id = r.id AND e.action = 'stl_record_missing'
                         AND NOT EXISTS (SELECT 1 FROM stl_years y
                                         WHERE y.complete AND y.year = (e.data->>'year')::int))",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_answer_reads_back_as_sent() {
        let answers = [
            Answer::Record {
                year: 2025,
                record: YearRecord::NothingDisclosed,
            },
            Answer::Record {
                year: 2025,
                record: YearRecord::Disclosed {
                    categories: vec!["Name".into()],
                    third_parties: vec![ThirdParty {
                        name: "Acme".into(),
                        address: "1 Main St".into(),
                        examples: None,
                    }],
                },
            },
            Answer::OptOutChoice {
                year: 2024,
                opt_out_url: "https://example.com/x".into(),
            },
        ];
        for a in answers {
            assert_eq!(decode(&encode(&a)), Some(a));
        }
        assert_eq!(decode(&json!({ "year": 2025, "mode": "?" })), None);
    }
}
